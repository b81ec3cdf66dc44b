"""``regen db`` and ``regen users``: the database and the accounts of ``regen serve`` (its extra needed).

``regen db backup PATH`` copies a SQLite database while the server runs;
``regen db upgrade`` brings a database to the newest schema; ``regen users
add NAME`` creates an account (the password is asked twice, never echoed).
"""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["db_app", "users_app"]

_DB_HELP = "Database: a SQLAlchemy URL (postgresql://user@host/db) or a SQLite file. Default: the default file."

db_app = typer.Typer(
    name="db",
    help="The regen serve database: back up, upgrade.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
users_app = typer.Typer(
    name="users",
    help="Accounts for regen serve beyond 127.0.0.1.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(1)


def _need_store() -> None:
    """Exit with one line when the serve extra (SQLAlchemy, Alembic) is not installed."""
    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        _fail("regen db and regen users need the serve extra: pip install 'regen-cryo[serve]'")


@db_app.command("backup")
def backup_command(
    path: Path = typer.Argument(..., help="The backup file to write (SQLite)."),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Copy the SQLite database to PATH while it may be in use (online backup).

    For PostgreSQL use pg_dump -Fc DBNAME > regen.dump.

    Example: regen db backup /backups/regen-2026-12-06.db
    """
    _need_store()
    from regen.errors import RegenError
    from regen.store import backup, open_store
    from regen.store.backup import refuse_in_memory, refuse_missing

    try:
        refuse_in_memory(db)
        refuse_missing(db)
        store = open_store(db, migrate=False)
        written = backup(store.engine, path)
    except RegenError as exc:
        _fail(str(exc))
    except OSError as exc:  # a path the file system refuses outright (a name over 255 bytes, ...)
        _fail(f"{exc.strerror or exc}: {str(getattr(exc, 'filename', '') or path)[:80]!r}")
    typer.echo(f"backup of {store.where} written to {written}", err=True)


@db_app.command("upgrade")
def upgrade_command(db: str | None = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """Create the database or upgrade it to the newest schema (regen serve does this at start).

    Example: regen db upgrade --db postgresql://regen@localhost/regen
    """
    _need_store()
    from regen.errors import RegenError
    from regen.store import current_revision, make_engine, upgrade
    from regen.store.engine import opening

    try:
        with opening(db):
            engine = make_engine(db)
            before = current_revision(engine)
            after = upgrade(engine)
    except RegenError as exc:
        _fail(str(exc))
    except OSError as exc:  # a path the file system refuses outright (a name over 255 bytes, ...)
        _fail(f"database {str(db)[:80]!r}: {exc.strerror or exc}")
    typer.echo(f"database schema {before or 'empty'} -> {after}", err=True)


@users_app.command("add")
def add_user_command(
    name: str = typer.Argument(..., help="The user name (letters, digits, ._@-)."),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
    password: str = typer.Option(
        ...,
        prompt=True,
        confirmation_prompt=True,
        hide_input=True,
        help="Asked when not given (at least 12 characters).",
    ),
) -> None:
    """Create an account (or set a new password); passwords are stored as argon2id hashes.

    Example: regen users add anna
    """
    _need_store()
    from regen.errors import RegenError
    from regen.store import open_store
    from regen.store.accounts import add_user

    try:
        store = open_store(db)
        with store.write() as conn:
            add_user(conn, name, password, actor="regen users add")
    except RegenError as exc:
        _fail(str(exc))
    except OSError as exc:  # a path the file system refuses outright (a name over 255 bytes, ...)
        _fail(f"database {str(db)[:80]!r}: {exc.strerror or exc}")
    typer.echo(f"account {name} saved in {store.where}", err=True)
