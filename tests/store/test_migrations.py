"""Migrations: an empty database gets the newest schema, and a database of the previous schema is upgraded."""

from __future__ import annotations

import json
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
        row = conn.execute(
            text("SELECT nerve, age, allow_any_nerve, treated_on, responded FROM treatments WHERE id = 7")
        ).one()
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    assert row[0] == "greater_occipital" and row[1] == 45
    assert row[2] in (False, 0)  # the new column is filled for existing rows
    assert str(row[3]) == "2026-01-05"
    assert row[4] is None  # 0005: a stored treatment's response is not said (its contacts say what is known)


def _schema_0002_with_forecasts(engine) -> None:
    """A database at 0002 holding one treatment and three forecasts as regen stored them before 0003."""
    assert upgrade(engine, "0002") == "0002"
    assert "next_action" not in {c["name"] for c in inspect(engine).get_columns("forecasts")}
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    planned = {  # a forecast of the library with the contact plan: relief lost, book
        "model_version": "regen-default@2026.11.1",
        "next_action": "book retreatment",
        "next_contact_day": None,
        "next_contact_date": "",
        "review_date": "",
        "retreatment_due_day": 120.0,
        "retreatment_due_date": "2026-05-05",
    }
    called = {  # with the plan: call on a date
        "model_version": "regen-default@2026.11.1",
        "next_action": "call",
        "next_contact_day": 55.5,
        "next_contact_date": "2026-03-01",
        "review_day": 55.5,
        "review_date": "2026-03-01",
        "retreatment_due_day": 70.2,
    }
    older = {"model_version": "regen-default@2026.6.0", "review_day": 21.0, "review_date": "2026-01-26"}  # no plan
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO patients (id, clinic_id, created_at, created_by) VALUES (1, 'P-1', :t, 'a')"), {"t": now}
        )
        conn.execute(
            text(
                "INSERT INTO treatments (id, patient_id, cycle, nerve, indication, treated_on, age, allow_any_nerve, "
                "created_at, created_by) VALUES (7, 1, 1, 'greater_occipital', 'occipital_neuralgia', :d, 45, "
                ":no, :t, 'a')"
            ),
            {"d": date(2026, 1, 5), "t": now, "no": False},
        )
        for ident, outputs, review, current in (
            (1, older, "2026-01-26", False),
            (2, called, "2026-03-01", False),
            (3, planned, None, True),
        ):
            conn.execute(
                text(
                    "INSERT INTO forecasts (id, treatment_id, model_version, made_at, current, inputs_json, "
                    "outputs_json, review_date, retreatment_due_date, evidence) VALUES (:id, 7, :v, :t, :c, '{}', "
                    ":o, :r, :b, 'indication: 2 studies, 96 patients')"
                ),
                {
                    "id": ident,
                    "v": outputs["model_version"],
                    "t": now,
                    "c": current,
                    "o": json.dumps(outputs),
                    "r": None if review is None else date.fromisoformat(review),
                    "b": date(2026, 5, 5) if ident == 3 else None,
                },
            )


def test_upgrade_from_0002_fills_the_contact_plan_of_stored_forecasts(db_url):
    engine = make_engine(db_url)
    _schema_0002_with_forecasts(engine)
    assert upgrade(engine) == HEAD
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, next_action, next_contact_day, next_contact_date, retreatment_due_day, "
                "retreatment_due_date, review_date, evidence FROM forecasts ORDER BY id"
            )
        ).all()
        assert conn.execute(text("SELECT count(*) FROM treatments")).scalar() == 1
    older, called, planned = ([str(v) if isinstance(v, date) else v for v in row] for row in rows)
    # before the plan: the page showed "Call (review)" on review_date
    assert older == [1, "call", 21.0, "2026-01-26", None, None, "2026-01-26", "indication: 2 studies, 96 patients"]
    assert called == [2, "call", 55.5, "2026-03-01", 70.2, None, "2026-03-01", "indication: 2 studies, 96 patients"]
    assert planned[:6] == [3, "book retreatment", None, None, 120.0, "2026-05-05"]


def test_a_store_upgraded_from_0002_shows_the_stored_plan(db_url):
    from regen.store import records

    engine = make_engine(db_url)
    _schema_0002_with_forecasts(engine)
    engine.dispose()
    store = open_store(db_url)
    try:
        with store.read() as conn:
            (current,) = records.worklist_rows(conn)
            history = records.forecasts_of(conn, 7)
        assert current["next_action"] == "book retreatment" and current["retreatment_due_date"] == date(2026, 5, 5)
        assert [f["next_action"] for f in history] == ["book retreatment", "call", "call"]
        assert history[1]["next_contact_date"] == date(2026, 3, 1)
    finally:
        store.dispose()


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


def test_upgrade_to_0004_keeps_one_retreatment_link_per_cycle_and_says_so(db_url):
    """A database where a cycle was retreated twice (possible before 0004) upgrades: the first retreatment keeps
    the link, the others keep their rows and cycle but lose previous_id, listed in the audit log."""
    import json

    engine = make_engine(db_url)
    assert upgrade(engine, "0003") == "0003"
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    insert = (
        "INSERT INTO treatments (id, patient_id, cycle, previous_id, nerve, indication, treated_on, created_at, "
        "created_by) VALUES (:id, 1, :cycle, :prev, 'greater_occipital', 'occipital_neuralgia', :d, :t, 'a')"
    )
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO patients (id, clinic_id, created_at, created_by) VALUES (1, 'P', :t, 'a')"), {"t": now}
        )
        for ident, cycle, prev in ((1, 1, None), (2, 2, 1), (3, 3, 1), (4, 4, 1)):
            conn.execute(text(insert), {"id": ident, "cycle": cycle, "prev": prev, "d": date(2026, cycle, 1), "t": now})
    assert upgrade(engine) == HEAD
    with engine.connect() as conn:
        links = dict(conn.execute(text("SELECT id, previous_id FROM treatments ORDER BY id")).all())
        audit = conn.execute(text("SELECT entity_id, detail FROM audit_log WHERE action = 'detach'")).all()
    assert links == {1: None, 2: 1, 3: None, 4: None}
    assert [(a[0], json.loads(a[1])) for a in audit] == [(1, {"kept_successor": 2, "detached": [3, 4]})]
