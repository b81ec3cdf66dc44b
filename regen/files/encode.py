"""CSV bytes out: cells written back byte for byte, quoted only where CSV needs it.

One encoder for every CSV regen writes (scored tables, error lists, synthetic
cohorts, outcome exports): a cell is quoted only when it holds a comma, a
quote, a line feed or a carriage return (``"`` doubled inside); lines end with
``\\n``; UTF-8 without BOM. A file read by :mod:`regen.files.read` and written
again is the same text, whatever its columns hold.

Examples
--------
>>> import pandas as pd
>>> encode_frame(pd.DataFrame({"id": ["a", "b,c"], "row": [1, 2]}))
b'id,row\\na,1\\n"b,c",2\\n'
"""

from __future__ import annotations

import io

__all__ = ["csv_header", "encode_csv", "encode_frame"]

_SPECIAL = '[",\\r\\n]'


def _quote(column):
    """Quote the cells that need it ('"' doubled inside); None when no cell needs it."""
    import pyarrow.compute as pc

    if not any(_may_need_quotes(chunk) for chunk in getattr(column, "chunks", [column])):
        return None
    need = pc.match_substring_regex(column, _SPECIAL)
    if not pc.any(need).as_py():
        return None
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
    return pc.if_else(need, quoted, column)


def _may_need_quotes_any(column) -> bool:
    """Whether any chunk of a column may hold a character CSV must quote."""
    return any(_may_need_quotes(chunk) for chunk in getattr(column, "chunks", [column]))


def _may_need_quotes(array) -> bool:
    """A fast scan of the bytes behind a string array (may see bytes of the rows around a slice)."""
    data = array.buffers()[2] if len(array) else None
    text = data.to_pybytes() if data is not None else b""
    return any(c in text for c in (b",", b'"', b"\n", b"\r"))


def csv_header(names) -> bytes:
    """The header line of a CSV with these column names."""
    import pyarrow as pa

    return encode_csv(pa.table({str(i): [n] for i, n in enumerate(names)}))


def encode_csv(table, ready=()) -> bytes:
    """The CSV lines (no header) of a table of text columns, cells quoted only where needed.

    ``ready`` holds the indices of columns already quoted as CSV needs (or that
    cannot need it, e.g. numbers): they are written as they are.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    if table.num_rows == 0:
        return b""
    ready = set(ready)
    quoted = [None if i in ready else _quote(c) for i, c in enumerate(table.columns)]
    if all(q is None for q in quoted) and not any(_may_need_quotes_any(table.column(i)) for i in ready):
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        return sink.getvalue()
    columns = [c if q is None else q for c, q in zip(table.columns, quoted, strict=True)]
    columns[-1] = pc.binary_join_element_wise(columns[-1], "\n", "")  # the line end on the (short) last cell
    lines = pc.binary_join_element_wise(*columns, ",")
    parts = []
    for chunk in pa.chunked_array(lines).chunks:
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
        start, end = int(offsets[chunk.offset]), int(offsets[chunk.offset + len(chunk)])
        parts.append(chunk.buffers()[2].slice(start, end - start).to_pybytes())
    return b"".join(parts)


def encode_frame(frame) -> bytes:
    """A DataFrame as CSV bytes, header first: text as it is, numbers by pyarrow, missing values blank."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for name in frame.columns:
        array = pa.array(frame[name].to_numpy(), from_pandas=True)
        if not pa.types.is_string(array.type):
            array = pc.cast(array, pa.string())
        columns.append(pc.fill_null(array, ""))
    table = pa.table(columns, names=[str(n) for n in frame.columns])
    return csv_header(table.column_names) + encode_csv(table)
