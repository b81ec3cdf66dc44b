"""Output paths: which kind of file a name means, and the checks before a command reads anything.

An output that is an input, or another output of the same command, or stdout
twice, or a directory, or ``''`` is refused (:class:`PathClashError`) before
anything is read or written; files are compared as files (same device and
inode, through links and ``/dev/fd``), not as spellings.
"""

from __future__ import annotations

import os
import stat

from regen.errors import UsageError

__all__ = [
    "SPECIAL_FOLDERS",
    "TABLE_SUFFIXES",
    "PathClashError",
    "check_folder",
    "check_paths",
    "output_kind",
    "shares_stderr",
]

#: Folders of devices and kernel files: no regen output is created in them (an existing device, e.g.
#: ``/dev/null``, is written through where a command allows it).
SPECIAL_FOLDERS = ("/dev", "/proc", "/sys")


class PathClashError(UsageError):
    """An output path that would touch an input, another output, or something that is not a file."""


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


def _identity(path: str) -> tuple[int, int, int] | None:
    """(device, inode, mode) of what an output path writes into: ``-`` is standard output; links followed."""
    try:
        st = os.fstat(1) if path == "-" else os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino, st.st_mode


def _same_output(a: str, b: str) -> bool:
    """Whether two outputs write into one file or stream, however they are spelled.

    ``-``, ``/dev/stdout``, ``/proc/self/fd/1`` and a link to the scored file all
    name what they write into; two outputs into one pipe, terminal or file
    would mix two tables. The null device takes any number of outputs.
    """
    one, two = _identity(a), _identity(b)
    if one is None or two is None:  # not there yet: the same name is the same file
        return a != "-" and b != "-" and os.path.realpath(a) == os.path.realpath(b)
    if one[:2] != two[:2]:
        return False
    null = _identity(os.devnull)
    return null is None or one[:2] != null[:2]


def shares_stderr() -> bool:
    """Whether ``sys.stdout`` writes into the same pipe or file as ``sys.stderr`` (``2>&1``).

    A terminal is not counted: a person reading both sees messages and rows apart.
    Streams without a file descriptor (a test runner's) never share one.
    """
    import sys

    try:
        fd = sys.stdout.fileno()
        one, two = os.fstat(fd), os.fstat(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is an OSError
        return False
    return (one.st_dev, one.st_ino) == (two.st_dev, two.st_ino) and not os.isatty(fd)


def _stream_is(fd: int, path: str) -> bool:
    """Whether file descriptor ``fd`` is the regular file ``path``."""
    try:
        here, there = os.fstat(fd), os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(here.st_mode) and (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


#: Extensions of the tables regen writes (a name without an extension is CSV too).
TABLE_SUFFIXES = (".csv", ".csv.gz", ".gz", ".parquet", ".txt")


def _special(folder: str) -> str | None:
    """The special folder (:data:`SPECIAL_FOLDERS`) that ``folder`` is or is in, else None (links followed)."""
    real = os.path.realpath(folder)
    return next((f for f in SPECIAL_FOLDERS if real == f or real.startswith(f + os.sep)), None)


def _read_only(folder: str) -> bool:
    """Whether ``folder`` is on a file system mounted read-only."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def check_folder(option: str, folder: str | os.PathLike) -> None:
    """Refuse a folder of outputs that is a folder of devices or kernel files (``/dev``, ``/proc``, ``/sys``).

    Raises
    ------
    PathClashError
    """
    special = _special(os.fspath(folder))
    if special is not None:
        raise PathClashError(
            f"{option}: {folder} is (in) {special}, a folder of devices or system files; name another folder"
        )


def check_paths(
    outputs: dict,
    inputs: tuple = (),
    stdout_ok: bool = False,
    suffix: str | None = None,
    table: bool = False,
    regular: bool = False,
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
    regular : bool
        The outputs must be regular files (an output with files beside it, such
        as a model and its card): an existing device, pipe or socket
        (``/dev/stdout``, ``/dev/null``) is refused. Otherwise one is written through.
        A new file in a folder of devices (:data:`SPECIAL_FOLDERS`) is always refused.

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
        try:
            mode = os.stat(path).st_mode if path != "-" else None
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            if regular:
                raise PathClashError(
                    f"{option}: {path} is not a regular file (a device, a pipe or a socket); name a file"
                )
        elif path != "-" and (special := _special(os.path.dirname(os.path.abspath(path)))) is not None:
            raise PathClashError(
                f"{option}: {path} would be a new file in {special}, a folder of devices or system files; "
                "write it elsewhere"
            )
        parent = os.path.dirname(os.path.realpath(path)) if path != "-" else ""  # where a link points
        if parent and os.path.isdir(parent) and not os.access(parent, os.W_OK):
            why = "a read-only file system" if _read_only(parent) else "permission denied"
            raise PathClashError(f"{option}: cannot write {path}: {parent} is not writable ({why})")
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
            if a == b == "-" or _same_output(a, b):
                shown = f"({a})" if a == b else f"({a} and {b})"
                raise PathClashError(
                    f"{first} and {second} write into the same file or stream {shown}; give two different outputs"
                )
