"""`regen predict`: the JSON contract, the table, one error line, booking dates, fronts, a clinic model, the plot."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

PNG = b"\x89PNG\r\n\x1a\n"


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


def test_predict_invents_no_patient_id(cli):
    out = cli("predict", "--nerve", "GON").stdout
    assert "patient" not in out.splitlines()[0]
    assert json.loads(cli("predict", "--nerve", "GON", "--format", "json").stdout)["patient_id"] == ""


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


def test_usage_error_exits_2(cli):
    res = cli("predict", "--age", "64")
    assert res.exit_code == 2


def test_freeze_warning_is_shown(cli):
    res = cli("predict", "--nerve", "SLGN", "--probe-temp-c", "-10")
    assert res.exit_code == 0 and "unreliable" in res.stdout


@pytest.mark.parametrize(
    "patient",
    [
        ("--nerve", "SLGN", "--treated-on", "2026-03-14"),
        ("--nerve", "GON", "--age", "45", "--treated-on", "2026-10-01"),
    ],
    ids=["knee", "occipital"],
)
def test_table_and_json_give_the_same_plan_dates(cli, patient):
    """The table's next step (a call) and the pre-booking day carry the days and dates of the JSON."""
    row = json.loads(cli("predict", *patient, "--format", "json").stdout)
    table = cli("predict", *patient).stdout
    lines = table.splitlines()
    nxt = next(t for t in lines if t.startswith("Next step"))
    assert row["next_action"] == "call" and "call" in nxt and row["next_contact_date"] in nxt
    assert f"day {int(np.floor(row['next_contact_day'] + 0.5))}" in nxt
    book = next(t for t in lines if t.startswith("(pre-booking) book by"))
    assert row["retreatment_due_date"] in book and f"day {int(np.floor(row['retreatment_due_day'] + 0.5))}" in book
    assert row["retreatment_due_date"].startswith("2026-") and "Retreatment due" not in table


def test_the_table_dates_the_next_cycle_from_the_retreatment(cli):
    args = (
        "predict",
        "--nerve",
        "GON",
        "--age",
        "45",
        "--treated-on",
        "2026-02-10",
        "--relief-lost-day",
        "95",
        "--prior-relief-days",
        "120",
        "--prior-relief-days",
        "110",
    )
    row = json.loads(cli(*args, "--format", "json").stdout)
    line = next(t for t in cli(*args).stdout.splitlines() if t.startswith("Next cycle"))
    assert row["next_cycle_relief_end_median_date"] in line  # retreatment day + median, as the JSON
    expected = np.datetime64("2026-02-10") + np.timedelta64(
        95 + int(np.floor(row["next_cycle_relief_end_median_day"] + 0.5)), "D"
    )
    assert str(expected) == row["next_cycle_relief_end_median_date"]


def test_a_front_anchored_timeline_adds_up_and_says_the_fronts_were_used(cli):
    res = cli(
        "predict",
        "--nerve",
        "intercostal",
        "--indication",
        "intercostal_neuralgia",
        "--age",
        "58",
        "--front-mm",
        "40",
        "--front-day",
        "45",
        "--front-mm",
        "90",
        "--front-day",
        "80",
    )
    assert res.exit_code == 0, res.output
    timeline = next(t for t in res.stdout.splitlines() if t.startswith("Timeline"))
    assert "last regrowth front on day 80" in timeline and "initial delay" not in timeline
    assert "2 regrowth front(s) used" in res.stdout
    row = json.loads(
        cli(
            "predict",
            "--nerve",
            "intercostal",
            "--indication",
            "intercostal_neuralgia",
            "--age",
            "58",
            "--front-mm",
            "40",
            "--front-day",
            "45",
            "--front-mm",
            "90",
            "--front-day",
            "80",
            "--format",
            "json",
        ).stdout
    )
    assert row["anchor_day"] == 80 and row["initial_delay_days"] == 0
    assert row["arrival_median_day"] == pytest.approx(row["anchor_day"] + row["regrowth_days"], abs=0.2)


def test_a_nerve_without_skin_says_what_its_recovery_line_is(cli):
    out = cli("predict", "--nerve", "SLGN", "--age", "64").stdout
    assert "Nerve function back *" in out and "axons reach the target around day" in out
    assert "long responders (relief that never ends" in out


def test_a_clinic_model_rests_on_clinic_data(clinic_fits, cli):
    data, model, _ = clinic_fits["a"]
    frame = pd.read_csv(data)
    row = frame.iloc[0]
    res = cli(
        "predict", "--nerve", row["nerve"], "--indication", row["indication"], "--model", model, "--format", "json"
    )
    patients = int((frame["indication"] == row["indication"]).sum())
    assert json.loads(res.stdout)["evidence"] == f"indication: clinic data, {patients} patients"


def test_predict_plot_writes_a_readable_png(tmp_path, cli):
    path = tmp_path / "timeline.png"
    res = cli(
        "predict",
        "--nerve",
        "intercostal",
        "--age",
        "58",
        "--patient-id",
        "T-31",
        "--treated-on",
        "2026-01-05",
        "--relief-at-day",
        "120",
        "--plot",
        str(path),
    )
    assert res.exit_code == 0, res.output
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 30_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 640)
