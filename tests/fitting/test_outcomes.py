"""Outcome tables (regen.fitting.outcomes): one message per bad cell, declared non-responders, a table without one
usable row."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from regen import ReliefModel
from regen.errors import DataFileError


def test_a_cell_that_is_not_a_number_gets_one_message():
    from regen.fitting.outcomes import load_outcomes

    frame = pd.DataFrame(
        {
            "nerve": ["GON", "GON", "GON", "GON", "GON"],
            "relief_last_seen_day": ["sixty", "0", "30", "", "30"],
            "relief_lost_day": ["90", "x", "", "40", "60"],
            "sensation_returned_day": ["", "", "40000", "", ""],
        }
    )
    assert load_outcomes(frame).bad == [
        (1, "relief_last_seen_day: sixty is not a number of days"),
        (2, "relief_lost_day: x is not a number of days"),
        (3, "sensation_returned_day: 40000 is more than 36500 days (100 years)"),
        (4, "relief_last_seen_day: required (0 if relief was never confirmed)"),
    ]


def test_a_declared_non_responder_with_relief_days_is_a_row_error():
    from regen.fitting.outcomes import load_outcomes

    data = load_outcomes(
        pd.DataFrame(
            {
                "nerve": ["GON", "GON"],
                "responded": ["no", "yes"],
                "relief_last_seen_day": ["100", "30"],
                "relief_lost_day": ["130", "60"],
            }
        )
    )
    assert len(data) == 1 and "responded: no, but relief_last_seen_day 100" in data.bad[0][1]


@pytest.mark.parametrize(
    ("row", "reason"),
    [("GON,60,30", "relief_lost_day: 30 is before relief_last_seen_day 60"), ("kneecap,10,20", "nerve: ")],
)
@pytest.mark.parametrize("entry", ["ReliefModel.fit", "regen fit"])
def test_a_table_without_one_usable_row_is_refused(entry, row, reason, cli, tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("nerve,relief_last_seen_day,relief_lost_day\n" + row + "\n")
    message = f"no usable outcome rows: 1 of 1 rows are invalid (row 1: {reason}"
    if entry == "ReliefModel.fit":
        with pytest.raises(DataFileError, match="^" + re.escape(message)):
            ReliefModel().fit(pd.read_csv(path, dtype=str))
        return
    res = cli("fit", path, "-o", tmp_path / "m.json")
    assert res.exit_code == 1 and res.stderr.startswith(f"Error: {message}"), res.output
    assert not (tmp_path / "m.json").exists()
