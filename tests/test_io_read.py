"""Hostile input files (issue 11, items 1 and 7): nothing lost, shifted or mixed; streams and files.

Every reader (score, fit, evaluate, describe, report) goes through regen.files.read,
so a file refused by one is refused by all, with the same one-line message.
"""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from regen.files.read import iter_chunks, read_table
from regen.schema.columns import OUTPUT_COLUMNS

RAGGED_FIRST = b"patient_id,nerve,age\nP1,SLGN,64,x\nP2,GON,45\n"  # a trailing comma from an export
RAGGED_LATE = b"patient_id,nerve,age\nP1,SLGN,64\n\nP2,GON\n"
REPEATED = b"nerve,age,age\nGON,45,80\nSLGN,64,70\n"


def _score(cli, tmp_path, content: bytes, name: str = "in.csv", *extra):
    src, out = tmp_path / name, tmp_path / "out.csv"
    src.write_bytes(content)
    return cli("score", src, "-o", out, *extra), out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (RAGGED_FIRST, "data record 1 has 4 fields but the header has 3"),
        (RAGGED_LATE, "data record 2 has 2 fields but the header has 3"),
        (REPEATED, "column names repeat ('age')"),
    ],
)
def test_ragged_and_repeated_are_refused_by_score_in_one_line(tmp_path, cli, content, message):
    res, out = _score(cli, tmp_path, content)
    assert res.exit_code == 1 and message in res.stderr and res.stderr.count("\n") == 1, res.output
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize("content", [RAGGED_FIRST, REPEATED])
@pytest.mark.parametrize("command", ["fit", "evaluate", "describe", "report"])
def test_every_reader_refuses_the_same_files(tmp_path, cli, content, command):
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    args = {
        "fit": ("fit", src, "-o", tmp_path / "m.json"),
        "evaluate": ("evaluate", "mechanism-only", src),
        "describe": ("describe", src),
        "report": ("report", src, "-o", tmp_path / "r.html"),
    }[command]
    res = cli(*args)
    assert res.exit_code == 1, res.output
    assert "fields but the header has" in res.stderr or "column names repeat" in res.stderr


def test_ragged_row_in_a_later_chunk_leaves_nothing(tmp_path, cli):
    rows = "".join(f"p{i},GON,50\n" for i in range(300)) + "p300,GON,50,extra\n"
    res, _ = _score(cli, tmp_path, ("patient_id,nerve,age\n" + rows).encode(), "in.csv", "--chunksize", "64")
    assert res.exit_code == 1 and "data record 301 has 4 fields" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_repeated_columns_refused_by_score_frame():
    from regen import score_frame
    from regen.errors import DataFileError

    frame = pd.DataFrame([["GON", "45", "80"]], columns=["nerve", "age", "age"])
    with pytest.raises(DataFileError, match="repeat"):
        score_frame(frame)


def test_cells_are_read_as_the_exact_text():
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "t.csv"
    path.write_bytes(b'\xef\xbb\xbfid,nerve,x\n007, GON ,NA\n\n"a""b",SLGN,"1,5"\n"multi\nline",GON,1e3\n')
    frame = read_table(path)
    assert list(frame.columns) == ["id", "nerve", "x"]
    assert frame.to_dict("list") == {
        "id": ["007", 'a"b', "multi\nline"],
        "nerve": [" GON ", "SLGN", "GON"],
        "x": ["NA", "1,5", "1e3"],
    }


def test_header_only_with_patient_id_gives_header_only_output(tmp_path, cli):
    res, out = _score(cli, tmp_path, b"patient_id,nerve,age\n")
    assert res.exit_code == 0, res.output
    assert out.read_text().splitlines() == [",".join(["patient_id", "nerve", "age", *OUTPUT_COLUMNS])]


def test_header_only_without_nerve_is_refused(tmp_path, cli):
    res, out = _score(cli, tmp_path, b"patient_id,age\n")
    assert res.exit_code == 1 and "the column 'nerve' is required" in res.stderr and not out.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"nerve,name\nGON,Jos\xe9\n", "not UTF-8 text (invalid continuation byte, byte 18 of the file, line 2)"),
        ("nerve\nGON\n".encode("utf-16"), "not UTF-8 text (it is UTF-16)"),
    ],
)
def test_non_utf8_on_stdin_is_refused_in_one_line(cli, content, message):
    res = cli("score", "-", "-o", "-", input=content)
    assert res.exit_code == 1 and message in res.stderr and res.stderr.count("\n") == 1, res.output


def test_error_offsets_are_offsets_in_the_file_not_in_the_chunk(tmp_path):
    body = b"nerve,age\n" + b"GON,50\n" * 300_000 + b"GON,\xff\n"
    path = tmp_path / "late.csv"
    path.write_bytes(body)
    with pytest.raises(Exception, match=f"byte {len(body) - 2:,} of the file, line 300002"):
        for _ in iter_chunks(path, 1000):
            pass


