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

__all__ = ["backup"]


def backup(engine: Engine, path: str | os.PathLike) -> Path:
    """Copy a SQLite database to ``path`` with the online backup API; return the path.

    The copy is written beside the target and renamed into place when complete,
    so an interrupted backup leaves no partial file. Writers may keep writing
    meanwhile: the copy is the database as of one moment.

    Raises
    ------
    InputError
        If the database is not SQLite (use ``pg_dump`` for PostgreSQL), or the
        target is the database itself or its folder does not exist.
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
    if target.exists() and target.resolve() == source.resolve():
        raise InputError("the backup target is the database itself; choose another path")
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
