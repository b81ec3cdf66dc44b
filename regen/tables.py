"""Reading input tables: the one reader behind score, fit, evaluate, describe and report.

CSV (``.csv``, ``.csv.gz``), Parquet or ``-`` (stdin), read as text: every
cell is the string that was in the file (no type inference), a UTF-8 byte
order mark is dropped, blank lines are skipped. Every failure is one
:class:`~regen.errors.DataFileError` line naming the file and what to do.

Examples
--------
>>> import tempfile, pathlib
>>> from regen.tables import read_table
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
>>> _ = path.write_text("nerve,age\\nSLGN,64\\n")
>>> read_table(path).to_dict("list")
{'nerve': ['SLGN'], 'age': ['64']}
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

from regen.errors import DataFileError

__all__ = ["CHUNK_ROWS", "iter_table", "read_table"]

CHUNK_ROWS = 100_000


def _check_columns(frame, source: str):
    """Refuse repeated column names (pandas would rename them 'age.1')."""
    names = [str(c) for c in frame.columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataFileError(f"{source}: column names repeat ({', '.join(map(repr, repeated))}); "
                            "each column must appear once")
    return frame


def _parquet_chunks(source: str, chunksize: int) -> Iterator:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataFileError("reading Parquet needs pyarrow: pip install 'regen-cryo[parquet]'") from None
    try:
        for batch in pq.ParquetFile(source).iter_batches(batch_size=chunksize):
            frame = batch.to_pandas()
            yield frame.astype(object).where(frame.notna(), "").astype(str)
    except OSError as exc:
        raise DataFileError(f"{source}: not a readable Parquet file ({exc})") from None


def _csv_chunks(source: str, chunksize: int) -> Iterator:
    import pandas as pd

    handle = sys.stdin if source == "-" else source
    try:
        reader = pd.read_csv(handle, dtype=str, keep_default_na=False, na_filter=False, index_col=False,
                             skip_blank_lines=True, encoding="utf-8-sig", chunksize=chunksize)
        yield from reader
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                            "save the file as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataFileError(f"{source}: the file is empty (no header row)") from None
    except pd.errors.ParserError as exc:
        raise DataFileError(f"{source}: not a readable CSV: {str(exc).strip().splitlines()[-1]}") from None


def iter_table(source: str | os.PathLike, chunksize: int = CHUNK_ROWS) -> Iterator:
    """Yield text DataFrames of at most ``chunksize`` rows, in file order.

    Raises
    ------
    DataFileError
        If the file is missing, empty, not UTF-8, not a CSV / Parquet file, or
        repeats a column name.
    """
    source = os.fspath(source)
    if source != "-" and not os.path.isfile(source):
        raise DataFileError(f"input file {source!r} does not exist")
    chunks = _parquet_chunks(source, chunksize) if source.lower().endswith(".parquet") \
        else _csv_chunks(source, chunksize)
    for chunk in chunks:
        yield _check_columns(chunk, source)


def read_table(source: str | os.PathLike):
    """Read a whole table as text (see :func:`iter_table`); a header-only file gives no rows."""
    import pandas as pd

    chunks = list(iter_table(source))
    return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
