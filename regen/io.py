"""Writing outputs: output-path checks, atomic files, CSV / .csv.gz / Parquet / stdout, batch scoring.

Input is read by :mod:`regen.tables` (the one reader). Output rules:

- **Paths** (:func:`check_paths`): an output that is an input, or another
  output of the same command, or stdout twice, or a directory, or ``''`` is a
  usage error before anything is read or written.
- **Atomic files** (:class:`atomic_path`): a file is written to a temporary
  file beside the target and renamed over it only when complete; every exit
  (error, Ctrl-C, SIGTERM, SIGHUP) removes the temporary file and no message
  names it. A symbolic link is followed (its target is replaced, the link
  kept); a character device or FIFO (``/dev/null``, a named pipe) is written
  through, never replaced; an existing file keeps its permissions.
- **Formats** by the target's extension, any case: ``.parquet`` (one row
  group per chunk; Parquet input keeps its column types); ``.gz`` (gzip, with
  no name or time in its header, so equal outputs are equal bytes); anything
  else CSV; ``-`` is stdout, written as rows are scored (a file refused part
  way, e.g. a ragged record at row 900,000, leaves the rows before it on
  stdout and exits 1).
- **CSV text**: input cells are written back byte for byte, quoted only
  where CSV needs it (a comma, a quote, a line break); numbers follow the
  rule of :mod:`regen.columns`; lines end with ``\\n``; UTF-8 without BOM.

Examples
--------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
>>> with atomic_path(target) as tmp:
...     _ = tmp.write_text("a,b\\n")
>>> target.read_text()
'a,b\\n'
"""

from __future__ import annotations

import io
import os
import signal
import stat
import sys
import tempfile
import threading
from pathlib import Path

from regen.errors import RegenError
from regen.tables import TextColumns, csv_header, encode_csv

__all__ = ["PathClashError", "atomic_path", "batch_notes", "check_input_columns", "check_paths", "cli_check_paths",
           "input_paths", "output_kind", "score_chunk", "score_file", "summary_lines", "write_table_atomic"]


class PathClashError(RegenError, ValueError):
    """An output path that would touch an input, another output, or something that is not a file."""


# --------------------------------------------------------------------------- paths
def output_kind(target: str | os.PathLike) -> str:
    """'stdout', 'parquet', 'gzip' or 'csv', from the target's name (extension in any case)."""
    name = os.fspath(target).lower()
    return "stdout" if name == "-" else "parquet" if name.endswith(".parquet") else \
        "gzip" if name.endswith(".gz") else "csv"


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_paths(outputs: dict, inputs: tuple = (), stdout_ok: bool = False, suffix: str | None = None) -> None:
    """Refuse output paths that collide with an input, with each other, or are not writable files.

    Parameters
    ----------
    outputs : dict
        Option name (for the message) -> path; None entries are ignored.
    inputs : tuple of paths
        Files the command reads (``-`` = stdin is ignored).
    stdout_ok : bool
        Whether ``-`` means stdout for this command (at most one output may be ``-``).
    suffix : str, optional
        The extension every output must have (any case), e.g. ``".png"`` for ``--plot``.

    Raises
    ------
    PathClashError
    """
    given = {k: os.fspath(v) for k, v in outputs.items() if v is not None}
    for option, path in given.items():
        if path.strip() == "":
            raise PathClashError(f"{option}: the output path is empty")
        if path == "-" and not stdout_ok:
            raise PathClashError(f"{option}: '-' (stdout) is not supported here; name a file")
        if path != "-" and os.path.isdir(path):
            raise PathClashError(f"{option}: {path} is a directory; name a file")
        if suffix and path != "-" and not path.lower().endswith(suffix):
            raise PathClashError(f"{option}: {path} does not end in {suffix}")
        parent = os.path.dirname(os.path.abspath(path)) if path != "-" else ""
        if parent and os.path.isdir(parent) and not os.access(parent, os.W_OK):
            raise PathClashError(f"{option}: cannot write into {parent} (permission denied)")
        if parent and os.path.exists(parent) and not os.path.isdir(parent):
            raise PathClashError(f"{option}: {parent} is not a directory")
        for source in (os.fspath(s) for s in inputs if s is not None):
            if path != "-" and source != "-" and _same_file(path, source):
                raise PathClashError(f"{option}: {path} is also the input; write to another file")
    names = list(given.items())
    for i, (first, a) in enumerate(names):
        for second, b in names[i + 1:]:
            if a == b == "-" or (a != "-" and b != "-" and _same_file(a, b)):
                raise PathClashError(f"{first} and {second} are the same ({a}); give two different outputs")


def cli_check_paths(outputs: dict, inputs: tuple = (), stdout_ok: bool = False, suffix: str | None = None) -> None:
    """:func:`check_paths` for the command line: a clash is a usage error (exit code 2)."""
    import typer

    try:
        check_paths(outputs, inputs, stdout_ok, suffix)
    except PathClashError as exc:
        raise typer.BadParameter(str(exc)) from None


