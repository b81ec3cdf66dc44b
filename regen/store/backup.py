"""Backups: SQLite's online backup (a consistent copy while the server runs).

For PostgreSQL use the server's own tool: ``pg_dump -Fc DBNAME > regen.dump``
(restore with ``pg_restore``); :func:`backup` says so instead of copying.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from regen.errors import InputError
from regen.store.engine import is_sqlite

__all__ = ["SIDE_SUFFIXES", "backup"]

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


def backup(engine: Engine, path: str | os.PathLike) -> Path:
    """Copy a SQLite database to ``path`` with the online backup API; return the path.

    The copy is written beside the target and renamed into place when complete,
    so an interrupted backup leaves no partial file. Writers may keep writing
    meanwhile: the copy is the database as of one moment.

    Raises
    ------
    InputError
        If the database is not SQLite (use ``pg_dump`` for PostgreSQL), the
        target is the database or one of its side files (``-wal``, ``-shm``,
        ``-journal``; by name or by identity: symlinks, hard links), or its
        folder does not exist.
    """
    if not is_sqlite(engine):
        raise InputError(
            f"{engine.url.get_backend_name()} databases are backed up with the server's own tool: "
            "for PostgreSQL, pg_dump -Fc DBNAME > regen.dump (restore with pg_restore)"
        )
    source = Path(engine.url.database or "")
    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise InputError(f"backup folder {str(target.parent)!r} does not exist")
    _refuse_own_files(source, target)
    partial = target.with_name(f".{target.name}.partial")
    src = sqlite3.connect(str(source), timeout=30)
    dst = sqlite3.connect(str(partial))
    try:
        with dst:
            src.backup(dst, pages=1024)
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    return target
