"""The clinic report (regen.reporting.report): overdue first, continuous calendars, patients by id, evidence,
escaping, and only the values regen score writes."""

import base64
import re

import numpy as np
import pandas as pd
import pytest

import regen
from regen import score_frame
from regen.errors import DataFileError
from regen.reporting.report import build_report, escape

TODAY = "2026-11-25"
PNG = b"\x89PNG\r\n\x1a\n"


def _scored(rows: list[dict]) -> pd.DataFrame:
    """Score the rows, then set their review / booking dates to the given ones (strings, as in a CSV)."""
    frame = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
    scored = score_frame(frame.astype(str)).astype(str).replace("nan", "")
    for i, r in enumerate(rows):
        for key, col in (("_review", "review_date"), ("_book", "retreatment_due_date")):
            if key in r:
                scored.loc[i, col] = r[key]
    return scored


@pytest.fixture(scope="module")
def clinic() -> pd.DataFrame:
    return _scored(
        [
            {
                "patient_id": "ID-a1",
                "nerve": "SLGN",
                "treated_on": "2026-06-01",
                "_review": "2026-11-20",
                "_book": "2026-10-26",
            },  # 5 and 30 days late
            {
                "patient_id": "ID-a1",
                "nerve": "SMGN",
                "treated_on": "2026-06-01",
                "_review": "2026-11-24",
                "_book": "2027-01-10",
            },  # same patient: 1 day late
            {
                "patient_id": "ID-b2",
                "nerve": "GON",
                "treated_on": "2026-08-01",
                "_review": TODAY,
                "_book": "2026-12-01",
            },  # due today: not overdue
            {"patient_id": "ID-c3", "nerve": "intercostal", "treated_on": ""},  # no dates
            {"patient_id": "ID-d4", "nerve": "kneecap", "treated_on": "2026-01-01"},  # not scored
            {
                "patient_id": "ID-e5",
                "nerve": "LON",
                "treated_on": "2026-10-01",
                "_review": "2027-03-03",
                "_book": "2029-01-05",
            },  # booking after the 24 months
        ]
    )


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(f"id='{start}'") : page.index(f"id='{end}'")]


def _rows(page: str, table_id: str) -> list[list[str]]:
    table = re.search(rf"<table id='{table_id}'>(.*?)</table>", page, re.S).group(1)
    return [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table)][1:]


def test_overdue_comes_first_with_days_late_and_patients_by_id(clinic):
    page = build_report(clinic, today=TODAY, list_patients=True)
    ids = re.findall(r"<h2 id='([^']+)'", page)
    assert ids[:3] == ["overdue", "weeks", "months"]
    overdue = _section(page, "overdue", "weeks")
    assert "1 patient is overdue" in overdue
    assert "<b>Review</b>: 1 patient (2 dates), median 3 days late, at most 5." in overdue
    assert "<b>Book a retreatment</b>: 1 patient (1 nerve), median 30 days late, at most 30." in overdue
    listed = _rows(page, "overdue-list")
    assert [(r[0], r[1], r[2]) for r in listed] == [
        ("ID-a1", "book by", "30"),
        ("ID-a1", "review", "5"),
        ("ID-a1", "review", "1"),
    ]
    assert {r[3] for r in listed} == {"2026-10-26", "2026-11-20", "2026-11-24"}
    bands = {r[0]: r[1:] for r in _rows(page, "lateness")}
    assert bands["1-7 days"] == ["1", "0", "0"]  # two review dates, one patient
    assert bands["29-91 days"] == ["0", "1", "1"]


