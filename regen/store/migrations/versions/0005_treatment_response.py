"""Whether a treatment gave relief at all: ``treatments.responded`` (blank: not said; no: a non-responder).

An outcome file says "responded: no" of a treatment that gave no relief (with
or without a day it was found absent); before this revision the import could
not store it and the outcome export turned such a patient into a responder,
or left the row out. Existing treatments get a blank (not said): their
contacts say what is known, as before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("treatments") as batch:
        batch.add_column(sa.Column("responded", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("treatments") as batch:
        batch.drop_column("responded")
