"""Database engines: SQLite by default (one file, WAL, busy timeout), any SQLAlchemy URL otherwise.

SQLite is opened so that concurrent writers queue instead of failing:
write-ahead logging (readers never block the writer), a busy timeout, foreign
keys on, and write transactions started with ``BEGIN IMMEDIATE`` (a deferred
transaction that upgrades its lock later can fail with "database is locked"
whatever the timeout). PostgreSQL and other servers use their own locking.

Examples
--------
>>> import tempfile, pathlib
>>> from regen.store.engine import make_engine
>>> engine = make_engine("sqlite:///" + str(pathlib.Path(tempfile.mkdtemp()) / "x.db"))
>>> with engine.connect() as conn:
...     conn.exec_driver_sql("PRAGMA journal_mode").scalar()
'wal'
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL

__all__ = ["BUSY_TIMEOUT_S", "default_database_path", "display_url", "is_sqlite", "make_engine", "resolve_url"]

#: Seconds a SQLite writer waits for the lock before giving up.
BUSY_TIMEOUT_S = 30.0


def default_database_path() -> Path:
    """The default SQLite file: ``$REGEN_DATA_DIR/regen.db``, else ``~/.local/share/regen/regen.db``.

    ``XDG_DATA_HOME`` is honoured when set.
    """
    if os.environ.get("REGEN_DATA_DIR"):
        return Path(os.environ["REGEN_DATA_DIR"]) / "regen.db"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "regen" / "regen.db"


def resolve_url(url: str | os.PathLike | None = None) -> URL:
    """A SQLAlchemy URL from a URL, a plain file path (SQLite) or None (the default file).

    A plain ``postgresql://`` URL uses psycopg2 when installed, else psycopg 3.
    """
    if url is None:
        url = default_database_path()
    text = os.fspath(url)
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        return make_url("sqlite:///" + str(path))
    parsed = make_url(text)
    if parsed.drivername == "postgresql":
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite(url: URL | Engine) -> bool:
    """Whether a URL or engine is SQLite."""
    url = url.url if isinstance(url, Engine) else url
    return url.get_backend_name() == "sqlite"


def display_url(url: URL | Engine) -> str:
    """The URL with its password hidden (what is printed at start); a SQLite file as its path."""
    url = url.url if isinstance(url, Engine) else url
    if is_sqlite(url):
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below), not the driver
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable at each checkpoint; safe with WAL
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str | os.PathLike | URL | None = None, **kwargs) -> Engine:
    """Create the engine for a URL (see :func:`resolve_url`); a SQLite file's folder is created.

    Parameters
    ----------
    url : str, path, URL or None
        A SQLAlchemy URL, a SQLite file path, or None for the default file.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.
    """
    from sqlalchemy import create_engine

    url = url if isinstance(url, URL) else resolve_url(url)
    if is_sqlite(url):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        connect = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False, **kwargs.pop("connect_args", {})}
        engine = create_engine(url, connect_args=connect, **kwargs)
        _sqlite_setup(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)
