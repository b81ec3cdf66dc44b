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


def test_db_backup_refuses_the_database_and_its_side_files(cli, tmp_path):
    """F1: a backup over the live WAL (or -shm, -journal, the database) by name, symlink or hard link is refused."""
    import os

    live = tmp_path / "srv" / "a.db"
    live.parent.mkdir()
    store = open_store(live)
    with store.write() as conn:
        records.patient_for(conn, "X-1", "tester")
    reader = store.engine.connect()  # keeps the WAL and its shared memory open, as a running server does
    reader.exec_driver_sql("SELECT 1").all()
    try:
        wal = tmp_path / "srv" / "a.db-wal"
        assert wal.exists()
        before = wal.read_bytes()
        (tmp_path / "link-wal").symlink_to(wal)
        os.link(wal, tmp_path / "hard-wal")
        (tmp_path / "link-db").symlink_to(live)
        os.link(live, tmp_path / "hard-db")
        targets = [
            live,
            wal,
            tmp_path / "srv" / "a.db-shm",
            tmp_path / "srv" / "a.db-journal",  # not there now: refused by name
            tmp_path / "srv" / ".." / "srv" / "a.db-wal",
            tmp_path / "link-wal",
            tmp_path / "hard-wal",
            tmp_path / "link-db",
            tmp_path / "hard-db",
        ]
        for target in targets:
            result = cli("db", "backup", target, "--db", live)
            assert result.exit_code == 1, (target, result.output)
            assert result.output.startswith("Error: the backup target") and "choose another path" in result.output
        assert wal.read_bytes() == before
        assert not (tmp_path / "srv" / "a.db-journal").exists()
    finally:
        reader.close()
    with open_store(live, migrate=False).read() as conn:
        assert records.find_patient(conn, "X-1") is not None


def _database_cases(tmp_path):
    not_db = tmp_path / "notes.txt"
    not_db.write_text("a text file, not a database " * 20)
    folder = tmp_path / "folder"
    folder.mkdir()
    return [
        (not_db, "the file is not a SQLite database"),
        (folder, "it is a folder"),
        ("postgresql://regen:s3cret-pw@127.0.0.1:1/regen", "cannot connect"),
        ("postgresql://regen:s3cret-pw@host.invalid/regen", "cannot connect"),
        ("nosuchdb://regen:s3cret-pw@host/regen", "no driver for this kind of database"),
    ]


def test_db_commands_and_serve_say_in_one_line_why_a_database_cannot_be_opened(cli, tmp_path):
    """F6: not SQLite, a folder, a server that does not answer, an unknown kind: one line, password hidden, exit 1."""
    for db, said in _database_cases(tmp_path):
        for args in (("db", "upgrade"), ("db", "backup", tmp_path / "copy.db"), ("serve", "--port", "1")):
            result = cli(*args, "--db", db)
            assert result.exit_code == 1, (args, db, result.output)
            lines = result.output.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: database ") and said in lines[0], result.output
            assert "s3cret-pw" not in result.output and "Traceback" not in result.output
            if "://" in str(db):
                assert "regen:***@" in lines[0]
        assert not (tmp_path / "copy.db").exists()


def test_a_plain_postgresql_url_names_the_installed_driver(cli, monkeypatch):
    """F6: SQLAlchemy 2.1 reads postgresql:// as psycopg 3: with only psycopg2 installed, regen names psycopg2;
    with no driver the error says what to install."""
    import sys

    from regen.store import resolve_url

    assert resolve_url("postgresql://regen@localhost/regen").drivername == "postgresql+psycopg2"  # test extra
    monkeypatch.setitem(sys.modules, "psycopg2", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "psycopg", None)
    result = cli("db", "upgrade", "--db", "postgresql://regen:s3cret-pw@localhost/regen")
    assert result.exit_code == 1 and "the PostgreSQL driver is not installed" in result.output
    assert "pip install psycopg2-binary" in result.output and "s3cret-pw" not in result.output


