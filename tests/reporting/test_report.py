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
    """Score the rows (strings, as in a CSV)."""
    return score_frame(pd.DataFrame(rows).fillna("").astype(str)).astype(str).replace("nan", "")


@pytest.fixture(scope="module")
def clinic() -> pd.DataFrame:
    return _scored(
        [
            {"patient_id": "ID-a1", "nerve": "SLGN", "treated_on": "2026-06-01"},  # no contact: a call long due
            {  # the same patient, called last week and still relieved: not overdue
                "patient_id": "ID-a1",
                "nerve": "SMGN",
                "treated_on": "2026-06-01",
                "last_contact_on": "2026-11-18",
                "relieved_at_last_contact": "yes",
            },
            {  # pain back on 2026-10-26: book, 30 days late
                "patient_id": "ID-b2",
                "nerve": "GON",
                "treated_on": "2026-08-01",
                "relief_lost_on": "2026-10-26",
            },
            {"patient_id": "ID-c3", "nerve": "intercostal", "treated_on": ""},  # no dates
            {"patient_id": "ID-d4", "nerve": "kneecap", "treated_on": "2026-01-01"},  # not scored
            {"patient_id": "ID-e5", "nerve": "LON", "treated_on": "2026-12-10"},  # after today: to check
        ]
    )


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(f"id='{start}'") : page.index(f"id='{end}'")]


def _rows(page: str, table_id: str) -> list[list[str]]:
    table = re.search(rf"<table id='{table_id}'>(.*?)</table>", page, re.S).group(1)
    return [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table)][1:]


def test_the_week_and_overdue_come_first_one_row_per_patient_and_nerve(clinic):
    from regen.reporting.worklist import worklist

    page = build_report(clinic, today=TODAY, list_patients=True)
    ids = re.findall(r"<h2 id='([^']+)'", page)
    assert ids[:5] == ["this-week", "overdue", "check", "weeks", "months"]
    work = worklist(clinic, today=TODAY).set_index("row")
    overdue = _section(page, "overdue", "check")
    assert "2 patients are overdue" in overdue
    assert "<b>Book a retreatment</b>: 1 patient (1 nerve), median 30 days late, at most 30." in overdue
    listed = _rows(page, "overdue-list")
    assert [(r[0], r[1], r[2], r[3]) for r in listed] == [
        ("ID-a1", "call", work.loc[0, "due_date"], f"{work.loc[0, 'days_late']:,.0f}"),
        ("ID-b2", "book retreatment", "2026-10-26", "30"),
    ]
    assert all(re.fullmatch(r"day \d+ \(\d+-\d+\)", r[4]) and 0 <= float(r[5]) <= 1 for r in listed[:1])
    assert "ID-e5" in _section(page, "check", "weeks") and "treated_on 2026-12-10 is after today" in page


def test_a_patient_contacted_since_the_planned_date_is_not_overdue(clinic):
    from regen.reporting.worklist import worklist

    work = worklist(clinic, today=TODAY).set_index("row")
    assert work.loc[1, "next_action"] == "call" and work.loc[1, "due_date"] >= "2026-12-02"  # 14 days after it
    assert work.loc[1, "days_late"] == 0 and work.loc[0, "days_late"] > 0


