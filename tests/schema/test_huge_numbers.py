"""An integer too large for a float is a row error naming a shortened value, in every numeric column (F7)."""

from __future__ import annotations

import pandas as pd
import pytest

import regen
from regen.errors import InputError
from regen.schema.patients import RANGES

HUGE = 10**400


@pytest.mark.parametrize("column", sorted(RANGES))
def test_a_huge_integer_is_a_short_error_for_one_patient(column):
    with pytest.raises(InputError) as caught:
        regen.predict_patient(None, nerve="SLGN", **{column: HUGE})
    message = str(caught.value)
    assert message.startswith(f"{column}: ") and "10000000000000000000…" in message and len(message) < 200


@pytest.mark.parametrize("rows", [2, 2050])
@pytest.mark.parametrize("column", sorted(RANGES))
def test_a_huge_integer_in_a_frame_fails_its_row_only(column, rows):
    frame = pd.DataFrame({"nerve": ["SLGN"] * rows, column: pd.Series([HUGE] + [None] * (rows - 1), dtype=object)})
    errors = regen.score_frame(frame)["error"].tolist()
    assert errors[0].startswith(f"{column}: ") and "10000000000000000000…" in errors[0] and len(errors[0]) < 300
    assert errors[1] == ""


def test_a_400_digit_cell_in_a_file_is_named_shortly(tmp_path, cli):
    src = tmp_path / "in.csv"
    src.write_text(f"nerve,age,front_mm,front_day\nSLGN,{HUGE},,\nSLGN,64,{HUGE},30\n")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 3
    errors = pd.read_csv(tmp_path / "o.csv", dtype=str)["error"].tolist()
    assert all("10000000000000000000…" in e and len(e) < 200 for e in errors), errors
