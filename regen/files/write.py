"""Output files: path checks, atomic writes, CSV / .csv.gz / Parquet / stdout for whole tables.

Every command that writes a file goes through here (scores, error lists,
models and their cards, reports, synthetic cohorts):

- **Paths** (:func:`check_paths`): an output that is an input, or another
  output of the same command, or stdout twice, or a directory, or ``''`` is a
  usage error before anything is read or written.
- **Atomic files** (:class:`atomic_path`): a file is written to a temporary
  file beside the target and renamed over it only when complete; every exit
  (error, Ctrl-C, SIGTERM, SIGHUP) removes the temporary file and no message
  names it. A symbolic link is followed (its target is replaced, the link
  kept); a character device or FIFO (``/dev/null``, a named pipe) is written
  through, never replaced; an existing file keeps its permissions.
- **Formats** by the target's extension, any case: ``.parquet``; ``.gz``
  (gzip, with no name or time in its header, so equal outputs are equal
  bytes); anything else CSV; ``-`` is stdout.

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

import os
import signal
import stat
import sys
import tempfile
import threading
from pathlib import Path

from regen.errors import RegenError

__all__ = ["TABLE_SUFFIXES", "PathClashError", "atomic_path", "check_paths", "output_kind", "write_table_atomic"]


class PathClashError(RegenError, ValueError):
    """An output path that would touch an input, another output, or something that is not a file."""


# --------------------------------------------------------------------------- paths
def output_kind(target: str | os.PathLike) -> str:
    """'stdout', 'parquet', 'gzip' or 'csv', from the target's name (extension in any case)."""
    name = os.fspath(target).lower()
    return (
        "stdout"
        if name == "-"
        else "parquet"
        if name.endswith(".parquet")
        else "gzip"
        if name.endswith(".gz")
        else "csv"
    )


def _same_file(a: str, b: str, a_fd: int = 1, b_fd: int = 0) -> bool:
    """Whether two paths name the same file; ``'-'`` is the stream ``a_fd`` / ``b_fd`` (stdout, stdin).

    A ``-`` matches a path only when the stream is redirected to that very
    (regular) file, e.g. ``regen score - -o in.csv < in.csv``.
    """
    if a == "-" and b == "-":
        return _stream_is(a_fd, f"/dev/fd/{b_fd}")
    if a == "-":
        return _stream_is(a_fd, b)
    if b == "-":
        return _stream_is(b_fd, a)
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _stream_is(fd: int, path: str) -> bool:
    """Whether file descriptor ``fd`` is the regular file ``path``."""
    try:
        here, there = os.fstat(fd), os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(here.st_mode) and (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


#: Extensions of the tables regen writes (a name without an extension is CSV too).
TABLE_SUFFIXES = (".csv", ".csv.gz", ".gz", ".parquet", ".txt")


def check_paths(
    outputs: dict, inputs: tuple = (), stdout_ok: bool = False, suffix: str | None = None, table: bool = False
) -> None:
    """Refuse output paths that collide with an input, with each other, or are not writable files.

    Parameters
    ----------
    outputs : dict
        Option name (for the message) -> path; None entries are ignored.
    inputs : tuple of paths
        Files the command reads (``-`` = stdin: refused only when it is redirected from an output file).
    stdout_ok : bool
        Whether ``-`` means stdout for this command (at most one output may be ``-``).
    suffix : str, optional
        The extension every output must have (any case), e.g. ``".png"`` for ``--plot``.
    table : bool
        The outputs are tables: an extension other than :data:`TABLE_SUFFIXES`
        (``.xlsx``, ``.json``, ...) is refused rather than filled with CSV text.

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
        if path != "-" and (os.path.isdir(path) or path.endswith(("/", os.sep))):
            raise PathClashError(f"{option}: {path} is a directory; name a file")
        if suffix and path != "-" and not path.lower().endswith(suffix):
            raise PathClashError(f"{option}: {path} does not end in {suffix}")
        extension = os.path.splitext(path)[1].lower()
        if table and path != "-" and extension and not path.lower().endswith(TABLE_SUFFIXES):
            raise PathClashError(
                f"{option}: regen writes CSV (.csv, .csv.gz) or Parquet (.parquet), not "
                f"{extension}; name the file accordingly"
            )
        parent = os.path.dirname(os.path.realpath(path)) if path != "-" else ""  # where a link points
        if parent and os.path.isdir(parent) and not os.access(parent, os.W_OK):
            raise PathClashError(f"{option}: cannot write into {parent} (permission denied)")
        if parent and os.path.exists(parent) and not os.path.isdir(parent):
            raise PathClashError(f"{option}: {parent} is not a directory")
        if parent and not os.path.exists(parent):
            raise PathClashError(f"{option}: the folder {parent} does not exist; create it first")
        for source in (os.fspath(s) for s in inputs if s is not None):
            if _same_file(path, source):
                where = "standard input" if source == "-" else "standard output" if path == "-" else ""
                raise PathClashError(
                    f"{option}: {path if path != '-' else source} is also the input"
                    + (f" (through {where})" if where else "")
                    + "; write to another file"
                )
    names = list(given.items())
    for i, (first, a) in enumerate(names):
        for second, b in names[i + 1 :]:
            if a == b == "-" or _same_file(a, b, 1, 1):
                raise PathClashError(f"{first} and {second} are the same ({a}); give two different outputs")


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
        try:
            mode = os.stat(self.target).st_mode  # follows links: /dev/stdout on a pipe is that pipe
        except OSError:
            mode = None
        if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
            return self.target  # written through: a device or a pipe is never replaced
        real = Path(os.path.realpath(self.target))
        if mode is not None and not stat.S_ISREG(mode):
            raise PathClashError(f"{self.target} is not a regular file, a device or a pipe; name a file")
        self._trap_signals()
        try:
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
    try:
        with atomic_path(target) as tmp:
            if kind == "parquet":
                frame.to_parquet(tmp, index=False)
            else:
                compression = {"method": "gzip", "mtime": 0} if kind == "gzip" else None
                frame.to_csv(tmp, index=False, compression=compression, lineterminator="\n")
    except OSError as exc:  # a device written through (/dev/full): name this file, not an enclosing output
        raise RegenError(f"cannot write {target}: {exc.strerror or exc}") from None
