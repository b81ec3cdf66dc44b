"""Migrations: an empty database gets the newest schema, and a database of the previous schema is upgraded."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import inspect, text

from regen.store import HEAD, current_revision, make_engine, open_store, upgrade
from regen.store.schema import metadata


def test_empty_database_gets_every_table(db_url):
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    assert upgrade(engine) == HEAD
    names = set(inspect(engine).get_table_names())
    assert {
        "patients",
        "treatments",
        "contacts",
        "models",
        "forecasts",
        "audit_log",
        "users",
        "fit_jobs",
        "alembic_version",
    } <= names


def test_migrations_build_exactly_the_schema_module(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_upgrade_from_the_previous_schema_keeps_the_data(db_url):
    engine = make_engine(db_url)
    assert upgrade(engine, "0001") == "0001"
    assert "users" not in inspect(engine).get_table_names()
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO patients (id, clinic_id, created_at, created_by) VALUES (1, 'P-1', :t, 'a')"), {"t": now}
        )
        conn.execute(
            text(
                "INSERT INTO treatments (id, patient_id, cycle, nerve, indication, treated_on, age, "
                "created_at, created_by) VALUES (7, 1, 1, 'greater_occipital', 'occipital_neuralgia', "
                ":d, 45, :t, 'a')"
            ),
            {"d": date(2026, 1, 5), "t": now},
        )
    assert upgrade(engine) == HEAD
    with engine.connect() as conn:
        row = conn.execute(text("SELECT nerve, age, allow_any_nerve, treated_on FROM treatments WHERE id = 7")).one()
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    assert row[0] == "greater_occipital" and row[1] == 45
    assert row[2] in (False, 0)  # the new column is filled for existing rows
    assert str(row[3]) == "2026-01-05"


def test_open_store_twice_is_idempotent(db_url):
    first = open_store(db_url)
    first.dispose()
    second = open_store(db_url)
    assert current_revision(second.engine) == HEAD


def test_a_failed_migration_changes_nothing(tmp_path, monkeypatch):
    """Migrations run in one transaction: an error half way leaves the previous schema."""
    import regen.store.migrate as migrate

    engine = make_engine(tmp_path / "x.db")
    upgrade(engine, "0001")

    real = migrate._config

    def broken(connection):
        real(connection)
        connection.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("disk full")

    monkeypatch.setattr(migrate, "_config", broken)
    with pytest.raises(RuntimeError):
        upgrade(engine)
    assert current_revision(engine) == "0001"
    assert "half_done" not in inspect(engine).get_table_names()