# --------------------------------------------------------------------------- atomic output
class _Terminated(SystemExit):
    """SIGTERM / SIGHUP turned into an exit that unwinds (so temporary files are removed)."""


def _on_signal(signum, frame):
    raise _Terminated(128 + signum)


class atomic_path:
    """Context manager giving a path that replaces ``target`` only on success (see the module notes)."""

    def __init__(self, target: str | os.PathLike) -> None:
        self.target = Path(target)
        self.tmp: Path | None = None
        self.saved: dict = {}

    def __enter__(self) -> Path:
        real = Path(os.path.realpath(self.target))
        try:
            mode = os.stat(real).st_mode
        except OSError:
            mode = None
        if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
            return real  # written through: a device or a pipe is never replaced
        if mode is not None and not stat.S_ISREG(mode):
            raise PathClashError(f"{self.target} is not a regular file, a device or a pipe; name a file")
        self._trap_signals()
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=real.parent)
        except OSError as exc:
            self._restore_signals()
            raise RegenError(f"cannot write {self.target}: {exc.strerror}") from None
        os.close(fd)
        self.tmp, self.real = Path(tmp), real
        self._copy_mode(mode)
        return self.tmp

    def _copy_mode(self, mode: int | None) -> None:
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)  # mkstemp makes 0600; give a new file the usual mode
            return
        os.chmod(self.tmp, stat.S_IMODE(mode))
        if hasattr(os, "chown") and os.geteuid() == 0:
            st = os.stat(self.real)
            os.chown(self.tmp, st.st_uid, st.st_gid)

    def _trap_signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
                if sig is not None and signal.getsignal(sig) in (signal.SIG_DFL, None):
                    self.saved[sig] = signal.signal(sig, _on_signal)

    def _restore_signals(self) -> None:
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        self.saved = {}

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.tmp is None:
            return
        try:
            if exc_type is None:
                os.replace(self.tmp, self.real)
        except OSError as err:
            raise RegenError(f"cannot write {self.target}: {err.strerror}") from None
        finally:
            self.tmp.unlink(missing_ok=True)
            self._restore_signals()
        if isinstance(exc, OSError) and not isinstance(exc, RegenError):
            raise RegenError(f"cannot write {self.target}: {exc.strerror or exc}") from None


def write_table_atomic(frame, target: str | os.PathLike) -> None:
    """Write a DataFrame as CSV (``.gz`` compressed, ``.parquet``, ``-`` = stdout), atomically."""
    kind = output_kind(target)
    if kind == "stdout":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    with atomic_path(target) as tmp:
        if kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            compression = {"method": "gzip", "mtime": 0} if kind == "gzip" else None
            frame.to_csv(tmp, index=False, compression=compression, lineterminator="\n")


