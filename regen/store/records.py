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
from sqlalchemy.exc import IntegrityError

from regen.errors import InputError
from regen.store.audit import now_utc, record
from regen.store.schema import contacts, forecasts, patients, treatments, valid_id

__all__ = [
    "MAX_CLINIC_ID",
    "MAX_PRIOR_CYCLES",
    "PLAN_COLUMNS",
    "TREATMENT_FIELDS",
    "Conflict",
    "add_contact",
    "add_forecast",
    "add_treatment",
    "check_new_treatment",
    "clinic_id_refusal",
    "contact_conflict",
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
    "prior_cycles_refusal",
    "response_conflict",
    "set_responded",
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


#: The longest clinic patient identifier stored (characters, after trimming spaces).
MAX_CLINIC_ID = 64
#: The most earlier cycles a treatment's ``prior_relief_days`` lists: 25 values of up to 7 characters
#: (``3649.99``, the library's limit written as stored) with their ``;`` fit the 200 characters of the column.
MAX_PRIOR_CYCLES = 25


def clinic_id_refusal(clinic_id: object) -> str | None:
    """Why a clinic patient identifier cannot be stored (``"patient_id: ..."``), or None.

    The identifier is trimmed first; at most :data:`MAX_CLINIC_ID` characters
    (``regen score`` echoes any identifier; a stored one is a key the pages
    show and search, bounded like the clinic systems' record numbers).
    """
    text = str(clinic_id or "").strip()
    if len(text) > MAX_CLINIC_ID:
        return f"patient_id: {text[:12]!r}... is {len(text):,} characters long; at most {MAX_CLINIC_ID}"
    return None


def prior_cycles_refusal(days: object) -> str | None:
    """Why a ``prior_relief_days`` list cannot be stored (``"prior_relief_days: ..."``), or None.

    At most :data:`MAX_PRIOR_CYCLES` earlier cycles (a ``;``-separated text, or a
    sequence of numbers where NaN pads and is not counted).
    """
    if days is None or (isinstance(days, float) and days != days):
        return None
    if isinstance(days, str):
        count = len([d for d in days.split(";") if d.strip()])
    else:  # a sequence of numbers, padded with NaN (as the library's list columns are)
        count = sum(1 for d in days if d is not None and d == d)
    if count > MAX_PRIOR_CYCLES:
        return f"prior_relief_days: {count:,} earlier cycles given; at most {MAX_PRIOR_CYCLES}"
    return None


class Conflict(InputError):
    """A write that would record something already recorded (HTTP 409).

    Parameters
    ----------
    message : str
        ``"field: why"``, naming the form's field and the recorded treatment.
    existing_id : int or None
        The recorded treatment it conflicts with.
    """

    def __init__(self, message: str, existing_id: int | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id


def find_patient(conn: Connection, clinic_id: str) -> int | None:
    """The internal id of the patient with this clinic identifier, if any."""
    return conn.execute(select(patients.c.id).where(patients.c.clinic_id == clinic_id)).scalar()


def patient_for(conn: Connection, clinic_id: str | None, actor: str) -> int:
    """The patient with this clinic identifier, created when new (a blank identifier: a new patient).

    Raises
    ------
    InputError
        If the identifier is longer than :data:`MAX_CLINIC_ID` characters.
    """
    refused = clinic_id_refusal(clinic_id)
    if refused:
        raise InputError(refused)
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


def _cycle_text(row: dict) -> str:
    return (
        f"treatment {row['id']} (cycle {row['cycle']} of {row['nerve']}, treated on {row['treated_on'] or 'no date'})"
    )


def check_new_treatment(conn: Connection, patient_id: int, values: dict, previous_id: int | None = None) -> None:
    """Refuse a treatment that would make the patient's cycles of a nerve wrong.

    Cycles are numbered by date: a new treatment of a nerve is dated after
    every recorded cycle of that nerve for this patient (and after the cycle
    it retreats). The same nerve treated on the same day is already recorded
    (a double click, a form then the API): a :class:`Conflict` naming it. A
    cycle retreated once is not retreated again (its successor is named).

    Raises
    ------
    Conflict
        If the same nerve is recorded on that day, or ``previous_id`` already
        has a retreatment.
    InputError
        If the treatment is dated after today, on or before the cycle it
        retreats, or before a recorded cycle of the nerve; if a retreatment
        is undated or of another nerve.
    """
    day = values.get("treated_on")
    today = date.today()
    if day is not None and day > today:
        raise InputError(f"treated_on: {day} is after today ({today}): record a treatment once it is done")
    if previous_id is not None:
        previous = get_treatment(conn, previous_id)
        if day is None:
            raise InputError(f"treated_on: a retreatment of {_cycle_text(previous)} needs its date")
        if values.get("nerve") != previous["nerve"]:
            raise InputError(
                f"nerve: a retreatment repeats the nerve of the cycle it follows ({_cycle_text(previous)}); "
                f"{values.get('nerve')} is a new treatment, not its retreatment"
            )
        successor = conn.execute(select(treatments).where(treatments.c.previous_id == previous_id)).mappings().first()
        if successor is not None:
            raise Conflict(
                f"previous_id: {_cycle_text(previous)} was already retreated: {_cycle_text(dict(successor))}",
                successor["id"],
            )
        if day is not None and previous["treated_on"] is not None and day <= previous["treated_on"]:
            raise InputError(f"treated_on: {day} is not after the cycle it retreats, {_cycle_text(previous)}")
    same_nerve = conn.execute(
        select(treatments)
        .where(and_(treatments.c.patient_id == patient_id, treatments.c.nerve == values["nerve"]))
        .order_by(treatments.c.cycle)
    ).mappings()
    for row in map(dict, same_nerve):
        if day is not None and row["treated_on"] == day:
            raise Conflict(
                f"treated_on: this patient's {row['nerve']} treated on {day} is already recorded as {_cycle_text(row)}",
                row["id"],
            )
        if day is not None and row["treated_on"] is not None and day < row["treated_on"]:
            raise InputError(
                f"treated_on: {day} is before {_cycle_text(row)}; cycles are numbered by date, enter them in order"
            )


def add_treatment(conn: Connection, patient_id: int, values: dict, actor: str, previous_id: int | None = None) -> int:
    """Insert a treatment (cycle = the next of this patient and nerve); return its id.

    The treatment is checked first (:func:`check_new_treatment`); a
    concurrent writer that recorded the same cycle or retreatment meanwhile
    makes the database's unique constraints refuse it, as a :class:`Conflict`.

    Raises
    ------
    Conflict, InputError
        See :func:`check_new_treatment`.
    """
    unknown = set(values) - set(TREATMENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown treatment field(s): {', '.join(sorted(unknown))}")
    refused = prior_cycles_refusal(values.get("prior_relief_days"))
    if refused:
        raise InputError(refused)
    check_new_treatment(conn, patient_id, values, previous_id)
    cycle = next_cycle(conn, patient_id, values["nerve"])
    row = {**{k: values.get(k) for k in TREATMENT_FIELDS}, "allow_any_nerve": bool(values.get("allow_any_nerve"))}
    try:  # the transaction is rolled back by the caller's block when this raises
        new = conn.execute(
            insert(treatments).values(
                **row,
                patient_id=patient_id,
                cycle=cycle,
                previous_id=previous_id,
                created_at=now_utc(),
                created_by=actor,
            )
        )
    except IntegrityError:
        raise Conflict(
            f"treated_on: cycle {cycle} of {values['nerve']} for this patient (or the retreatment of treatment "
            f"{previous_id}) was recorded meanwhile by another user; reload and check before entering it again"
        ) from None
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


def contact_conflict(stored: list[dict], new: list[dict]) -> tuple[str, str] | None:
    """Why new contacts contradict themselves or the recorded ones: ``(form field, message)``, or None.

    The one rule of the contact form, the API and re-import. A pain-back
    date is exact; a "pain back" contact without one says only that pain was
    back by that contact. Refused: a pain-back date after the contact that
    reports it; "still relieved" and "pain back" on the same day; another
    exact pain-back date than the recorded one (earlier or later); an exact
    date after a contact that already said pain was back; "still relieved"
    on or after the day pain came back (either side's).

    Parameters
    ----------
    stored, new : list of dict
        Contacts (``contacted_on``, ``relieved``, ``pain_back_on``): the
        recorded ones and those to add.
    """
    for c in new:
        back = c.get("pain_back_on")
        if back is not None and back > c["contacted_on"]:
            return "pain_back_on", f"pain back on {back} is after the contact on {c['contacted_on']} that reports it"
    together = [*stored, *new]
    yes = {c["contacted_on"] for c in together if c.get("relieved") is True}
    no = {c["contacted_on"] for c in together if c.get("relieved") is False}
    if yes & no:
        return "relieved", f"still relieved and pain back both on {min(yes & no)}: one answer per day"
    exact = {c["pain_back_on"] for c in together if c.get("relieved") is False and c.get("pain_back_on")}
    by = [c["contacted_on"] for c in together if c.get("relieved") is False and not c.get("pain_back_on")]
    recorded = {c["pain_back_on"] for c in stored if c.get("relieved") is False and c.get("pain_back_on")}
    if len(exact) > 1:
        other = sorted(exact - recorded) or sorted(exact)
        return "pain_back_on", f"pain back on {other[0]} here, but on {min(recorded or exact)} as recorded"
    if exact and by and min(exact) > min(by):
        return "pain_back_on", f"pain back on {min(exact)}, but already back by {min(by)}"
    loss = min([*exact, *by], default=None)
    for contact in together:
        if contact.get("relieved") is True and loss is not None and contact["contacted_on"] >= loss:
            return "relieved", f"still relieved on {contact['contacted_on']}, after pain came back on {loss}"
    return None


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def response_conflict(stored: bool | None, contacts: list[dict], new: bool | None = None) -> str | None:
    """Why a treatment's response contradicts the recorded one or its contacts (``"responded: ..."``), or None.

    ``responded`` says whether relief started at all: no (a non-responder)
    contradicts a contact at which the patient was still relieved; a new
    answer other than the recorded one is refused (nothing is overwritten).

    Parameters
    ----------
    stored : bool or None
        The recorded response (None: not said).
    contacts : list of dict
        Every contact of the treatment, recorded and new.
    new : bool or None
        The response to record (None: none).
    """
    if new is not None and stored is not None and new != stored:
        return f"responded: {_yes_no(new)} here, but {_yes_no(stored)} as recorded"
    said = stored if new is None else new
    relieved = sorted(c["contacted_on"] for c in contacts if c.get("relieved") is True)
    if said is False and relieved:
        return f"responded: no (relief never started), but still relieved on {relieved[0]}"
    return None


def set_responded(conn: Connection, treatment_id: int, responded: bool, actor: str) -> None:
    """Record whether a treatment gave relief at all (no: a non-responder); see :func:`response_conflict`."""
    conn.execute(update(treatments).where(treatments.c.id == treatment_id).values(responded=bool(responded)))
    record(conn, actor, "record", "treatment", treatment_id, {"fields": ["responded"]})


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
