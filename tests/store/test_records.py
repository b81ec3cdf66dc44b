"""Reads and writes: patients by clinic identifier, cycles, contacts, forecasts, models, accounts, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from regen.errors import InputError
from regen.store import open_store, records, registry
from regen.store.accounts import add_user, check_login, count_users
from regen.store.audit import recent
from regen.store.schema import patients


@pytest.fixture
def store(db_url):
    opened = open_store(db_url)
    yield opened
    opened.dispose()


def _treatment(nerve="greater_occipital", **extra):
    return {"nerve": nerve, "indication": "occipital_neuralgia", "treated_on": date(2026, 1, 5), "age": 45.0, **extra}


def test_a_clinic_identifier_is_one_patient(store):
    with store.write() as conn:
        a = records.patient_for(conn, "P-1", "tester")
        b = records.patient_for(conn, " P-1 ", "tester")
        c = records.patient_for(conn, "", "tester")
        d = records.patient_for(conn, None, "tester")
    assert a == b and len({a, c, d}) == 3
    with store.read() as conn:
        assert records.get_patient(conn, c)["clinic_id"] is None


def test_cycles_count_per_patient_and_nerve(store):
    with store.write() as conn:
        pid = records.patient_for(conn, "P-2", "tester")
        first = records.add_treatment(conn, pid, _treatment(), "tester")
        other = records.add_treatment(conn, pid, _treatment("supraorbital"), "tester")
        second = records.add_treatment(conn, pid, _treatment(treated_on=date(2026, 7, 1)), "tester", previous_id=first)
    with store.read() as conn:
        cycles = {t["id"]: t["cycle"] for t in records.treatments_of(conn, pid)}
        history = records.history_of(conn, records.get_treatment(conn, second))
    assert cycles == {first: 1, other: 1, second: 2}
    assert [h["id"] for h in history] == [first]


def test_a_cycle_is_retreated_once_after_its_date_even_by_concurrent_writers(store, monkeypatch):
    """A retreatment dated on or before its cycle, or of a cycle already retreated: refused; two writers whose checks
    both passed (a race) are refused by the database's unique index on previous_id, as a Conflict."""
    with store.write() as conn:
        pid = records.patient_for(conn, "P-R", "tester")
        first = records.add_treatment(conn, pid, _treatment(), "tester")
    with (
        pytest.raises(InputError, match="treated_on: 2026-01-05 is not after the cycle it retreats"),
        store.write() as conn,
    ):
        records.add_treatment(conn, pid, _treatment(), "tester", previous_id=first)
    with store.write() as conn:
        second = records.add_treatment(conn, pid, _treatment(treated_on=date(2026, 7, 1)), "tester", previous_id=first)
    with pytest.raises(records.Conflict, match=f"previous_id: .* already retreated: treatment {second}"):
        with store.write() as conn:
            records.add_treatment(conn, pid, _treatment(treated_on=date(2026, 9, 1)), "tester", previous_id=first)
    monkeypatch.setattr(records, "check_new_treatment", lambda *args: None)  # as if a concurrent writer's check passed
    with pytest.raises(records.Conflict, match="recorded meanwhile"), store.write() as conn:
        records.add_treatment(conn, pid, _treatment("supraorbital", treated_on=date(2026, 9, 1)), "tester", first)
    with store.read() as conn:
        assert [t["id"] for t in records.treatments_of(conn, pid)] == [first, second]


def test_a_retreatment_is_dated_of_the_same_nerve_and_no_treatment_is_dated_after_today(store):
    """Third attacker pass: a retreatment on another nerve, or undated, was recorded; so was a treatment in 2099."""
    from datetime import timedelta

    with store.write() as conn:
        pid = records.patient_for(conn, "P-F", "tester")
        first = records.add_treatment(conn, pid, _treatment(), "tester")
    tomorrow = date.today() + timedelta(days=1)
    cases = [
        ({"treated_on": tomorrow}, None, f"treated_on: {tomorrow} is after today"),
        ({"treated_on": None}, first, "treated_on: a retreatment of treatment .* needs its date"),
        ({"treated_on": date(2026, 7, 1), "nerve": "supraorbital"}, first, "nerve: a retreatment repeats the nerve"),
    ]
    for change, previous, message in cases:
        values = {**_treatment(), **change}
        with pytest.raises(InputError, match=message), store.write() as conn:
            records.add_treatment(conn, pid, values, "tester", previous_id=previous)
    with store.read() as conn:
        assert [t["id"] for t in records.treatments_of(conn, pid)] == [first]


def test_unknown_fields_are_refused(store):
    with store.write() as conn:
        pid = records.patient_for(conn, "P-3", "tester")
        with pytest.raises(ValueError, match="unknown treatment field"):
            records.add_treatment(conn, pid, {**_treatment(), "name": "Jane"}, "tester")


