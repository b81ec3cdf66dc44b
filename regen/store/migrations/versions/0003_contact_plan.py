"""The contact plan in stored forecasts: next_action, next_contact_day/date, retreatment_due_day.

Forecasts stored before this revision kept only ``review_date`` (the next
contact) and ``retreatment_due_date`` as columns; their full outputs are in
``outputs_json``. Existing rows are filled from there: ``next_action``,
``next_contact_day``, ``next_contact_date`` and ``retreatment_due_day`` as the
library wrote them; a forecast made before the library had a contact plan
(no ``next_action`` in its outputs) gets ``call`` on its ``review_date`` (what
the pages showed for it: "Call (review)"), and no action without one.
``review_date`` stays (an alias of ``next_contact_date`` for one release).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 1000


def _day(value: object) -> float | None:
    try:
        day = float(value)
    except (TypeError, ValueError):
        return None
    return day if day == day else None  # NaN: none


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def plan_of(outputs_json: str, review_date: date | None) -> dict:
    """The plan columns of one stored forecast, from its outputs (see the module notes)."""
    try:
        outputs = json.loads(outputs_json)
    except (TypeError, ValueError):
        outputs = {}
    outputs = outputs if isinstance(outputs, dict) else {}
    planned = "next_action" in outputs
    contact_on = _date(outputs.get("next_contact_date")) if planned else review_date
    if planned:
        action = outputs.get("next_action") or None
    else:
        action = "call" if review_date is not None else None
    return {
        "next_action": action if action is None else str(action)[:60],
        "next_contact_day": _day(outputs.get("next_contact_day", outputs.get("review_day"))),
        "next_contact_date": contact_on,
        "retreatment_due_day": _day(outputs.get("retreatment_due_day")),
    }


def _backfill(bind) -> None:
    forecasts = sa.table(
        "forecasts",
        sa.column("id", sa.Integer),
        sa.column("outputs_json", sa.Text),
        sa.column("review_date", sa.Date),
        sa.column("next_action", sa.String),
        sa.column("next_contact_day", sa.Float),
        sa.column("next_contact_date", sa.Date),
        sa.column("retreatment_due_day", sa.Float),
    )
    last = 0
    while True:  # in id order, a batch at a time: memory stays bounded whatever the table's size
        rows = bind.execute(
            sa.select(forecasts.c.id, forecasts.c.outputs_json, forecasts.c.review_date)
            .where(forecasts.c.id > last)
            .order_by(forecasts.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        for ident, outputs_json, review_date in rows:
            bind.execute(
                sa.update(forecasts).where(forecasts.c.id == ident).values(**plan_of(outputs_json, review_date))
            )
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("forecasts") as batch:
        batch.add_column(sa.Column("next_action", sa.String(60), nullable=True))
        batch.add_column(sa.Column("next_contact_day", sa.Float, nullable=True))
        batch.add_column(sa.Column("next_contact_date", sa.Date, nullable=True))
        batch.add_column(sa.Column("retreatment_due_day", sa.Float, nullable=True))
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("forecasts") as batch:
        for name in ("retreatment_due_day", "next_contact_date", "next_contact_day", "next_action"):
            batch.drop_column(name)
