"""A cycle is retreated at most once: a unique index on ``treatments.previous_id``.

Before this revision a cycle could be retreated twice (or by two users at
once), making further cycles of one retreatment. Where a stored cycle already
has more than one successor, the first (lowest id) keeps the link and the
others keep their cycle number but lose ``previous_id`` (they show as
treatments of their own); an audit row lists them, so nothing is deleted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _detach_extra_successors(bind) -> None:
    treatments = sa.table("treatments", sa.column("id", sa.Integer), sa.column("previous_id", sa.Integer))
    audit = sa.table(
        "audit_log",
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("entity", sa.String),
        sa.column("entity_id", sa.Integer),
        sa.column("detail", sa.Text),
    )
    first = (
        sa.select(treatments.c.previous_id, sa.func.min(treatments.c.id).label("keep"))
        .where(treatments.c.previous_id.is_not(None))
        .group_by(treatments.c.previous_id)
        .having(sa.func.count() > 1)
    )
    for previous_id, keep in bind.execute(first).all():
        extra = [
            row[0]
            for row in bind.execute(
                sa.select(treatments.c.id).where(
                    sa.and_(treatments.c.previous_id == previous_id, treatments.c.id != keep)
                )
            ).all()
        ]
        bind.execute(sa.update(treatments).where(treatments.c.id.in_(extra)).values(previous_id=None))
        bind.execute(
            sa.insert(audit).values(
                at=datetime.now(timezone.utc),
                actor="regen db upgrade",
                action="detach",
                entity="treatment",
                entity_id=previous_id,
                detail=json.dumps({"kept_successor": keep, "detached": extra}),
            )
        )


def upgrade() -> None:
    _detach_extra_successors(op.get_bind())
    op.create_index("uq_treatments_previous_id", "treatments", ["previous_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_treatments_previous_id", table_name="treatments")
