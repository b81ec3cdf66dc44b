"""Schema migrations (Alembic, shipped in ``regen/store/migrations``): upgrade a database to the newest schema.

An empty database is created from the first migration up; a database made by
an earlier regen is upgraded in place, in one transaction on SQLite and
PostgreSQL (both have transactional DDL), so a failed upgrade changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection, Engine

__all__ = ["HEAD", "current_revision", "upgrade"]

_SCRIPTS = Path(__file__).resolve().parent / "migrations"
#: The newest revision shipped with this regen.
HEAD = "0005"


def _config(connection: Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Upgrade the database to ``revision`` (default: the newest); return the revision it is at.

    Parameters
    ----------
    engine : Engine
        From :func:`regen.store.engine.make_engine`.
    revision : str
        An Alembic revision id ("0001", "0002", "0003", ...) or "head".
    """
    from alembic import command

    with engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        command.upgrade(_config(conn), revision)
    return current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
