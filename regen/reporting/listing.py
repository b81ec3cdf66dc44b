"""Lists of records for the terminal and for programs: table, CSV, TSV, JSON.

The table never wraps a cell except the last column, which is folded at
spaces under itself (so ids users must type, like
``anterior_femoral_cutaneous``, are never broken). Every cell is escaped
(:func:`regen.utils.parsing.printable`) so nothing in it can act on the terminal.
CSV and TSV are written by :mod:`csv` (quoted where needed); JSON is a list
of objects.

Examples
--------
>>> from regen.reporting.listing import render
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
import textwrap
from collections.abc import Sequence

from regen.utils.text import json_text, printable

__all__ = ["FORMATS", "column_listing", "nerve_listing", "render", "terminal_width"]

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
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
        "  ".join("-" * min(w, last if j == len(columns) - 1 else w) for j, w in enumerate(widths)).rstrip(),
    ]
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
        return json_text([{c: r.get(c) for c in columns} for r in rows], indent=1)
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
    """A cell as the data files write it: lists ';'-joined, yes/no, whole numbers without '.0'."""
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def terminal_width() -> int:
    """The terminal's width (at least 80; 120 when not a terminal)."""
    import shutil

    return max(80, shutil.get_terminal_size((120, 24)).columns)


def nerve_listing(fmt: str, width: int = 120) -> str:
    """The nerve catalog as ``table`` (ids never wrapped) or every field as ``csv``, ``tsv``, ``json``."""
    from regen.catalog.nerves import load_catalog

    rows = [n.as_dict() for n in load_catalog().values()]
    if fmt != "table":
        return render(rows, fmt).rstrip("\n")
    table = [
        {
            "id": r["id"],
            "mm": f"{r['default_distance_mm']:g}",
            "region": r["region"],
            "aliases and indications": f"aliases: {', '.join(r['aliases'])}; indications: "
            f"{', '.join(r['indications'])}",
        }
        for r in rows
    ]
    return (
        "regen nerve catalog (mm: lesion-to-target distance, default for a 170 cm adult; "
        "sources and every field: --format csv)\n" + render(table, "table", width=width)
    )


def _describe_input(row: dict) -> str:
    unit = f", {row['unit']}" if row["unit"] else ""
    return (
        f"{row['kind']} {row['type']}{unit}; accepted: {row['accepted']}; default: {row['default']}. "
        f"{row['meaning'][0].upper()}{row['meaning'][1:]}."
    )


def column_listing(fmt: str, width: int = 120) -> str:
    """Every input and output column (see :mod:`regen.schema.column_docs`): a table, or one record each."""
    from regen.schema.column_docs import input_column_docs, output_column_docs

    inputs = [{"direction": "input", **r} for r in input_column_docs()]
    outputs = [
        {"direction": "output", "name": r["name"], "kind": r["in"], "meaning": r["meaning"]}
        for r in output_column_docs()
    ]
    if fmt != "table":
        keys = ["direction", "name", "kind", "type", "unit", "accepted", "default", "meaning"]
        return render(inputs + outputs, fmt, keys).rstrip("\n")
    return "\n".join(
        [
            "Input columns (only nerve is required; headers match ignoring case, spaces, - and _; "
            "other columns pass through untouched):",
            render([{"column": r["name"], "description": _describe_input(r)} for r in inputs], "table", width=width),
            "",
            "Output columns (regen score appends them after the input columns; predict --format json has them "
            "and more):",
            render(
                [{"column": r["name"], "meaning": f"{r['meaning']} [{r['kind']}]"} for r in outputs],
                "table",
                width=width,
            ),
        ]
    )
