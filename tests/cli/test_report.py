"""`regen report`: a scored file in, one HTML page out; values regen score never writes are refused."""

from __future__ import annotations

import pandas as pd
import pytest


def test_a_scored_file_and_an_export_give_one_page(tmp_path, cli, scored_csv, two_patients_csv):
    out = tmp_path / "r.html"
    res = cli("report", scored_csv, "-o", out, "--today", "2026-01-01")
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert "id='overdue'" in page and "Nothing overdue" in page and "6 patients" in page
    assert "6 patients and nerves have a date after today (6 a treatment date" in page  # treated 2026-01-05
    res = cli("report", two_patients_csv, "-o", out, "--today", "2026-06-01")  # an export, not scored
    assert res.exit_code == 0, res.output
    assert "2 rows" in out.read_text()


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("review_date", "9999-99-99", "is not a date YYYY-MM-DD from 1970-01-01 to 2200-12-07"),
        ("retreatment_due_date", "2201-01-01", "is not a date YYYY-MM-DD from 1970-01-01 to 2200-12-07"),
        ("retreatment_due_date", "2026-02-19x", "is not a date YYYY-MM-DD from 1970-01-01 to 2200-12-07"),
        ("relief_end_median_day", "1e308", "is not a number from 0 to 36500"),
        ("sensation_return_median_day", "-1", "is not a number from 0 to 36500"),
        ("retreatment_due_day", "NaN", "is not a number from 0 to 36500"),
        ("p_relief_180d", "1.5", "is not a number from 0 to 1"),
    ],
)
def test_report_refuses_values_regen_score_never_writes(cli, scored_csv, tmp_path, column, value, reason):
    frame = pd.read_csv(scored_csv, dtype=str, keep_default_na=False)
    frame.loc[1, column] = value
    frame.to_csv(tmp_path / "bad.csv", index=False)
    res = cli("report", tmp_path / "bad.csv", "-o", tmp_path / "r.html")
    assert res.exit_code == 1 and res.stderr.count("\n") == 1, res.output
    bad = tmp_path / "bad.csv"
    assert res.stderr.startswith(f"Error: {bad}: data record 2, column {column}: {value!r} {reason} (or blank); ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_each_row_without_a_patient_id_is_a_patient_of_its_own(tmp_path, cli):
    src = tmp_path / "in.csv"
    src.write_text("patient_id,nerve\n,SLGN\n,SLGN\n,SLGN\nA,SLGN\nA,GON\n")
    assert cli("score", src, "-o", tmp_path / "s.csv").exit_code == 0
    res = cli("report", tmp_path / "s.csv", "-o", tmp_path / "r.html", "--list-patients")
    assert res.exit_code == 0, res.output
    page = (tmp_path / "r.html").read_text()
    assert "4 patients (by <code>patient_id</code>; 1 row repeats an earlier id; 3 rows have no id, each" in page


def test_patient_ids_that_differ_after_a_nul_are_two_patients():
    from regen.reporting.report_tables import prepare

    table = pd.DataFrame({"patient_id": ["P\0a", "P\0b", ""], "nerve": ["SLGN"] * 3})
    cohort = prepare(table)
    assert (cohort.patients, cohort.repeated, cohort.blank_ids) == (3, 0, 1)
    assert len(cohort.work) == 3  # one worklist row per patient and nerve


def test_report_reads_every_date_regen_score_writes(tmp_path, cli):
    src = tmp_path / "in.csv"
    src.write_text("patient_id,nerve,treated_on,relief_lost_day\nP,SLGN,2100-12-31,3650\n")
    assert cli("score", src, "-o", tmp_path / "s.csv").exit_code == 0
    assert pd.read_csv(tmp_path / "s.csv", dtype=str)["retreatment_due_date"].tolist() == ["2110-12-29"]
    res = cli("report", tmp_path / "s.csv", "-o", tmp_path / "r.html")
    assert res.exit_code == 0, res.output


def test_the_dates_regen_writes_are_one_range_for_score_and_report():
    from regen.model.model import MAX_DAY
    from regen.schema.dates import MAX_DAYS_AFTER, WRITTEN_DATES, parse_date

    assert MAX_DAY == MAX_DAYS_AFTER and str(WRITTEN_DATES[1]) == "2200-12-07"
    assert str(parse_date("2200-12-07", written=True)) == "2200-12-07"


def test_a_table_scored_with_allow_any_nerve_is_reported_with_it(tmp_path, cli):
    """A nerve scored for an indication the catalog does not list for it (sacroiliac joint has no catalog nerve)
    is 'not scored' on the page unless the report is told what the score was told."""
    src, scored = tmp_path / "aan.csv", tmp_path / "aan_out.csv"
    src.write_text(
        "patient_id,nerve,indication,treated_on\ns1,lumbar_medial_branch,sacroiliac_joint,2026-05-01\n"
        "s2,SLGN,,2026-05-01\n"
    )
    assert cli("score", src, "-o", scored, "--allow-any-nerve").exit_code == 0
    without, with_flag = tmp_path / "a.html", tmp_path / "b.html"
    assert cli("report", scored, "-o", without, "--today", "2026-06-01").exit_code == 0
    assert cli("report", scored, "-o", with_flag, "--today", "2026-06-01", "--allow-any-nerve").exit_code == 0
    assert "1 scored, 1 not scored" in without.read_text()
    assert "2 scored, 0 not scored" in with_flag.read_text()
