"""Tables as text: the one reader behind score, fit, evaluate, describe, report, serve and Dask.

CSV (any name; gzip-compressed input is recognised by its content, so
``.csv.gz`` / ``.CSV.GZ`` both work), Parquet (``.parquet``, any case) or
``-`` (stdin, CSV). Read with pyarrow in record batches:

- every CSV cell is the exact text that was in the file (no type inference,
  no ``NA`` guessing, spaces kept); quoted commas, quotes and newlines are
  values; a UTF-8 byte order mark is dropped (one: a second one, or a
  header cell starting with one, refuses the file); blank lines are skipped;
- rows are numbered as **data records**: row 1 is the first record after the
  header, blank lines do not count, a record with a quoted newline counts once;
- the file is refused, in one :class:`~regen.errors.DataFileError` line, when
  a record has more or fewer fields than the header (it names the record and
  its field count: a column guessed from a ragged row could score a patient
  with another column's value), when a column name repeats, when the text is
  not UTF-8 (the byte offset in the file is given), when a gzip stream is
  truncated, when a quote is never closed, or when the file is empty;
- Parquet columns keep their types (:attr:`Chunk.table`); their text form
  (:attr:`Chunk.text`, nulls as ``''``) is what the schema reads.

The CSV bytes written back are :mod:`regen.files.encode`'s.

Examples
--------
>>> import tempfile, pathlib
>>> from regen.files.read import read_table
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
>>> _ = path.write_text("nerve,age\\nSLGN,64\\n")
>>> read_table(path).to_dict("list")
{'nerve': ['SLGN'], 'age': ['64']}
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import NamedTuple

import numpy as np

from regen.errors import DataFileError
from regen.files.quotes import Quotes, quote_error
from regen.schema.headers import delimiter_hint, title_hint
from regen.utils.parsing import CodedText
from regen.utils.text import quoted

__all__ = [
    "CHUNK_ROWS",
    "MAX_CELL_BYTES",
    "MAX_COLUMNS",
    "MAX_WHOLE_BYTES",
    "BlankTail",
    "Chunk",
    "TableTooLarge",
    "TextColumns",
    "is_parquet",
    "iter_chunks",
    "read_table",
    "without_blank_tail",
]

CHUNK_ROWS = 50_000
#: The widest file read (every column is passed through; memory grows with the width).
MAX_COLUMNS = 10_000
_BLOCK = 1 << 20
#: The longest value a Parquet cell may hold: what a CSV record may be (a longer CSV line is refused).
MAX_CELL_BYTES = _BLOCK
#: Rows decoded at a time from a Parquet file (each checked for over-long values before it is kept).
_PARQUET_BATCH = 4096


class TableTooLarge(DataFileError):
    """A table holds more rows or more data (once decompressed) than the caller accepts."""


#: The most read while looking for the end of the header row (then the file is refused).
_MAX_HEADER_BYTES = 4 << 20


class Chunk(NamedTuple):
    """A chunk of rows: the table as stored (typed for Parquet) and its text form (for the schema)."""

    table: object
    text: object


def is_parquet(path: str | os.PathLike) -> bool:
    """Whether a path names a Parquet file (by its extension, any case)."""
    return os.fspath(path).lower().endswith(".parquet")


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte order mark: ASCII text with a NUL byte beside every character."""
    return (
        len(head) >= 8
        and min(head[0::2].count(0), head[1::2].count(0)) == 0
        and max(head[0::2].count(0), head[1::2].count(0)) >= 0.9 * (len(head) // 2)
    )


class _Stream(io.RawIOBase):
    """The bytes of a CSV source, checked as they pass: UTF-8 (with the offset in the file), gzip end."""

    def __init__(self, raw, name: str) -> None:
        self.raw, self.name, self.offset, self.lines = raw, name, 0, 1
        self.pending, self.tail, self.eof = b"", b"", False
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.quotes = Quotes()
        self.failed: BaseException | None = None
        self.header_line = 1  # the line of the header row (after any blank lines)
        self.stopped = False  # see stop()
        self.run, self.long_line = 0, None  # bytes since the last line break; the first line over _BLOCK
        self.max_bytes: int | None = None  # refuse past this many bytes read (decompressed), blank lines too

    def readable(self) -> bool:
        return True

    def _fill(self, size: int) -> bytes:
        if self.eof:
            return b""
        try:
            data = self.raw.read(size)
        except EOFError:
            raise DataFileError(
                f"{self.name}: the gzip file is truncated (it ends before its end marker); copy it again"
            ) from None
        except OSError as exc:  # gzip.BadGzipFile, zlib errors
            raise DataFileError(f"{self.name}: not a readable gzip file ({exc})") from None
        if not data and self.tail and not self.tail.endswith(b"\n"):
            data = b"\n"  # a last record without its newline (a header-only file needs it)
            self._check(data, final=False)
            return data
        self._check(data, final=not data)
        if self.max_bytes is not None and self.offset > self.max_bytes:
            self.failed = TableTooLarge(
                f"{self.name}: more than {self.max_bytes / 2**20:,.0f} MB of text once decompressed "
                "(blank lines count too)"
            )
            raise self.failed
        return data

    def _check(self, data: bytes, final: bool) -> None:
        if self.offset == 0 and (data[:2] in (b"\xff\xfe", b"\xfe\xff") or _looks_utf16(data[:4096])):
            raise DataFileError(f"{self.name}: not UTF-8 text (it is UTF-16); save the file as UTF-8 CSV")
        held = self.decoder.getstate()[0]
        try:
            self.decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            where = self.offset - len(held) + exc.start
            line = self.lines + (held + data)[: exc.start].count(b"\n")
            raise DataFileError(
                f"{self.name}: not UTF-8 text ({exc.reason}, byte {where:,} of the file, "
                f"line {line}); save the file as UTF-8 CSV"
            ) from None
        found = self.quotes.check(data, self.offset, self.lines)
        if found is not None:
            raise quote_error(self.name, data, found, self.lines)
        if final and self.quotes.inside:
            raise DataFileError(
                f"{self.name}: not a readable CSV (a quoted value is never closed: the '\"' on "
                f"line {self.quotes.open_line} opens a cell that runs to the end of the file, so "
                "every record after it would be read into that cell); the file was refused"
            )
        if self.long_line is None:  # a line longer than a block can only run on from earlier blocks
            first = data.find(b"\n")
            if max(self.run + (len(data) if first < 0 else first), 0) > _BLOCK:
                self.long_line = self.lines
            self.run = self.run + len(data) if first < 0 else len(data) - data.rfind(b"\n") - 1
        self.offset += len(data)
        self.lines += data.count(b"\n")
        self.eof = final
        self.tail = data[-1:] or self.tail  # the last byte read (does the file end with a newline?)

    def prefix(self, size: int) -> bytes:
        """Read ahead ``size`` more bytes (kept for the next reads); the bytes read ahead so far."""
        self.pending += self._fill(size)
        return self.pending

    def readinto(self, buffer) -> int:
        if self.stopped:
            return 0
        try:
            data = self.pending[: len(buffer)] if self.pending else self._fill(len(buffer))
            if self.long_line is not None:  # pyarrow reads a little past its block size: the limit is regen's
                raise DataFileError(f"{self.name}: not a readable CSV ({long_line_detail(self.long_line)})")
        except BaseException as exc:  # pyarrow calls this from C and may not pass an error (or SIGTERM's exit) on
            self.failed = exc
            raise
        self.pending = self.pending[len(data) :] if self.pending else b""
        buffer[: len(data)] = data
        return len(data)

    def stop(self, refs: int, limit: float = 1.0) -> None:
        """Wait until pyarrow has let go of this stream (at most ``limit`` seconds); later reads get end-of-file.

        pyarrow's CSV reader reads blocks ahead on a thread of its own, calling
        :meth:`readinto` from C++ and holding a reference to this stream. That
        thread may still be reading, or dropping its reference, after the reader
        is gone (a file refused on its first block); if the interpreter is exiting
        meanwhile, the thread dies inside C++ and the process aborts ("terminate
        called without an active exception", exit 134). ``refs`` is the reference
        count of the stream before pyarrow had it.
        """
        self.stopped = True
        deadline = time.monotonic() + limit
        while sys.getrefcount(self) > refs and time.monotonic() < deadline:
            time.sleep(0.001)


def _open_bytes(source: str):
    """The bytes of a CSV source (a file, a pipe, stdin), gunzipped when they start with gzip's magic."""
    handle = sys.stdin.buffer if source == "-" else open(source, "rb")
    if not hasattr(handle, "peek"):
        handle = io.BufferedReader(handle)
    if handle.peek(2)[:2] == b"\x1f\x8b":
        import gzip

        return gzip.GzipFile(fileobj=handle, mode="rb")
    return handle


def _first_record(text: str) -> list[str] | None:
    """The header: the first CSV record of ``text`` (None if not complete in it; blank lines skipped before)."""
    limit = csv.field_size_limit(max(len(text), 131072))  # a long first data field is still a field
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        header = next(rows)
        next(rows)
    except (StopIteration, csv.Error):
        return None
    finally:
        csv.field_size_limit(limit)
    return header


#: Characters of a line that is blank before the header (spaces, tabs, commas: what spreadsheets leave).
_BLANK = b" \t,\r"


def _leading_blank_lines(data: bytes) -> tuple[int, int]:
    """Bytes and lines of the blank lines (and a UTF-8 byte order mark) before the header in ``data``."""
    at = 3 if data.startswith(codecs.BOM_UTF8) else 0
    lines = 0
    while True:
        end = data.find(b"\n", at)
        if end < 0 or data[at:end].strip(_BLANK):
            return at, lines
        at, lines = end + 1, lines + 1


def _header(stream: _Stream, name: str) -> list[str]:
    """Read the header row (blank lines before it are skipped and counted in ``stream.header_line``).

    Raises
    ------
    DataFileError
        If the file is empty, its header is longer than the reader's limit of one
        record (refused at once, however long the line), wider than
        :data:`MAX_COLUMNS`, or repeats a name.
    """
    size = _BLOCK
    while True:
        data = stream.prefix(size)
        bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""  # one BOM: the reader drops it too
        lead, lines = _leading_blank_lines(data)
        text = data[lead:].decode("utf-8", errors="replace")  # after the first BOM (the reader drops it too)
        header = _first_record(text) if not stream.eof else _first_record(text + "\n\n")
        if header is not None or stream.eof:
            break
        if size >= _MAX_HEADER_BYTES:
            raise DataFileError(
                f"{name}: no header row ends within the first {_MAX_HEADER_BYTES // 2**20} MiB (line "
                f"{lines + 1} is longer than regen reads in one record); is this a CSV file?"
            )
        size *= 2
    if header is None or not any(cell.strip() for cell in header):
        raise DataFileError(f"{name}: the file is empty (no header row)")
    stream.pending = bom + stream.pending[lead:] if lead > len(bom) else stream.pending  # the header comes first
    stream.header_line = lines + 1
    marked = [i for i, cell in enumerate(header) if cell.startswith("\ufeff")]
    if marked:  # a second byte order mark (a file saved twice with a BOM), or one inside the header
        where = (
            "the file starts with two UTF-8 byte order marks"
            if marked[0] == 0
            else f"column {marked[0] + 1} of the header starts with a UTF-8 byte order mark"
        )
        raise DataFileError(
            f"{name}: {where} (U+FEFF); regen drops one at the start of the file "
            "only: save the file again as UTF-8 (with or without one mark)"
        )
    _check_width(len(header), name)
    nul = next((i for i, cell in enumerate(header) if "\0" in cell), None)
    if nul is not None:
        raise DataFileError(
            f"{name}: column {nul + 1} of the header (line {stream.header_line}) holds a NUL character "
            f"({quoted(header[nul][:40])}); is this a text CSV file? save it again as UTF-8 CSV"
        )
    repeated = sorted(c for c, n in Counter(header).items() if n > 1)
    if repeated:
        raise DataFileError(
            f"{name}: column names repeat ({', '.join(map(repr, repeated))}); each column must appear once"
            + title_hint(header, stream.header_line)
        )
    return header


def _check_width(count: int, name: str) -> None:
    if count > MAX_COLUMNS:
        raise DataFileError(
            f"{name}: the file has {count:,} columns; regen reads at most {MAX_COLUMNS:,} "
            "(keep the patient columns and the few others you need)"
        )


def _arrow_error(
    exc: Exception, name: str, ragged: list, header: list | None = None, header_line: int = 1, long_line=None
) -> DataFileError:
    if ragged:
        row = ragged[0]
        record = f"data record {row.number - 1}" if row.number else "a record"
        if header_line > 1:
            record += f" (after the header on line {header_line})"
        title = title_hint(header or [], header_line)
        if not title and row.number == 2 and row.expected_columns == 1 < row.actual_columns:
            title = (
                f" (line {header_line}, read as the header, has fewer fields than the first record: a title? remove it)"
            )
        hint = delimiter_hint(header or []) or title
        cause = hint.strip(" ()") if hint else "a stray or unquoted comma?"
        return DataFileError(
            f"{name}: {record} has {row.actual_columns} fields but the header has "
            f"{row.expected_columns} ({cause}); "
            + ("the file was refused" if title and hint == title else "fix that row, the file was refused")
        )
    detail = str(exc).strip().splitlines()[-1]
    if "straddl" in detail or "Empty CSV file or block" in detail:
        detail = long_line_detail(long_line)
    return DataFileError(f"{name}: not a readable CSV ({detail})")


def long_line_detail(line: int | None) -> str:
    """Why a file with a line over one record's limit (:data:`MAX_CELL_BYTES`) is refused."""
    where = f" from line {line:,}" if line else ""
    return f"a line or a field longer than {_BLOCK // 2**20} MiB{where}; regen reads records up to that size"


def _finish(stream: _Stream, name: str) -> None:
    """After the reader's last batch: any error raised under it, and the rest of the bytes read and checked.

    pyarrow reads the stream from C and may end a file early on an error
    raised there (seen with a quoted cell left open to the end, and with the
    exit a SIGTERM raises while it waits on a pipe); the error is raised here
    instead, and bytes it did not read are never dropped silently.
    """
    if stream.failed is not None:
        raise stream.failed
    rest, stream.pending = stream.pending, b""
    while not stream.eof:
        rest += stream._fill(_BLOCK)  # checked as it is read (raises for an open quote at the end)
    if rest.strip():
        raise DataFileError(
            f"{name}: not a readable CSV (the reader stopped {len(rest):,} bytes before the end of "
            "the file); the file was refused"
        )


def _csv_batches(source: str, name: str, max_bytes: int | None = None) -> Iterator:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    raw = _open_bytes(source)
    stream = _Stream(raw, name)
    refs = sys.getrefcount(stream)
    stream.max_bytes = max_bytes
    ragged: list = []
    header, reader, done = None, None, False
    try:
        header = _header(stream, name)
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=_BLOCK),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=lambda row: (ragged.append(row), "error")[1]
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False, check_utf8=False
            ),
        )
        if any(field.type != pa.string() for field in reader.schema):
            raise DataFileError(f"{name}: cannot read the header row as column names")
        last = None
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise _arrow_error(exc, name, ragged, header, stream.header_line, stream.long_line) from None
            if batch.num_rows:
                last = batch
                yield batch
        _finish(stream, name)
        done = True  # read to the end: pyarrow's read-ahead has nothing left to read, no need to wait for it
        if last is None:
            yield pa.RecordBatch.from_pylist([], schema=reader.schema)
    except pa.ArrowInvalid as exc:
        if stream.failed is not None:
            raise stream.failed from None
        raise _arrow_error(exc, name, ragged, header, stream.header_line, stream.long_line) from None
    except Exception as exc:  # pyarrow may report an error raised under it (SIGTERM's exit) as its own
        if stream.failed is not None and exc is not stream.failed:
            raise stream.failed from None
        raise
    finally:
        reader = None  # then no pyarrow thread left holding the stream at exit (see _Stream.stop)
        # a refused file waits for the read-ahead thread; a file read to its end does not (the wait hit its 1 s
        # limit on every run: 1 s of a 1,000,000-row score, measured with benchmarks/bench_score.py)
        stream.stop(refs, limit=0.0 if done else 1.0)
        inner = getattr(raw, "fileobj", raw)
        if inner is not getattr(sys.stdin, "buffer", None):
            raw.close()
            inner.close()


