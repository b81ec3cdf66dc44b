"""Tables as text: the one reader behind score, fit, evaluate, describe, report and Dask, and the CSV encoder.

CSV (any name; gzip-compressed input is recognised by its content, so
``.csv.gz`` / ``.CSV.GZ`` both work), Parquet (``.parquet``, any case) or
``-`` (stdin, CSV). Read with pyarrow in record batches:

- every CSV cell is the exact text that was in the file (no type inference,
  no ``NA`` guessing, spaces kept); quoted commas, quotes and newlines are
  values; a UTF-8 byte order mark is dropped; blank lines are skipped;
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

Text out (:func:`encode_csv`): cells are written back byte for byte, quoted
only where CSV needs it (a comma, a quote, a line break; ``"`` doubled),
lines end with ``\\n``, UTF-8 without BOM; so a file read and written again is
the same text, whatever its columns hold.

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
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from regen.errors import DataFileError
from regen.schema.headers import delimiter_hint
from regen.utils.parsing import CodedText

__all__ = [
    "CHUNK_ROWS",
    "MAX_COLUMNS",
    "Chunk",
    "TextColumns",
    "csv_header",
    "encode_csv",
    "is_parquet",
    "iter_chunks",
    "iter_table",
    "read_table",
]

CHUNK_ROWS = 50_000
#: The widest file read (every column is passed through; memory grows with the width).
MAX_COLUMNS = 10_000
_BLOCK = 1 << 20


class Chunk(NamedTuple):
    """A chunk of rows: the table as stored (typed for Parquet) and its text form (for the schema)."""

    table: object
    text: object


def is_parquet(path: str | os.PathLike) -> bool:
    """Whether a path names a Parquet file (by its extension, any case)."""
    return os.fspath(path).lower().endswith(".parquet")


_QUOTE, _COMMA, _LF, _CR = 34, 44, 10, 13


class _Quotes:
    """RFC 4180 quoting checked as the bytes pass, one vectorised step per block.

    Every '"' opens or closes a quoted cell in turn (a doubled '""' inside one
    closes and reopens it). An opening quote must start a cell (after a comma,
    a line break or the start of the file); a closing quote must end it (be
    followed by a comma, a line break, the end of the file, or the quote that
    doubles it). A lenient reader reads anything else somehow: a quote never
    closed on its line swallows the records after it into one cell until the
    next quote, silently. :meth:`check` returns the first break of the rule.
    """

    def __init__(self) -> None:
        self.inside = False  # inside a quoted cell after the bytes checked so far
        self.prev: int | None = None  # the last byte checked (None: the start of the file)
        self.close_at_end = False  # the last byte closed a cell: its follower comes in the next block
        self.open_line = 0  # line of the last opening quote

    def check(self, data: bytes, offset: int, line: int) -> tuple[str, int, int] | None:
        """The first misplaced quote in ``data`` (which starts at byte ``offset``, on line ``line``).

        Returns None, or (kind, index in ``data``, line of the cell's opening quote);
        kind is 'opens' (a quote inside a cell that is not quoted) or 'closes'
        (text right after a closing quote).
        """
        import numpy as np

        if not data:
            return None
        arr = np.frombuffer(data, dtype=np.uint8)
        if self.close_at_end and arr[0] not in (_QUOTE, _COMMA, _LF, _CR):
            return "closes", 0, self.open_line
        q = np.flatnonzero(arr == _QUOTE)
        closing = (np.arange(len(q)) + self.inside) % 2 == 1
        opens, closes = q[~closing], q[closing]
        before = np.where(
            opens > 0, arr[np.maximum(opens - 1, 0)].astype(np.int16), np.int16(-1 if self.prev is None else self.prev)
        )
        bom = (offset + opens == 3) & (before == 0xBF)  # right after a UTF-8 BOM
        bad_open = opens[~(np.isin(before, (-1, _QUOTE, _COMMA, _LF, _CR)) | bom)]
        inner = closes[closes + 1 < len(arr)]
        bad_close = inner[~np.isin(arr[inner + 1], (_QUOTE, _COMMA, _LF, _CR))]
        first = min(
            (int(bad_open[0]), "opens") if len(bad_open) else (len(arr), ""),
            (int(bad_close[0]), "closes") if len(bad_close) else (len(arr), ""),
        )
        if first[1]:
            earlier = opens[opens < first[0]]
            start = line + data.count(b"\n", 0, int(earlier[-1])) if len(earlier) else self.open_line
            return first[1], first[0], start
        if len(opens):
            self.open_line = line + data.count(b"\n", 0, int(opens[-1]))
        self.inside = bool((self.inside + len(q)) % 2)
        self.close_at_end = bool(len(closes)) and int(closes[-1]) == len(arr) - 1
        self.prev = int(arr[-1])
        return None


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte order mark: ASCII text with a NUL byte beside every character."""
    return (
        len(head) >= 8
        and min(head[0::2].count(0), head[1::2].count(0)) == 0
        and max(head[0::2].count(0), head[1::2].count(0)) >= 0.9 * (len(head) // 2)
    )


def _quote_error(name: str, data: bytes, found: tuple[str, int, int], line: int) -> DataFileError:
    from regen.utils.parsing import printable

    kind, at, opened = found
    where = line + data.count(b"\n", 0, at)
    around = printable(data[max(at - 25, 0) : at + 25].decode("utf-8", errors="replace"))
    if kind == "opens":
        return DataFileError(
            f"{name}: line {where}: a '\"' inside a cell that is not in quotes (near {around!r}); "
            'a cell holding \'"\' must be in quotes with the \'"\' doubled ("5"" scar"); '
            "the file was refused"
        )
    return DataFileError(
        f"{name}: line {where}: text right after a closing '\"' (near {around!r}); the quoted "
        f"cell began on line {opened}: a '\"' is missing or stray there (cells or whole records "
        "would be misread); the file was refused"
    )


class _Stream(io.RawIOBase):
    """The bytes of a CSV source, checked as they pass: UTF-8 (with the offset in the file), gzip end."""

    def __init__(self, raw, name: str) -> None:
        self.raw, self.name, self.offset, self.lines = raw, name, 0, 1
        self.pending, self.tail, self.eof = b"", b"", False
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.quotes = _Quotes()
        self.failed: BaseException | None = None

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
            raise _quote_error(self.name, data, found, self.lines)
        if final and self.quotes.inside:
            raise DataFileError(
                f"{self.name}: not a readable CSV (a quoted value is never closed: the '\"' on "
                f"line {self.quotes.open_line} opens a cell that runs to the end of the file, so "
                "every record after it would be read into that cell); the file was refused"
            )
        self.offset += len(data)
        self.lines += data.count(b"\n")
        self.eof = final
        self.tail = data[-1:] or self.tail  # the last byte read (does the file end with a newline?)

    def prefix(self, size: int) -> bytes:
        """Read ahead ``size`` more bytes (kept for the next reads); the bytes read ahead so far."""
        self.pending += self._fill(size)
        return self.pending

    def readinto(self, buffer) -> int:
        try:
            data = self.pending[: len(buffer)] if self.pending else self._fill(len(buffer))
        except BaseException as exc:  # pyarrow calls this from C and may not pass an error (or SIGTERM's exit) on
            self.failed = exc
            raise
        self.pending = self.pending[len(data) :] if self.pending else b""
        buffer[: len(data)] = data
        return len(data)


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
    """The header: the first non-blank CSV record of ``text`` (None if not complete in it)."""
    limit = csv.field_size_limit(max(len(text), 131072))  # a long first data field is still a field
    try:
        rows = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
        header = next(row for row in rows if row)
        next(rows)
    except (StopIteration, csv.Error):
        return None
    finally:
        csv.field_size_limit(limit)
    return header


def _header(stream: _Stream, name: str) -> list[str]:
    size = _BLOCK
    while True:
        data = stream.prefix(size)
        text = data.decode("utf-8", errors="replace")
        header = _first_record(text) if not stream.eof else _first_record(text + "\n\n")
        if header is not None or stream.eof:
            break
        size *= 2
    if header is None or header == [""]:
        raise DataFileError(f"{name}: the file is empty (no header row)")
    _check_width(len(header), name)
    repeated = sorted(c for c, n in Counter(header).items() if n > 1)
    if repeated:
        raise DataFileError(
            f"{name}: column names repeat ({', '.join(map(repr, repeated))}); each column must appear once"
        )
    return header


def _check_width(count: int, name: str) -> None:
    if count > MAX_COLUMNS:
        raise DataFileError(
            f"{name}: the file has {count:,} columns; regen reads at most {MAX_COLUMNS:,} "
            "(keep the patient columns and the few others you need)"
        )


def _arrow_error(exc: Exception, name: str, ragged: list, header: list | None = None) -> DataFileError:
    if ragged:
        row = ragged[0]
        record = f"data record {row.number - 1}" if row.number else "a record"
        hint = delimiter_hint(header or [])
        cause = hint.strip(" ()") if hint else "a stray or unquoted comma?"
        return DataFileError(
            f"{name}: {record} has {row.actual_columns} fields but the header has "
            f"{row.expected_columns} ({cause}); fix that row, the file was refused"
        )
    detail = str(exc).strip().splitlines()[-1]
    if "straddl" in detail or "Empty CSV file or block" in detail:
        detail = f"a line or a field longer than {_BLOCK // 2**20} MiB; regen reads records up to that size"
    return DataFileError(f"{name}: not a readable CSV ({detail})")


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


def _csv_batches(source: str, name: str) -> Iterator:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    raw = _open_bytes(source)
    stream = _Stream(raw, name)
    ragged: list = []
    header = None
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
                raise _arrow_error(exc, name, ragged, header) from None
            if batch.num_rows:
                last = batch
                yield batch
        _finish(stream, name)
        if last is None:
            yield pa.RecordBatch.from_pylist([], schema=reader.schema)
    except pa.ArrowInvalid as exc:
        if stream.failed is not None:
            raise stream.failed from None
        raise _arrow_error(exc, name, ragged, header) from None
    finally:
        inner = getattr(raw, "fileobj", raw)
        if inner is not getattr(sys.stdin, "buffer", None):
            raw.close()
            inner.close()


def _parquet_batches(source: str, name: str, chunksize: int) -> Iterator:
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
        empty = True
        for batch in handle.iter_batches(batch_size=chunksize):
            empty = False
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


def iter_chunks(source: str | os.PathLike, chunksize: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Yield :class:`Chunk` s of ``chunksize`` rows (pyarrow tables), in file order.

    A header-only file yields one empty chunk (the columns, no rows).

    Raises
    ------
    DataFileError
        If the file is missing, empty, not UTF-8, not a CSV / Parquet file,
        ragged (a record with more or fewer fields than the header), repeats a
        column name, or is a truncated gzip file.
    """
    source = os.fspath(source)
    name = "stdin" if source == "-" else source
    if source != "-" and (not os.path.exists(source) or os.path.isdir(source)):
        raise DataFileError(
            f"input file {source!r} does not exist" + (" (it is a directory)" if os.path.isdir(source) else "")
        )
    parquet = source != "-" and is_parquet(source)
    batches = _parquet_batches(source, name, chunksize) if parquet else _csv_batches(source, name)
    for table in _rebatch(batches, chunksize):
        yield Chunk(table, _text(table) if parquet else table)


# --------------------------------------------------------------------------- text out
#: Rows looked at to decide whether a column is worth dictionary-encoding.
_SAMPLE_ROWS = 1024


class TextColumns(Mapping):
    """The text columns of a chunk as numpy object arrays, converted only when the schema asks."""

    def __init__(self, table) -> None:
        self.table, self.cache = table, {}

    def __getitem__(self, name: str):
        import numpy as np
        import pyarrow.compute as pc

        if name not in self.cache:
            if name not in self.table.column_names:
                raise KeyError(name)
            column = pc.fill_null(self.table.column(name), "")
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


def iter_table(source: str | os.PathLike, chunksize: int = CHUNK_ROWS) -> Iterator:
    """Yield text DataFrames of at most ``chunksize`` rows, in file order (see :func:`iter_chunks`)."""
    for chunk in iter_chunks(source, chunksize):
        yield chunk.text.to_pandas()


def read_table(source: str | os.PathLike):
    """Read a whole table as text (see :func:`iter_chunks`); a header-only file gives no rows."""
    import pyarrow as pa

    tables = [chunk.text for chunk in iter_chunks(source)]
    return (pa.concat_tables(tables) if len(tables) > 1 else tables[0]).to_pandas()
