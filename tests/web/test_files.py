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


def test_a_contact_without_relief_is_exported_as_relief_lost_as_the_worklist_reads_it(client, helpers, cli, tmp_path):
    """New-user pass: 'not relieved' contacts were exported with responded blank, i.e. as non-responders, so
    regen fit found no relief end while the worklist said 'book retreatment' for the same patients."""
    rows = ["patient_id,nerve,treated_on,last_contact_on,relieved_at_last_contact"]
    for i in range(12):
        start = date.today() - timedelta(days=200 + i)
        rows.append(f"N-{i:02d},SLGN,{start},{start + timedelta(days=90 + 5 * i)},no")
    path = tmp_path / "not_relieved.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _confirm(client, helpers, _upload(client, helpers, path).text)
    worklist = client.get("/worklist").text
    assert "book" in worklist
    out = tmp_path / "outcomes.csv"
    out.write_bytes(client.get("/files/export/outcomes.csv").content)
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(frame) == 12 and set(frame["responded"]) == {"yes"}
    assert (frame["relief_lost_day"].astype(float) == [90 + 5 * i for i in range(12)]).all()
    result = cli("fit", out, "-o", tmp_path / "clinic.json")
    assert result.exit_code == 0, result.output  # 12 relief ends observed (it found 0 before)


def test_upload_messages_name_the_users_file_not_the_staging_path(client, helpers, tmp_path):
    """F16: a file refused as a whole is named as the user uploaded it; the server's staging folder is never shown."""
    import gzip

    latin = tmp_path / "clinic-export.csv"
    latin.write_bytes("nerve,patient_id\nSLGN,Müller\n".encode("latin-1"))
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(gzip.compress(b"nerve\n" + b"SLGN\n" * 1000)[:-20])
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("nerve,age\nSLGN,64\nGON,45,extra\n")
    staging = str(client.app.state.staging)
    for path, said in ((latin, "not UTF-8"), (truncated, "truncated"), (ragged, "fields")):
        page = _upload(client, helpers, path)
        assert page.status_code == 400 and said in page.text, path.name
        assert f"{path.name}: " in page.text
        assert staging not in page.text and "regen-uploads" not in page.text and "/tmp" not in page.text


def test_an_upload_is_bounded_in_rows_and_text_once_decompressed(make_client, helpers, tmp_path):
    """F3: a 5,000,000-row file compressed to ~100 KB is refused with 413 as soon as it passes the limit."""
    import gzip
    import resource

    from regen.web.settings import MAX_UPLOAD_ROWS, MAX_UPLOAD_TEXT_BYTES, ServeSettings

    assert (MAX_UPLOAD_ROWS, MAX_UPLOAD_TEXT_BYTES) == (100_000, 200 * 1024 * 1024)
    assert ServeSettings().max_upload_rows == MAX_UPLOAD_ROWS  # the documented defaults
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(b"nerve\n" + b"SLGN\n" * 5_000_000, compresslevel=9))
    assert bomb.stat().st_size < 200_000
    client = make_client()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    page = _upload(client, helpers, bomb)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert page.status_code == 413 and "more than 100,000 rows" in page.text and "bomb.csv.gz" in page.text
    assert grown_mb < 300  # the whole table would be ~5,000,000 rows of objects: gigabytes
    assert not list(Path(client.app.state.staging).glob("*"))  # the refused file is not kept
    small = make_client(max_upload_rows=10, max_upload_text_bytes=10**9)
    rows = tmp_path / "rows.csv"
    rows.write_text("nerve\n" + "SLGN\n" * 11)
    assert _upload(small, helpers, rows).status_code == 413
    rows.write_text("nerve\n" + "SLGN\n" * 10)
    assert _upload(small, helpers, rows).status_code == 200
    text = make_client(max_upload_text_bytes=1000)
    wide = tmp_path / "wide.csv"
    wide.write_text("nerve,note\n" + "SLGN,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" * 100)
    refused = _upload(text, helpers, wide)
    assert refused.status_code == 413 and "of text once decompressed" in refused.text


