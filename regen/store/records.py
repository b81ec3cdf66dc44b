"""Patients, treatments (cycles), contacts and forecasts: reads and writes on a connection.

Writers take the caller's connection inside its transaction (see
:meth:`regen.store.Store.write`), so a page's whole change — a treatment, its
forecast and the audit row — commits or rolls back as one.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection

from regen.store.audit import now_utc, record
from regen.store.schema import contacts, forecasts, patients, treatments, valid_id

__all__ = [
    "PLAN_COLUMNS",
    "TREATMENT_FIELDS",
    "add_contact",
    "add_forecast",
    "add_treatment",
    "contacts_of",
    "current_forecasts",
    "find_patient",
    "forecast_inputs",
    "forecasts_of",
    "get_forecast",
    "get_patient",
    "get_treatment",
    "history_of",
    "list_patients",
    "next_cycle",
    "patient_for",
    "plan_values",
    "treatments_of",
    "worklist_rows",
]

#: The treatment columns a caller sets (besides patient, cycle and previous treatment).
TREATMENT_FIELDS = (
    "nerve",
    "indication",
    "treated_on",
    "age",
    "sex",
    "height_cm",
    "bmi",
    "diabetes",
    "smoker",
    "distance_mm",
    "freeze_cycles",
    "freeze_seconds",
    "probe_temp_c",
    "prior_treatments",
    "prior_relief_days",
    "allow_any_nerve",
)
_CONTACT_FIELDS = ("contacted_on", "relieved", "pain_back_on", "front_mm", "note")


def find_patient(conn: Connection, clinic_id: str) -> int | None:
    """The internal id of the patient with this clinic identifier, if any."""
    return conn.execute(select(patients.c.id).where(patients.c.clinic_id == clinic_id)).scalar()


def patient_for(conn: Connection, clinic_id: str | None, actor: str) -> int:
    """The patient with this clinic identifier, created when new (a blank identifier: a new patient)."""
    clinic_id = (clinic_id or "").strip() or None
    if clinic_id is not None:
        found = find_patient(conn, clinic_id)
        if found is not None:
            return found
    new = conn.execute(insert(patients).values(clinic_id=clinic_id, created_at=now_utc(), created_by=actor))
    pid = new.inserted_primary_key[0]
    record(conn, actor, "create", "patient", pid)
    return pid


def get_patient(conn: Connection, patient_id: int) -> dict | None:
    """One patient row as a dict."""
    if not valid_id(patient_id):
        return None
    row = conn.execute(select(patients).where(patients.c.id == patient_id)).mappings().first()
    return dict(row) if row else None


def list_patients(conn: Connection, clinic_id_prefix: str = "", limit: int = 50) -> list[dict]:
    """Patients (newest first) with their number of treatments; filtered by the start of the clinic id."""
    count = func.count(treatments.c.id).label("treatments")
    query = (
        select(patients.c.id, patients.c.clinic_id, patients.c.created_at, count)
        .select_from(patients.outerjoin(treatments, treatments.c.patient_id == patients.c.id))
        .group_by(patients.c.id)
        .order_by(patients.c.id.desc())
        .limit(limit)
    )
    if clinic_id_prefix:
        escaped = clinic_id_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(patients.c.clinic_id.like(escaped + "%", escape="\\"))
    return [dict(r) for r in conn.execute(query).mappings()]


def next_cycle(conn: Connection, patient_id: int, nerve: str) -> int:
    """The cycle number a new treatment of this nerve gets (1 for the first)."""
    last = conn.execute(
        select(func.max(treatments.c.cycle)).where(
            and_(treatments.c.patient_id == patient_id, treatments.c.nerve == nerve)
        )
    ).scalar()
    return (last or 0) + 1


def add_treatment(conn: Connection, patient_id: int, values: dict, actor: str, previous_id: int | None = None) -> int:
    """Insert a treatment (cycle = the next of this patient and nerve); return its id."""
    unknown = set(values) - set(TREATMENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown treatment field(s): {', '.join(sorted(unknown))}")
    cycle = next_cycle(conn, patient_id, values["nerve"])
    row = {**{k: values.get(k) for k in TREATMENT_FIELDS}, "allow_any_nerve": bool(values.get("allow_any_nerve"))}
    new = conn.execute(
        insert(treatments).values(
            **row, patient_id=patient_id, cycle=cycle, previous_id=previous_id, created_at=now_utc(), created_by=actor
        )
    )
    tid = new.inserted_primary_key[0]
    record(
        conn,
        actor,
        "create",
        "treatment",
        tid,
        {"cycle": cycle, "fields": sorted(k for k, v in row.items() if v is not None)},
    )
    return tid


def get_treatment(conn: Connection, treatment_id: int) -> dict | None:
    """One treatment row as a dict, with its patient's clinic identifier as ``clinic_id``."""
    if not valid_id(treatment_id):
        return None
    query = (
        select(treatments, patients.c.clinic_id)
        .join(patients, patients.c.id == treatments.c.patient_id)
        .where(treatments.c.id == treatment_id)
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def treatments_of(conn: Connection, patient_id: int) -> list[dict]:
    """A patient's treatments, by nerve then cycle."""
    if not valid_id(patient_id):
        return []
    query = (
        select(treatments).where(treatments.c.patient_id == patient_id).order_by(treatments.c.nerve, treatments.c.cycle)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def history_of(conn: Connection, treatment: dict) -> list[dict]:
    """The earlier cycles of the same patient and nerve (oldest first), each with its contacts."""
    query = (
        select(treatments)
        .where(
            and_(
                treatments.c.patient_id == treatment["patient_id"],
                treatments.c.nerve == treatment["nerve"],
                treatments.c.cycle < treatment["cycle"],
            )
        )
        .order_by(treatments.c.cycle)
    )
    earlier = [dict(r) for r in conn.execute(query).mappings()]
    for row in earlier:
        row["contacts"] = contacts_of(conn, row["id"])
    return earlier


def add_contact(conn: Connection, treatment_id: int, values: dict, actor: str) -> int:
    """Insert a contact of a treatment; return its id."""
    unknown = set(values) - set(_CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"unknown contact field(s): {', '.join(sorted(unknown))}")
    new = conn.execute(
        insert(contacts).values(**values, treatment_id=treatment_id, created_at=now_utc(), created_by=actor)
    )
    cid = new.inserted_primary_key[0]
    record(
        conn,
        actor,
        "record",
        "contact",
        cid,
        {"treatment": treatment_id, "fields": sorted(k for k, v in values.items() if v is not None)},
    )
    return cid


def contacts_of(conn: Connection, treatment_id: int) -> list[dict]:
    """A treatment's contacts, oldest first."""
    if not valid_id(treatment_id):
        return []
    query = (
        select(contacts).where(contacts.c.treatment_id == treatment_id).order_by(contacts.c.contacted_on, contacts.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def _date(text: object) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) and text else None


def _number(value: object) -> float | None:
    return None if value is None or value != value else float(value)  # NaN: none


#: The stored forecast's plan columns (since migration 0003), as the library's outputs name them.
PLAN_COLUMNS = ("next_action", "next_contact_day", "next_contact_date", "retreatment_due_day", "retreatment_due_date")


def plan_values(outputs: dict) -> dict:
    """The plan columns of a forecast from the library's output row (blank texts and NaN stored as NULL)."""
    action = outputs.get("next_action") or None
    return {
        "next_action": None if action is None else str(action),
        "next_contact_day": _number(outputs.get("next_contact_day")),
        "next_contact_date": _date(outputs.get("next_contact_date")),
        "retreatment_due_day": _number(outputs.get("retreatment_due_day")),
        "retreatment_due_date": _date(outputs.get("retreatment_due_date")),
    }


def add_forecast(conn: Connection, treatment_id: int, inputs: dict, outputs: dict) -> int:
    """Store a forecast as the treatment's current one (earlier ones are kept, with their model version)."""
    conn.execute(
        update(forecasts)
        .where(and_(forecasts.c.treatment_id == treatment_id, forecasts.c.current))
        .values(current=False)
    )
    new = conn.execute(
        insert(forecasts).values(
            treatment_id=treatment_id,
            model_version=outputs["model_version"],
            made_at=now_utc(),
            current=True,
            inputs_json=json.dumps(inputs, sort_keys=True, default=str),
            outputs_json=json.dumps(outputs, sort_keys=True),
            relief_end_median_day=outputs.get("relief_end_median_day"),
            relief_end_p10_day=outputs.get("relief_end_p10_day"),
            relief_end_p90_day=outputs.get("relief_end_p90_day"),
            review_date=_date(outputs.get("next_contact_date", outputs.get("review_date"))),
            evidence=outputs.get("evidence"),
            **plan_values(outputs),
        )
    )
    return new.inserted_primary_key[0]


def _forecast(row) -> dict:
    out = dict(row)
    out["inputs"] = json.loads(out.pop("inputs_json"))
    out["outputs"] = json.loads(out.pop("outputs_json"))
    return out


def get_forecast(conn: Connection, forecast_id: int) -> dict | None:
    """One stored forecast with its ``inputs`` and ``outputs`` decoded."""
    if not valid_id(forecast_id):
        return None
    row = conn.execute(select(forecasts).where(forecasts.c.id == forecast_id)).mappings().first()
    return _forecast(row) if row else None


def forecasts_of(conn: Connection, treatment_id: int) -> list[dict]:
    """Every stored forecast of a treatment, newest first."""
    if not valid_id(treatment_id):
        return []
    query = select(forecasts).where(forecasts.c.treatment_id == treatment_id).order_by(forecasts.c.id.desc())
    return [_forecast(r) for r in conn.execute(query).mappings()]


def current_forecasts(conn: Connection, latest_cycle_only: bool = True) -> list[dict]:
    """The current forecast of every treatment (of each patient's latest cycle per nerve by default).

    Each row has the treatment's fields, the patient's ``clinic_id``, the
    forecast's ``inputs``/``outputs`` and ``last_contact_on`` (None if none).
    """
    last_contact = (
        select(contacts.c.treatment_id, func.max(contacts.c.contacted_on).label("last_contact_on"))
        .group_by(contacts.c.treatment_id)
        .subquery()
    )
    query = (
        select(
            treatments,
            patients.c.clinic_id,
            forecasts.c.id.label("forecast_id"),
            forecasts.c.model_version,
            forecasts.c.inputs_json,
            forecasts.c.outputs_json,
            last_contact.c.last_contact_on,
        )
        .join(patients, patients.c.id == treatments.c.patient_id)
        .join(forecasts, and_(forecasts.c.treatment_id == treatments.c.id, forecasts.c.current))
        .outerjoin(last_contact, last_contact.c.treatment_id == treatments.c.id)
    )
    if latest_cycle_only:
        newer = treatments.alias("newer")
        query = query.where(
            ~select(newer.c.id)
            .where(
                and_(
                    newer.c.patient_id == treatments.c.patient_id,
                    newer.c.nerve == treatments.c.nerve,
                    newer.c.cycle > treatments.c.cycle,
                )
            )
            .exists()
        )
    return [_forecast(r) for r in conn.execute(query.order_by(treatments.c.id)).mappings()]


def worklist_rows(conn: Connection, inputs: bool = True) -> list[dict]:
    """What the worklist reads of each current forecast (each patient's latest cycle per nerve), lean.

    Per row: the treatment's ``id``, ``patient_id``, ``cycle``, ``nerve``,
    ``indication``, ``treated_on``; ``clinic_id``; the forecast's ``forecast_id``,
    ``model_version``, ``inputs`` (decoded; left out with ``inputs=False``: see
    :func:`forecast_inputs`), the plan (``next_action``, ``next_contact_date``,
    ``retreatment_due_date``), ``relief_end_*_day`` and ``evidence``; and
    ``last_contact_on``. The forecast's full output text is not read.
    """
    last_contact = (
        select(contacts.c.treatment_id, func.max(contacts.c.contacted_on).label("last_contact_on"))
        .group_by(contacts.c.treatment_id)
        .subquery()
    )
    newer = treatments.alias("newer")
    t, f = treatments.c, forecasts.c
    query = (
        select(
            t.id,
            t.patient_id,
            t.cycle,
            t.nerve,
            t.indication,
            t.treated_on,
            patients.c.clinic_id,
            f.id.label("forecast_id"),
            f.model_version,
            *([f.inputs_json] if inputs else []),
            f.next_action,
            f.next_contact_date,
            f.retreatment_due_date,
            f.relief_end_median_day,
            f.relief_end_p10_day,
            f.relief_end_p90_day,
            f.evidence,
            last_contact.c.last_contact_on,
        )
        .join(patients, patients.c.id == t.patient_id)
        .join(forecasts, and_(f.treatment_id == t.id, f.current))
        .outerjoin(last_contact, last_contact.c.treatment_id == t.id)
        .where(
            ~select(newer.c.id)
            .where(and_(newer.c.patient_id == t.patient_id, newer.c.nerve == t.nerve, newer.c.cycle > t.cycle))
            .exists()
        )
        .order_by(t.id)
    )
    out = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        if inputs:
            item["inputs"] = json.loads(item.pop("inputs_json"))
        out.append(item)
    return out


def forecast_inputs(conn: Connection, forecast_ids) -> dict[int, dict]:
    """The library inputs of stored forecasts, decoded, by forecast id (read in chunks of 500 ids)."""
    ids, out = sorted(set(forecast_ids)), {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(forecasts.c.id, forecasts.c.inputs_json).where(forecasts.c.id.in_(chunk))
        out.update((ident, json.loads(text)) for ident, text in conn.execute(query))
    return out