def test_current_forecast_moves_and_earlier_ones_stay(store):
    with store.write() as conn:
        pid = records.patient_for(conn, "P-4", "tester")
        tid = records.add_treatment(conn, pid, _treatment(), "tester")
        records.add_forecast(conn, tid, {"nerve": "GON"}, {"model_version": "m@1", "review_date": "2026-02-01"})
        records.add_contact(conn, tid, {"contacted_on": date(2026, 3, 1), "relieved": True}, "tester")
        records.add_forecast(conn, tid, {"nerve": "GON"}, {"model_version": "m@2", "review_date": "2026-05-01"})
    with store.read() as conn:
        all_of = records.forecasts_of(conn, tid)
        current = records.current_forecasts(conn)
    assert [f["model_version"] for f in all_of] == ["m@2", "m@1"]
    assert [f["current"] for f in all_of] == [True, False]
    (row,) = current
    assert row["model_version"] == "m@2" and row["last_contact_on"] == date(2026, 3, 1)
    assert row["outputs"]["review_date"] == "2026-05-01"


def test_a_forecast_stores_the_library_plan(store):
    import regen

    model = regen.load_model()
    follow = {"last_contact_on": "2026-03-01", "relieved_at_last_contact": "yes"}
    called = regen.predict_patient(model, nerve="GON", treated_on="2026-01-05", **follow)
    lost = regen.predict_patient(model, nerve="GON", treated_on="2026-01-05", relief_lost_on="2026-04-02")
    with store.write() as conn:
        tid = records.add_treatment(conn, records.patient_for(conn, "P-9", "tester"), _treatment(), "tester")
        first = records.add_forecast(conn, tid, {}, called)
        second = records.add_forecast(conn, tid, {}, lost)
    with store.read() as conn:
        a, b = records.get_forecast(conn, first), records.get_forecast(conn, second)
    assert a["next_action"] == "call" and a["next_contact_date"].isoformat() == called["next_contact_date"]
    assert a["next_contact_day"] == pytest.approx(called["next_contact_day"]) and a["next_contact_date"] > date(
        2026, 3, 1
    )
    assert a["review_date"] == a["next_contact_date"]  # the alias, kept for one release
    assert b["next_action"] == "book retreatment" and b["next_contact_date"] is None
    assert b["retreatment_due_date"] == date(2026, 4, 2) and b["retreatment_due_day"] == pytest.approx(87.0)


def test_the_worklist_reads_only_the_latest_cycle(store):
    with store.write() as conn:
        pid = records.patient_for(conn, "P-5", "tester")
        first = records.add_treatment(conn, pid, _treatment(), "tester")
        records.add_forecast(conn, first, {}, {"model_version": "m@1"})
        second = records.add_treatment(conn, pid, _treatment(treated_on=date(2026, 6, 1)), "tester")
        records.add_forecast(conn, second, {}, {"model_version": "m@1"})
    with store.read() as conn:
        assert [r["id"] for r in records.current_forecasts(conn)] == [second]
        assert [r["id"] for r in records.current_forecasts(conn, latest_cycle_only=False)] == [first, second]


def test_one_active_model(store):
    with store.write() as conn:
        a = registry.add_model(conn, "a@1", "embedded", "tester", active=True)
        b = registry.add_model(conn, "b@1", "fitted", "tester", bundle_json="{}")
        registry.activate_model(conn, b, "tester")
    with store.read() as conn:
        assert registry.active_model(conn)["id"] == b
        assert [m["id"] for m in registry.list_models(conn)] == [b, a]
        assert "bundle_json" not in registry.list_models(conn)[0]


def test_accounts_store_argon2_hashes_only(store):
    with store.write() as conn:
        add_user(conn, "anna", "a long passphrase here", "tester")
        with pytest.raises(InputError, match="at least 12"):
            add_user(conn, "bob", "short", "tester")
        with pytest.raises(InputError, match="user name"):
            add_user(conn, "<script>", "a long passphrase here", "tester")
    with store.read() as conn:
        assert count_users(conn) == 1
        assert check_login(conn, "anna", "a long passphrase here")
        assert not check_login(conn, "anna", "a long passphrase hers")
        assert not check_login(conn, "nobody", "a long passphrase here")
        stored = conn.execute(select(func.max(patients.c.id))).scalar()  # noqa: F841 - the tables coexist
        from regen.store.schema import users

        hashed = conn.execute(select(users.c.password_hash)).scalar()
    assert hashed.startswith("$argon2id$") and "passphrase" not in hashed


def test_every_write_is_audited(store):
    with store.write() as conn:
        pid = records.patient_for(conn, "P-6", "anna")
        tid = records.add_treatment(conn, pid, _treatment(), "anna")
        records.add_contact(conn, tid, {"contacted_on": date(2026, 2, 1), "relieved": True}, "anna")
    with store.read() as conn:
        rows = recent(conn)
    assert [(r["actor"], r["action"], r["entity"]) for r in rows] == [
        ("anna", "record", "contact"),
        ("anna", "create", "treatment"),
        ("anna", "create", "patient"),
    ]
    assert all("P-6" not in (r["detail"] or "") for r in rows)  # the audit says what changed, not the identifier