def _check_parquet_size(metadata, name: str, max_bytes: int | None, max_rows: int | None) -> None:
    """Refuse a Parquet file by its footer, before any value is read: rows, and text once decompressed."""
    if max_rows is not None and metadata.num_rows > max_rows:
        raise TableTooLarge(f"{name}: {metadata.num_rows:,} rows (more than {max_rows:,})")
    if max_bytes is None:
        return
    total = 0
    for g in range(metadata.num_row_groups):
        group = metadata.row_group(g)
        total += max(
            group.total_byte_size, sum(group.column(c).total_uncompressed_size for c in range(group.num_columns))
        )
        if total > max_bytes:
            raise TableTooLarge(f"{name}: more than {max_bytes / 2**20:,.0f} MB of data once decompressed")


def _check_cells(batch, name: str) -> None:
    """Refuse a text or binary cell longer than a CSV record may be (:data:`MAX_CELL_BYTES`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_string(field.type) or pa.types.is_binary(field.type) or pa.types.is_large_string(field.type):
            longest = pc.max(pc.binary_length(column)).as_py()
            if longest is not None and longest > MAX_CELL_BYTES:
                raise DataFileError(
                    f"{name}: a value of column {field.name!r} is {longest:,} bytes long; regen reads values up to "
                    f"{MAX_CELL_BYTES // 2**20} MiB"
                )


def _parquet_batches(
    source: str, name: str, chunksize: int, max_bytes: int | None = None, max_rows: int | None = None
) -> Iterator:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(source)
        names = handle.schema_arrow.names
        _check_width(len(names), name)
        repeated = sorted(c for c, n in Counter(names).items() if n > 1)
        if repeated:
            raise DataFileError(
                f"{name}: column names repeat ({', '.join(map(repr, repeated))}); each column must appear once"
            )
        _check_parquet_size(handle.metadata, name, max_bytes, max_rows)
        empty = True
        for batch in handle.iter_batches(batch_size=chunksize):
            empty = False
            _check_cells(batch, name)
            yield batch
        if empty:
            yield pa.RecordBatch.from_pylist([], schema=handle.schema_arrow)
    except (OSError, pa.ArrowInvalid) as exc:
        raise DataFileError(f"{name}: not a readable Parquet file ({exc})") from None


def _text(table):
    """Each column as text: strings as they are, other types cast, nulls as ''."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if column.type != pa.string():
            try:
                column = pc.cast(column, pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise DataFileError(f"column {name!r} of type {column.type} cannot be read as text") from None
        columns.append(pc.fill_null(column, ""))
    return pa.table(columns, names=table.column_names)


def _rebatch(batches: Iterator, chunksize: int) -> Iterator:
    """Tables of exactly ``chunksize`` rows (the last one shorter; one empty table for no rows)."""
    import pyarrow as pa

    pending, count, schema = [], 0, None
    for batch in batches:
        schema = batch.schema
        if batch.num_rows == 0 and count == 0 and pending == []:
            pending = [batch]
            continue
        pending.append(batch)
        count += batch.num_rows
        while count >= chunksize:
            table = pa.Table.from_batches(pending, schema)
            yield table.slice(0, chunksize)
            rest = table.slice(chunksize)
            pending, count = rest.to_batches(), rest.num_rows
    if schema is not None and (count or pending):
        yield pa.Table.from_batches(pending, schema)


def iter_chunks(
    source: str | os.PathLike,
    chunksize: int = CHUNK_ROWS,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> Iterator[Chunk]:
    """Yield :class:`Chunk` s of ``chunksize`` rows (pyarrow tables), in file order.

    A header-only file yields one empty chunk (the columns, no rows).

    Parameters
    ----------
    source : str or path
        A CSV (gzipped or not), a Parquet file, or ``-`` (stdin).
    chunksize : int
        Rows per chunk.
    max_bytes : int, optional
        A CSV is refused as soon as more bytes than this are read once
        decompressed (blank lines and skipped bytes count); a Parquet file
        whose footer declares more data than this once decompressed is
        refused before any value is read.
    max_rows : int, optional
        A Parquet file whose footer declares more rows is refused at once
        (a CSV's rows are counted by the caller as chunks come).

    Raises
    ------
    DataFileError
        If the file is missing, empty, not UTF-8, not a CSV / Parquet file,
        ragged (a record with more or fewer fields than the header), repeats a
        column name, is a truncated gzip file, or (Parquet) holds a value
        longer than :data:`MAX_CELL_BYTES`; :class:`TableTooLarge` past
        ``max_bytes`` or ``max_rows``.
    """
    source = os.fspath(source)
    name = "stdin" if source == "-" else source
    if source != "-" and (not os.path.exists(source) or os.path.isdir(source)):
        raise DataFileError(
            f"input file {source!r} does not exist" + (" (it is a directory)" if os.path.isdir(source) else "")
        )
    parquet = source != "-" and is_parquet(source)
    batches = (
        _parquet_batches(source, name, min(chunksize, _PARQUET_BATCH), max_bytes, max_rows)
        if parquet
        else _csv_batches(source, name, max_bytes)
    )
    for table in _rebatch(batches, chunksize):
        yield Chunk(table, _text(table) if parquet else table)


#: Rows looked at to decide whether a column is worth dictionary-encoding.
_SAMPLE_ROWS = 1024


class TextColumns(Mapping):
    """The text columns of a chunk as numpy object arrays, converted only when the schema asks.

    ``typed``: the chunk as stored (:attr:`Chunk.table`). A timestamp or date
    column of a Parquet file is read as its calendar day in its own time zone
    (``YYYY-MM-DD``), as a typed date in a DataFrame is (:func:`regen.score_frame`).
    """

    def __init__(self, table, typed=None) -> None:
        self.table, self.typed, self.cache = table, typed, {}

    def _column(self, name: str):
        import pyarrow as pa
        import pyarrow.compute as pc

        typed = self.typed.column(name) if self.typed is not None and name in self.typed.column_names else None
        if typed is not None and pa.types.is_timestamp(typed.type):
            local = pc.local_timestamp(typed) if typed.type.tz else typed
            return pc.fill_null(pc.cast(pc.cast(pc.floor_temporal(local, unit="day"), pa.date32()), pa.string()), "")
        return pc.fill_null(self.table.column(name), "")

    def __getitem__(self, name: str):
        import numpy as np
        import pyarrow.compute as pc

        if name not in self.cache:
            if name not in self.table.column_names:
                raise KeyError(name)
            column = self._column(name)
            sample = column.slice(0, _SAMPLE_ROWS)
            if len(sample) == _SAMPLE_ROWS and pc.count_distinct(sample).as_py() > _SAMPLE_ROWS // 2:
                self.cache[name] = column.to_numpy()  # mostly distinct (ids): an encoding would not pay
                return self.cache[name]
            encoded = pc.dictionary_encode(column).combine_chunks()
            words = encoded.dictionary.to_numpy(zero_copy_only=False)
            self.cache[name] = (
                CodedText.from_codes(np.asarray(encoded.indices), words)
                if len(words)
                else np.full(self.table.num_rows, "", dtype=object)
            )
        return self.cache[name]

    def __iter__(self):
        return iter(self.table.column_names)

    def __len__(self) -> int:
        return self.table.num_columns


class BlankTail:
    """Counts the fully empty rows :func:`without_blank_tail` dropped from the end of a table."""

    def __init__(self) -> None:
        self.skipped = 0


def _blank_rows(text) -> np.ndarray:
    """Rows of a text table whose every cell is empty or whitespace (what a spreadsheet leaves at the end)."""
    import pyarrow.compute as pc

    blank = np.ones(text.num_rows, dtype=bool)
    for column in text.columns:
        blank &= np.asarray(pc.equal(pc.utf8_trim_whitespace(column), ""), dtype=bool)
        if not blank.any():
            break
    return blank


def without_blank_tail(chunks: Iterator[Chunk], tally: BlankTail) -> Iterator[Chunk]:
    """The chunks with the fully empty rows at the very end of the table dropped (and counted in ``tally``).

    Empty rows before the last row with any content are kept (a row keeps its
    place); only the run at the end, which spreadsheets leave behind, is dropped.
    The rows are held back until a later row shows whether the run ends the table.
    A table left with no rows gives one empty chunk (its columns), as a header-only file does.
    """
    held: list[Chunk] = []
    yielded = False
    for chunk in chunks:
        blank = _blank_rows(chunk.text)
        if blank.all():  # all empty (or no rows at all): wait for what follows
            held.append(chunk)
            continue
        yield from held
        held, yielded = [], True
        last = int(len(blank) - 1 - np.argmin(blank[::-1]))
        if last < len(blank) - 1:
            yield Chunk(chunk.table.slice(0, last + 1), chunk.text.slice(0, last + 1))
            held.append(Chunk(chunk.table.slice(last + 1), chunk.text.slice(last + 1)))
        else:
            yield chunk
    tally.skipped += sum(c.text.num_rows for c in held)
    if not yielded and held:
        yield Chunk(held[0].table.slice(0, 0), held[0].text.slice(0, 0))


#: The most text :func:`read_table` holds in memory (a whole table: outcome files, scored files for a report).
MAX_WHOLE_BYTES = 2 << 30


def read_table(source: str | os.PathLike, max_bytes: int = MAX_WHOLE_BYTES):
    """Read a whole table as text (see :func:`iter_chunks`); a header-only file gives no rows.

    Raises
    ------
    DataFileError
        As :func:`iter_chunks`, and when the table's text passes ``max_bytes``
        (2 GiB by default; a small compressed file can hold far more), refused
        as soon as it does.
    """
    import pyarrow as pa

    tables, held = [], 0
    for chunk in without_blank_tail(iter_chunks(source), BlankTail()):
        held += chunk.text.nbytes
        if held > max_bytes:
            name = "stdin" if os.fspath(source) == "-" else os.fspath(source)
            raise DataFileError(
                f"{name}: more than {max_bytes / 2**20:,.0f} MiB of text; regen reads a whole table (outcomes, a "
                "scored file for a report) up to that size; split the file or score it in chunks with regen score"
            )
        tables.append(chunk.text)
    return (pa.concat_tables(tables) if len(tables) > 1 else tables[0]).to_pandas()