# --------------------------------------------------------------------------- batch scoring
def _key(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def check_input_columns(names) -> None:
    """Refuse an input that cannot be scored as a whole: no nerve column, or prediction columns already there.

    Raises
    ------
    DataFileError
    """
    from regen.columns import OUTPUT_COLUMNS
    from regen.errors import DataFileError

    clash = [c for c in OUTPUT_COLUMNS if c in names]
    if clash:
        raise DataFileError(f"the input already has prediction columns ({', '.join(clash)}): "
                            "drop them before scoring")
    if "nerve" not in {_key(n) for n in names}:
        raise DataFileError(f"the input has no 'nerve' column (columns: {', '.join(map(str, names))})")


def batch_notes(batch) -> dict:
    """What validation noted for a batch: headers read as another column, defaults used (may be absent)."""
    return {"mapped": dict(getattr(batch, "mapped", None) or {}),
            "defaults": dict(getattr(batch, "defaults", None) or {})}


def _predict(model, raw, risk) -> tuple[dict, dict]:
    """Prediction columns and the validation notes of one chunk."""
    import inspect

    from regen.prediction import predict_columns

    if "notes" in inspect.signature(predict_columns).parameters:
        notes: dict = {}
        pred = predict_columns(model, raw, risk, notes=notes)
        return pred, batch_notes(type("Notes", (), notes)())
    return predict_columns(model, raw, risk), batch_notes(None)


def score_chunk(chunk, model, book_at_risk: float | None, kind: str) -> dict:
    """Score one :class:`regen.tables.Chunk` and encode it for ``kind`` ('csv'/'gzip'/'stdout' or 'parquet').

    Returns a dict: ``payload`` (CSV bytes or a pyarrow table), ``names``
    (output columns), ``rows``, ``bad`` (row index in the chunk, patient_id,
    error), ``ids`` (sorted distinct 64-bit hashes of the non-blank patient
    ids), ``repeats`` (ids repeated inside the chunk) and ``notes``. A pure
    function of its inputs: the local and Dask engines both call it.
    """
    result = predict_chunk(chunk, model, book_at_risk)
    result["names"], result["payload"] = encode_chunk(chunk, result.pop("pred"), kind)
    return result


def predict_chunk(chunk, model, book_at_risk: float | None) -> dict:
    """Validate and predict one chunk: ``pred`` (the prediction columns) and the accounting of :func:`score_chunk`."""
    import numpy as np

    raw = TextColumns(chunk.text)
    pred, notes = _predict(model, raw, book_at_risk)
    errors = pred["error"]
    bad = np.flatnonzero(errors != "")
    pid = raw["patient_id"] if "patient_id" in raw else np.full(chunk.text.num_rows, "", dtype=object)
    ids, repeats = _id_hashes(pid)
    return {"pred": pred, "rows": chunk.text.num_rows, "bad": [(int(i), pid[i], errors[i]) for i in bad],
            "ids": ids, "repeats": repeats, "notes": notes}


def encode_chunk(chunk, pred: dict, kind: str) -> tuple[list, object]:
    """The output of one chunk: input columns then the prediction columns; CSV bytes, or a table for Parquet."""
    import pyarrow as pa

    from regen.columns import OUTPUT_COLUMNS, format_numbers

    columns = []
    for name in OUTPUT_COLUMNS:
        values = pred[name]
        if values.dtype.kind == "f":
            columns.append(pa.array(values, type=pa.float64(), from_pandas=True) if kind == "parquet"
                           else format_numbers(name, values))
        else:
            columns.append(pa.array(values.astype(object), type=pa.string()))
    base = chunk.table if kind == "parquet" else chunk.text
    table = pa.Table.from_arrays([*base.columns, *columns], names=[*base.column_names, *OUTPUT_COLUMNS])
    return table.column_names, table if kind == "parquet" else encode_csv(table)


def _id_hashes(pid):
    """Sorted distinct 64-bit hashes of the non-blank ids, and how many ids repeat one before them."""
    import numpy as np
    import pandas as pd

    hashes = np.sort(pd.util.hash_array(pid[pid != ""].astype(object)))
    first = np.concatenate(([True], hashes[1:] != hashes[:-1])) if len(hashes) else np.zeros(0, bool)
    return hashes[first], int(len(hashes) - first.sum())


class _Summary:
    """Running totals over chunks, in order: rows, bad rows, duplicate ids, validation notes."""

    def __init__(self) -> None:
        import numpy as np

        self.rows, self.duplicates, self.bad, self.seen = 0, 0, [], np.array([], dtype=np.uint64)
        self.mapped: dict[str, str] = {}
        self.defaults: dict[str, int] = {}

    def add(self, result: dict) -> None:
        import numpy as np

        self.bad += [(self.rows + i + 1, pid, err) for i, pid, err in result["bad"]]
        self.rows += result["rows"]
        unique, known = result["ids"], self.seen  # 8 bytes per distinct id: memory stays flat
        pos = np.minimum(np.searchsorted(known, unique), max(len(known) - 1, 0))
        found = known[pos] == unique if len(known) else np.zeros(len(unique), dtype=bool)
        self.duplicates += result["repeats"] + int(found.sum())
        self.seen = np.sort(np.concatenate([known, unique[~found]]))
        self.mapped.update(result["notes"]["mapped"])
        for name, count in result["notes"]["defaults"].items():
            self.defaults[name] = self.defaults.get(name, 0) + int(count)

    def as_dict(self) -> dict:
        return {"rows": self.rows, "scored": self.rows - len(self.bad), "not_scored": len(self.bad),
                "duplicate_ids": self.duplicates, "mapped": self.mapped, "defaults": self.defaults}


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
        self.handle.write(payload.decode() if isinstance(self.handle, io.TextIOBase) else payload)

    def close(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
        elif self.kind == "stdout":
            self.handle.flush()
        else:
            self.handle.close()
            self.raw.close()


def _ordered(func, items, submit, window: int):
    """``func(item)`` for each item through ``submit``, at most ``window`` in flight, results in order."""
    from collections import deque

    pending: deque = deque()
    try:
        for item in items:
            pending.append(submit(func, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def score_file(source: str, target: str, model=None, errors_path: str | None = None,
               chunksize: int | None = None, progress=None, book_at_risk: float | None = None,
               submit=None, window: int = 3) -> dict:
    """Score a file (or a glob of files) chunk by chunk; the output appears only when complete.

    Read, validate, predict, encode and write, in order; row numbers continue
    across the files of a glob (sorted by name), which must share their columns.

    Parameters
    ----------
    source, target : str
        Input (CSV, .csv.gz, .parquet, '-') and output (by extension, '-' = stdout).
    model : Model, path or None
    errors_path : str, optional
        Also write the rows that could not be scored: ``row`` (data record
        number, 1 = first row after the header), ``patient_id``, ``error``.
    chunksize : int, optional
        Rows per chunk (and per Parquet row group); default 100,000.
    progress : callable, optional
        Called with the running row count after each chunk.
    book_at_risk : float, optional
    submit : callable, optional
        ``submit(func, *args) -> future`` running chunks elsewhere (the Dask
        engine); default: two local threads.

    Returns
    -------
    dict
        ``rows``, ``scored``, ``not_scored``, ``duplicate_ids``, ``mapped``,
        ``defaults``, ``seconds``.
    """
    import functools
    import time

    from regen.prediction import check_book_at_risk
    from regen.scoring import resolve_model
    from regen.tables import CHUNK_ROWS, iter_chunks

    start = time.perf_counter()
    sources = input_paths(source)
    check_paths({"--output": target, "--errors": errors_path}, tuple(sources), stdout_ok=True)
    model = resolve_model(model)
    check_book_at_risk(book_at_risk, model.params)
    kind, summary = output_kind(target), _Summary()
    chunks = _checked(iter_chunks(path, chunksize or CHUNK_ROWS) for path in sources)
    with _maybe_atomic(target) as path:
        writer = _Writer(path, kind)
        try:
            if submit is None:
                results = _local(chunks, model, book_at_risk, writer)
            else:
                func = functools.partial(score_chunk, model=model, book_at_risk=book_at_risk, kind=kind)
                results = (writer.write(r) or r for r in _ordered(func, chunks, submit, window))
            for result in results:
                summary.add(result)
                del result
                _release_memory()
                if progress is not None:
                    progress(summary.rows)
        finally:
            writer.close()
        if errors_path:
            _write_errors(summary.bad, errors_path)
    return {**summary.as_dict(), "seconds": time.perf_counter() - start}


def _local(chunks, model, book_at_risk, writer):
    """The local engine: predict a chunk here while a second thread encodes and writes the one before."""
    from concurrent.futures import ThreadPoolExecutor

    def encode_and_write(chunk, result):
        result["names"], result["payload"] = encode_chunk(chunk, result.pop("pred"), writer.kind)
        writer.write(result)

    pending = None
    with ThreadPoolExecutor(1, thread_name_prefix="regen-write") as thread:
        try:
            for chunk in chunks:
                result = predict_chunk(chunk, model, book_at_risk)
                if pending is not None:
                    yield pending.result()
                pending = thread.submit(lambda c=chunk, r=result: encode_and_write(c, r) or r)
            if pending is not None:
                yield pending.result()
        finally:
            if pending is not None:
                pending.cancel()


def _release_memory() -> None:
    """Give freed heap pages back to the system after a chunk (glibc), so memory stays flat with the file size."""
    global _TRIM
    if _TRIM is None:
        import ctypes
        import ctypes.util

        try:
            _TRIM = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM = None


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


def _checked(files):
    """Chunks of every file in turn; the first checked for scoring, the others must have its columns."""
    from regen.errors import DataFileError

    names = None
    for chunks in files:
        for chunk in chunks:
            if names is None:
                names = chunk.table.column_names
                check_input_columns(names)
            elif chunk.table.column_names != names:
                raise DataFileError(f"the input files do not have the same columns ({', '.join(names)} vs "
                                    f"{', '.join(chunk.table.column_names)})")
            yield chunk


def summary_lines(summary: dict) -> list[str]:
    """The messages after scoring: duplicate ids, headers read as patient columns, defaults used, totals."""
    lines = []
    if summary["duplicate_ids"]:
        lines.append(f"Warning: {summary['duplicate_ids']} rows repeat a patient_id (all scored)")
    notes = []
    if summary.get("mapped"):
        notes.append("columns read as: " + ", ".join(f"{k} -> {v}" for k, v in summary["mapped"].items()))
    if summary.get("defaults"):
        notes.append("defaults used: " + ", ".join(f"{k} {n} rows" for k, n in summary["defaults"].items()))
    if notes:
        lines.append("; ".join(notes))
    lines.append(f"{summary['rows']} rows: {summary['scored']} scored, {summary['not_scored']} not scored "
                 f"in {summary['seconds']:.1f} s")
    return lines


def _write_errors(bad_rows: list, path: str) -> None:
    import pandas as pd

    write_table_atomic(pd.DataFrame(bad_rows, columns=["row", "patient_id", "error"]), path)


class _maybe_atomic:
    """atomic_path for a file target; stdout is written as it goes."""

    def __init__(self, target: str) -> None:
        self.inner = None if target == "-" else atomic_path(target)

    def __enter__(self):
        return "-" if self.inner is None else self.inner.__enter__()

    def __exit__(self, *exc):
        if self.inner is not None:
            self.inner.__exit__(*exc)
