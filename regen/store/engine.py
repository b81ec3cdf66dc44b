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
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL

from regen.errors import RegenError

__all__ = [
    "BUSY_TIMEOUT_S",
    "DatabaseUnavailable",
    "default_database_path",
    "display_url",
    "is_sqlite",
    "make_engine",
    "opening",
    "resolve_url",
]

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

    A plain ``postgresql://`` URL uses psycopg2 when installed, else psycopg 3
    (the driver is named in the URL, whatever SQLAlchemy's default).
    """
    if url is None:
        url = default_database_path()
    text = os.fspath(url)
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        return make_url("sqlite:///" + str(path))
    parsed = make_url(text)
    if parsed.drivername == "postgresql":  # name the driver: SQLAlchemy 2.1's default is psycopg 3, 2.0's psycopg2
        parsed = parsed.set(drivername=f"postgresql+{_postgresql_driver()}")
    return parsed


def _installed(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


def _postgresql_driver() -> str:
    """The PostgreSQL driver installed: psycopg2, else psycopg (3); psycopg2 when neither (its error says so)."""
    return "psycopg" if not _installed("psycopg2") and _installed("psycopg") else "psycopg2"


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
    """Create the engine for a URL (see :func:`resolve_url`); the default SQLite file's folder is created.

    Parameters
    ----------
    url : str, path, URL or None
        A SQLAlchemy URL, a SQLite file path, or None for the default file.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.
    """
    from sqlalchemy import create_engine

    default = url is None
    url = url if isinstance(url, URL) else resolve_url(url)
    if is_sqlite(url):
        if url.database and url.database != ":memory:":
            folder = Path(url.database).parent
            if default:  # the default file's folder (under the user's data folder) is regen's own
                folder.mkdir(parents=True, exist_ok=True)
            elif not folder.is_dir():  # a mistyped --db is not a new folder tree
                raise DatabaseUnavailable(
                    f"the folder of the database {display_url(url)} does not exist: create it first"
                )
        connect = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False, **kwargs.pop("connect_args", {})}
        engine = create_engine(url, connect_args=connect, **kwargs)
        _sqlite_setup(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class DatabaseUnavailable(RegenError):
    """The database cannot be opened: not a database, a folder, a server that does not answer, no driver."""


_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def _masked(text: str) -> str:
    """Text with the password of any URL in it replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", text)


def _shown(url: str | os.PathLike | URL | None) -> str:
    if url is None:
        return str(default_database_path())
    if isinstance(url, URL):
        return display_url(url)
    text = os.fspath(url)
    try:
        return display_url(resolve_url(text))
    except Exception:  # a URL SQLAlchemy cannot parse: shown as given, its password hidden
        return _masked(text)


def _reason(exc: BaseException, url) -> str:
    """One line saying what is wrong with the database and what to do."""
    from sqlalchemy import exc as sa

    text = _masked(" ".join(str(getattr(exc, "orig", None) or exc).split()))[:300]
    path = None
    if isinstance(url, str | os.PathLike) and "://" not in os.fspath(url):
        path = Path(os.fspath(url)).expanduser()
    elif isinstance(url, URL) and is_sqlite(url):
        path = Path(url.database or "")
    if path is not None and path.is_dir():
        return "it is a folder; give a database file, e.g. " + str(path / "regen.db")
    if isinstance(exc, ImportError | sa.NoSuchModuleError):
        name = getattr(exc, "name", None) or text
        if "psycopg" in str(name):
            return (
                f"the PostgreSQL driver is not installed ({name}); pip install psycopg2-binary "
                "(or 'psycopg[binary]' and a postgresql+psycopg:// URL)"
            )
        return f"no driver for this kind of database ({text}); install it, or give a SQLite file or postgresql:// URL"
    if isinstance(exc, sa.ArgumentError):
        return f"not a database URL ({text}); give a SQLite file path or a URL such as postgresql://user@host/db"
    if "file is not a database" in text or "not a database" in text:
        return "the file is not a SQLite database; give the regen database file, or a new file name to create one"
    if path is not None or (isinstance(url, URL) and is_sqlite(url)):
        return f"cannot open the SQLite file ({text}); check the path and that you may read and write it"
    return f"cannot connect ({text}); check that the server runs, the URL, the user and the password"


@contextmanager
def opening(url: str | os.PathLike | URL | None) -> Iterator[None]:
    """Turn the errors of opening a database into one :class:`DatabaseUnavailable` line.

    The line names the database (a URL with its password hidden) and says
    what to do; driver tracebacks are not shown.

    Raises
    ------
    DatabaseUnavailable
        If the database cannot be reached, is not a database, or has no driver.
    """
    from sqlalchemy import exc as sa

    try:
        yield
    except (sa.DBAPIError, sa.NoSuchModuleError, sa.ArgumentError, ImportError, OSError) as exc:
        raise DatabaseUnavailable(f"database {_shown(url)}: {_reason(exc, url)}") from None
