"""Reading input files (regen.files.read): cells as the exact text, one refusal for every reader, encodings,
gzip and Parquet."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

import regen
from regen.files.read import iter_chunks, read_table

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
    ids=["ragged first", "ragged late", "repeated"],
)
@pytest.mark.parametrize("command", ["score", "fit", "evaluate", "describe", "report"])
def test_every_reader_refuses_ragged_and_repeated_files_in_one_line(tmp_path, cli, content, message, command):
    """Every reader goes through regen.files.read: a file one refuses, all refuse, with the same line."""
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    args = {
        "score": ("score", src, "-o", tmp_path / "out.csv"),
        "fit": ("fit", src, "-o", tmp_path / "m.json"),
        "evaluate": ("evaluate", "mechanism-only", src),
        "describe": ("describe", src),
        "report": ("report", src, "-o", tmp_path / "r.html"),
    }[command]
    res = cli(*args)
    assert res.exit_code == 1 and message in res.stderr and res.stderr.count("\n") == 1, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_ragged_row_in_a_later_chunk_leaves_nothing(tmp_path, cli):
    rows = "".join(f"p{i},GON,50\n" for i in range(300)) + "p300,GON,50,extra\n"
    res, _ = _score(cli, tmp_path, ("patient_id,nerve,age\n" + rows).encode(), "in.csv", "--chunksize", "64")
    assert res.exit_code == 1 and "data record 301 has 4 fields" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b'nerve,age\nGON,"50\n', "not a readable CSV"),
    ],
)
def test_unreadable_files_exit_1_and_leave_nothing(tmp_path, content, message, cli):
    src, out = tmp_path / "bad.csv", tmp_path / "out.csv"
    src.write_bytes(content)
    res = cli("score", str(src), "-o", str(out))
    assert res.exit_code == 1, res.output
    assert message in res.stderr and res.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == [src]


def test_cells_are_read_as_the_exact_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b'id,nerve,x\n007, GON ,NA\n\n"a""b",SLGN,"1,5"\n"multi\nline",GON,1e3\n')
    frame = read_table(path)
    assert list(frame.columns) == ["id", "nerve", "x"]
    assert frame.to_dict("list") == {
        "id": ["007", 'a"b', "multi\nline"],
        "nerve": [" GON ", "SLGN", "GON"],
        "x": ["NA", "1,5", "1e3"],
    }


BOM = b"\xef\xbb\xbf"
REPEATING_ID = b"patient_id,nerve\np1,SLGN\np1,GON\n"


@pytest.mark.parametrize(
    ("entry", "content"),
    [
        ("read_table", BOM + REPEATING_ID),
        ("load_outcomes", BOM + b"nerve,relief_last_seen_day,relief_lost_day\nGON,30,60\nGON,20,\n"),
        ("score", BOM + REPEATING_ID),
        ("score from stdin", BOM + REPEATING_ID),
        ("score, Excel's CSV UTF-8", BOM + b'"patient_id","nerve"\r\n"p1","SLGN"\r\n"p1","GON"\r\n'),
    ],
)
def test_a_byte_order_mark_is_not_part_of_the_first_header(entry, content, cli, tmp_path):
    """The mark of a UTF-8 file is the encoding's, not the first column's: its header reads as written."""
    src, out = tmp_path / "bom.csv", tmp_path / "o.csv"
    src.write_bytes(content)
    if entry == "read_table":
        assert list(read_table(src).columns) == ["patient_id", "nerve"]
        return
    if entry == "load_outcomes":
        data = regen.load_outcomes(str(src))
        assert len(data) == 2 and data.bad == [] and data.mapped == {}
        return
    res = cli("score", "-", "-o", out, input=content) if entry == "score from stdin" else cli("score", src, "-o", out)
    assert res.exit_code == 0, res.output
    assert "1 row repeats a patient_id" in res.stderr  # the ids were read
    assert out.read_text(encoding="utf-8").startswith("patient_id,nerve,sensation_return_median_day,")
    # two marks refuse the file: tests/files/test_read_bounds.py::test_a_second_byte_order_mark_refuses_the_file


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"nerve,name\nGON,Jos\xe9\n", "not UTF-8 text (invalid continuation byte, byte 18 of the file, line 2)"),
        ("nerve\nGON\n".encode("utf-16"), "not UTF-8 text (it is UTF-16)"),
        ("nerve,age\nSLGN,60\nGON,45\n".encode("utf-16-le"), "not UTF-8 text (it is UTF-16)"),
        (b"\xff\xfe\x00n\x00e\x00r\x00v\x00e", "not UTF-8 text"),
    ],
    ids=["latin-1", "utf-16", "utf-16 without a byte order mark", "utf-16 cut short"],
)
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_text_that_is_not_utf8_is_refused_in_one_line(cli, tmp_path, content, message, source):
    if source == "stdin":
        res = cli("score", "-", "-o", "-", input=content)
    else:
        src = tmp_path / "in.csv"
        src.write_bytes(content)
        res = cli("score", src, "-o", tmp_path / "o.csv")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
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


def test_a_parquet_timestamp_column_is_a_date(cli, tmp_path):
    src = tmp_path / "ts.parquet"
    pd.DataFrame({"nerve": ["SLGN", "GON"], "treated_on": pd.to_datetime(["2026-03-14", "2026-03-15"])}).to_parquet(
        src, index=False
    )
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "o.csv")["retreatment_due_date"].notna().all()


def test_a_file_wider_than_the_limit_is_refused_at_once(cli, tmp_path):
    from regen.files.read import MAX_COLUMNS

    src = tmp_path / "wide.csv"
    n = MAX_COLUMNS * 5
    src.write_text(",".join(["nerve", *(f"c{i}" for i in range(n))]) + "\n" + ",".join(["SLGN", *["1"] * n]) + "\n")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and f"the file has {n + 1:,} columns; regen reads at most {MAX_COLUMNS:,}" in res.stderr
