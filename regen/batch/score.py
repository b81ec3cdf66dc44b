"""Batch scoring of files: chunks in, prediction columns out, streamed through one writer.

Input is read by :mod:`regen.files.read` (the one reader); outputs are written
through :mod:`regen.files.write` (path checks, atomic files). Output rules:

- ``-`` is stdout, written as rows are scored (a file refused part way, e.g.
  a ragged record at row 900,000, leaves the rows before it on stdout and
  exits 1); ``.parquet`` gets one row group per chunk (Parquet input keeps
  its column types); ``.gz`` is gzip; anything else CSV.
- **CSV text**: input cells are written back byte for byte, quoted only
  where CSV needs it (a comma, a quote, a line break); numbers follow the
  rule of :mod:`regen.schema.columns`; lines end with ``\\n``; UTF-8 without BOM.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import sys

from regen.files.encode import csv_header, encode_csv
from regen.files.paths import check_paths, output_kind
from regen.files.read import TextColumns
from regen.files.write import Outputs, write_table
from regen.utils.text import plural, printable, quoted

__all__ = ["batch_notes", "input_paths", "score_chunk", "score_file", "summary_lines"]


# --------------------------------------------------------------------------- batch scoring
def batch_notes(batch) -> dict:
    """What validation noted for a batch: headers read as another column, defaults used, file warnings."""
    return {"mapped": dict(batch.mapped), "defaults": dict(batch.defaults), "warnings": list(batch.warnings)}


def score_chunk(chunk, scoring, kind: str) -> dict:
    """Score one :class:`regen.files.read.Chunk` and encode it for ``kind`` ('csv'/'gzip'/'stdout' or 'parquet').

    ``scoring`` is the run's :class:`regen.model.prediction.Scoring` (made once by
    :func:`regen.model.prediction.prepare_scoring`). Returns a dict: ``payload``
    (CSV bytes or a pyarrow table), ``names`` (output columns), ``rows``, ``bad``
    (row index in the chunk, patient_id, error), ``ids`` (sorted distinct
    64-bit hashes of the non-blank patient ids), ``repeats`` (ids repeated
    inside the chunk) and ``notes``. A pure function of its inputs: the local
    and Dask engines both call it.
    """
    result = predict_chunk(chunk, scoring)
    result["names"], result["payload"] = encode_chunk(chunk, result.pop("pred"), kind, scoring.columns)
    return result


def predict_chunk(chunk, scoring) -> dict:
    """Validate and predict one chunk: ``pred`` (the prediction columns) and the accounting of :func:`score_chunk`."""
    import numpy as np

    from regen.model.prediction import predict_batch
    from regen.schema.patients import validate_patients

    batch = validate_patients(
        TextColumns(chunk.text, chunk.table), allow_any_nerve=scoring.allow_any_nerve, header=scoring.header
    )
    pred = predict_batch(scoring.model, batch, scoring.plan)
    errors = pred["error"]
    bad = np.flatnonzero(errors != "")
    pid = np.asarray(pred["patient_id"], dtype=object)  # as the schema read it (a "Patient ID" header too)
    ids, repeats = _id_hashes(pid)
    return {
        "pred": pred,
        "rows": chunk.text.num_rows,
        "bad": [(int(i), pid[i], errors[i]) for i in bad],
        "ids": ids,
        "repeats": repeats,
        "notes": batch_notes(batch),
        "patient_ids": pid,
    }


def encode_chunk(chunk, pred: dict, kind: str, names: tuple) -> tuple[list, object]:
    """The output of one chunk: input columns then the prediction columns ``names``; CSV bytes, or Parquet's table."""
    import pyarrow as pa

    from regen.schema.columns import format_numbers

    csv = kind != "parquet"
    columns = []
    for name in names:
        values = pred[name]
        if values.dtype.kind == "f":
            columns.append(
                format_numbers(name, values) if csv else pa.array(values, type=pa.float64(), from_pandas=True)
            )
        else:
            columns.append(_text_column(values, quote=csv))
    base = chunk.table if kind == "parquet" else chunk.text
    table = pa.Table.from_arrays([*base.columns, *columns], names=[*base.column_names, *names])
    if not csv:
        return table.column_names, table
    ready = range(base.num_columns, table.num_columns)  # numbers need no quotes; texts are quoted already
    return table.column_names, encode_csv(table, ready=ready)


