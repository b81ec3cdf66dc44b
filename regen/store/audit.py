"""The audit log: who changed what, and when (one row per write, in the write's own transaction)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from regen.store.schema import audit_log

__all__ = ["now_utc", "recent", "record"]


def now_utc() -> datetime:
    """The current time, UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def record(
    conn: Connection, actor: str, action: str, entity: str, entity_id: int | None = None, detail: dict | None = None
) -> None:
    """Add one audit row inside the caller's transaction.

    ``detail`` says what changed (field names, counts); it is stored as JSON.
    """
    conn.execute(
        insert(audit_log).values(
            at=now_utc(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=json.dumps(detail, sort_keys=True) if detail else None,
        )
    )


def recent(conn: Connection, limit: int = 100) -> list[dict]:
    """The newest audit rows, newest first."""
    rows = conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]
