"""Reading and writing tables: CSV, .csv.gz, Parquet, stdin/stdout; atomic writes."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

__all__ = ["atomic_path", "write_table_atomic"]


class atomic_path:  # noqa: N801 - used as a context manager like open()
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
