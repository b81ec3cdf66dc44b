"""`regen predict` and `regen nerves`, invoked in-process."""

import json

import pytest


def test_predict_json_has_the_contract_keys(cli):
    res = cli("predict", "--nerve", "genicular_superolateral", "--age", "64", "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    for key in (
        "sensation_return_median_day",
        "sensation_return_p10_day",
        "sensation_return_p90_day",
        "relief_onset_day",
        "relief_end_median_day",
        "relief_end_p10_day",
        "relief_end_p90_day",
        "p_relief_90d",
        "p_relief_180d",
        "p_relief_365d",
        "retreatment_due_day",
        "retreatment_due_date",
        "model_version",
        "initial_delay_days",
        "regrowth_days",
        "terminal_delay_days",
    ):
        assert key in out, key
    assert out["sensation_return_p10_day"] < out["sensation_return_median_day"]
    assert out["sensation_return_median_day"] < out["sensation_return_p90_day"]
    assert out["relief_end_p10_day"] < out["relief_end_median_day"] < out["relief_end_p90_day"]
    assert out["retreatment_due_date"] == ""
    assert "@" in out["model_version"]


def test_predict_dates_follow_treated_on(cli):
    res = cli("predict", "--nerve", "SLGN", "--treated-on", "2026-03-14", "--format", "json")
    out = json.loads(res.stdout)
    import datetime as dt

    due = dt.date(2026, 3, 14) + dt.timedelta(days=int(out["retreatment_due_day"] + 0.5))
    assert out["retreatment_due_date"] == due.isoformat()


def test_predict_table_shows_intervals_model_and_disclaimer(cli):
    res = cli("predict", "--nerve", "intercostal", "--age", "58", "--treated-on", "2026-01-05")
    assert res.exit_code == 0, res.output
    for text in (
        "Return of sensation",
        "Relief end",
        "80 % interval",
        "model ",
        "not a medical device",
        "regrowth",
        "2026-",
    ):
        assert text in res.stdout


def test_alias_resolves(cli):
    res = cli("predict", "--nerve", "GON", "--format", "json")
    assert json.loads(res.stdout)["nerve"] == "greater_occipital"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nerve", "kneecap"], "Error: nerve: unknown nerve 'kneecap'; closest: "),
        (["--nerve", "SLGN", "--age", "120"], "Error: age: 120 is outside the accepted range (from 10 to 100 years)\n"),
        (["--nerve", "SLGN", "--age", "5"], "Error: age: 5 is outside the accepted range (from 10 to 100 years)\n"),
        (
            ["--nerve", "SLGN", "--distance-mm", "0"],
            "Error: distance_mm: 0 is outside the accepted range (from 1 to 2000 mm)\n",
        ),
        (
            ["--nerve", "SLGN", "--height-cm", "-170"],
            "Error: height_cm: -170 is outside the accepted range (from 100 to 250 cm)\n",
        ),
        (["--nerve", "SLGN", "--bmi", "0"], "Error: bmi: 0 is outside the accepted range (from 10 to 100 kg/m2)\n"),
        (
            ["--nerve", "SLGN", "--probe-temp-c", "5"],
            "Error: probe_temp_c: 5 is outside the accepted range (from -196 to 0 degC)\n",
        ),
        (
            ["--nerve", "SLGN", "--freeze-cycles", "0"],
            "Error: freeze_cycles: 0 is outside the accepted range (a whole number from 1 to 10 cycles)\n",
        ),
        (
            ["--nerve", "SLGN", "--treated-on", "2026-02-30"],
            "Error: treated_on: '2026-02-30' is not a date; use the ISO form YYYY-MM-DD",
        ),
        (
            ["--nerve", "SLGN", "--indication", "knee_pain"],
            "Error: indication: unknown indication 'knee_pain'; closest: ",
        ),
        (
            ["--nerve", "SLGN", "--model", "/nonexistent/model.json"],
            "Error: model file '/nonexistent/model.json' does not exist\n",
        ),
    ],
)
def test_bad_input_is_one_error_line_exit_1(args, message, cli):
    res = cli("predict", *args)
    assert res.exit_code == 1
    assert res.stderr.startswith(message)
    assert res.stderr.count("\n") == 1
    assert "Traceback" not in res.output


def test_unknown_nerve_suggests_closest_ids(cli):
    res = cli("predict", "--nerve", "genicular_superolatral")
    assert "genicular_superolateral" in res.stderr


def test_usage_error_exits_2(cli):
    res = cli("predict", "--age", "64")
    assert res.exit_code == 2


def test_crafted_model_file_is_refused(tmp_path, cli):
    bad = tmp_path / "m.json"
    bad.write_text('{"format": "regen-model", "format_version": 99}')
    res = cli("predict", "--nerve", "SLGN", "--model", str(bad))
    assert res.exit_code == 1
    assert "format version 99 is not supported" in res.stderr
    truncated = tmp_path / "t.json"
    truncated.write_text('{"format": "regen-mo')
    res = cli("predict", "--nerve", "SLGN", "--model", str(truncated))
    assert res.exit_code == 1 and "not valid JSON" in res.stderr


def test_freeze_warning_is_shown(cli):
    res = cli("predict", "--nerve", "SLGN", "--probe-temp-c", "-10")
    assert res.exit_code == 0 and "unreliable" in res.stdout


def test_nerves_json_lists_catalog(cli):
    res = cli("nerves", "--format", "json")
    rows = json.loads(res.stdout)
    ids = {r["id"] for r in rows}
    assert {"genicular_superolateral", "intercostal", "pudendal", "superior_cluneal"} <= ids
    for r in rows:
        assert {"id", "indications", "default_distance_mm", "source"} <= set(r)
        assert r["default_distance_mm"] > 0 and r["source"]


def test_nerves_table(cli):
    res = cli("nerves")
    assert res.exit_code == 0 and "genicular_superolateral" in res.stdout


def test_help_has_examples_and_disclaimer(cli):
    res = cli("predict", "--help")
    assert "Example: regen predict" in res.stdout and "not a medical device" in res.stdout


def test_predict_path_keeps_heavy_libraries_out():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from regen.cli import app\n"
        "r = CliRunner().invoke(app, ['predict', '--nerve', 'SLGN', '--format', 'json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = {'pandas', 'scipy', 'sklearn', 'lifelines', 'matplotlib'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"
