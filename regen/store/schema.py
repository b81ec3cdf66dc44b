"""The tables (the schema at the newest migration): patients, treatments, contacts, models, forecasts, audit.

Every record is addressed by an internal integer id; the clinic's own patient
identifier (``patients.clinic_id``) is stored, shown on pages and written to
exports, but never used in a URL. The migrations in
``regen/store/migrations/versions`` create exactly these tables (a test
compares them).

Units are in the column names where they have one; dates are calendar days
(``Date``), times are UTC (``DateTime(timezone=True)``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

__all__ = [
    "ID_MAX",
    "audit_log",
    "contacts",
    "fit_jobs",
    "forecasts",
    "metadata",
    "models",
    "patients",
    "treatments",
    "users",
    "valid_id",
]

#: The largest row id the databases hold (a signed 64-bit integer, SQLite's and PostgreSQL's BIGINT).
ID_MAX = 2**63 - 1


def valid_id(value: object) -> bool:
    """Whether ``value`` can be a row id (an integer from 1 to :data:`ID_MAX`).

    Lookups by id answer "not found" for anything else instead of passing it to
    the driver, which raises for an integer beyond 64 bits (SQLite:
    ``OverflowError``; PostgreSQL: out of range for type bigint).

    Examples
    --------
    >>> valid_id(1), valid_id(2**63 - 1), valid_id(2**63), valid_id(0), valid_id(True)
    (True, True, False, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

patients = Table(
    "patients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clinic_id", String(200), nullable=True, unique=True),  # the clinic's identifier; blank = none given
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=False),
)

treatments = Table(
    "treatments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("cycle", Integer, nullable=False),  # 1 = first treatment of this nerve for this patient
    Column("previous_id", Integer, ForeignKey("treatments.id"), nullable=True),
    Column("nerve", String(80), nullable=False),  # catalog id
    Column("indication", String(80), nullable=False),  # catalog id
    Column("treated_on", Date, nullable=True),
    Column("age", Float),
    Column("sex", String(10)),
    Column("height_cm", Float),
    Column("bmi", Float),
    Column("diabetes", Boolean),
    Column("smoker", Boolean),
    Column("distance_mm", Float),
    Column("freeze_cycles", Integer),
    Column("freeze_seconds", Float),
    Column("probe_temp_c", Float),
    Column("prior_treatments", Integer),
    Column("prior_relief_days", String(200)),  # earlier cycles not recorded here, ';'-separated days
    Column("allow_any_nerve", Boolean, nullable=False, default=False, server_default=false()),  # since 0002
    Column("responded", Boolean, nullable=True),  # since 0005: relief started (yes/no); blank = not said
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=False),
    UniqueConstraint("patient_id", "nerve", "cycle", name="uq_treatments_patient_nerve_cycle"),
    Index("uq_treatments_previous_id", "previous_id", unique=True),  # since 0004: a cycle is retreated once
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("treatment_id", Integer, ForeignKey("treatments.id"), nullable=False, index=True),
    Column("contacted_on", Date, nullable=False),
    Column("relieved", Boolean, nullable=True),  # yes / no / not asked
    Column("pain_back_on", Date, nullable=True),
    Column("front_mm", Float, nullable=True),  # Tinel front, mm distal to the lesion, on contacted_on
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=False),
)

models = Table(
    "models",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", String(120), nullable=False, unique=True),  # name@version, as predictions carry it
    Column("source", String(20), nullable=False),  # embedded / fitted / uploaded
    Column("bundle_json", Text, nullable=True),  # the model file (data, never code); None = embedded default
    Column("card_md", Text, nullable=True),
    Column("active", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=False),
)

forecasts = Table(
    "forecasts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("treatment_id", Integer, ForeignKey("treatments.id"), nullable=False),
    Column("model_version", String(120), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("current", Boolean, nullable=False),  # the newest forecast of its treatment
    Column("inputs_json", Text, nullable=False),  # the library columns it was made from
    Column("outputs_json", Text, nullable=False),  # every output column, as the library returned them
    Column("relief_end_median_day", Float),
    Column("relief_end_p10_day", Float),
    Column("relief_end_p90_day", Float),
    Column("review_date", Date),  # = next_contact_date (the library's alias, kept for one release)
    Column("retreatment_due_date", Date),
    Column("evidence", Text),
    # the contact plan (since 0003): what to do next and when, as the library planned it
    Column("next_action", String(60)),  # call / book retreatment / review: probable non-response / ...
    Column("next_contact_day", Float),
    Column("next_contact_date", Date),
    Column("retreatment_due_day", Float),
    Index("ix_forecasts_treatment_current", "treatment_id", "current"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),  # create / record / import / activate / ...
    Column("entity", String(40), nullable=False),  # patient / treatment / contact / model / ...
    Column("entity_id", Integer, nullable=True),
    Column("detail", Text, nullable=True),  # what changed (field names, counts), JSON
)

# -- added by migration 0002 ---------------------------------------------------
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),  # argon2id
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

fit_jobs = Table(
    "fit_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("status", String(20), nullable=False),  # queued / running / done / failed
    Column("progress", Float, nullable=False, default=0.0),  # 0-1
    Column("message", Text, nullable=True),
    Column("model_id", Integer, ForeignKey("models.id"), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("log", Text, nullable=True),  # the fit's summary text
)
