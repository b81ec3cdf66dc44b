"""Writing tables and scoring files: CSV, .csv.gz, Parquet, stdout; atomic writes.

Input is read by :mod:`regen.tables` (the one reader); each output file is
written to a temporary file beside the target and renamed when complete.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from regen.tables import CHUNK_ROWS, iter_table

__all__ = ["atomic_path", "score_file", "write_table_atomic"]


class atomic_path:
    """Context manager giving a temporary path that replaces ``target`` only on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("a,b\\n")
    >>> target.read_text()
    'a,b\\n'
    """

    def __init__(self, target: str | os.PathLike) -> None:
        self.target = Path(target)

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        suffix = "".join(self.target.suffixes)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.target.stem}.", suffix=f".part{suffix}",
                                   dir=self.target.parent)
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            os.replace(self.tmp, self.target)
        else:
            self.tmp.unlink(missing_ok=True)


def write_table_atomic(frame, target: str | os.PathLike) -> None:
    """Write a DataFrame as CSV (``.csv.gz`` compressed, ``.parquet``, ``-`` = stdout)."""
    if str(target) == "-":
        frame.to_csv(sys.stdout, index=False)
        return
    with atomic_path(target) as tmp:
        if str(target).endswith(".parquet"):
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, compression="gzip" if str(target).endswith(".gz") else None)


# --------------------------------------------------------------------------- batch scoring
class _Writer:
    """Appends scored chunks to CSV / .csv.gz / Parquet / stdout."""

    def __init__(self, path, target: str) -> None:
        self.path, self.target, self.first, self.parquet = path, target, True, None

    def write(self, frame) -> None:
        if self.target.endswith(".parquet"):
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self.parquet is None:
                self.parquet = pq.ParquetWriter(self.path, table.schema)
            self.parquet.write_table(table.cast(self.parquet.schema))
        elif self.target == "-":
            frame.to_csv(sys.stdout, index=False, header=self.first)
        else:
            compression = "gzip" if self.target.endswith(".gz") else None
            frame.to_csv(self.path, index=False, header=self.first, mode="w" if self.first else "a",
                         compression=compression)
        self.first = False

    def close(self) -> None:
        if self.parquet is not None:
            self.parquet.close()


def score_file(source: str, target: str, model=None, errors_path: str | None = None,
               chunksize: int = CHUNK_ROWS, progress=None, book_at_risk: float | None = None) -> dict:
    """Score a file chunk by chunk; the output appears only when complete.

    Returns a summary: ``rows``, ``scored``, ``not_scored``, ``duplicate_ids``, ``seconds``.
    ``progress`` is called with the running row count after each chunk.
    """
    import time

    from regen.prediction import check_book_at_risk
    from regen.scoring import resolve_model, score_frame

    start = time.perf_counter()
    model = resolve_model(model)
    check_book_at_risk(book_at_risk, model.params)
    summary = {"rows": 0, "scored": 0, "not_scored": 0, "duplicate_ids": 0}
    seen = {"ids": np.array([], dtype=np.uint64)}
    bad_rows = []
    with _maybe_atomic(target) as out_path:
        writer = _Writer(out_path, target)
        try:
            for chunk in iter_table(source, chunksize):
                scored = score_frame(chunk, model, book_at_risk)
                writer.write(scored)
                _account(summary, scored, seen, bad_rows)
                if progress is not None:
                    progress(summary["rows"])
            if writer.first:
                _raise_empty(source)
        finally:
            writer.close()
        if errors_path:
            _write_errors(bad_rows, errors_path)
    summary["seconds"] = time.perf_counter() - start
    return summary


def _raise_empty(source: str) -> None:
    from regen.errors import DataFileError

    raise DataFileError(f"{source}: the file has a header but no data rows")


def _account(summary: dict, scored, seen: dict, bad_rows: list) -> None:
    offset = summary["rows"]
    bad = np.flatnonzero(scored["error"].to_numpy() != "")
    summary["rows"] += len(scored)
    summary["not_scored"] += len(bad)
    summary["scored"] += len(scored) - len(bad)
    if "patient_id" in scored:
        # 64-bit hashes in a sorted array: 8 bytes per id, so memory stays flat
        import pandas as pd

        ids = scored["patient_id"].astype(str).to_numpy(dtype=object)
        hashes = np.sort(pd.util.hash_array(ids[ids != ""]))
        first = np.concatenate(([True], hashes[1:] != hashes[:-1]))
        unique, known = hashes[first], seen["ids"]
        pos = np.minimum(np.searchsorted(known, unique), max(len(known) - 1, 0))
        found = known[pos] == unique if len(known) else np.zeros(len(unique), dtype=bool)
        summary["duplicate_ids"] += int(len(hashes) - len(unique) + found.sum())
        seen["ids"] = np.sort(np.concatenate([known, unique[~found]]))
    pid = scored["patient_id"].to_numpy() if "patient_id" in scored else np.full(len(scored), "")
    err = scored["error"].to_numpy()
    bad_rows += [(offset + i + 1, pid[i], err[i]) for i in bad]


def _write_errors(bad_rows: list, path: str) -> None:
    import pandas as pd

    frame = pd.DataFrame(bad_rows, columns=["row", "patient_id", "error"])
    write_table_atomic(frame, path)


class _maybe_atomic:
    """atomic_path for a file target; stdout is written as it goes."""

    def __init__(self, target: str) -> None:
        self.inner = None if target == "-" else atomic_path(target)

    def __enter__(self):
        return "-" if self.inner is None else self.inner.__enter__()

    def __exit__(self, *exc):
        if self.inner is not None:
            self.inner.__exit__(*exc)