def _text_column(values, quote: bool):
    """A text output column as an arrow string array, each distinct value converted (and CSV-quoted) once."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if getattr(values, "codes", None) is not None:  # a CodedText: its encoding is there already
        codes, uniques = values.codes, values.words
    else:
        codes, uniques = pd.factorize(values.astype(object, copy=False))
    words = [str(u) for u in uniques]
    if quote:
        words = [f'"{w.replace(chr(34), chr(34) * 2)}"' if any(c in w for c in ',"\n\r') else w for w in words]
    return pa.array([*words, ""], type=pa.string()).take(pa.array(np.where(codes < 0, len(words), codes)))


def _hash_ids(ids):
    """64-bit hashes of patient ids (the one hash the duplicate accounting compares)."""
    import numpy as np
    import pandas as pd

    return pd.util.hash_array(np.asarray(ids, dtype=object))


def _id_hashes(pid):
    """Sorted distinct 64-bit hashes of the non-blank ids, and how many ids repeat one before them."""
    import numpy as np

    hashes = np.sort(_hash_ids(pid[pid != ""]))
    first = np.concatenate(([True], hashes[1:] != hashes[:-1])) if len(hashes) else np.zeros(0, bool)
    return hashes[first], int(len(hashes) - first.sum())


class _Summary:
    """Running totals over chunks, in order: rows, bad rows, duplicate ids, validation notes."""

    def __init__(self) -> None:
        import numpy as np

        self.rows, self.duplicates, self.bad, self.seen = 0, 0, [], np.array([], dtype=np.uint64)
        self.example: tuple[str, int] | None = None  # the first repeated id and its row
        self.mapped: dict[str, str] = {}
        self.defaults: dict[str, int] = {}
        self.warnings: list[str] = []

    def add(self, result: dict) -> None:
        import numpy as np

        self.bad += [(self.rows + i + 1, pid, err) for i, pid, err in result["bad"]]
        self.rows += result["rows"]
        unique, known = result["ids"], self.seen  # 8 bytes per distinct id: memory stays flat
        pos = np.minimum(np.searchsorted(known, unique), max(len(known) - 1, 0))
        found = known[pos] == unique if len(known) else np.zeros(len(unique), dtype=bool)
        self.duplicates += result["repeats"] + int(found.sum())
        if self.example is None and (result["repeats"] or found.any()):
            self.example = _repeat_example(result["patient_ids"], unique[found], self.rows - result["rows"])
        result.pop("patient_ids", None)
        self.seen = np.sort(np.concatenate([known, unique[~found]]))
        self.mapped.update(result["notes"]["mapped"])
        for name, count in result["notes"]["defaults"].items():
            self.defaults[name] = self.defaults.get(name, 0) + int(count)
        self.warnings += [w for w in result["notes"].get("warnings", []) if w not in self.warnings]

    def by_file(self, starts: list) -> None:
        """Name each bad row and the repeat example by file and record (``file``, row in it): a glob's rows."""
        import bisect

        offsets = [offset for offset, _ in starts]

        def where(row: int) -> tuple[str, int]:
            at = max(bisect.bisect_left(offsets, row) - 1, 0)
            return starts[at][1], row - offsets[at]

        self.bad = [(*where(row), pid, err) for row, pid, err in self.bad]
        if self.example is not None:
            name, row = where(self.example[1])
            self.example = (self.example[0], f"{name}:{row}")

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "scored": self.rows - len(self.bad),
            "not_scored": len(self.bad),
            "duplicate_ids": self.duplicates,
            "duplicate_example": self.example,
            "mapped": self.mapped,
            "defaults": self.defaults,
            "warnings": self.warnings,
        }


