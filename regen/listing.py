"""Lists of records for the terminal and for programs: table, CSV, TSV, JSON.

The table never wraps a cell except the last column, which is folded at
spaces under itself (so ids users must type, like
``anterior_femoral_cutaneous``, are never broken). Every cell is escaped
(:func:`regen.parsing.printable`) so nothing in it can act on the terminal.
CSV and TSV are written by :mod:`csv` (quoted where needed); JSON is a list
of objects.

Examples
--------
>>> from regen.listing import render
>>> rows = [{"id": "GON", "meaning": "greater occipital nerve"}]
>>> print(render(rows, "table", width=40))
id   meaning
---  -----------------------
GON  greater occipital nerve
>>> print(render(rows, "tsv"), end="")
id	meaning
GON	greater occipital nerve
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Sequence

from regen.parsing import printable

__all__ = ["FORMATS", "render"]

FORMATS = ("table", "csv", "tsv", "json")
_MIN_LAST = 24  # the last column keeps at least this many characters per line


def _cell(value: object) -> str:
    if isinstance(value, list | tuple):
        value = ", ".join(map(str, value))
    return printable("" if value is None else value)


def _table(rows: Sequence[dict], columns: Sequence[str], width: int) -> str:
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[j]) for row in cells)]) for j, c in enumerate(columns)]
    indent = sum(widths[:-1]) + 2 * (len(columns) - 1)
    last = max(_MIN_LAST, width - indent)
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             "  ".join("-" * min(w, last if j == len(columns) - 1 else w)
                       for j, w in enumerate(widths)).rstrip()]
    for row in cells:
        head = "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths[:-1], strict=True))
        folded = textwrap.wrap(row[-1], last, break_long_words=False, break_on_hyphens=False) or [""]
        lines.append(f"{head}{'  ' if head else ''}{folded[0]}".rstrip())
        lines += [f"{' ' * indent}{more}" for more in folded[1:]]
    return "\n".join(lines)


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None, width: int = 120) -> str:
    """Render records as ``table``, ``csv``, ``tsv`` or ``json`` (``columns``: which keys, in order).

    Parameters
    ----------
    rows : sequence of dict
    fmt : {"table", "csv", "tsv", "json"}
    columns : sequence of str, optional
        Keys to show, in order (default: the first row's keys).
    width : int
        Line width the table's last column is folded to.
    """
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        return json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=1)
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_flat(r.get(c)) for c in columns] for r in rows])
        return buffer.getvalue()
    if fmt == "table":
        return _table(rows, columns, width)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _flat(value: object) -> str:
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    return "" if value is None else str(value)
