"""User accounts (for serving beyond 127.0.0.1), background fit jobs, and treatments.allow_any_nerve.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "fit_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("model_id", sa.Integer, nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("log", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_fit_jobs"),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], name="fk_fit_jobs_model_id_models"),
    )
    # existing treatments were all scored for a catalog pair: false for every one of them
    with op.batch_alter_table("treatments") as batch:
        batch.add_column(sa.Column("allow_any_nerve", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("treatments") as batch:
        batch.drop_column("allow_any_nerve")
    op.drop_table("fit_jobs")
    op.drop_table("users")