def test_calendars_are_continuous_from_today_with_empty_periods(clinic):
    page = build_report(clinic, today=TODAY)
    weeks = _rows(page, "week-table")
    assert len(weeks) == 12
    assert weeks[0][:2] == ["2026-11-25 to 2026-11-29", "W48"]  # the week of today, from today
    assert weeks[1][:2] == ["2026-11-30 to 2026-12-06", "W49"]
    assert weeks[11][0] == "2027-02-08 to 2027-02-14"
    assert weeks[0][2:] == ["1", "0", "0"] and weeks[1][2:] == ["0", "1", "1"]
    assert weeks[6][0] == "2027-01-04 to 2027-01-10" and weeks[6][3] == "1"
    assert sum(w[2:] == ["0", "0", "0"] for w in weeks) == 9  # empty weeks are listed
    months = _rows(page, "month-table")
    expected = pd.period_range("2026-11", periods=24, freq="M").strftime("%Y-%m").tolist()
    assert [m[0] for m in months] == expected
    assert months[0][1:] == ["1", "0", "0"] and months[1][1:] == ["0", "1", "1"]
    assert months[4][1:] == ["1", "0", "0"]  # the review of 2027-03-03
    assert "After these 24 months: 1 booking (1 patient) and 0 reviews." in page
    assert "1 scored row has no date" in page


def test_patients_are_counted_once_by_id():
    scored = _scored(
        [
            {
                "patient_id": "ID-k",
                "nerve": n,
                "treated_on": "2026-06-01",
                "_review": "2026-12-02",
                "_book": "2026-12-03",
            }
            for n in ("SLGN", "SMGN", "IMGN")
        ]
        + [{"patient_id": "", "nerve": "GON", "treated_on": "2026-06-01", "_book": "2026-12-04"}]
    )
    page = build_report(scored, today=TODAY)
    assert "4 rows (one per treated nerve), 2 patients" in page and "2 rows repeat an earlier id" in page
    week = _rows(page, "week-table")[1]
    assert week[2:] == ["1", "2", "4"]  # 1 patient to review, 2 patients (4 nerves) to book
    single = build_report(scored.iloc[:2], today=TODAY)
    assert "1 row repeats an earlier id" in single


def test_no_identifiers_unless_asked(clinic):
    shared = build_report(clinic, today=TODAY)
    assert not re.search(r"ID-[a-e]\d", shared)
    assert "--list-patients" in shared and "id='working-list'" not in shared
    listed = build_report(clinic, today=TODAY, list_patients=True)
    work = _rows(listed, "working-list")
    assert [r[0] for r in work] == ["ID-a1", "ID-a1", "ID-b2", "ID-e5"]  # next action first
    assert work[0][1:3] == ["2026-11-20", "2026-10-26"]


def test_evidence_section_counts_weaker_evidence(clinic):
    scored = clinic.copy()
    scored["evidence"] = [
        "indication: 3 studies, 145 patients",
        "indication: 3 studies, 145 patients",
        "class only: no study of this indication (neuralgia: 2 studies, 60 patients)",
        "mechanism only: no outcome data for this indication or its class",
        "",
        "class only: no study of this indication (neuralgia: 2 studies, 60 patients)",
    ]
    scored["warnings"] = ["", "", "", "post-operative pain ends by itself: no booking day", "", ""]
    scored.loc[3, "retreatment_due_day"] = ""
    page = build_report(scored, today=TODAY, list_patients=True)
    evidence = _section(page, "evidence", "list")
    assert "3 of 5 scored predictions (60 %) rest on class-level or mechanism-only evidence" in evidence
    levels = {r[0]: r[1:3] for r in _rows(page, "evidence-levels")}
    assert levels == {"indication": ["2", "1"], "class only": ["2", "2"], "mechanism only": ["1", "1"]}
    assert "post-operative pain ends by itself" in evidence and "1 scored row has no booking day" in evidence
    assert _rows(page, "overdue-list")[0][-1] == "indication"
    cohort = {r[0]: r[-1] for r in _rows(page, "cohort-table")}
    assert cohort["genicular_superolateral"] == "indication" and cohort["greater_occipital"] == "class only"
    old = build_report(clinic.drop(columns=["evidence"]), today=TODAY)  # a file scored before the column existed
    assert "no <code>evidence</code> column" in old


