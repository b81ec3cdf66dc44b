"""The store: one database (engine + schema at the newest migration) and its transactions."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from regen.store.engine import display_url, is_sqlite, make_engine, opening
from regen.store.migrate import upgrade

__all__ = ["Store", "open_store"]


class Store:
    """A database opened for regen: reads, and writes each in one transaction.

    Parameters
    ----------
    engine : Engine
        From :func:`regen.store.engine.make_engine`; its schema must be current
        (:func:`open_store` upgrades it).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = threading.Lock()  # SQLite: this process's writers queue here, not in SQLite's busy loop

    @property
    def where(self) -> str:
        """The database as printed at start: a SQLite file path or a URL without its password."""
        return display_url(self.engine)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite."""
        return is_sqlite(self.engine)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection inside one write transaction: committed when the block ends, rolled back on error.

        On SQLite the transaction takes the write lock at once (``BEGIN
        IMMEDIATE``), so concurrent writers queue instead of failing when they
        upgrade a read lock: the threads of this process wait on a lock of
        their own, in turn (SQLite's busy handler polls with growing sleeps,
        which makes waits long and unfair), and other processes wait on the
        busy timeout. Other databases lock rows themselves.
        """
        if not self.is_sqlite:
            with self.engine.connect() as conn, conn.begin():
                yield conn
            return
        with self._writer, self.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads (one snapshot on SQLite while the block runs)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_store(url: str | os.PathLike | None = None, migrate: bool = True, **engine_kwargs) -> Store:
    """Open (and by default create or upgrade) the database at ``url``.

    Parameters
    ----------
    url : str, path or None
        A SQLAlchemy URL (``postgresql://user@host/db``), a SQLite file path,
        or None for the default file (:func:`regen.store.engine.default_database_path`).
    migrate : bool
        Upgrade the schema to the newest migration first.

    Raises
    ------
    DatabaseUnavailable
        If the database cannot be opened (not a database, a folder, a server
        that does not answer, no driver), in one line naming it.
    """
    with opening(url):
        engine = make_engine(url, **engine_kwargs)
        if migrate:
            upgrade(engine)
        else:
            with engine.connect():  # reached, and a database: said here, not at the first page
                pass
    return Store(engine)