def test_db_backup_stages_to_a_fresh_file_and_refuses_what_is_not_a_regular_file(cli, tmp_path, monkeypatch):
    """A database named like the old staging file is not renamed away; a staging-named link to the database is not
    written over; a folder, a device, a FIFO, a symlink, an in-memory database: one line; no partial file is left."""
    import os

    monkeypatch.chdir(tmp_path)
    live = tmp_path / ".bk.partial"
    with open_store(live).write() as conn:
        records.patient_for(conn, "X-1", "tester")
    result = cli("db", "backup", "bk", "--db", live)
    assert result.exit_code == 0, result.output
    for db in (live, tmp_path / "bk"):
        with open_store(db, migrate=False).read() as conn:
            assert records.find_patient(conn, "X-1") is not None
    other = tmp_path / "other.db"
    with open_store(other).write() as conn:
        records.patient_for(conn, "Y-2", "tester")
    os.link(other, tmp_path / ".out.db.partial")
    (tmp_path / ".sym.db.partial").symlink_to(other)
    (tmp_path / ".stale.db.partial").write_text("not a database")
    before = other.read_bytes()
    for name in ("out.db", "sym.db", "stale.db"):
        result = cli("db", "backup", name, "--db", other)
        assert result.exit_code == 0, result.output
    assert other.read_bytes() == before
    with open_store(other, migrate=False).read() as conn:
        assert records.find_patient(conn, "Y-2") is not None
    folder = tmp_path / "somedir"
    folder.mkdir()
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(tmp_path / "nowhere.db")
    refused = {
        folder: "is a folder",
        "/dev/null": "is not a regular file",
        tmp_path / "fifo": "is not a regular file",
        tmp_path / "link": "is a symlink",
    }
    for target, said in refused.items():
        result = cli("db", "backup", target, "--db", other)
        assert result.exit_code == 1, (target, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and said in lines[0] and "Traceback" not in result.output, result.output
    for db in ("sqlite://", ":memory:"):
        result = cli("db", "backup", tmp_path / "mem.db", "--db", db)
        assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
        assert "in-memory" in result.output
    assert not (tmp_path / "nowhere.db").exists() and not (tmp_path / "mem.db").exists()
    assert list(folder.iterdir()) == []
    staged = {p.name for p in tmp_path.glob(".*.partial")}
    assert staged == {".bk.partial", ".out.db.partial", ".sym.db.partial", ".stale.db.partial"}, staged


def test_a_mistyped_database_is_not_backed_up_and_long_names_are_one_line(cli, tmp_path):
    """Third attacker pass: a --db that did not exist gave an empty 'backup ... written' (and an empty file where
    it pointed); a 300-character file name gave an OSError traceback in db backup, db upgrade and users add."""
    missing, copy = tmp_path / "mistyped.db", tmp_path / "copy.db"
    result = cli("db", "backup", copy, "--db", missing)
    assert result.exit_code == 1 and "does not exist: nothing to back up" in result.stderr, result.output
    assert not missing.exists() and not copy.exists()
    long_name = tmp_path / ("x" * 300 + ".db")
    live = tmp_path / "live.db"
    assert cli("db", "upgrade", "--db", live).exit_code == 0
    for args in (
        ("db", "upgrade", "--db", long_name),
        ("db", "backup", long_name, "--db", live),
        ("db", "backup", copy, "--db", long_name),
    ):
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        assert "Traceback" not in result.output and result.stderr.count("Error:") == 1, (args, result.output)
    result = cli("users", "add", "anna", "--db", long_name, input="a long passphrase\na long passphrase\n")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output


def test_a_database_in_a_missing_folder_is_refused_not_created(cli, tmp_path, monkeypatch):
    """Third attacker pass: db upgrade --db in a mistyped folder created the folder tree; the default file's folder
    (regen's own, under the user's data folder) is still created."""
    target = tmp_path / "typo" / "deeper" / "clinic.db"
    result = cli("db", "upgrade", "--db", target)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert f"the folder of the database {target} does not exist" in result.stderr
    assert not (tmp_path / "typo").exists()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    from regen.store.engine import default_database_path, make_engine

    make_engine().dispose()
    assert default_database_path().parent.is_dir()
