"""The models a clinic uses (one active) and the background jobs that fit new ones."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from regen.store.audit import now_utc, record
from regen.store.schema import fit_jobs, models, valid_id

__all__ = [
    "activate_model",
    "active_model",
    "add_model",
    "create_job",
    "get_job",
    "get_model",
    "list_jobs",
    "list_models",
    "model_by_version",
    "update_job",
]


def add_model(
    conn: Connection,
    version: str,
    source: str,
    actor: str,
    bundle_json: str | None = None,
    card_md: str | None = None,
    active: bool = False,
) -> int:
    """Register a model (``version`` as predictions carry it); return its id."""
    new = conn.execute(
        insert(models).values(
            version=version,
            source=source,
            bundle_json=bundle_json,
            card_md=card_md,
            active=False,
            created_at=now_utc(),
            created_by=actor,
        )
    )
    mid = new.inserted_primary_key[0]
    record(conn, actor, "create", "model", mid, {"version": version, "source": source})
    if active:
        activate_model(conn, mid, actor)
    return mid


def activate_model(conn: Connection, model_id: int, actor: str) -> None:
    """Make one model the active one (every other model inactive)."""
    conn.execute(update(models).where(models.c.active).values(active=False))
    conn.execute(update(models).where(models.c.id == model_id).values(active=True))
    record(conn, actor, "activate", "model", model_id)


def get_model(conn: Connection, model_id: int) -> dict | None:
    """One model row."""
    if not valid_id(model_id):
        return None
    row = conn.execute(select(models).where(models.c.id == model_id)).mappings().first()
    return dict(row) if row else None


def model_by_version(conn: Connection, version: str) -> dict | None:
    """The model row of a version string."""
    row = conn.execute(select(models).where(models.c.version == version)).mappings().first()
    return dict(row) if row else None


def active_model(conn: Connection) -> dict | None:
    """The active model row (None before the first is registered)."""
    row = conn.execute(select(models).where(models.c.active)).mappings().first()
    return dict(row) if row else None


def list_models(conn: Connection) -> list[dict]:
    """Every model, newest first, without the bundle text."""
    cols = [c for c in models.c if c.name != "bundle_json"]
    return [dict(r) for r in conn.execute(select(*cols).order_by(models.c.id.desc())).mappings()]


def create_job(conn: Connection, actor: str) -> int:
    """A new fit job (queued); return its id."""
    new = conn.execute(
        insert(fit_jobs).values(
            status="queued", progress=0.0, started_at=now_utc(), created_by=actor, message="waiting to start"
        )
    )
    jid = new.inserted_primary_key[0]
    record(conn, actor, "create", "fit_job", jid)
    return jid


def update_job(conn: Connection, job_id: int, **values) -> None:
    """Set a job's status, progress, message, model or log; a final status stamps ``finished_at``."""
    if values.get("status") in ("done", "failed"):
        values["finished_at"] = now_utc()
    conn.execute(update(fit_jobs).where(fit_jobs.c.id == job_id).values(**values))


def get_job(conn: Connection, job_id: int) -> dict | None:
    """One fit job row."""
    if not valid_id(job_id):
        return None
    row = conn.execute(select(fit_jobs).where(fit_jobs.c.id == job_id)).mappings().first()
    return dict(row) if row else None


def list_jobs(conn: Connection, limit: int = 10) -> list[dict]:
    """The newest fit jobs."""
    return [dict(r) for r in conn.execute(select(fit_jobs).order_by(fit_jobs.c.id.desc()).limit(limit)).mappings()]
