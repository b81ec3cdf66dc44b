"""Misplaced quotes refuse the file: a lenient reader would merge records or change cells silently."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regen.files.quotes import Quotes as _Quotes


def _first_problem(data: bytes, cuts: list[int]):
    """Feed ``data`` to the checker in pieces cut at ``cuts``; the first problem found (or None)."""
    checker, offset, line = _Quotes(), 0, 1
    for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True):
        found = checker.check(data[a:b], offset, line)
        if found is not None:
            return found[0], a + found[1], found[2]
        offset, line = b, line + data[a:b].count(b"\n")
    return None


cells = st.text(alphabet=st.sampled_from(list('ab ,"\n\r;é')), max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=6),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    bom=st.booleans(),
    data=st.data(),
)
def test_any_file_a_csv_writer_writes_passes_however_it_is_cut(rows, quoting, bom, data):
    sink = io.StringIO(newline="")
    csv.writer(sink, quoting=quoting, lineterminator=data.draw(st.sampled_from(["\n", "\r\n"]))).writerows(
        [["a", "b", "c"], *rows]
    )
    raw = ("\ufeff" if bom else "").encode() + sink.getvalue().encode()
    cuts = sorted(set(data.draw(st.lists(st.integers(1, max(len(raw) - 1, 1)), max_size=4))))
    assert _first_problem(raw, [c for c in cuts if 0 < c < len(raw)]) is None


@pytest.mark.parametrize(
    ("text", "kind", "line"),
    [
        ('nerve,x\nSLGN,a"b\n', "opens", 2),  # a quote inside an unquoted cell
        ('nerve,x\nSLGN,"a"b\n', "closes", 2),  # text after the closing quote
        ('nerve,x\nSLGN,"a" \n', "closes", 2),
        (
            'id,nerve,note\np1,SLGN,"5 inch scar\n'
            + "".join(f"p{i},GON,ok\n" for i in range(2, 400))
            + 'p400,SLGN,"seen ok"\np401,GON,ok\n',
            "closes",
            401,
        ),  # a quote never closed swallows 398 records
    ],
)
def test_misplaced_quotes_are_found_wherever_the_blocks_are_cut(text, kind, line):
    raw = text.encode()
    for cut in range(1, len(raw), max(1, len(raw) // 40)):
        found = _first_problem(raw, [cut])
        assert found is not None and found[0] == kind, cut
        assert raw[: found[1]].count(b"\n") + 1 == line


def test_a_swallowing_quote_refuses_the_file_and_names_both_lines(cli, tmp_path):
    src = tmp_path / "export.csv"
    src.write_text(
        'patient_id,nerve,age,note\np1,SLGN,64,"5 inch scar\n'
        + "".join(f"p{i},GON,45,ok\n" for i in range(2, 501))
        + 'p501,SLGN,70,"seen ok"\np502,GON,30,ok\n'
    )
    res = cli("score", src, "-o", tmp_path / "o.csv", "--errors", tmp_path / "e.csv")
    assert res.exit_code == 1
    assert "line 502: text right after a closing '\"'" in res.stderr and "began on line 2" in res.stderr
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "e.csv").exists()
    src.write_text('patient_id,nerve,note\np1,SLGN,"left ""knee"", medial\nsecond line"\np2,GON,""\n')
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 0, res.output  # doubled quotes, commas and a line break inside quotes are fine


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_quote_open_at_the_end_of_the_file_refuses_it_however_far_back_it_opened(newline, cli, tmp_path):
    """10,000 records (far more than any tail a reader looks back over) after a quote never closed."""
    src = tmp_path / "open.csv"
    lines = ["patient_id,nerve,notes", 'p0,SLGN,"x', *(f"p{i},SLGN,n{i}" for i in range(1, 10_000))]
    src.write_bytes(newline.join(lines).encode() + newline.encode())
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "a quoted value is never closed" in res.stderr, res.output
    assert not (tmp_path / "o.csv").exists()