def _ago(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()


def test_follow_up_dated_after_today_is_a_row_error(client, helpers, tmp_path):
    """F13: pain back (or a contact, or the treatment) after today is refused per row, as regen report flags it."""
    future = (date.today() + timedelta(days=10)).isoformat()
    path = tmp_path / "future.csv"
    path.write_text(
        "patient_id,nerve,treated_on,last_contact_on,relieved_at_last_contact,relief_lost_on,relief_lost_day\n"
        f"OK-1,SLGN,{_ago(60)},{_ago(5)},yes,,\n"
        f"FUT-1,SLGN,{_ago(60)},{_ago(5)},yes,{future},\n"
        f"FUT-2,SLGN,{_ago(60)},,,,200\n"
        f"FUT-3,SLGN,{_ago(60)},{future},yes,,\n"
        f"FUT-4,SLGN,{future},,,,\n"
    )
    review = _upload(client, helpers, path).text
    rows = dict(re.findall(r"<tr><td>(\d+)</td><td>(FUT-\d)</td><td>[^<]*after today", review))
    assert rows == {"2": "FUT-1", "3": "FUT-2", "4": "FUT-3", "5": "FUT-4"}, review
    assert helpers.shown(review, "valid-count") == "1"
    done = _confirm(client, helpers, review)
    assert "1 treatment imported" in done.text and "4 rows with errors left out" in done.text
    assert client.get("/api/v1/worklist").json()["treatments"] == 1


def test_a_reimported_export_adds_the_new_follow_up_of_recorded_treatments(client, helpers, tmp_path):
    """F2: the updated export of a recorded treatment brings its new contacts (pain back); the check page says
    what happens to each recorded row; follow-up that contradicts the recorded one is listed, not stored."""
    header = "patient_id,nerve,treated_on,last_contact_on,relieved_at_last_contact,relief_lost_on\n"
    first = tmp_path / "first.csv"
    first.write_text(header + f"UPD1,SLGN,{_ago(300)},{_ago(270)},yes,\n" + f"SAME,GON,{_ago(100)},{_ago(90)},yes,\n")
    assert "2 treatments imported" in _confirm(client, helpers, _upload(client, helpers, first).text).text
    updated = tmp_path / "updated.csv"
    updated.write_text(
        header + f"UPD1,SLGN,{_ago(300)},{_ago(150)},no,{_ago(180)}\n" + f"SAME,GON,{_ago(100)},{_ago(90)},yes,\n"
    )
    review = _upload(client, helpers, updated).text
    listed = dict(re.findall(r'<tr class="[\w-]+"><td>\d+</td><td>(\w+)</td><td>([^<]*)</td></tr>', review))
    assert listed["UPD1"].startswith("already recorded: new follow-up added (pain back on " + _ago(180))
    assert listed["SAME"] == "already recorded, nothing new: left as it is"
    done = _confirm(client, helpers, review).text
    assert "0 treatments imported" in done and "1 already recorded left as they were" not in done
    assert "1 already recorded given new follow-up (1 contact added" in done
    treatment = client.get("/api/v1/treatments/1").json()
    assert [(c["contacted_on"], c["relieved"], c["pain_back_on"]) for c in treatment["contacts"]] == [
        (_ago(270), True, None),
        (_ago(150), False, _ago(180)),
    ]
    assert treatment["forecast"]["next_action"] == "book retreatment"  # the forecast made again from the pain back
    conflicting = tmp_path / "conflicting.csv"
    conflicting.write_text(header + f"UPD1,SLGN,{_ago(300)},{_ago(120)},no,{_ago(130)}\n")
    review = _upload(client, helpers, conflicting).text
    assert "conflicts: pain back on " + _ago(130) + " here, but on " + _ago(180) + " as recorded" in review
    done = _confirm(client, helpers, review).text
    assert "1 already recorded left out" in done and 'id="conflicts"' in done
    assert len(client.get("/api/v1/treatments/1").json()["contacts"]) == 2  # nothing of it stored


def test_new_follow_up_conflicts_only_when_it_contradicts_the_recorded_one():
    """F2: the rule that decides whether the new follow-up of a recorded treatment is added or listed."""
    from regen.web.services import _conflict

    def day(n):
        return date(2026, 1, 1) + timedelta(days=n)

    relieved = {"contacted_on": day(30), "relieved": True, "pain_back_on": None}
    back_on = {"contacted_on": day(150), "relieved": False, "pain_back_on": day(120)}
    back_by = {"contacted_on": day(150), "relieved": False, "pain_back_on": None}
    assert _conflict([relieved], [back_on]) is None
    assert _conflict([relieved, back_by], [{**back_on, "contacted_on": day(160)}]) is None  # the date, now known
    assert _conflict([relieved, back_on], [{**back_on, "pain_back_on": day(100)}]).startswith("pain back on")
    assert "already back by" in _conflict([back_by], [{**back_on, "pain_back_on": day(155), "contacted_on": day(170)}])
    assert "still relieved on" in _conflict([back_on], [{**relieved, "contacted_on": day(130)}])
    assert "still relieved on" in _conflict([relieved], [{**back_on, "pain_back_on": day(20)}])


def test_the_same_treatment_entered_twice_is_refused_and_import_numbers_cycles_by_date(
    client, new_treatment, helpers, tmp_path
):
    """A double click, or the form then the API, with one patient, nerve and date: 409 naming the recorded treatment
    (was: cycle 2 on the same day); an import listing a later cycle first numbers the cycles by date."""
    first = new_treatment(client, patient_id="D-1", treated_on=_ago(200))
    assert first.status_code == 303
    tid = first.headers["location"].split("?")[0].rsplit("/", 1)[1]
    again = new_treatment(client, patient_id="D-1", treated_on=_ago(200))
    assert again.status_code == 409 and f"already recorded as treatment {tid} (cycle 1" in again.text
    body = {"patient_id": "D-1", "nerve": "SLGN", "treated_on": _ago(200), "age": 64}
    api = client.post("/api/v1/treatments", json=body, headers={"x-csrf-token": helpers.token(client)})
    assert api.status_code == 409 and api.json()["treatment_id"] == int(tid)
    assert "already recorded as treatment" in api.json()["fields"]["treated_on"]
    earlier = new_treatment(client, patient_id="D-1", treated_on=_ago(250))
    assert earlier.status_code == 400 and "cycles are numbered by date" in earlier.text
    path = tmp_path / "order.csv"
    path.write_text(f"patient_id,nerve,treated_on\nO-1,SLGN,{_ago(100)}\nO-1,SLGN,{_ago(300)}\nD-1,SLGN,{_ago(220)}\n")
    review = _upload(client, helpers, path).text
    done = _confirm(client, helpers, review).text
    assert "2 treatments imported" in done, done
    assert re.search(r"not imported: treated_on: " + _ago(220) + " is before treatment", done), done
    cycles = {
        (t["treated_on"], t["cycle"]) for t in (client.get(f"/api/v1/treatments/{i}").json() for i in range(2, 4))
    }
    assert cycles == {(_ago(300), 1), (_ago(100), 2)}


def test_a_parquet_upload_is_bounded_by_its_footer_before_its_values_are_read(make_client, helpers, tmp_path):
    """A few-KB Parquet file of long strings (6 columns of one 190 MB value drove the server to 4.2 GB) is refused by
    its footer's decompressed sizes and rows; a value over 1 MiB is refused as a CSV line over 1 MiB is."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    long = tmp_path / "long.parquet"
    value = "x" * (8 * 2**20)
    pq.write_table(pa.table({f"c{i}": [value] for i in range(5)} | {"nerve": ["SLGN"]}), long, compression="zstd")
    assert long.stat().st_size < 100_000
    small = make_client(max_upload_text_bytes=20 * 2**20)
    refused = _upload(small, helpers, long, content_type="application/octet-stream")
    assert refused.status_code == 413 and "more than 20 MB of data once decompressed" in refused.text
    cell = tmp_path / "cell.parquet"
    pq.write_table(pa.table({"nerve": ["SLGN", "SLGN"], "note": ["ok", "y" * (2**20 + 1)]}), cell)
    client = make_client()
    page = _upload(client, helpers, cell, content_type="application/octet-stream")
    assert page.status_code == 400 and "regen reads values up to 1 MiB" in page.text and "&#39;note&#39;" in page.text
    rows = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"nerve": ["SLGN"] * 11}), rows)
    few = make_client(max_upload_rows=10)
    assert _upload(few, helpers, rows, content_type="application/octet-stream").status_code == 413
    for made in (small, client, few):
        assert not list(Path(made.app.state.staging).glob("*"))


def test_blank_lines_of_a_gzip_upload_count_toward_the_text_limit(make_client, helpers, tmp_path):
    """~20 GB of blank lines in a small .csv.gz took 132 s of CPU and was accepted: the bytes the reader skips
    count toward max_upload_text_bytes, so it is refused (413) once past it."""
    import gzip

    blank = tmp_path / "blank.csv.gz"
    blank.write_bytes(gzip.compress(b"nerve\nSLGN\n" + b"\n" * (12 * 2**20), compresslevel=1))
    client = make_client(max_upload_text_bytes=4 * 2**20)
    page = _upload(client, helpers, blank)
    assert page.status_code == 413 and "once decompressed (blank lines count too)" in page.text, page.text[-800:]
    fits = make_client(max_upload_text_bytes=16 * 2**20)
    assert _upload(fits, helpers, blank).status_code == 200


def test_the_check_page_says_what_the_import_will_do(client, helpers, tmp_path):
    """Rows of one treatment repeated in a file were all 'new' on the check page, and changed covariates of a
    recorded treatment read 'nothing new': the page now says what the import does, row by row."""
    header = "patient_id,nerve,treated_on,age,last_contact_on,relieved_at_last_contact,relief_lost_on\n"
    first = tmp_path / "first.csv"
    first.write_text(header + f"REC,SLGN,{_ago(100)},50,{_ago(90)},yes,\n")
    assert "1 treatment imported" in _confirm(client, helpers, _upload(client, helpers, first).text).text
    again = tmp_path / "again.csv"
    again.write_text(
        header
        + f"REC,SLGN,{_ago(100)},99,{_ago(90)},yes,\n"
        + f"DUP,GON,{_ago(200)},60,{_ago(190)},yes,\n"
        + f"DUP,GON,{_ago(200)},60,{_ago(190)},yes,\n"
        + f"DUP,GON,{_ago(200)},60,{_ago(120)},no,{_ago(150)}\n"
    )
    review = _upload(client, helpers, again).text
    listed = dict(re.findall(r'<tr class="[\w-]+"><td>(\d+)</td><td>\w+</td><td>([^<]*)</td></tr>', review))
    assert (
        listed["1"] == "already recorded, nothing new: left as it is; age differs: stored 50, file 99 — left as stored"
    )
    assert listed["3"] == "same treatment as row 2 of this file, nothing new: left as it is"
    assert listed["4"].startswith("same treatment as row 2 of this file: new follow-up added (pain back on ")
    assert "2" not in listed  # a new treatment
    done = _confirm(client, helpers, review).text
    assert "1 treatment imported" in done and "1 already recorded given new follow-up" in done
    assert client.get("/api/v1/worklist").json()["treatments"] == 2


def test_staged_uploads_and_model_files_do_not_outlive_their_use(make_client, helpers, clinic_export, tmp_path):
    """Staged uploads stayed in /tmp/regen-uploads-* until the server stopped (the session keeps 5 tokens) and those
    of a killed server forever; /tmp/regen-serve-models-* files were 0644 and never removed."""
    import os
    import subprocess
    import sys
    import time

    from regen.web import forecasts
    from regen.web.app import STAGED_MAX_AGE_S, remove_stale_staging

    client = make_client()
    staging = Path(client.app.state.staging)
    assert staging.name.startswith(f"regen-uploads-{os.getpid()}-")
    path = clinic_export(n=3)
    for _ in range(7):
        assert _upload(client, helpers, path).status_code == 200
    assert len(list(staging.glob("*"))) == 5  # the two evicted tokens' files are gone
    old = next(iter(staging.glob("*")))
    os.utime(old, (time.time() - STAGED_MAX_AGE_S - 60,) * 2)
    _upload(client, helpers, path)
    assert not old.exists() and len(list(staging.glob("*"))) <= 5  # expired: removed (and the oldest evicted)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = tmp_path / f"regen-uploads-{int(dead.stdout)}-abc"
    legacy = tmp_path / "regen-uploads-xyz"
    running = tmp_path / f"regen-uploads-{os.getpid()}-def"
    for folder in (gone, legacy, running):
        folder.mkdir()
        (folder / "t.csv").write_text("patient data")
    os.utime(legacy, (time.time() - STAGED_MAX_AGE_S - 60,) * 2)
    assert sorted(remove_stale_staging(str(tmp_path))) == sorted([gone, legacy])
    assert running.exists() and not gone.exists()
    code = (
        "from regen.web import forecasts; import regen, json, sys\n"
        "m = regen.load_model(); path = regen.utils.resources.model_path('default.json')\n"
        "forecasts.load_stored_model('x@1', path.read_text())\n"
        "d = forecasts._MODEL_DIR[0]; f = next(d.iterdir())\n"
        "print(d, oct(d.stat().st_mode & 0o777), oct(f.stat().st_mode & 0o777))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[1:] == ["0o700", "0o600"] and not Path(out[0]).exists()  # removed at exit
    assert forecasts is not None


def _outcomes_by_patient(frame) -> dict:
    """``regen.load_outcomes`` of a table, per patient: (relief_last_seen_day, relief_lost_day or inf, responded)."""
    import regen

    data = regen.load_outcomes(frame)
    return {
        str(pid): (float(lo), float(hi), bool(r))
        for pid, lo, hi, r in zip(data.columns["patient_id"], data.lower, data.upper, data.responded, strict=True)
    }


def _exported(client) -> pd.DataFrame:
    from io import StringIO

    return pd.read_csv(StringIO(client.get("/files/export/outcomes.csv").text), dtype=str, keep_default_na=False)


def test_every_follow_up_form_comes_back_in_the_outcome_export(client, helpers, tmp_path):
    """New-user pass: an outcome file (regen fit's schema) imported with its relief_last_seen_day and responded
    ignored: intervals came back as exact days (last seen 257, lost 338 -> 338,338), a non-responder as a responder,
    still-relieved patients not at all. Each follow-up form the library reads — the outcome columns, regen score's
    days, the clinic's dates, responded — now comes back from import -> store -> export as regen.load_outcomes
    reads the original: the same intervals and responses."""
    start = date.today() - timedelta(days=500)

    def on(day: int) -> str:
        return (start + timedelta(days=day)).isoformat()

    outcome = tmp_path / "outcomes.csv"  # regen fit's schema, as a clinic keeps it
    outcome.write_text(
        "Patient ID,nerve,treated_on,cycle,relief_last_seen_day,relief_lost_day,responded\n"
        f"O-INTERVAL,SLGN,{start},1,257,338,yes\n"
        f"O-RIGHT,SLGN,{start},1,168,,\n"
        f"O-EXACT,SLGN,{start},1,120,120,yes\n"
        f"O-NONRESP-DAY,SLGN,{start},1,0,50,no\n"
        f"O-NONRESP,GON,{start},1,0,,no\n"
        f"O-INFERRED,SLGN,{start},1,0,60,\n"  # blank responded, relief never seen: regen fit reads a non-responder
        f"O-NEVER-SEEN,SLGN,{start},1,0,90,yes\n"  # a responder whose relief was never confirmed: lost by day 90
        f"O-UNDATED,GON,,,0,,no\n"  # a non-responder needs no date
        f"O-BAD,SLGN,{start},1,48,28,yes\n"
    )
    review = _upload(client, helpers, outcome).text
    assert "relief_lost_day: 28 is before relief_last_seen_day 48" in review  # as regen fit refuses it
    assert helpers.shown(review, "error-count") == "1" and helpers.shown(review, "valid-count") == "8"
    assert "an outcome file, read as regen fit reads it" in review
    assert "8 treatments imported" in _confirm(client, helpers, review).text
    original = pd.read_csv(outcome, dtype=str, keep_default_na=False)
    expected = _outcomes_by_patient(original)
    assert _outcomes_by_patient(_exported(client)) == expected
    assert expected["O-INTERVAL"] == (257.0, 338.0, True) and expected["O-INFERRED"] == (0.0, 60.0, False)
    nonresponder = client.get("/api/v1/treatments/5").json()  # O-NONRESP, row 5: the response is stored and shown
    assert nonresponder["responded"] is False and 'id="non-responder"' in client.get("/treatments/5").text
    headers = {"x-csrf-token": helpers.token(client)}
    relieved = {"contacted_on": on(30), "relieved": True}
    refused = client.post("/api/v1/treatments/5/contacts", json=relieved, headers=headers)
    assert refused.status_code == 422 and "recorded as a non-responder" in refused.json()["fields"]["relieved"]

    forms = tmp_path / "follow_up.csv"  # regen score's days and the clinic's dates, one form per row
    forms.write_text(
        "patient_id,nerve,treated_on,relief_at_day,relief_lost_day,last_contact_on,relieved_at_last_contact,"
        "relief_lost_on,responded\n"
        f"D-RIGHT,SLGN,{start},168,,,,,\n"
        f"D-EXACT,SLGN,{start},,120,,,,\n"
        f"D-BOTH,SLGN,{start},257,338,,,,yes\n"  # regen score: still relieved on 257, pain came back on day 338
        f"D-NONRESP-DAY,SLGN,{start},,50,,,,no\n"  # found without relief on day 50: the library's non-response
        f"D-NONRESP,GON,{start},,,,,,no\n"
        f"C-RIGHT,SLGN,{start},,,{on(168)},yes,,\n"
        f"C-BY,SLGN,{start},,,{on(90)},no,,\n"  # pain back by that contact: relief ended in (0, 90]
        f"C-TOLD,SLGN,{start},,,{on(150)},no,{on(120)},\n"
        f"C-EXACT,SLGN,{start},,,{on(100)},yes,{on(130)},yes\n"
        f"C-NONRESP,SLGN,{start},,,{on(50)},no,,no\n"
    )
    review = _upload(client, helpers, forms).text
    assert helpers.shown(review, "error-count") == "0", review
    assert "relief_lost_day is read as regen score reads it: the day pain came back" in review
    assert "10 treatments imported" in _confirm(client, helpers, review).text
    said = pd.DataFrame(  # what the rows say, in regen fit's schema (the library's meaning of each column)
        [
            ("D-RIGHT", "168", "", ""),
            ("D-EXACT", "120", "120", ""),
            ("D-BOTH", "338", "338", "yes"),
            ("D-NONRESP-DAY", "0", "50", "no"),
            ("D-NONRESP", "0", "", "no"),
            ("C-RIGHT", "168", "", ""),
            ("C-BY", "0", "90", "yes"),
            ("C-TOLD", "120", "120", ""),
            ("C-EXACT", "130", "130", "yes"),
            ("C-NONRESP", "0", "50", "no"),
        ],
        columns=["patient_id", "relief_last_seen_day", "relief_lost_day", "responded"],
    )
    said["nerve"] = ["GON" if p == "D-NONRESP" else "SLGN" for p in said["patient_id"]]
    exported = _outcomes_by_patient(_exported(client))
    assert {k: v for k, v in exported.items() if k[0] in "DC"} == _outcomes_by_patient(said)
    assert {k: v for k, v in exported.items() if k[0] == "O"} == expected  # the first file's rows unchanged


def test_follow_up_the_store_cannot_hold_exactly_is_a_row_error_or_refused_in_one_line(client, helpers, tmp_path):
    """Nothing is dropped or rounded silently: a day that is not whole, a follow-up day without a treatment date and a
    cycle other than the store's are row errors naming the column; return of sensation (not stored) and an outcome
    file mixed with follow-up in days are refused as a whole, saying what to do."""
    start = date.today() - timedelta(days=300)
    path = tmp_path / "outcomes.csv"
    path.write_text(
        "patient_id,nerve,treated_on,cycle,relief_last_seen_day,relief_lost_day,responded\n"
        f"HALF,SLGN,{start},1,30.5,60,yes\n"
        f"NODATE,SLGN,,1,30,60,yes\n"
        f"CYCLE,SLGN,{start},2,30,60,yes\n"
        f"OK,SLGN,{start},1,30,60,yes\n"
    )
    review = _upload(client, helpers, path).text
    assert "relief_last_seen_day: 30.5 is not a whole day" in review
    assert "treated_on: needed to store relief_last_seen_day, relief_lost_day as dated contacts" in review
    assert "cycle: the file says cycle 2, but this treatment is cycle 1" in review
    assert helpers.shown(review, "valid-count") == "2"  # CYCLE is listed by what the import does to it
    done = _confirm(client, helpers, review).text
    assert "1 treatment imported" in done and "cycle: the file says cycle 2" in done
    days = tmp_path / "days.csv"
    days.write_text("patient_id,nerve,relief_at_day\nX,SLGN,30\nY,SLGN,14.5\n")
    review = _upload(client, helpers, days).text
    assert "treated_on: needed to store relief_at_day as dated contacts" in review
    assert "relief_at_day: 14.5 is not a whole day" in review
    sensation = tmp_path / "sensation.csv"
    sensation.write_text(
        f"patient_id,nerve,treated_on,relief_last_seen_day,sensation_returned_day\nS,SLGN,{start},30,40\n"
    )
    page = _upload(client, helpers, sensation)
    assert page.status_code == 400 and "sensation_returned_day: return of sensation is not stored" in page.text
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        f"patient_id,nerve,treated_on,relief_last_seen_day,relief_lost_day,relief_at_day\nM,SLGN,{start},30,,40\n"
    )
    page = _upload(client, helpers, mixed)
    assert page.status_code == 400 and "follow-up in two forms" in page.text and "relief_at_day" in page.text


def test_a_row_the_import_refuses_is_a_row_error_of_the_check_and_the_other_rows_import(
    client, helpers, tmp_path, monkeypatch
):
    """New-user pass: relief_at_day 0 passed the check ('1 valid ... Import all 1 rows'), then the import failed as a
    whole ('Something went wrong', InputError: last_contact_on ... is the treatment day itself). The check now runs
    what the import runs (forecasts included, each row in a savepoint): such a row is a row error naming the column
    and the value, and the other rows import."""
    start = date.today() - timedelta(days=200)
    path = tmp_path / "conv_zero.csv"
    path.write_text(
        "patient_id,nerve,indication,age,treated_on,relief_at_day\n"
        f"Z5,SLGN,knee_osteoarthritis,60,{start},0\n"
        f"Z6,SLGN,knee_osteoarthritis,61,{start},30\n"
    )
    review = _upload(client, helpers, path).text
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td><td>([^<]*)</td></tr>", review)
    assert [(r[0], r[1]) for r in rows] == [("1", "Z5")]
    assert rows[0][2].startswith("relief_at_day: 0 is the treatment day itself")
    assert "Import the 1 valid rows only" in review
    done = _confirm(client, helpers, review).text
    assert "1 treatment imported" in done and "1 row with errors left out" in done
    # any refusal of the library when a row is stored: found by the check, the row left out alone
    from regen.web import services

    forecast = services.lib.forecast_treatment

    def refusing(model, treatment, contacts, history):
        if treatment["age"] == 99:
            raise services.lib.InputError("age: refused when forecast (a test's refusal)")
        return forecast(model, treatment, contacts, history)

    monkeypatch.setattr(services.lib, "forecast_treatment", refusing)
    other = tmp_path / "other.csv"
    other.write_text(f"patient_id,nerve,age,treated_on\nA1,SLGN,60,{start}\nA2,SLGN,99,{start}\nA3,GON,50,{start}\n")
    review = _upload(client, helpers, other).text
    assert helpers.shown(review, "error-count") == "1" and helpers.shown(review, "valid-count") == "2"
    assert "<tr><td>2</td><td>A2</td><td>age: refused when forecast (a test&#39;s refusal)</td></tr>" in review
    token = re.search(r'name="token" value="([^"]+)"', review).group(1)
    strict = client.post("/files/import", data={"csrf_token": helpers.token(client), "token": token, "mode": "all"})
    assert strict.status_code == 400  # all rows: refused as a whole, nothing stored
    done = _confirm(client, helpers, review).text
    assert "2 treatments imported" in done and "1 row with errors left out" in done and 'id="refused"' in done
    assert client.get("/api/v1/worklist").json()["treatments"] == 3  # Z6, A1, A3
