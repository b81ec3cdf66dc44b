"""Writing files: every output of a run appears complete, together with the others, or not at all.

Every command that writes a file goes through :class:`Outputs` (scores and
their error lists, models and their cards, reports, plots, synthetic cohorts):

- each output is written to an **unnamed temporary file** in its target's
  folder (Linux ``O_TMPFILE``): nothing is visible while it is written, and a
  process killed at any moment (even by SIGKILL) leaves nothing behind;
- when the run succeeds, the outputs are **put in place together**: each is
  first linked under a hidden name beside its target, then renamed over it,
  side files first and the main output last; a run that fails leaves none of
  its outputs;
- where the filesystem has no unnamed files, a named hidden file
  ``.NAME.regen-HOST-PID-XXXX.part`` is used instead; one left by a killed
  run (its process is gone) is removed by the next regen run that writes
  into that folder;
- a symbolic link is followed (its target is replaced, the link kept); a
  character device or a FIFO (``/dev/null``, a named pipe) is written
  through, never replaced; an existing file keeps its permissions; a new
  file gets the usual mode (0666 less the umask).

The library installs no signal handler: the ``regen`` command's ``main()``
turns SIGTERM and SIGHUP into an exit that unwinds, so its outputs are
discarded there too.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with Outputs() as out:
...     _ = out.path(folder / "rows.csv", main=True).write_text("a,b\\n")
...     _ = out.path(folder / "rows.md").write_text("# card\\n")
>>> sorted(p.name for p in folder.iterdir())
['rows.csv', 'rows.md']
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import socket
import stat
import tempfile
import zlib
from pathlib import Path

from regen.errors import RegenError
from regen.files.paths import PathClashError

__all__ = ["Outputs", "atomic_path", "write_bytes", "write_text"]

_HOST = f"{zlib.crc32(socket.gethostname().encode()) & 0xFFFF:04x}"
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.regen-(?P<host>[0-9a-f]{4})-(?P<pid>\d+)-[0-9a-z]+\.part$")


def _cannot(target: os.PathLike | str, exc: OSError) -> RegenError:
    return RegenError(f"cannot write {os.fspath(target)}: {exc.strerror or exc}")


def _hidden_name(real: Path) -> Path:
    return real.with_name(f".{real.name}.regen-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}.part")


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the hidden files a killed regen run left in ``folder`` (this host, process gone).

    Returns the paths removed. Files of a run that is still going (its process
    exists) and files from other hosts are left alone.
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        found = _LEFTOVER.match(name)
        if found is None or found["host"] != _HOST or _alive(int(found["pid"])):
            continue
        try:
            (folder / name).unlink()
            removed.append(folder / name)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, another user's
        return True
    return True


class _Pending:
    """One output being written: an unnamed file (or a named hidden one), or a device written through."""

    def __init__(self, target: Path, main: bool) -> None:
        self.target, self.main = target, main
        self.fd: int | None = None
        self.named: Path | None = None  # the hidden name (the fallback file, or the link before the rename)
        try:
            mode = os.stat(target).st_mode  # follows links: /dev/stdout on a pipe is that pipe
        except OSError:
            mode = None
        self.through = mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode))
        if self.through:
            self.path = target
            return
        if mode is not None and not stat.S_ISREG(mode):
            raise PathClashError(f"{target} is not a regular file, a device or a pipe; name a file")
        self.real = Path(os.path.realpath(target))
        remove_leftovers(self.real.parent)
        try:
            self.path = self._unnamed() or self._named()
        except OSError as exc:
            raise _cannot(target, exc) from None
        if mode is not None:
            os.chmod(self.path, stat.S_IMODE(mode))

    def _unnamed(self) -> Path | None:
        """An ``O_TMPFILE`` file in the target's folder, as a path this process can open (None: unsupported)."""
        flag = getattr(os, "O_TMPFILE", None)
        if flag is None or not os.path.isdir("/proc/self/fd"):
            return None
        try:
            self.fd = os.open(self.real.parent, flag | os.O_RDWR, 0o666)
        except OSError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                return None
            raise
        return Path(f"/proc/self/fd/{self.fd}")

    def _named(self) -> Path:
        fd, name = tempfile.mkstemp(
            prefix=f".{self.real.name}.regen-{_HOST}-{os.getpid()}-", suffix=".part", dir=self.real.parent
        )
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)  # mkstemp makes 0600; give a new file the usual mode
        self.named = Path(name)
        return self.named

    def link(self) -> None:
        """Give the unnamed file a hidden name beside the target (the step that can fail: disk, rights)."""
        if self.through or self.fd is None:
            return
        procfd = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
        try:
            hidden = _hidden_name(self.real)
            os.link(str(self.fd), hidden, src_dir_fd=procfd, follow_symlinks=True)
            self.named = hidden
        finally:
            os.close(procfd)

    def place(self) -> None:
        if not self.through:
            os.replace(self.named, self.real)
            self.named = None

    def discard(self) -> None:
        if self.named is not None:
            self.named.unlink(missing_ok=True)
            self.named = None
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Outputs:
    """The files of one run, put in place together when the run succeeds (see the module notes).

    Use as a context manager; :meth:`path` gives the path to write each
    output to. On a clean exit every output is put in place (side files
    first, the one marked ``main`` last); on any exception none is, and the
    exception propagates (an ``OSError`` of a write as a :class:`RegenError`
    naming the target).
    """

    def __init__(self) -> None:
        self._pending: list[_Pending] = []

    def path(self, target: str | os.PathLike, main: bool = False) -> Path:
        """Where to write ``target``'s content (a device or a FIFO: the target itself)."""
        entry = _Pending(Path(target), main)
        self._pending.append(entry)
        return entry.path

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._commit()
        finally:
            for entry in self._pending:
                entry.discard()
        if isinstance(exc, OSError) and not isinstance(exc, RegenError):
            written = [e.target for e in self._pending if str(exc.filename or "") in (str(e.path), str(e.target))]
            if not written and exc.filename is None:  # a write() names no file (a full disk): name every output
                written = [" or ".join(os.fspath(e.target) for e in self._pending)] if self._pending else []
            raise _cannot(written[0] if written else (exc.filename or "an output"), exc) from None

    def _commit(self) -> None:
        order = sorted(self._pending, key=lambda e: e.main)  # side files first, the main output last
        entry = None
        try:
            for entry in order:
                entry.link()
            placed = []
            for entry in order:
                entry.place()
                placed.append(entry)
        except OSError as exc:
            for done in locals().get("placed", []):
                if not done.through:
                    done.real.unlink(missing_ok=True)  # all or nothing
            raise _cannot(entry.target if entry else "an output", exc) from None