def test_calendars_are_continuous_from_today_with_empty_periods(clinic):
    from regen.reporting.worklist import worklist

    page = build_report(clinic, today=TODAY)
    weeks = _rows(page, "week-table")
    assert len(weeks) == 12
    assert weeks[0][:2] == ["2026-11-25 to 2026-11-29", "W48"]  # the week of today, from today
    assert weeks[1][:2] == ["2026-11-30 to 2026-12-06", "W49"]
    assert weeks[11][0] == "2027-02-08 to 2027-02-14"
    due = worklist(clinic, today=TODAY).set_index("row").loc[1, "due_date"]  # the one future call
    week = int((pd.Timestamp(due) - pd.Timestamp("2026-11-23")).days // 7)
    busy = [i for i, w in enumerate(weeks) if w[2:] != ["0"] * 4]
    assert busy == ([week] if week < 12 else []) and all(weeks[i][2:] == ["1", "1", "0", "0"] for i in busy)
    months = _rows(page, "month-table")
    expected = pd.period_range("2026-11", periods=24, freq="M").strftime("%Y-%m").tolist()
    assert [m[0] for m in months] == expected
    assert [int(m[1]) for m in months] == [int(m[0] == due[:7]) for m in months]
    assert "After these 24 months: 0 calls (0 patients) and 0 bookings." in page
    assert "1 patient and nerve has no next date" in page  # ID-c3 has no treated_on


def test_patients_are_counted_once_by_id():
    scored = _scored(
        # treated so that every first call (GON about day 43, the knee nerves about day 105) falls in the 12 weeks
        [{"patient_id": "ID-k", "nerve": n, "treated_on": "2026-10-20"} for n in ("SLGN", "SMGN", "IMGN")]
        + [{"patient_id": "", "nerve": "GON", "treated_on": "2026-10-20"}]
    )
    page = build_report(scored, today=TODAY)
    assert "4 rows (one per treated nerve), 2 patients" in page and "2 rows repeat an earlier id" in page
    calls = [w[2:4] for w in _rows(page, "week-table") if w[2] != "0"]
    assert sum(int(c[0]) for c in calls) >= 2 and sum(int(c[1]) for c in calls) == 4  # 4 nerves, 2 patients
    single = build_report(scored.iloc[:2], today=TODAY)
    assert "1 row repeats an earlier id" in single


def test_no_identifiers_unless_asked(clinic):
    shared = build_report(clinic, today=TODAY)
    assert not re.search(r"ID-[a-e]\d", shared)
    assert "--list-patients" in shared and "id='working-list'" not in shared
    listed = build_report(clinic, today=TODAY, list_patients=True)
    work = _rows(listed, "working-list")
    assert [r[0] for r in work] == ["ID-a1", "ID-b2", "ID-a1"]  # soonest first, one row per patient and nerve


def test_evidence_section_counts_weaker_evidence(clinic):
    page = build_report(clinic, today=TODAY, list_patients=True)
    evidence = _section(page, "evidence", "list")
    work = re.findall(r"(indication|class only|mechanism only): ", " ".join(clinic["evidence"]))
    weak = sum(w != "indication" for w in work)
    assert f"{weak} of {len(work)} scored predictions" in evidence
    levels = {r[0]: r[1:3] for r in _rows(page, "evidence-levels")}
    assert sum(int(v[0]) for v in levels.values()) == len(work)
    cohort = {r[0]: r[-1] for r in _rows(page, "cohort-table")}
    assert cohort["greater_occipital"] == "indication"
    old = build_report(clinic.drop(columns=["evidence"]), today=TODAY)  # an older scored file: made again
    assert "id='evidence-levels'" in old


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
    assert "<b>Call</b>: check on relief on the day a quarter of comparable responders" in page


def test_a_cohort_without_dates_or_scores_still_renders():
    scored = _scored([{"nerve": "GON"}, {"nerve": "kneecap"}])
    page = build_report(scored, today=TODAY)
    assert "Nothing overdue" in _section(page, "overdue", "weeks")
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
            "kind": ["book", "book", "book"],
            "patient": ["A", "A", "B"],
            "date": pd.to_datetime(["2026-11-20", "2026-06-01", "2026-11-01"]),
        }
    )
    table = lateness_table(overdue, today)
    assert table["bookings: patients"].sum() == 2 and table["bookings: nerves"].sum() == 3
    assert table.set_index("days late").loc["92-182 days", "bookings: patients"] == 1  # A, in its latest band


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


def test_a_shareable_page_carries_no_cell_value_of_a_refused_row():
    """On 7663a8f the 'not scored' table quoted raw cell values (a name typed in the nerve column, a record
    number in the age column) on a page made without --list-patients (issue 21, class 5)."""
    scored = _scored(
        [
            {"patient_id": "P1", "nerve": "Jane Smith", "age": "64", "treated_on": "2026-06-01"},
            {"patient_id": "P2", "nerve": "GON", "age": "MRN-123456", "treated_on": "2026-06-01"},
            {
                "patient_id": "P3",
                "nerve": "GON",
                "age": "50",
                "treated_on": "2026-06-01",
                "front_mm": "500",
                "front_day": "40",
            },
            {"patient_id": "P4", "nerve": "GON", "age": "50", "treated_on": "2026-06-01"},
        ]
    )
    shared = build_report(scored, today=TODAY)
    assert not re.search(r"Jane Smith|MRN-123456|>P[1-4]<", shared)
    table = re.search(r"<h2>Not scored</h2>(.*?)</table>", shared, re.S).group(1)
    assert [re.findall(r"<td[^>]*>(.*?)</td>", tr)[0] for tr in re.findall(r"<tr>(.*?)</tr>", table)[1:]] == [
        "age",
        "front_mm",
        "nerve",
    ]
    listed = build_report(scored, today=TODAY, list_patients=True)
    assert "Jane Smith" in listed and "MRN-123456" in listed  # asked for: the clinic's own list


def test_the_report_lists_a_p90_past_the_published_follow_up_among_the_warnings(clinic):
    """The note made once by the library reaches the report's warnings, counted by rows and patients."""
    page = build_report(clinic, today=TODAY)
    evidence = _section(page, "evidence", "list") if "id='list'" in page else page
    assert "<h3>Warnings</h3>" in evidence
    # SLGN and SMGN (knee osteoarthritis): joint class, followed to day 365; p90 about 1,000 days
    assert "p90 extrapolated: no published follow-up past day 365" in page
