"""Reliability: one transaction per write, nothing left by a killed import, no lost concurrent write, backups."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from regen.errors import InputError
from regen.store import backup, open_store, records
from regen.store.schema import contacts, patients, treatments


@pytest.fixture
def store(db_url):
    opened = open_store(db_url)
    yield opened
    opened.dispose()


def _count(store, table) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_an_error_rolls_the_whole_write_back(store):
    with pytest.raises(RuntimeError), store.write() as conn:
        pid = records.patient_for(conn, "R-1", "tester")
        records.add_treatment(conn, pid, {"nerve": "intercostal", "indication": "intercostal_neuralgia"}, "tester")
        raise RuntimeError("the forecast failed")
    assert _count(store, patients) == 0 and _count(store, treatments) == 0


def test_twenty_concurrent_writers_lose_nothing(store):
    with store.write() as conn:
        pid = records.patient_for(conn, "R-2", "tester")
        tid = records.add_treatment(
            conn,
            pid,
            {"nerve": "intercostal", "indication": "intercostal_neuralgia", "treated_on": date(2026, 1, 1)},
            "tester",
        )
    failures = []

    def writer(k: int) -> None:
        try:
            for i in range(10):
                with store.write() as conn:
                    records.add_contact(
                        conn,
                        tid,
                        {"contacted_on": date(2026, 2, 1 + i), "relieved": True, "note": f"writer {k}"},
                        f"w{k}",
                    )
        except Exception as exc:
            failures.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert _count(store, contacts) == 200


_CHILD = textwrap.dedent("""
    import sys, time
    from regen.store import open_store, records
    store = open_store(sys.argv[1])
    with store.write() as conn:
        for i in range(1000):
            pid = records.patient_for(conn, f"K-{i}", "import")
            records.add_treatment(conn, pid, {"nerve": "intercostal", "indication": "intercostal_neuralgia"}, "import")
            if i == 200:
                print("half way", flush=True)
                time.sleep(60)
""")


def test_a_killed_import_leaves_the_database_as_before(store, db_url):
    with store.write() as conn:
        records.patient_for(conn, "before", "tester")
    child = subprocess.Popen([sys.executable, "-c", _CHILD, db_url], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "half way"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    store.dispose()
    reopened = open_store(db_url)
    assert _count(reopened, patients) == 1 and _count(reopened, treatments) == 0
    with reopened.write() as conn:  # and the database takes writes again
        records.patient_for(conn, "after", "tester")
    assert _count(reopened, patients) == 2


def test_backup_is_a_consistent_copy(tmp_path):
    store = open_store(tmp_path / "live.db")
    with store.write() as conn:
        for i in range(50):
            records.patient_for(conn, f"B-{i}", "tester")
    target = backup(store.engine, tmp_path / "copy.db")
    copy = open_store(target, migrate=False)
    assert _count(copy, patients) == 50
    with pytest.raises(InputError, match="itself"):
        backup(store.engine, tmp_path / "live.db")
    with pytest.raises(InputError, match="does not exist"):
        backup(store.engine, tmp_path / "missing" / "copy.db")


def test_a_server_database_is_backed_up_with_its_own_tool(store, tmp_path):
    if store.is_sqlite:
        assert backup(store.engine, tmp_path / "copy.db").is_file()
    else:
        with pytest.raises(InputError, match="pg_dump"):
            backup(store.engine, tmp_path / "copy.db")
