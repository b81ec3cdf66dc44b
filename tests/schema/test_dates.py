"""Dates: only plausible ISO dates are dates, as text, in a table or in a typed column; midnight is its day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from regen.errors import InputError
from regen.schema.dates import YEARS, parse_date
from regen.schema.patients import validate_patients


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-03-14garbage", "is not a date; use the ISO form YYYY-MM-DD"),
        ("1773446400", "is not a date"),  # a Unix timestamp
        ("9999-12-31", f"is outside the years {YEARS[0]} to {YEARS[1]}"),
        ("1926-03-14", "is outside the years"),
        ("2026-3-14", "is not a date"),
        ("14/03/2026", "is not a date"),
        ("2026-03-14T10:00", "has a time of day"),
        ("2026-03-14 00:00:01", "has a time of day"),
        ("２０２６-03-14 00:00:00", "is not a date"),
        ("2026-02-30", "is not a date"),
        ("２０２６-03-14", "is not a date"),
        ("+2026-03-14", "is not a date"),
    ],
)
def test_only_plausible_iso_dates_are_dates(text, message):
    with pytest.raises(InputError, match=message):
        parse_date(text)


def test_good_and_blank_dates():
    assert str(parse_date(" 2026-03-14 ")) == "2026-03-14"
    for midnight in ("2026-03-14 00:00:00", "2026-03-14T00:00", "2026-03-14 00:00:00.000"):
        assert str(parse_date(midnight)) == "2026-03-14"  # how many hospital systems export a date
    assert str(parse_date(f"{YEARS[1]}-12-31")) == f"{YEARS[1]}-12-31"
    assert np.isnat(parse_date(""))


def test_treated_on_in_a_table_is_strict_and_typed_dates_are_taken_at_their_day():
    batch = validate_patients(
        {
            "nerve": ["GON"] * 6,
            "treated_on": np.array(
                [
                    "2026-03-14garbage",
                    "9999-12-31",
                    "2026-03-14",
                    dt.date(2026, 3, 15),
                    pd.Timestamp("2026-03-16 14:30"),
                    np.datetime64("2026-03-17"),
                ],
                dtype=object,
            ),
        }
    )
    assert batch.errors[0].startswith("treated_on: '2026-03-14garbage' is not a date")
    assert batch.errors[1].startswith("treated_on: '9999-12-31' is outside the years")
    assert list(batch.errors[2:]) == ["", "", "", ""]
    assert [str(d) for d in batch.columns["treated_on"][2:]] == ["2026-03-14", "2026-03-15", "2026-03-16", "2026-03-17"]
    days = np.array(["2026-01-01", "9999-01-01"], dtype="datetime64[D]")
    typed = validate_patients({"nerve": ["GON", "GON"], "treated_on": days})
    assert typed.errors[0] == "" and typed.errors[1].startswith("treated_on: '9999-01-01' is outside the years")
    frame = validate_patients(pd.DataFrame({"nerve": ["GON", "GON"], "treated_on": pd.to_datetime(days)}))
    assert (
        frame.errors[0] == ""
        and frame.errors[1] == f"treated_on: 9999-01-01 is outside the years {YEARS[0]} to {YEARS[1]}"
    )
    assert str(frame.columns["treated_on"][0]) == "2026-01-01" and np.isnat(frame.columns["treated_on"][1])


def test_a_midnight_timestamp_is_its_date(predict):
    out = predict(nerve="GON", treated_on="2026-03-14 00:00:00")
    assert out["retreatment_due_date"].startswith("2026-")