def _repeat_example(pid, seen_before, offset: int) -> tuple[str, int]:
    """The first row of a chunk whose id repeats one before it (in the chunk or in ``seen_before``): (id, row)."""
    import numpy as np
    import pandas as pd

    pid = np.asarray(pid, dtype=object)
    rows = np.flatnonzero(pid != "")
    ids = pd.Series(pid[rows])
    again = ids.duplicated().to_numpy() | np.isin(_hash_ids(ids.to_numpy()), seen_before)
    first = int(np.argmax(again))
    return str(ids.iloc[first]), offset + int(rows[first]) + 1


class _Writer:
    """Writes encoded chunks, in order, to a CSV / gzip / Parquet file or stdout (header first)."""

    def __init__(self, path, kind: str) -> None:
        self.path, self.kind, self.parquet, self.started = path, kind, None, False
        if kind == "stdout":
            sys.stdout.flush()
            self.handle = getattr(sys.stdout, "buffer", sys.stdout)
        elif kind in ("csv", "gzip"):
            self.handle = self.raw = open(path, "wb")
            if kind == "gzip":
                import gzip

                self.handle = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, compresslevel=6, mtime=0)

    def write(self, result: dict) -> None:
        payload = result["payload"]
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            if self.parquet is None:
                self.parquet = pq.ParquetWriter(self.path, payload.schema)
            self.parquet.write_table(payload, row_group_size=max(payload.num_rows, 1))
            return
        if not self.started:
            payload = csv_header(result["names"]) + payload
        self.started = True
        data = payload.decode() if isinstance(self.handle, io.TextIOBase) else payload
        written = self.handle.write(data)
        if written is not None and written < len(data):  # a non-blocking or closed reader took part of it
            raise BrokenPipeError(f"only {written} of {len(data)} bytes could be written")

    def close(self) -> None:
        if self.kind == "parquet":
            if self.parquet is not None:
                self.parquet.close()
        elif self.kind == "stdout":
            self.handle.flush()
        else:
            self.handle.close()
            self.raw.close()


