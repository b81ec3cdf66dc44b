"""Databases for the store tests: a SQLite file, and a throwaway PostgreSQL server.

The PostgreSQL server is started once per session with ``initdb`` and
``pg_ctl`` (found on PATH or under ``/usr/lib/postgresql/*/bin``) in a
temporary folder, listening only on a Unix socket in that folder, run as an
unprivileged user (``nobody`` when the tests run as root); each test gets a
fresh database in it. Without the binaries or a driver the PostgreSQL tests
skip, saying why, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest

CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip (on a developer's machine) or fail (in CI, where the service must be there)."""
    if CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_owner():
    """subprocess keyword arguments running as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return {}
    import pwd

    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid}


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server on a Unix socket for this test session: ``{"socket": dir, "port": n}``."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        unavailable("PostgreSQL is not installed (initdb/pg_ctl not found; apt-get install postgresql)")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        unavailable("the PostgreSQL driver psycopg2 is not installed (pip install '.[test]')")
    base = tempfile.mkdtemp(prefix="regen-pg-")
    owner = _as_owner()
    if owner:
        os.chown(base, owner["user"], owner["group"])
    data, port = os.path.join(base, "data"), 5432
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(
        [initdb, "-D", data, "-U", "regen", "--auth=trust", "-E", "UTF8", "--no-locale"],
        check=True,
        capture_output=True,
        env=env,
        **owner,
    )
    options = f"-k {base} -h '' -p {port} -c fsync=off -c full_page_writes=off -c max_connections=60"
    started = subprocess.run(
        [pg_ctl, "-D", data, "-o", options, "-l", os.path.join(base, "log"), "-w", "-t", "60", "start"],
        capture_output=True,
        text=True,
        env=env,
        **owner,
    )
    if started.returncode != 0:
        log = open(os.path.join(base, "log")).read() if os.path.exists(os.path.join(base, "log")) else ""
        pytest.fail(f"PostgreSQL did not start: {started.stderr} {log[-2000:]}")
    try:
        yield {"socket": base, "port": port}
    finally:
        subprocess.run([pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True, env=env, **owner)
        shutil.rmtree(base, ignore_errors=True)


def new_pg_database(server: dict) -> str:
    """Create an empty database on the session server; return its SQLAlchemy URL."""
    import psycopg2

    name = "t_" + uuid.uuid4().hex[:12]
    conn = psycopg2.connect(dbname="postgres", user="regen", host=server["socket"], port=server["port"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return f"postgresql+psycopg2://regen@/{name}?host={server['socket']}&port={server['port']}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database URL, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "regen.db")
    return new_pg_database(request.getfixturevalue("pg_server"))
