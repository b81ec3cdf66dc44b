"""The worklist and the report of a clinic export (issue 20): contacted patients are not overdue, one row per
patient and nerve with the interval and the probability, Excel's habits read."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from regen.files.read import read_table
from regen.reporting.report import build_report
from regen.reporting.worklist import worklist

EXPORT = Path(__file__).with_name("data") / "clinic_export.csv"
TODAY = "2026-12-01"


@pytest.fixture(scope="module")
def export():
    return read_table(EXPORT)  # the reader drops the empty rows the spreadsheet left at the end


def test_the_export_is_the_committed_synthetic_file():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make", Path(__file__).parents[2] / "scripts/make_clinic_export.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    assert make.export().to_csv(index=False) == EXPORT.read_text()


def test_no_patient_called_in_the_last_two_weeks_is_overdue(export):
    """On 7663a8f the same kind of export put 67 of 75 patients on the overdue list, 60 'book a retreatment'."""
    assert len(export) == 75  # 3 empty rows at the end skipped
    work = worklist(export, today=TODAY)
    called = export["last_contact_on"] != ""
    assert called.sum() >= 30
    scored = work["error"] == ""
    rows = work.set_index("row")
    contacted = rows.loc[[i for i in export.index[called] if rows.loc[i, "error"] == ""]]
    assert len(contacted) > 0 and (contacted["days_late"] == 0).all()
    assert (contacted["due_date"] >= "2026-12-01").all()  # after the call, at least 14 days after it
    assert (work.loc[scored, "next_action"] != "book retreatment").all()  # nobody has lost relief
    refused = work.loc[~scored, "error"]
    assert refused.str.contains("chronic post-mastectomy pain is not in the catalog").all()  # PMPS: said why


def test_the_report_lists_each_patient_once_with_interval_and_probability(export):
    page = build_report(export, today=TODAY, list_patients=True)
    listed = re.search(r"<table id='working-list'>(.*?)</table>", page, re.S).group(1)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", listed)][1:]
    ids = [c[0] for c in cells]
    assert len(ids) == len(set(ids)) > 40  # one row per patient (one nerve each here)
    assert all(re.fullmatch(r"day \d+ \(\d+-\d+\)", c[4]) for c in cells)  # median (80 % interval)
    assert all(0 <= float(c[5]) <= 1 for c in cells)  # P(still relieved today)
    overdue = re.search(r"<table id='overdue-list'>(.*?)</table>", page, re.S)
    late = [] if overdue is None else re.findall(r"<tr><td[^>]*>(P\d+)</td>", overdue.group(1))
    called = set(export.loc[export["last_contact_on"] != "", "Patient ID"])
    assert not set(late) & called


def test_a_contact_moves_the_plan_and_a_loss_books(export):
    never = export[(export["last_contact_on"] == "") & (export["indication"] != "PMPS")]
    row = never.iloc[[0]].copy()
    before = worklist(row, today=TODAY).iloc[0]
    row["last_contact_on"], row["relieved_at_last_contact"] = "2026-11-30", "yes"
    called = worklist(row, today=TODAY).iloc[0]
    assert called["days_late"] == 0 and called["due_date"] >= "2026-12-14" and called["due_date"] > before["due_date"]
    row["relieved_at_last_contact"] = "no"
    lost = worklist(row, today=TODAY).iloc[0]
    assert lost["next_action"] == "book retreatment" and lost["due_date"] == "2026-11-30"


def test_dates_after_today_are_flagged_not_planned():
    frame = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c"],
            "nerve": ["GON"] * 3,
            "treated_on": ["2027-01-05", "2026-09-01", "2026-09-01"],
            "relief_lost_on": ["", "2026-12-20", ""],
            "relief_at_day": ["", "", "200"],
        }
    )
    work = worklist(frame, today=TODAY).set_index("row")
    assert work.loc[0, "check"] == "treated_on 2027-01-05 is after today"
    assert "relief lost on day 110, after today (day 91)" in work.loc[1, "check"]
    assert "still relieved on day 200, after today" in work.loc[2, "check"]
    assert (work["next_action"] == "").all() and (work["due_date"] == "").all()
    page = build_report(frame, today=TODAY)
    assert "3 patients and nerves have a date after today (1 a treatment date, 2 a follow-up date)" in page


def test_a_scored_file_from_another_model_is_refused(tmp_path, cli, clinic_fits, scored_csv):
    from regen.errors import DataFileError

    with pytest.raises(DataFileError, match=r"scored by regen-default@.*give the model that scored it"):
        worklist(read_table(scored_csv), clinic_fits["a"][1], today=TODAY)
