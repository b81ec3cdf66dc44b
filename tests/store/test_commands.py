"""``regen db backup``, ``regen db upgrade`` and ``regen users add`` (registered on the CLI for now)."""

from __future__ import annotations

from regen.store import HEAD, current_revision, make_engine, open_store, records
from regen.store.accounts import check_login


def test_db_upgrade_creates_the_schema(cli, tmp_path):
    db = tmp_path / "new.db"
    result = cli("db", "upgrade", "--db", db)
    assert result.exit_code == 0 and f"empty -> {HEAD}" in result.output
    assert current_revision(make_engine(db)) == HEAD


def test_db_backup_copies_the_database(cli, tmp_path):
    store = open_store(tmp_path / "live.db")
    with store.write() as conn:
        records.patient_for(conn, "X-1", "tester")
    result = cli("db", "backup", tmp_path / "copy.db", "--db", tmp_path / "live.db")
    assert result.exit_code == 0 and "written to" in result.output
    with open_store(tmp_path / "copy.db", migrate=False).read() as conn:
        assert records.find_patient(conn, "X-1") is not None
    refused = cli("db", "backup", tmp_path / "nowhere" / "copy.db", "--db", tmp_path / "live.db")
    assert refused.exit_code == 1 and refused.output.startswith("Error: backup folder")


def test_users_add_asks_the_password_twice(cli, tmp_path):
    db = tmp_path / "accounts.db"
    result = cli("users", "add", "anna", "--db", db, input="a long passphrase\na long passphrase\n")
    assert result.exit_code == 0, result.output
    assert "a long passphrase" not in result.output.replace("Password", "")  # never echoed
    with open_store(db).read() as conn:
        assert check_login(conn, "anna", "a long passphrase")
    short = cli("users", "add", "bob", "--db", db, input="short\nshort\n")
    assert short.exit_code == 1 and "at least 12" in short.output
