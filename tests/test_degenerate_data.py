"""Issue 11 item 6: fit, evaluate and describe on data that cannot support them say what is missing, in one line."""

import json

import pytest

from regen.errors import RegenError

HEADER = "nerve,relief_last_seen_day,relief_lost_day\n"
DATA = {
    "one row": HEADER + "GON,30,60\n",
    "all censored": HEADER + "GON,30,\nGON,40,\nSLGN,50,\n",
    "all non-responders": HEADER + "GON,0,7\nGON,0,14\nSLGN,0,10\n",
    "no relief_lost_day column": "nerve,relief_last_seen_day\nGON,30\nGON,40\nSLGN,50\n",
}
OBSERVED = "whose relief end is observed (a responder with relief_lost_day given); the data have "


def _write(tmp_path, text):
    path = tmp_path / "outcomes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _one_line_error(res, start):
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"Error: {start}"), res.stderr


@pytest.mark.parametrize(
    ("case", "detail"),
    [
        ("one row", "1 (0 still relieved at last contact, 0 non-responders)"),
        ("all censored", "0 (3 still relieved at last contact, 0 non-responders)"),
        ("all non-responders", "0 (0 still relieved at last contact, 3 non-responders)"),
        (
            "no relief_lost_day column",
            "0 (3 still relieved at last contact, 0 non-responders); the table has no relief_lost_day column",
        ),
    ],
)
def test_fit_says_how_many_observed_relief_ends_it_needs(case, detail, cli, tmp_path):
    res = cli("fit", _write(tmp_path, DATA[case]), "-o", tmp_path / "m.json")
    _one_line_error(res, f"fitting relief end: need at least 3 rows {OBSERVED}{detail}")
    assert not (tmp_path / "m.json").exists() and not (tmp_path / "m.md").exists()


@pytest.mark.parametrize("case", ["all censored", "all non-responders", "no relief_lost_day column"])
def test_evaluate_says_what_is_missing(case, cli, tmp_path):
    res = cli("evaluate", "default", _write(tmp_path, DATA[case]), "--bootstrap", "0")
    _one_line_error(res, f"evaluating concordance: need at least 1 row {OBSERVED}0 (")


def test_evaluate_on_one_row_has_no_pair_to_compare(cli, tmp_path):
    res = cli("evaluate", "default", _write(tmp_path, DATA["one row"]), "--bootstrap", "0")
    _one_line_error(res, "evaluating concordance: need at least one pair of responders to compare")
    assert "the data have 1 responder, 1 with an observed relief end" in res.stderr


@pytest.mark.parametrize(
    ("case", "start"),
    [
        (
            "one row",
            "describing relief: need at least 2 responders in one indication; the data have 1 responder "
            "among 1 row (0 non-responders)",
        ),
        (
            "all non-responders",
            "describing relief: need at least 2 responders in one indication; the data have 0 "
            "responders among 3 rows (3 non-responders)",
        ),
    ],
)
def test_describe_without_responders_says_so(case, start, cli, tmp_path):
    _one_line_error(cli("describe", _write(tmp_path, DATA[case])), start)


@pytest.mark.parametrize("case", ["all censored", "no relief_lost_day column"])
def test_describe_prints_what_it_can_and_one_line_for_the_cox_model(case, cli, tmp_path):
    res = cli("describe", _write(tmp_path, DATA[case]))
    assert res.exit_code == 0, res.output
    assert "occipital_neuralgia" in res.stdout and "Traceback" not in res.output
    assert res.stderr.startswith(
        "Note: Cox model not fitted: fitting a Cox model of 4 terms (3 baseline knots): "
        "need at least 6 rows whose relief end is observed"
    )
    assert res.stderr.count("\n") == 1


