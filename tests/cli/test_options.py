"""Option values (regen.cli.options): NaN, infinity, underscores, fractions where a count is due and bad dates
are usage errors (exit 2) naming the option."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "args",
    [
        ["--age", "nan"],
        ["--age", "inf"],
        ["--age", "1_0"],
        ["--age", "６４"],
        ["--height-cm", "-inf"],
        ["--relief-lost-day", "nan"],
        ["--relief-at-day", "1_00"],
        ["--front-mm", "nan", "--front-day", "30"],
        ["--front-mm", "10", "--front-mm", "1_0", "--front-day", "30", "--front-day", "40"],
        ["--prior-relief-days", "inf"],
        ["--book-at-risk", "nan"],
        ["--freeze-cycles", "1_0"],
        ["--freeze-cycles", "2.5"],
        ["--prior-treatments", "nan"],
        ["--distance-mm", "1e999"],
    ],
)
def test_nan_inf_and_underscores_on_predict_options_are_usage_errors(args, cli):
    res = cli("predict", "--nerve", "GON", *args)
    assert res.exit_code == 2, res.output
    assert "is not a number" in res.output or "is not a whole number" in res.output
    assert res.stdout == ""


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("fit", ["--penalizer", "inf"]),
        ("fit", ["--penalizer", "nan"]),
        ("fit", ["--penalizer", "-1"]),
        ("simulate", ["-n", "1_000"]),
        ("simulate", ["--seed", "nan"]),
        ("evaluate", ["--bootstrap", "1_0"]),
    ],
)
def test_nan_inf_and_underscores_on_other_options_are_usage_errors(command, args, cli, tmp_path):
    positional = {
        "fit": ["in.csv", "-o", tmp_path / "m.json"],
        "simulate": ["-o", tmp_path / "c.csv"],
        "evaluate": ["default", "in.csv"],
    }[command]
    res = cli(command, *positional, *args)
    assert res.exit_code == 2, res.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("today", "message"),
    [
        ("2026-03-14garbage", "is not a date"),
        ("1773446400", "is not a date"),
        ("9999-12-31", "is outside the years"),
        ("", "give a date YYYY-MM-DD"),
        ("25/11/2026", "is not a date"),
    ],
)
def test_report_today_uses_the_same_date_parser(today, message, cli, tmp_path):
    """A bad --today is a usage error (exit 2) naming the option, from the one date parser."""
    res = cli("report", tmp_path / "scored.csv", "-o", tmp_path / "r.html", "--today", today)
    assert res.exit_code == 2
    assert "Invalid value for '--today'" in res.stderr and message in res.stderr
    assert not (tmp_path / "r.html").exists()
