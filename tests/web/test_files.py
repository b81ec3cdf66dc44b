"""Import (strict reader, every row error, nothing saved until confirmed, one transaction) and export."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

#: The synthetic clinic export the plans tests use (scripts/make_clinic_export.py).
EXPORT = Path(__file__).resolve().parents[1] / "reporting" / "data" / "clinic_export.csv"


def _upload(client, helpers, path, name=None, content_type="text/csv"):
    data = {"csrf_token": helpers.token(client)}
    files = {"file": (name or path.name, path.read_bytes(), content_type)}
    return client.post("/files/upload", data=data, files=files)


def _count_patients(client) -> int:
    return len(re.findall(r'href="/patients/\d+"', client.get("/patients").text))


def _confirm(client, helpers, review_page: str, mode: str | None = None):
    token = re.search(r'name="token" value="([^"]+)"', review_page).group(1)
    mode = mode or re.search(r'name="mode" value="(\w+)"', review_page).group(1)
    return client.post("/files/import", data={"csrf_token": helpers.token(client), "token": token, "mode": mode})


def test_a_bad_row_is_shown_and_nothing_is_saved(client, helpers, clinic_export):
    review = _upload(client, helpers, clinic_export(bad_rows=(4, 60)))
    assert review.status_code == 200
    assert helpers.shown(review.text, "valid-count") == "73" and helpers.shown(review.text, "error-count") == "2"
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", review.text)
    assert [(r[0], r[1]) for r in rows] == [("5", "C-004"), ("61", "C-060")]
    assert all("unknown nerve &#39;kneecap&#39;" in r[2] for r in rows)
    assert "Import the 73 valid rows only" in review.text
    assert _count_patients(client) == 0  # checked, not saved


def test_all_rows_cannot_be_imported_while_some_have_errors(client, helpers, clinic_export):
    review = _upload(client, helpers, clinic_export(bad_rows=(1,))).text
    assert _confirm(client, helpers, review, mode="all").status_code == 400
    assert _count_patients(client) == 0


def test_importing_the_valid_rows_only(client, helpers, clinic_export):
    review = _upload(client, helpers, clinic_export(bad_rows=(1,))).text
    done = _confirm(client, helpers, review)
    assert "74 treatments imported" in done.text and "1 row with errors left out" in done.text
    assert _count_patients(client) == 50  # the list shows the newest 50
    worklist = client.get("/api/v1/worklist").json()
    assert worklist["treatments"] == 74
    again = _confirm(client, helpers, review)  # the staged file is gone once imported
    assert again.status_code == 404


def test_importing_a_file_twice_adds_nothing_the_second_time(client, helpers, clinic_export):
    path = clinic_export()
    _confirm(client, helpers, _upload(client, helpers, path).text)
    second = _confirm(client, helpers, _upload(client, helpers, path).text)
    assert "0 treatments imported" in second.text and "75 already recorded" in second.text


def test_follow_up_days_become_contacts(client, helpers, clinic_export):
    _confirm(client, helpers, _upload(client, helpers, clinic_export(n=4)).text)
    page = client.get("/treatments/1").text  # row 1 has relief_at_day
    assert "imported: still relieved" in page and "still relieved on day" in page
    lost = client.get("/treatments/2").text  # row 2 has relief_lost_day
    assert "imported: pain back" in lost and "relief lost on day" in lost


def test_the_committed_clinic_export_keeps_its_follow_up(client, helpers):
    """The synthetic 75-patient export of the plans tests (a clinic's spellings, dated follow-up, empty rows at
    the end): the same row errors as ``regen score``, and once imported the web's worklist is the library's."""
    import regen
    from regen.files.read import read_table
    from regen.reporting.worklist import worklist

    frame = read_table(EXPORT)
    refused = int((regen.score_frame(frame)["error"] != "").sum())
    review = _upload(client, helpers, EXPORT).text
    assert 0 < refused < 75 and helpers.shown(review, "error-count") == str(refused)
    assert helpers.shown(review, "valid-count") == str(75 - refused)
    assert '<span class="mono">Patient ID</span> → <span class="mono">patient_id</span>' in review
    assert f"{75 - refused} treatments imported" in _confirm(client, helpers, review).text
    today = date.today()
    expected = worklist(frame, today=today.isoformat())
    expected = expected[(expected["error"] == "") & (expected["due_date"] != "")]
    week_end = (today + timedelta(days=7)).isoformat()
    listed = {r.patient_id: (r.next_action, r.due_date) for r in expected.itertuples() if r.due_date < week_end}
    shown = client.get("/api/v1/worklist").json()
    entries = shown["overdue"] + shown["this_week"]
    assert {e["clinic_id"]: (e["action"], e["due"]) for e in entries} == listed
    called = dict(zip(frame["Patient ID"], frame["last_contact_on"], strict=True))
    assert all((e["last_contact_on"] or "") == called[e["clinic_id"]] for e in entries)  # the file's contacts
    assert shown["treatments"] == 75 - refused


def test_a_file_that_cannot_be_read_is_refused_as_a_whole(client, helpers, tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("nerve,age\nSLGN,64\nGON,45,extra\n")
    page = _upload(client, helpers, ragged)
    assert page.status_code == 400 and "ragged.csv" in page.text and "fields" in page.text
    wrong = tmp_path / "notes.txt"
    wrong.write_text("nerve\nSLGN\n")
    assert "upload a .csv" in _upload(client, helpers, wrong).text


def test_a_parquet_export_is_read_too(client, helpers, clinic_export, tmp_path):
    frame = pd.read_csv(clinic_export(n=5), dtype=str, keep_default_na=False)
    path = tmp_path / "export.parquet"
    frame.to_parquet(path)
    review = _upload(client, helpers, path, content_type="application/octet-stream")
    assert helpers.shown(review.text, "valid-count") == "5"


def test_cancel_forgets_the_upload(client, helpers, clinic_export):
    review = _upload(client, helpers, clinic_export(n=3)).text
    token = re.search(r'name="token" value="([^"]+)"', review).group(1)
    client.post("/files/cancel", data={"csrf_token": helpers.token(client), "token": token})
    assert _confirm(client, helpers, review).status_code == 404


def test_another_sessions_upload_cannot_be_imported(make_client, helpers, clinic_export):
    first, second = make_client(), make_client()
    review = _upload(first, helpers, clinic_export(n=3)).text
    token = re.search(r'name="token" value="([^"]+)"', review).group(1)
    response = second.post("/files/import", data={"csrf_token": helpers.token(second), "token": token, "mode": "all"})
    assert response.status_code == 404


def test_the_outcome_export_is_accepted_by_regen_fit(client, helpers, clinic_export, cli, tmp_path):
    _confirm(client, helpers, _upload(client, helpers, clinic_export()).text)
    exported = client.get("/files/export/outcomes.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    path = tmp_path / "outcomes.csv"
    path.write_bytes(exported.content)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(frame.columns[-4:]) == ["cycle", "relief_last_seen_day", "relief_lost_day", "responded"]
    assert len(frame) == 75 and set(frame["cycle"]) == {"1"}
    lost = frame[frame["relief_lost_day"] != ""]
    assert (lost["relief_last_seen_day"] == lost["relief_lost_day"]).all()  # a pain-back date is exact
    result = cli("fit", path, "-o", tmp_path / "clinic.json", "--chains", "1", "--warmup", "50", "--draws", "50")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "clinic.json").is_file()


def test_the_scored_export_has_the_score_columns(client, helpers, clinic_export):
    _confirm(client, helpers, _upload(client, helpers, clinic_export(n=6)).text)
    text = client.get("/files/export/scored.csv").text
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["patient_id", "nerve", "indication"]
    for column in (
        "relief_end_median_day",
        "relief_end_p10_day",
        "relief_end_p90_day",
        "evidence",
        "model_version",
        "error",
        "review_date",
    ):
        assert column in header
    assert len(text.splitlines()) == 7


@pytest.mark.parametrize("path", ["/files/export/outcomes.csv", "/files/export/scored.csv"])
def test_exports_of_an_empty_database(client, path):
    response = client.get(path)
    assert response.status_code == 200 and len(response.text.splitlines()) == 1
