"""What the outcome commands share: one line for a file with only a header, a warning for the rows they leave out."""

from __future__ import annotations

import pytest


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


@pytest.mark.parametrize("command", ["evaluate", "describe"])
def test_evaluate_and_describe_warn_about_rows_left_out(command, cli, cohort_text, write_file):
    frame = cohort_text(300, seed=6)
    frame.loc[1, "age"] = "abc"
    frame.loc[7, "nerve"] = "kneecap"
    path = write_file(frame, "bad.csv")
    args = ("evaluate", "default", path, "--bootstrap", "0") if command == "evaluate" else ("describe", path)
    res = cli(*args)
    assert res.exit_code == 0, res.output
    warning = [line for line in res.stderr.splitlines() if line.startswith("Warning:")]
    assert warning == ["Warning: 2 rows left out as invalid (first: row 2: age: abc is not a number)"]