def _ordered(items, submit, window: int):
    """Each item through ``submit`` (its result a future), at most ``window`` in flight, results in order."""
    from collections import deque

    pending: deque = deque()
    try:
        for item in items:
            pending.append(submit(item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def score_file(
    source: str,
    target: str,
    model=None,
    errors_path: str | None = None,
    chunksize: int | None = None,
    progress=None,
    book_at_risk: float | None = None,
    engine=None,
    allow_any_nerve: bool = False,
    contact_at_risk: float | None = None,
    min_contact_gap: float | None = None,
) -> dict:
    """Score a file (or a glob of files) chunk by chunk; the outputs appear only when complete.

    Read, validate, predict, encode and write, in order. The files of a glob
    (sorted by name) must share their columns; their rows are named by file and
    record in that file (a ``file`` column in ``errors_path``, ``file:record`` in messages).
    The paths, the headers, the model and the booking rule are checked once,
    before anything is scored (:func:`regen.model.prediction.prepare_scoring`).

    Parameters
    ----------
    source, target : str
        Input (CSV, .csv.gz, .parquet, '-') and output (by extension, '-' = stdout).
    model : Model, fitted ReliefModel, path or None
    errors_path : str, optional
        Also write the rows that could not be scored: ``row`` (data record
        number, 1 = first row after the header), ``patient_id``, ``error``;
        for a glob, ``file`` first and ``row`` counted in that file; put in
        place together with the output (or neither).
    chunksize : int, optional
        Rows per chunk (and per Parquet row group); default :data:`regen.files.read.CHUNK_ROWS` (50,000).
    progress : callable, optional
        Called with the running row count after each chunk.
    book_at_risk : float, optional
    engine : object, optional
        Where chunks are scored: None (this process, a second thread encoding
        and writing) or an engine such as :class:`regen.batch.dask.DaskEngine`
        (a context manager whose ``runner(scoring, kind)`` gives
        ``(submit, window)``); it is started after every check has passed.
    allow_any_nerve : bool
        Score a nerve for an indication the catalog does not list for it, with a warning.
    contact_at_risk, min_contact_gap : float, optional
        The contact plan's rules (see :func:`regen.score_frame`).

    Returns
    -------
    dict
        ``rows``, ``scored``, ``not_scored``, ``duplicate_ids``, ``mapped``,
        ``defaults``, ``warnings`` (file-level), ``empty_rows_skipped`` (fully empty rows at the end of a
        file, dropped), ``seconds``.

    Raises
    ------
    PathClashError
        If an output is an input, or both outputs are one file or stream.
    DataFileError, InputError, ModelFileError
        If an input cannot be scored as a whole (one line, nothing written).
    """
    import time

    from regen.errors import DataFileError
    from regen.files.read import CHUNK_ROWS, BlankTail, iter_chunks, without_blank_tail
    from regen.model.model import resolve_model
    from regen.model.prediction import prepare_scoring

    start = time.perf_counter()
    sources = input_paths(source)
    model_file = (model,) if isinstance(model, str | os.PathLike) and os.path.isfile(model) else ()
    check_paths({"--output": target, "--errors": errors_path}, (*sources, *model_file), stdout_ok=True, table=True)
    model = resolve_model(model)
    tail = BlankTail()  # spreadsheets leave fully empty rows at the end: dropped, and counted
    starts: list = []  # (rows before it, file): where each file of a glob begins
    chunks = _checked(
        (without_blank_tail(iter_chunks(path, chunksize or CHUNK_ROWS), tail) for path in sources), sources, starts
    )
    first = next(chunks)
    try:
        scoring = prepare_scoring(
            first.table.column_names, model, book_at_risk, allow_any_nerve, contact_at_risk, min_contact_gap
        )
    except DataFileError as exc:  # the header refused: name the file
        raise DataFileError(f"{'stdin' if sources[0] == '-' else sources[0]}: {exc}") from None
    chunks = itertools.chain([first], chunks)
    kind, summary = output_kind(target), _Summary()
    with Outputs() as outputs, engine if engine is not None else contextlib.nullcontext():
        path = "-" if target == "-" else outputs.path(target, main=True)
        writer = _Writer(path, kind)
        try:
            if engine is None:
                results = _local(chunks, scoring, writer)
            else:
                submit, window = engine.runner(scoring, kind)
                results = (writer.write(r) or r for r in _ordered(chunks, submit, window))
            for result in results:
                summary.add(result)
                del result
                _release_memory()
                if progress is not None:
                    progress(summary.rows)
        finally:
            writer.close()
        if len(sources) > 1:  # a glob: each row named by its file and its record in that file
            summary.by_file(starts)
        if errors_path:  # put in place with the output, or neither is
            _write_errors(summary.bad, errors_path, outputs, glob=len(sources) > 1)
    return {**summary.as_dict(), "empty_rows_skipped": tail.skipped, "seconds": time.perf_counter() - start}


def _local(chunks, scoring, writer):
    """The local engine: predict a chunk here while a second thread encodes and writes the one before."""
    from concurrent.futures import ThreadPoolExecutor

    def encode_and_write(chunk, result):
        result["names"], result["payload"] = encode_chunk(chunk, result.pop("pred"), writer.kind, scoring.columns)
        writer.write(result)

    pending = None
    with ThreadPoolExecutor(1, thread_name_prefix="regen-write") as thread:
        try:
            for chunk in chunks:
                result = predict_chunk(chunk, scoring)
                if pending is not None:
                    yield pending.result()
                pending = thread.submit(lambda c=chunk, r=result: encode_and_write(c, r) or r)
            if pending is not None:
                yield pending.result()
        finally:
            if pending is not None:
                pending.cancel()


def _release_memory() -> None:
    """Give arrow's freed buffers back after a chunk, so memory stays flat (no process-wide calls)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def input_paths(source: str) -> list[str]:
    """The input files: ``source`` itself, or the files matching it as a glob (sorted by name)."""
    import glob

    if source == "-" or os.path.exists(source) or not glob.has_magic(source):
        return [source]
    found = sorted(p for p in glob.glob(source) if os.path.isfile(p))
    if not found:
        from regen.errors import DataFileError

        raise DataFileError(f"no input file matches {source!r}")
    return found


def _checked(files, sources: list[str], starts: list | None = None):
    """Chunks of every file in turn; every file must have the first one's columns, of the same types.

    ``starts`` gets ``(rows before it, file)`` as each file begins.

    The rule for a glob: one table. A file whose columns, or whose column types
    (Parquet's types; a CSV's columns are text), differ from the first file's is
    refused naming both files and the column, before any of its rows is scored.
    """
    from regen.errors import DataFileError

    first, rows = None, 0
    for source, chunks in zip(sources, files, strict=True):
        if starts is not None:
            starts.append((rows, source))
        for chunk in chunks:
            rows += chunk.text.num_rows
            schema = chunk.table.schema
            if first is None:
                first = (source, schema)
            elif schema.names != first[1].names:
                raise DataFileError(
                    f"{source} does not have the columns of {first[0]} ({', '.join(first[1].names)} vs "
                    f"{', '.join(schema.names)}); the files of one glob are one table"
                )
            elif schema.types != first[1].types:
                name, one, two = next(
                    (n, a, b) for n, a, b in zip(schema.names, first[1].types, schema.types, strict=True) if a != b
                )
                raise DataFileError(
                    f"{source}: column {name!r} is {_type_name(two)} but {_type_name(one)} in {first[0]}; the files "
                    "of one glob are one table (save them in one format, with one type per column)"
                )
            yield chunk


def _type_name(kind) -> str:
    return "text" if str(kind) in ("string", "large_string") else f"of type {kind}"


def _at(row: int | str) -> str:
    """Where a row is: ``on row 4``, or ``at b.csv:4`` (a glob's file and record in it)."""
    return f"at {printable(row)}" if isinstance(row, str) else f"on row {row}"


def summary_lines(summary: dict) -> list[str]:
    """The messages after scoring: duplicate ids, headers read as patient columns, defaults used, totals."""
    lines = []
    if summary["duplicate_ids"]:
        n = summary["duplicate_ids"]
        example = summary.get("duplicate_example")
        lines.append(
            f"Warning: {n} {'row repeats' if n == 1 else 'rows repeat'} a patient_id (all scored)"
            + (f", e.g. {quoted(example[0])} again {_at(example[1])}" if example else "")
        )
    notes = []
    if summary.get("mapped"):
        notes.append("columns read as: " + ", ".join(f"{printable(k)} -> {v}" for k, v in summary["mapped"].items()))
    if summary.get("defaults"):
        notes.append(
            "defaults used: " + ", ".join(f"{k} {n} row{'' if n == 1 else 's'}" for k, n in summary["defaults"].items())
        )
    if notes:
        lines.append("; ".join(notes))
    lines += [f"Warning: {printable(w)}" for w in summary.get("warnings", [])]
    rows = f"{summary['rows']} row{'' if summary['rows'] == 1 else 's'}"
    skipped = summary.get("empty_rows_skipped", 0)
    empty = f", and {plural(skipped, 'empty row')} at the end of the file skipped" if skipped else ""
    lines.append(
        f"{rows}: {summary['scored']} scored, {summary['not_scored']} not scored{empty} in {summary['seconds']:.1f} s"
    )
    return lines


def _write_errors(bad_rows: list, path: str, outputs: Outputs, glob: bool = False) -> None:
    import pandas as pd

    columns = ["file", "row", "patient_id", "error"] if glob else ["row", "patient_id", "error"]
    write_table(pd.DataFrame(bad_rows, columns=columns), path, outputs)
