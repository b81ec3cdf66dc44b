"""Time-zone-aware treatment dates: a DataFrame and the same frame saved as Parquet give the same days (F12)."""

from __future__ import annotations

import pandas as pd

import regen
from regen.schema.dates import parse_date


def _frame():
    when = pd.to_datetime(["2026-01-01 00:00", "2026-03-05 23:45"], format="ISO8601").tz_localize("Europe/Berlin")
    return pd.DataFrame({"patient_id": ["a", "b"], "nerve": ["SLGN", "SLGN"], "treated_on": when})


def test_a_frame_and_its_parquet_file_read_zoned_dates_alike(tmp_path, cli):
    frame = _frame()
    direct = regen.score_frame(frame)
    frame.to_parquet(tmp_path / "in.parquet")
    res = cli("score", tmp_path / "in.parquet", "-o", tmp_path / "o.csv")
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert direct["error"].tolist() == scored["error"].tolist() == ["", ""]
    assert direct["retreatment_due_date"].tolist() == scored["retreatment_due_date"].tolist()
    assert scored["retreatment_due_date"].str.startswith("2026-").all()


def test_a_midnight_timestamp_with_its_offset_is_that_date_and_other_times_name_the_time():
    assert str(parse_date("2026-01-01 00:00:00.000000000+0100")) == "2026-01-01"
    assert str(parse_date("2026-01-01T00:00+01:00")) == "2026-01-01"
    frame = pd.DataFrame({"nerve": ["SLGN"], "treated_on": ["2026-01-01 09:30:00+0100"]})
    error = regen.score_frame(frame)["error"].iloc[0]
    assert "has a time of day" in error and "09:30" in error
