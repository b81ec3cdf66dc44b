"""regen's database: patients, treatments, contacts, models, forecasts and the audit log.

SQLAlchemy 2 with SQLite by default (a file, WAL, busy timeout) or any
SQLAlchemy URL (PostgreSQL tested); the schema is kept by Alembic migrations
shipped in this package. Every write runs in one transaction
(:meth:`Store.write`); internal integer ids address records, never the
clinic's patient identifier.

Examples
--------
>>> import tempfile, pathlib
>>> from regen.store import open_store, records
>>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "clinic.db")
>>> with store.write() as conn:
...     pid = records.patient_for(conn, "A-1", actor="doctest")
>>> with store.read() as conn:
...     records.get_patient(conn, pid)["clinic_id"]
'A-1'
"""

from __future__ import annotations

from regen.store.backup import backup
from regen.store.engine import default_database_path, make_engine, resolve_url
from regen.store.migrate import HEAD, current_revision, upgrade
from regen.store.store import Store, open_store

__all__ = [
    "HEAD",
    "Store",
    "backup",
    "current_revision",
    "default_database_path",
    "make_engine",
    "open_store",
    "resolve_url",
    "upgrade",
]
