"""Reads that precede the streaming reader, and whole-table reads, are bounded; blank lines before the header
are skipped and the header's line is named (issue 21, classes 7 and 13)."""

from __future__ import annotations

import gzip
import resource
import subprocess
import sys
import time

import pytest

from regen.errors import DataFileError
from regen.files.read import read_table


@pytest.mark.parametrize("mebibytes", [8, 64])
def test_a_huge_first_line_is_refused_at_once(tmp_path, mebibytes):
    """On 7663a8f a 300 KB .csv.gz holding a 300 MiB first line reached 4.1 GB and 44 s before the refusal."""
    src = tmp_path / "bomb.csv.gz"
    with gzip.open(src, "wb") as out:
        for _ in range(mebibytes):
            out.write(b"a" * (1 << 20))
        out.write(b"\nx\n")
    start = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", f"from regen.files.read import read_table; read_table({str(src)!r})"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "no header row ends within the first 4 MiB" in res.stderr
    assert time.perf_counter() - start < 30


def test_a_whole_table_read_is_refused_past_its_limit(tmp_path):
    src = tmp_path / "many.csv.gz"
    with gzip.open(src, "wb") as out:
        out.write(b"nerve,relief_last_seen_day,relief_lost_day\n")
        for _ in range(40):
            out.write(b"GON,30,60\n" * 20_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DataFileError, match=r"more than 2 MiB of text; regen reads a whole table"):
        read_table(src, max_bytes=2 << 20)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB: stopped early


@pytest.mark.parametrize(
    ("text", "header_line"),
    [
        ("   \n\nnerve,age\nGON,50,1\n", 3),
        (" , \nnerve,age\nGON,50,1\n", 2),
        ("\t\n\n\nnerve,age\nGON,50,1\n", 4),
        ("\ufeff\n  \nnerve,age\nGON,50,1\n", 3),
    ],
)
def test_blank_lines_before_the_header_are_skipped_and_the_header_line_is_named(cli, tmp_path, text, header_line):
    """On 7663a8f a line of spaces became the header: 'data record 1 has 2 fields but the header has 1'."""
    src = tmp_path / "in.csv"
    src.write_text(text, encoding="utf-8")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1
    assert f"data record 1 (after the header on line {header_line}) has 3 fields but the header has 2" in res.stderr


@pytest.mark.parametrize("lead", ["   \n", "\n\n", " , , \n", "\ufeff\n"])
def test_a_file_with_blank_lines_before_its_header_scores_its_rows(cli, tmp_path, lead):
    src = tmp_path / "in.csv"
    src.write_text(lead + "patient_id,nerve\n007,GON\n", encoding="utf-8")
    res = cli("score", src, "-o", "-")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[1].startswith("007,GON,")  # the id stays text (the header was read as such)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xef\xbb\xbf\xef\xbb\xbfnerve\nSLGN\n", "in.csv: the file starts with two UTF-8 byte order marks (U+FEFF)"),
        (b"nerve,\xef\xbb\xbfage\nSLGN,64\n", "in.csv: column 2 of the header starts with a UTF-8 byte order mark"),
    ],
)
def test_a_second_byte_order_mark_refuses_the_file(tmp_path, cli, monkeypatch, data, message):
    """F27: two BOMs gave an output header starting with U+FEFF."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_bytes(data)
    res = cli("score", "in.csv", "-o", "o.csv")
    assert res.exit_code == 1 and res.stderr.startswith(f"Error: {message}"), res.stderr
    (tmp_path / "in.csv").write_bytes(b"\xef\xbb\xbfnerve\nSLGN\n")
    assert cli("score", "in.csv", "-o", "o.csv").exit_code == 0
    assert (tmp_path / "o.csv").read_bytes().startswith(b"nerve,")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "# Clinic export\npatient_id,nerve\nP1,SLGN\n",
            "in.csv: data record 1 has 2 fields but the header has 1 (line 1, '# Clinic export', looks like a "
            "title line above the header: remove it); the file was refused",
        ),
        (
            "sep=,\npatient_id,nerve\nP1,SLGN\n",
            "in.csv: the column 'nerve' is required (e.g. genicular_superolateral) (the line read as the header, "
            "'sep=,', looks like a title line above the header: remove it)",
        ),
        (
            "Report generated,,\npatient_id,nerve,age\nP1,SLGN,64\n",
            "in.csv: column names repeat (''); each column must appear once (line 1, 'Report generated,,', looks "
            "like a title line above the header: remove it)",
        ),
        (
            "patient_id,ner\0ve\nP1,SLGN\n",
            "in.csv: column 2 of the header (line 1) holds a NUL character ('ner\\x00ve'); is this a text CSV file?",
        ),
    ],
    ids=["comment", "sep=", "title with commas", "NUL"],
)
def test_a_line_above_the_header_is_named_with_its_file(tmp_path, cli, monkeypatch, text, message):
    """F20: lines above the header gave messages that named neither the file nor the cause."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_text(text)
    res = cli("score", "in.csv", "-o", "o.csv")
    assert res.exit_code == 1 and res.stderr.startswith(f"Error: {message}"), res.stderr


@pytest.mark.parametrize("size", [3 << 20, 1_100_000])
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_a_line_over_the_record_limit_is_named_by_its_line(tmp_path, cli, source, size):
    """F22: a line or field over 1 MiB was refused with no line number; third attacker pass: a 1.1 MB line was read
    (pyarrow reads a little past its block size)."""
    text = "patient_id,nerve,note\n" + "P,SLGN,x\n" * 5 + "P,SLGN," + "y" * size + "\n" + "P,SLGN,x\n" * 3
    src = tmp_path / "in.csv"
    src.write_text(text)
    args = ("-", "-o", tmp_path / "o.csv") if source == "stdin" else (src, "-o", tmp_path / "o.csv")
    res = cli("score", *args, input=text if source == "stdin" else None)
    assert res.exit_code == 1
    assert "a line or a field longer than 1 MiB from line 7; regen reads records up to that size" in res.stderr
