"""Backups: SQLite's online backup (a consistent copy while the server runs).

For PostgreSQL use the server's own tool: ``pg_dump -Fc DBNAME > regen.dump``
(restore with ``pg_restore``); :func:`backup` says so instead of copying.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from pathlib import Path

from sqlalchemy.engine import Engine

from regen.errors import InputError
from regen.store.engine import is_sqlite

__all__ = ["SIDE_SUFFIXES", "backup", "refuse_in_memory"]

#: The files SQLite keeps beside a database: the write-ahead log, its shared memory, the rollback journal.
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def _refuse_own_files(source: Path, target: Path) -> None:
    """Refuse a target that is the database or one of its side files, by name or by identity.

    By name: the target's real path (symlinks resolved, even a dangling one)
    is the database's or the database's with a side suffix. By identity: an
    existing target is the same file (a hard link, a symlink) as the database
    or one of its existing side files. Overwriting any of them corrupts the
    live database or loses its last writes.

    Raises
    ------
    InputError
        If the target is one of those files.
    """
    own = [Path(str(source) + suffix) for suffix in ("", *SIDE_SUFFIXES)]
    real = os.path.realpath(target)
    for path in own:
        same_name = real == os.path.realpath(path)
        try:
            same_file = target.exists() and path.exists() and os.path.samefile(target, path)
        except OSError:
            same_file = False
        if same_name or same_file:
            what = "the database itself" if path == own[0] else f"the database's {path.name[len(source.name) :]} file"
            raise InputError(f"the backup target {str(target)!r} is {what}; choose another path")


def _check_target(target: Path) -> None:
    """Refuse a target that is not a regular file or a new path.

    A symlink is refused rather than written through (the file it names
    would be replaced by a new one, or be a device, a folder, the database);
    a folder, a device node (``/dev/null``), a FIFO or a socket is refused too.

    Raises
    ------
    InputError
        If the target is a symlink or exists and is not a regular file.
    """
    if target.is_symlink():
        raise InputError(f"the backup target {str(target)!r} is a symlink; give the real path of a file")
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"the backup target {str(target)!r} cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"the backup target {str(target)!r} is a folder; give a file name in it")
    if not stat.S_ISREG(mode):
        raise InputError(f"the backup target {str(target)!r} is not a regular file (a device, FIFO or socket)")


def refuse_in_memory(db: str | os.PathLike | None) -> None:
    """Refuse a database named ``:memory:`` (SQLite's in-memory name, not a file to back up).

    Raises
    ------
    InputError
        If ``db`` is ``:memory:``.
    """
    if db is not None and os.fspath(db).strip() == ":memory:":
        raise InputError(_IN_MEMORY)


def refuse_missing(db: str | os.PathLike | None) -> None:
    """Refuse to back up a SQLite database file that does not exist (opening it would create an empty one).

    A mistyped ``--db`` printed "backup ... written" and wrote an empty database, leaving another empty file
    where the mistyped one pointed.

    Raises
    ------
    InputError
        If ``db`` resolves to a SQLite file that does not exist, or its name cannot be checked.
    """
    from regen.store.engine import resolve_url

    url = resolve_url(db)
    if url.get_backend_name() != "sqlite":
        return
    name = url.database or ""
    if name in ("", ":memory:") or name.startswith("file:") or "mode=memory" in name:
        return  # in-memory names are refused by refuse_in_memory/_source_file; URIs are left to SQLite
    try:
        exists = Path(name).expanduser().exists()  # a folder or a non-database file is named by the opening
    except OSError as exc:
        raise InputError(f"database file {name[:80]!r}: {exc.strerror}") from None
    if not exists:
        raise InputError(f"database file {name!r} does not exist: nothing to back up (check --db)")


_IN_MEMORY = "an in-memory SQLite database (sqlite:// or :memory:) has nothing to back up; give its file"


def _source_file(engine: Engine) -> Path:
    """The database file of a SQLite engine; refuse an in-memory database."""
    name = engine.url.database or ""
    if name in ("", ":memory:") or name.startswith("file::memory:") or "mode=memory" in name:
        raise InputError(_IN_MEMORY)
    return Path(name)


def backup(engine: Engine, path: str | os.PathLike) -> Path:
    """Copy a SQLite database to ``path`` with the online backup API; return the path.

    The copy is written to a fresh temporary file in the target's folder
    (created exclusively, mode 0600, never an existing name) and renamed into
    place when complete, so an interrupted or failed backup leaves no partial
    file and can never write over or rename away another file. Writers may
    keep writing meanwhile: the copy is the database as of one moment.

    Raises
    ------
    InputError
        If the database is not SQLite (use ``pg_dump`` for PostgreSQL) or is
        in memory; the target is the database or one of its side files
        (``-wal``, ``-shm``, ``-journal``; by name or by identity: symlinks,
        hard links), a symlink, a folder, a device, a FIFO or a socket; its
        folder does not exist; or SQLite or the file system fails (one line).
    """
    if not is_sqlite(engine):
        raise InputError(
            f"{engine.url.get_backend_name()} databases are backed up with the server's own tool: "
            "for PostgreSQL, pg_dump -Fc DBNAME > regen.dump (restore with pg_restore)"
        )
    source = _source_file(engine)
    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise InputError(f"backup folder {str(target.parent)!r} does not exist")
    _refuse_own_files(source, target)
    _check_target(target)
    if not source.is_file():
        raise InputError(f"database {str(source)!r} is not a file; nothing to back up")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as exc:
        raise InputError(f"cannot write in the backup folder {str(target.parent)!r}: {exc.strerror}") from None
    os.close(fd)
    partial = Path(name)
    try:
        _refuse_own_files(source, partial)
        src = sqlite3.connect(str(source), timeout=30)
        try:
            dst = sqlite3.connect(str(partial))
            try:
                with dst:
                    src.backup(dst, pages=1024)
            finally:
                dst.close()
        finally:
            src.close()
        _check_target(target)  # not swapped for a symlink or a device meanwhile
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise InputError(f"backup of {str(source)!r} to {str(target)!r} failed: {exc}") from None
    except OSError as exc:
        raise InputError(f"backup to {str(target)!r} failed: {exc.strerror or exc}") from None
    finally:
        for leftover in (partial, *(Path(str(partial) + suffix) for suffix in SIDE_SUFFIXES)):
            leftover.unlink(missing_ok=True)
    return target