def test_one_indication_fits_evaluates_and_describes(cli, tmp_path):
    rows = [f"GON,{20 + 3 * i},{40 + 5 * i}" for i in range(30)]
    path = _write(tmp_path, HEADER + "\n".join(rows) + "\n")
    res = cli("fit", path, "-o", tmp_path / "m.json", "--family", "lognormal")
    assert res.exit_code == 0, res.output
    assert "Warning: only 30 rows with an observed relief end" not in res.stderr  # 1 coefficient: enough
    res = cli("evaluate", tmp_path / "m.json", path, "--bootstrap", "5", "--format", "json")
    assert res.exit_code == 0, res.output
    assert "NaN" not in res.stdout
    out = json.loads(res.stdout)
    assert out["calibration"][0]["slope"] is None  # one bin: no slope, null in JSON
    assert cli("describe", path).exit_code == 0


def test_fit_warns_under_ten_observed_ends_per_coefficient(cli, tmp_path):
    rows = [f"GON,{20 + 3 * i},{40 + 5 * i},{30 + 2 * i}" for i in range(12)]
    path = _write(tmp_path, "nerve,relief_last_seen_day,relief_lost_day,age\n" + "\n".join(rows) + "\n")
    res = cli("fit", path, "-o", tmp_path / "m.json", "--family", "lognormal")
    assert res.exit_code == 0, res.output
    assert (
        "Warning: only 12 rows with an observed relief end for 2 coefficient(s) (about 10 per coefficient "
        "are needed for stable estimates)"
    ) in res.stderr
    res = cli("fit", path, "-o", tmp_path / "m2.json", "--family", "lognormal", "--no-covariates")
    assert res.exit_code == 0 and "Warning: only" not in res.stderr


def test_penalizer_inf_is_refused_by_the_library_too():
    import pandas as pd

    from regen.errors import InputError
    from regen.fitting.relief_model import ReliefModel

    frame = pd.DataFrame(
        {"nerve": ["GON"] * 4, "relief_last_seen_day": ["1", "2", "3", "4"], "relief_lost_day": ["5", "6", "7", "8"]}
    )
    for bad in (float("inf"), float("nan"), -1.0):
        with pytest.raises(InputError, match=r"penalizer: .* is not a finite number from 0"):
            ReliefModel(penalizer=bad).fit(frame)


def test_json_safe_never_writes_nan():
    from regen.utils.text import json_safe

    out = json.dumps(
        json_safe({"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": float("-inf")}}), allow_nan=False
    )
    assert out == '{"a": null, "b": [1.0, null], "c": {"d": null}}'


def test_fit_refuses_a_model_name_its_card_would_overwrite(cli, tmp_path):
    path = _write(tmp_path, DATA["one row"])
    res = cli("fit", path, "-o", tmp_path / "clinic.md")  # colliding outputs are a usage error
    assert res.exit_code == 2 and "--output and its card (--output with .md) are the same" in res.stderr
    card_in = tmp_path / "outcomes.md"
    card_in.write_text("x", encoding="utf-8")
    res = cli("fit", card_in, "-o", tmp_path / "outcomes.json")
    assert res.exit_code == 2 and "is also the input" in res.stderr
    assert card_in.read_text() == "x" and not (tmp_path / "outcomes.json").exists()
    from regen.fitting.fit_file import fit_file  # the library refuses it too

    with pytest.raises(RegenError, match="which would overwrite the model"):
        fit_file(path, tmp_path / "clinic.md")


@pytest.mark.parametrize("command", ["fit", "describe", "evaluate"])
def test_a_header_only_outcome_file_is_one_line(command, cli, tmp_path):
    src = tmp_path / "empty.csv"
    src.write_text("patient_id,nerve,age,responded,relief_last_seen_day,relief_lost_day\n")
    args = {
        "fit": ("fit", src, "-o", tmp_path / "m.json"),
        "describe": ("describe", src),
        "evaluate": ("evaluate", "default", src),
    }[command]
    res = cli(*args)
    assert res.exit_code == 1 and res.stderr == (
        "Error: the outcome file has no rows (only a header): nothing to fit or evaluate\n"
    ), res.output
