"""User accounts for serving beyond 127.0.0.1: names and argon2id password hashes, never passwords.

Examples
--------
>>> from regen.store.accounts import hash_password, password_matches
>>> stored = hash_password("correct horse battery staple")
>>> stored.startswith("$argon2id$"), password_matches(stored, "correct horse battery staple")
(True, True)
>>> password_matches(stored, "wrong")
False
"""

from __future__ import annotations

import re

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from regen.errors import InputError
from regen.store.audit import now_utc, record
from regen.store.schema import users

__all__ = ["MIN_PASSWORD_LENGTH", "add_user", "check_login", "count_users", "hash_password", "password_matches"]

MIN_PASSWORD_LENGTH = 12
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
#: A hash of a password nobody has, checked when the name is unknown (the same time either way).
_DUMMY = None


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of a password (with its own random salt)."""
    return _hasher().hash(password)


def password_matches(stored: str, password: str) -> bool:
    """Whether ``password`` matches a stored argon2 hash."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(conn: Connection, name: str, password: str, actor: str) -> int:
    """Create an account, or set a new password for an existing one; return its id.

    Raises
    ------
    InputError
        If the name is not 1-100 letters, digits or ``._@-`` (starting with a
        letter or digit), or the password is shorter than 12 characters.
    """
    if not _NAME.match(name):
        raise InputError(
            f"user name {name[:40]!r}: use 1-100 letters, digits or ._@- (starting with a letter or digit)"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password: use at least {MIN_PASSWORD_LENGTH} characters")
    hashed = hash_password(password)
    found = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
    if found is not None:
        conn.execute(update(users).where(users.c.id == found).values(password_hash=hashed, active=True))
        record(conn, actor, "password", "user", found)
        return found
    new = conn.execute(insert(users).values(name=name, password_hash=hashed, created_at=now_utc(), active=True))
    uid = new.inserted_primary_key[0]
    record(conn, actor, "create", "user", uid, {"name": name})
    return uid


def count_users(conn: Connection) -> int:
    """How many active accounts exist."""
    return int(conn.execute(select(func.count()).select_from(users).where(users.c.active)).scalar())


def check_login(conn: Connection, name: str, password: str) -> bool:
    """Whether the name and password belong to an active account (constant work for unknown names)."""
    global _DUMMY
    stored = conn.execute(select(users.c.password_hash).where(users.c.name == name, users.c.active)).scalar()
    if stored is None:
        _DUMMY = _DUMMY or hash_password("no account has this password")
        password_matches(_DUMMY, password)
        return False
    return password_matches(stored, password)