def test_every_text_is_escaped_and_controls_are_visible():
    nasty = "<script>alert(1)</script>\x1b[31m\u202eX"
    scored = _scored(
        [{"patient_id": nasty, "nerve": "GON", "treated_on": "2026-06-01", "site": "<img src=x onerror=alert(1)>"}]
    )
    scored["warnings"] = "<b>cold</b>\x00"
    page = build_report(scored, today=TODAY, title="<i>clinic</i>", list_patients=True)
    assert "<script>" not in page and "<b>cold" not in page and "<i>clinic" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[31m\\u202eX" in page
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", page)
    assert escape("a\u2028b\x9b") == "a\\u2028b\\x9b"


def test_page_is_self_contained_and_phone_ready(clinic):
    page = build_report(clinic, today=TODAY, list_patients=True)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "name='viewport' content='width=device-width" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert not re.search(r"url\(|@import|<script|<link", page, re.I)
    assert page.count("<table") == page.count("<div class='scroll'><table")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(PNG) for i in images)
    assert "Book by</b> is the day by which to <i>book</i>" in page


def test_a_cohort_without_dates_or_scores_still_renders():
    scored = _scored([{"nerve": "GON"}, {"nerve": "kneecap"}])
    page = build_report(scored, today=TODAY)
    assert "nothing to list" in _section(page, "overdue", "weeks")
    assert len(_rows(page, "month-table")) == 24 and len(_rows(page, "week-table")) == 12
    assert "no <code>patient_id</code> column: each row counted as one patient" in page
    assert "1 scored, 1 not scored" in page
    assert build_report(scored).startswith("<!DOCTYPE html>")  # today defaults to the computer's


def test_a_patient_overdue_on_two_nerves_is_one_patient_in_the_lateness_bands():
    import pandas as pd

    from regen.reporting.report_tables import lateness_table

    today = pd.Timestamp("2026-11-25")
    overdue = pd.DataFrame(
        {
            "kind": ["book by", "book by", "book by"],
            "patient": ["A", "A", "B"],
            "date": pd.to_datetime(["2026-11-20", "2026-06-01", "2026-11-01"]),
        }
    )
    table = lateness_table(overdue, today)
    assert table["book by: patients"].sum() == 2 and table["book by: nerves"].sum() == 3
    assert table.set_index("days late").loc["92-182 days", "book by: patients"] == 1  # A, in its latest band


def test_the_library_report_refuses_them_too_and_names_the_first_bad_row():
    from regen.reporting.report import build_report

    scored = regen.score_frame(pd.DataFrame({"nerve": ["GON"] * 3, "treated_on": ["2026-01-05"] * 3}))
    build_report(scored, today="2026-01-01")  # typed numbers and blanks (NaN) pass
    scored.loc[2, "relief_end_median_day"] = np.inf
    scored.loc[1, "review_date"] = "2026-13-01"
    with pytest.raises(DataFileError, match=r"^data record 2, column review_date: '2026-13-01' is not a date"):
        build_report(scored, today="2026-01-01")


def test_a_report_of_a_scored_file_missing_a_column_is_refused(tmp_path):
    import pandas as pd

    from regen import load_model, score_frame
    from regen.errors import DataFileError
    from regen.reporting.report import build_report

    scored = score_frame(
        pd.DataFrame({"nerve": ["SLGN", "GON"], "treated_on": ["2026-01-05", "2026-02-01"]}), load_model()
    )
    with pytest.raises(DataFileError, match="retreatment_due_day missing"):
        build_report(scored.drop(columns=["retreatment_due_day"]), today="2026-11-25")
    bad = scored.astype(object)
    bad.loc[0, "p_relief_90d"] = 1.5
    with pytest.raises(DataFileError, match="data record 1, column p_relief_90d"):
        build_report(bad, today="2026-11-25")
