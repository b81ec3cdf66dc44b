"""A property test over `regen score`: the contract holds for any file.

Hypothesis writes CSV files with random column order, extra columns, quoted
commas, quotes and line breaks, a BOM, blank lines, CRLF line ends, broken
values, repeated ids and ragged rows; the contract must hold every time:
exit code, row count and order, every input column byte-identical, exactly
the broken rows flagged (in the output and in --errors), and no file left at
the target when the file is refused.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regen.schema.columns import OUTPUT_COLUMNS

NERVES = {"SLGN": True, "GON": True, "intercostal": True, "kneecap": False, "": False}
AGES = {"45": True, "80": True, "": True, "abc": False, "5": False}
TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r;é1')), max_size=6)
EXTRA = ("note", "site", "Clinic Ref", "x")


@st.composite
def files(draw):
    extras = draw(st.lists(st.sampled_from(EXTRA), unique=True, max_size=3))
    names = draw(st.permutations(["nerve", "age", "patient_id", *extras]))
    n = draw(st.integers(0, 12))
    rows = []
    for _ in range(n):
        row = {
            "nerve": draw(st.sampled_from(list(NERVES))),
            "age": draw(st.sampled_from(list(AGES))),
            "patient_id": draw(st.sampled_from(["a", "b", "c", ""])),
        }
        row.update({name: draw(TEXT) for name in extras})
        rows.append(row)
    ragged = draw(st.none() | st.integers(0, max(n - 1, 0))) if n else None
    return {
        "names": names,
        "rows": rows,
        "bom": draw(st.booleans()),
        "crlf": draw(st.booleans()),
        "blank": draw(st.lists(st.booleans(), min_size=n + 1, max_size=n + 1)),
        "ragged": ragged,
    }


def _write(spec) -> bytes:
    end = "\r\n" if spec["crlf"] else "\n"
    lines = []
    for i, row in enumerate(spec["rows"]):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow([row[c] for c in spec["names"]])  # quotes \r and \n
        lines.append(buf.getvalue()[:-2] + (",extra" if spec["ragged"] == i else ""))
    header = ",".join(spec["names"])
    body = "".join(("" if not blank else end) + line + end for line, blank in zip(lines, spec["blank"], strict=False))
    return (("\ufeff" if spec["bom"] else "") + header + end + body).encode("utf-8")


def _broken(row) -> bool:
    return not (NERVES[row["nerve"]] and AGES[row["age"]])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=files())
def test_score_contract_holds_for_any_file(cli, spec):
    with tempfile.TemporaryDirectory() as tmp:
        src, out, err = Path(tmp) / "in.csv", Path(tmp) / "out.csv", Path(tmp) / "errors.csv"
        src.write_bytes(_write(spec))
        res = cli("score", src, "-o", out, "--errors", err, "--chunksize", "3")
        if spec["ragged"] is not None:
            assert res.exit_code == 1 and f"data record {spec['ragged'] + 1} has" in res.stderr, res.output
            assert sorted(p.name for p in Path(tmp).iterdir()) == ["in.csv"]
            return
        broken = [i for i, row in enumerate(spec["rows"]) if _broken(row)]
        assert res.exit_code == (3 if broken else 0), res.output
        header, *lines = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
        assert header == [*spec["names"], *OUTPUT_COLUMNS]
        assert len(lines) == len(spec["rows"])
        for line, row in zip(lines, spec["rows"], strict=True):
            assert line[: len(spec["names"])] == [row[c] for c in spec["names"]]
        flagged = [i for i, line in enumerate(lines) if line[header.index("error")]]
        assert flagged == broken
        errors = list(csv.reader(io.StringIO(err.read_bytes().decode("utf-8"), newline="")))
        assert [int(r[0]) for r in errors[1:]] == [i + 1 for i in broken]
        assert [r[1] for r in errors[1:]] == [spec["rows"][i]["patient_id"] for i in broken]
