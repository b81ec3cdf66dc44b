"""`regen score`: exit codes, the --errors file, formats and streams, the schema of an empty table, and the same
numbers as `regen predict`."""

from __future__ import annotations

import csv
import gzip
import json

import pandas as pd
import pytest

from regen import score_frame
from regen.schema.columns import OUTPUT_COLUMNS


def test_cli_scores_with_exit_3_and_errors_file(tmp_path, patients, patients_csv, cli):
    src, out, err = patients_csv, tmp_path / "out.csv", tmp_path / "rejected.csv"
    res = cli("score", str(src), "-o", str(out), "--errors", str(err), "--chunksize", "64")
    assert res.exit_code == 3, res.output
    assert "500 rows: 497 scored, 3 not scored" in res.stderr
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert scored["patient_id"].tolist() == patients["patient_id"].tolist()
    assert (scored["clinic_note"] == "keep, me").all()
    rejected = pd.read_csv(err)
    assert rejected["row"].tolist() == [4, 11, 21]
    assert rejected["error"].str.contains("treated_on: '2026-02-30' is not a date").any()


def test_cli_exit_0_and_formats(tmp_path, patients, cli):
    good = patients.drop(index=[3, 10, 20])
    src = tmp_path / "good.csv"
    good.to_csv(src, index=False)
    for target in ("out.csv.gz", "out.parquet"):
        res = cli("score", str(src), "-o", str(tmp_path / target))
        assert res.exit_code == 0, res.output
    with gzip.open(tmp_path / "out.csv.gz", "rt") as fh:
        assert len(pd.read_csv(fh)) == len(good)
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == len(good)
    res = cli("score", str(tmp_path / "out.parquet"), "-o", "-")
    assert res.exit_code == 1 and "already has prediction columns" in res.stderr


def test_stdin_to_stdout(cli):
    res = cli("score", "-", "-o", "-", input="patient_id,nerve\np1,SLGN\np2,GON\n")
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[1].startswith("p1,genicular") is False and lines[1].startswith("p1,SLGN")


@pytest.mark.parametrize("entry", ["score_frame", "score, ids and ages", "score, nerve and age"])
def test_a_header_only_table_gives_the_schema(entry, cli, tmp_path, patients):
    """No rows in, the output's columns out: the input's own, then regen's."""
    if entry == "score_frame":
        out = score_frame(patients.iloc[:0])
        assert len(out) == 0 and list(out.columns) == [*patients.columns, *OUTPUT_COLUMNS]
        return
    header = "patient_id,nerve,age" if entry == "score, ids and ages" else "nerve,age"
    src, out = tmp_path / "h.csv", tmp_path / "o.csv"
    src.write_text(header + "\n")
    res = cli("score", src, "-o", out)
    assert res.exit_code == 0 and "0 rows" in res.stderr, res.output
    assert out.read_text().splitlines() == [",".join([*header.split(","), *OUTPUT_COLUMNS])]


def test_missing_input_and_usage(tmp_path, cli):
    res = cli("score", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv"))
    assert res.exit_code == 1 and "does not exist" in res.stderr
    assert cli("score", "x.csv").exit_code == 2


def test_awkward_csv_quotes_newlines_blank_lines_duplicates(tmp_path, cli):
    text = 'patient_id,nerve,note\na,SLGN,"has, comma"\n\na,GON,"two\nlines"\n'
    src, out = tmp_path / "odd.csv", tmp_path / "out.csv"
    src.write_text(text, encoding="utf-8")
    res = cli("score", str(src), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "1 row repeats a patient_id" in res.stderr
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(scored.columns[:3]) == ["patient_id", "nerve", "note"]
    assert scored["note"].tolist() == ["has, comma", "two\nlines"]


def test_a_patient_id_header_names_the_rejected_rows_and_the_repeats(cli, tmp_path):
    src, out, err = tmp_path / "export.csv", tmp_path / "scored.csv", tmp_path / "rejected.csv"
    src.write_text("Patient ID,Nerve,Age\nA-1,GON,50\nA-2,geniculr superolateral,60\nA-1,SLGN,70\n")
    res = cli("score", src, "-o", out, "--errors", err)
    assert res.exit_code == 3, res.output
    assert "Warning: 1 row repeats a patient_id (all scored), e.g. 'A-1' again on row 3" in res.stderr
    rejected = pd.read_csv(err, dtype=str)
    assert rejected["patient_id"].tolist() == ["A-2"] and rejected["row"].tolist() == ["2"]


def test_an_error_after_rows_went_to_stdout_says_they_are_incomplete(cli, tmp_path):
    src = tmp_path / "late.csv"
    src.write_text("nerve,age\n" + "GON,45\n" * 60_000 + "GON,45,extra\n")
    res = cli("score", src, "-o", "-")
    assert res.exit_code == 1 and "standard output may hold an incomplete table: discard it" in res.stderr


def test_the_command_line_chunk_size_is_the_library_default():
    import inspect

    from regen.cli import score
    from regen.files.read import CHUNK_ROWS

    assert inspect.signature(score).parameters["chunksize"].default.default == CHUNK_ROWS


def test_score_and_predict_json_give_the_same_numbers(cli, patients):
    frame = patients.drop(index=[3, 10, 20]).head(5)
    scored = score_frame(frame)
    for i in range(len(frame)):
        row = frame.iloc[i]
        args = [
            "predict",
            "--nerve",
            row["nerve"],
            "--age",
            row["age"],
            "--treated-on",
            row["treated_on"],
            "--indication",
            row["indication"],
            "--format",
            "json",
        ]
        if row["diabetes"] == "yes":
            args.append("--diabetes")
        out = json.loads(cli(*args).stdout)
        for col in OUTPUT_COLUMNS:
            if col in ("error", "evidence", "warnings"):
                continue
            value = scored[col].iloc[i]
            assert (out[col] is None and pd.isna(value)) or out[col] == value, col


def test_score_and_predict_json_print_the_same_characters(tmp_path, cli):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(b"nerve,age,treated_on\nGON,45,2026-03-14\n")
    res = cli("score", src, "-o", out)
    assert res.exit_code == 0, res.output
    header, line = list(csv.reader(out.read_text().splitlines(keepends=True)))
    row = dict(zip(header, line, strict=True))
    pred = cli("predict", "--nerve", "GON", "--age", "45", "--treated-on", "2026-03-14", "--format", "json")
    values = json.loads(pred.stdout)
    compared = [name for name in OUTPUT_COLUMNS if isinstance(values.get(name), float)]
    assert len(compared) >= 12
    for name in compared:
        assert row[name] == json.dumps(values[name]), name


def test_a_scored_row_says_when_its_p90_lies_past_the_published_follow_up(cli):
    """The warnings column carries the library's note: phantom limb pain (p90 ~12,000 days, its class followed
    to day 913) has it; the same row under a model without follow-up days would not (tests/model)."""
    from regen.model.relief import beyond_evidence_text

    res = cli("score", "-", "-o", "-", input="patient_id,nerve,indication\np1,sciatic,phantom_limb_pain\np2,SLGN,\n")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(res.stdout.splitlines()))
    assert float(rows[0]["relief_end_p90_day"]) > 913
    assert beyond_evidence_text(913) in rows[0]["warnings"].split("; ")
    assert beyond_evidence_text(365) in rows[1]["warnings"].split("; ")