def test_truncated_gzip_says_so(tmp_path, cli):
    data = gzip.compress(("nerve,age\n" + "".join(f"GON,{i % 90 + 10}\n" for i in range(50_000))).encode())
    res, out = _score(cli, tmp_path, data[: len(data) // 2], "in.csv.gz")
    assert res.exit_code == 1 and "gzip file is truncated" in res.stderr and res.stderr.count("\n") == 1
    assert not out.exists()


def test_extensions_any_case_and_gzip_by_content(tmp_path, cli):
    text = b"patient_id,nerve\np1,GON\n"
    res, _ = _score(cli, tmp_path, gzip.compress(text), "IN.CSV.GZ")
    assert res.exit_code == 0, res.output
    for target in ("OUT.PARQUET", "OUT.CSV.GZ"):
        assert cli("score", tmp_path / "IN.CSV.GZ", "-o", tmp_path / target).exit_code == 0
    assert pd.read_parquet(tmp_path / "OUT.PARQUET")["patient_id"].tolist() == ["p1"]
    assert gzip.decompress((tmp_path / "OUT.CSV.GZ").read_bytes()).startswith(b"patient_id,nerve,")


def test_parquet_in_parquet_out_keeps_column_types(tmp_path, cli):
    frame = pd.DataFrame(
        {
            "nerve": ["GON", "SLGN"],
            "age": [45, 64],
            "weight": [70.5, None],
            "seen": pd.to_datetime(["2026-01-02", "2026-02-03"]).date,
        }
    )
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    frame.to_parquet(src, index=False)
    res = cli("score", src, "-o", out)
    assert res.exit_code == 0, res.output
    import pyarrow.parquet as pq

    schema, source = pq.read_schema(out), pq.read_schema(src)
    for name in frame.columns:
        assert schema.field(name).type == source.field(name).type, name
    assert str(schema.field("relief_end_median_day").type) == "double"
    scored = pd.read_parquet(out)
    assert scored["age"].tolist() == [45, 64] and scored["error"].tolist() == ["", ""]


def test_score_and_predict_json_print_the_same_characters(tmp_path, cli):
    res, out = _score(cli, tmp_path, b"nerve,age,treated_on\nGON,45,2026-03-14\n")
    assert res.exit_code == 0, res.output
    import csv

    header, line = list(csv.reader(out.read_text().splitlines(keepends=True)))
    row = dict(zip(header, line, strict=True))
    pred = cli("predict", "--nerve", "GON", "--age", "45", "--treated-on", "2026-03-14", "--format", "json")
    values = json.loads(pred.stdout)
    compared = [name for name in OUTPUT_COLUMNS if isinstance(values.get(name), float)]
    assert len(compared) >= 12
    for name in compared:
        assert row[name] == json.dumps(values[name]), name


def test_summary_states_headers_read_as_patient_columns_and_defaults_used(tmp_path):
    import regen.batch.score as rio

    src = tmp_path / "in.csv"
    src.write_text("Nerve,Age,Smoking\n" + "GON,,yes\n" * 7 + "GON,61,no\n" * 5)
    summary = rio.score_file(str(src), str(tmp_path / "o.csv"), chunksize=5)
    assert summary["mapped"] == {"Nerve": "nerve", "Age": "age"} and summary["defaults"]["age"] == 7
    lines = rio.summary_lines(summary)
    assert lines[0].startswith("columns read as: Nerve -> nerve, Age -> age; defaults used: ")
    assert "age 7 rows" in lines[0]
    assert any(line.startswith("Warning:") and "Smoking" in line and "smoker" in line for line in lines)
    assert lines[-1].startswith("12 rows: 12 scored, 0 not scored")
    header = (tmp_path / "o.csv").read_text().splitlines()[0]
    assert header.startswith("Nerve,Age,Smoking,")  # the input headers pass through as they were


def test_utf16_without_a_byte_order_mark_is_named(cli, tmp_path):
    src = tmp_path / "u16.csv"
    src.write_bytes("nerve,age\nSLGN,60\nGON,45\n".encode("utf-16-le"))
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "not UTF-8 text (it is UTF-16)" in res.stderr


def test_a_second_byte_order_mark_does_not_hide_the_first_column(cli, tmp_path):
    src = tmp_path / "bom2.csv"
    src.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfpatient_id,nerve\np1,SLGN\np1,GON\n")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 0 and "\\ufeffpatient_id -> patient_id" in res.stderr, res.output
    assert "1 row repeats a patient_id" in res.stderr  # the ids were read


def test_an_error_after_rows_went_to_stdout_says_they_are_incomplete(cli, tmp_path):
    src = tmp_path / "late.csv"
    src.write_text("nerve,age\n" + "GON,45\n" * 60_000 + "GON,45,extra\n")
    res = cli("score", src, "-o", "-")
    assert res.exit_code == 1 and "standard output may hold an incomplete table: discard it" in res.stderr