class atomic_path:
    """One output written atomically: ``with atomic_path(target) as tmp: ...`` (an :class:`Outputs` of one)."""

    def __init__(self, target: str | os.PathLike) -> None:
        self.outputs = Outputs()
        self.target = target

    def __enter__(self) -> Path:
        return self.outputs.path(self.target, main=True)

    def __exit__(self, *exc) -> None:
        self.outputs.__exit__(*exc)


def write_bytes(data: bytes, target: str | os.PathLike) -> None:
    """Write bytes to ``target`` atomically (``-`` = stdout)."""
    if os.fspath(target) == "-":
        import sys

        stream = getattr(sys.stdout, "buffer", sys.stdout)
        stream.write(data)
        stream.flush()
        return
    with atomic_path(target) as tmp:
        _write(tmp, data, target)


def _write(path: Path, data: bytes, target: str | os.PathLike) -> None:
    """Write ``data`` at ``path`` (an output's temporary path); a failure names ``target``."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise _cannot(target, exc) from None


def write_text(text: str, target: str | os.PathLike) -> None:
    """Write UTF-8 text to ``target`` atomically (``-`` = stdout)."""
    write_bytes(text.encode("utf-8"), target)


def write_table(frame, target: str | os.PathLike, outputs: Outputs | None = None) -> None:
    """Write a DataFrame by ``target``'s extension: CSV through :mod:`regen.files.encode` (``.gz`` gzip,
    with no name or time in its header), ``.parquet``, ``-`` = stdout; atomically, or into ``outputs``.
    """
    from regen.files.paths import output_kind

    kind = output_kind(target)
    if kind == "parquet":
        with Outputs() if outputs is None else _Within(outputs) as into:
            try:
                frame.to_parquet(into.path(target, main=outputs is None), index=False)
            except OSError as exc:
                raise _cannot(target, exc) from None
        return
    from regen.files.encode import encode_frame

    data = encode_frame(frame)
    if kind == "gzip":
        import gzip

        data = gzip.compress(data, compresslevel=6, mtime=0)
    if outputs is None or kind == "stdout":
        write_bytes(data, target)
    else:
        _write(outputs.path(target), data, target)


class _Within:
    """An :class:`Outputs` already open, used as a context manager that leaves it open."""

    def __init__(self, outputs: Outputs) -> None:
        self.outputs = outputs

    def __enter__(self) -> Outputs:
        return self.outputs

    def __exit__(self, *exc) -> None:
        return None
