"""The first schema: patients, treatments, contacts, models, forecasts, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _stamp() -> list:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.String(200), nullable=True),
        *_stamp(),
        sa.PrimaryKeyConstraint("id", name="pk_patients"),
        sa.UniqueConstraint("clinic_id", name="uq_patients_clinic_id"),
    )
    op.create_table(
        "treatments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, nullable=False),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("previous_id", sa.Integer, nullable=True),
        sa.Column("nerve", sa.String(80), nullable=False),
        sa.Column("indication", sa.String(80), nullable=False),
        sa.Column("treated_on", sa.Date, nullable=True),
        sa.Column("age", sa.Float),
        sa.Column("sex", sa.String(10)),
        sa.Column("height_cm", sa.Float),
        sa.Column("bmi", sa.Float),
        sa.Column("diabetes", sa.Boolean),
        sa.Column("smoker", sa.Boolean),
        sa.Column("distance_mm", sa.Float),
        sa.Column("freeze_cycles", sa.Integer),
        sa.Column("freeze_seconds", sa.Float),
        sa.Column("probe_temp_c", sa.Float),
        sa.Column("prior_treatments", sa.Integer),
        sa.Column("prior_relief_days", sa.String(200)),
        *_stamp(),
        sa.PrimaryKeyConstraint("id", name="pk_treatments"),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name="fk_treatments_patient_id_patients"),
        sa.ForeignKeyConstraint(["previous_id"], ["treatments.id"], name="fk_treatments_previous_id_treatments"),
        sa.UniqueConstraint("patient_id", "nerve", "cycle", name="uq_treatments_patient_nerve_cycle"),
    )
    op.create_index("ix_treatments_patient_id", "treatments", ["patient_id"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("treatment_id", sa.Integer, nullable=False),
        sa.Column("contacted_on", sa.Date, nullable=False),
        sa.Column("relieved", sa.Boolean, nullable=True),
        sa.Column("pain_back_on", sa.Date, nullable=True),
        sa.Column("front_mm", sa.Float, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        *_stamp(),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sa.ForeignKeyConstraint(["treatment_id"], ["treatments.id"], name="fk_contacts_treatment_id_treatments"),
    )
    op.create_index("ix_contacts_treatment_id", "contacts", ["treatment_id"])
    op.create_table(
        "models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.String(120), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("bundle_json", sa.Text, nullable=True),
        sa.Column("card_md", sa.Text, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamp(),
        sa.PrimaryKeyConstraint("id", name="pk_models"),
        sa.UniqueConstraint("version", name="uq_models_version"),
    )
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("treatment_id", sa.Integer, nullable=False),
        sa.Column("model_version", sa.String(120), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
        sa.Column("inputs_json", sa.Text, nullable=False),
        sa.Column("outputs_json", sa.Text, nullable=False),
        sa.Column("relief_end_median_day", sa.Float),
        sa.Column("relief_end_p10_day", sa.Float),
        sa.Column("relief_end_p90_day", sa.Float),
        sa.Column("review_date", sa.Date),
        sa.Column("retreatment_due_date", sa.Date),
        sa.Column("evidence", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_forecasts"),
        sa.ForeignKeyConstraint(["treatment_id"], ["treatments.id"], name="fk_forecasts_treatment_id_treatments"),
    )
    op.create_index("ix_forecasts_treatment_current", "forecasts", ["treatment_id", "current"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.Integer, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for index, table in (
        ("ix_audit_log_at", "audit_log"),
        ("ix_forecasts_treatment_current", "forecasts"),
        ("ix_contacts_treatment_id", "contacts"),
        ("ix_treatments_patient_id", "treatments"),
    ):
        op.drop_index(index, table_name=table)
    for table in ("audit_log", "forecasts", "models", "contacts", "treatments", "patients"):
        op.drop_table(table)
