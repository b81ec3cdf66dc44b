"""`regen describe`: the Turnbull curves and the Cox table; one line when there are no responders, one note when
the Cox model cannot be fitted."""

from __future__ import annotations

import pytest


def test_describe_command(cli, cohort_csv):
    res = cli("describe", str(cohort_csv))
    assert res.exit_code == 0, res.output
    assert "occipital_neuralgia" in res.stdout and "spline baseline" in res.stdout


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
def test_describe_without_responders_says_so(case, start, cli, tmp_path, outcome_file, one_line_error):
    one_line_error(cli("describe", outcome_file(case)), start)


@pytest.mark.parametrize("case", ["all censored", "no relief_lost_day column"])
def test_describe_prints_what_it_can_and_one_line_for_the_cox_model(case, cli, tmp_path, outcome_file):
    res = cli("describe", outcome_file(case))
    assert res.exit_code == 0, res.output
    assert "occipital_neuralgia" in res.stdout and "Traceback" not in res.output
    assert res.stderr.startswith(
        "Note: Cox model not fitted: fitting a Cox model of 4 terms (3 baseline knots): "
        "need at least 6 rows whose relief end is observed"
    )
    assert res.stderr.count("\n") == 1
