"""Same input, same answer, at any size: the paths that switch at 2,048 rows agree (issue 21, class 9)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import regen


@pytest.mark.parametrize(
    ("column", "value"),
    [("age", [50]), ("nerve", ["GON"]), ("treated_on", {"d": 1}), ("indication", ("a", "b")), ("diabetes", [1])],
)
@pytest.mark.parametrize("rows", [3, 3000])
def test_a_cell_holding_a_list_is_a_row_error_at_any_size(column, value, rows):
    """On 7663a8f an object column holding lists gave row errors at 3 rows and a TypeError at 3,000."""
    frame = pd.DataFrame({"nerve": ["GON"] * rows, "age": ["50"] * rows, "treated_on": [""] * rows})
    cells = np.empty(rows, dtype=object)
    for i in range(rows):
        cells[i] = value
    frame[column] = cells
    out = regen.score_frame(frame)
    assert (out["error"] != "").all() and out["error"].nunique() == 1
    assert out["error"].iloc[0].startswith(f"{column}: ")


def test_the_switches_give_the_same_texts_and_days_on_both_sides():
    from regen.model.prediction import add_days
    from regen.utils.parsing import factorize

    values = np.array([" a", "b ", "", None, np.nan, "a"] * 500, dtype=object)  # 3,000 rows
    small = [factorize(values[i : i + 6]) for i in range(0, 18, 6)]
    codes, uniques = factorize(values)
    assert all((uniques[codes][:6] == u[c]).all() for c, u in small)
    dates = np.array(["2026-01-01", "NaT", "2026-03-01"] * 1000, dtype="datetime64[D]")
    days = np.tile([0.4, 1.5, np.nan], 1000)
    assert list(add_days(dates, days)[:3]) == list(add_days(dates[:3], days[:3]))
