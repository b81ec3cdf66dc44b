"""What a page or API route does to the database, each in one transaction: store + forecast + audit.

These functions read and write through :mod:`regen.store` and forecast
through :mod:`regen.web.forecasts` (the library adapter); they hold no
forecasting logic of their own.
"""

from __future__ import annotations

import logging
import weakref
from datetime import date

from regen.store import records, registry
from regen.store.audit import record
from regen.web import forecasts as lib

__all__ = [
    "NotFound",
    "active_model",
    "create_treatment",
    "ensure_default_model",
    "import_preview",
    "import_rows",
    "loaded_models",
    "record_contact",
    "treatment_view",
    "warm_worklist",
    "worklist",
]


_log = logging.getLogger("regen.web")


class NotFound(LookupError):
    """No record with that id."""


def ensure_default_model(store, actor: str) -> None:
    """Register the embedded default model on first start (and make it active when none is)."""
    version = lib.embedded_version()
    with store.write() as conn:
        found = registry.model_by_version(conn, version)
        if found is None:
            registry.add_model(
                conn, version, "embedded", actor, card_md=None, active=registry.active_model(conn) is None
            )
        elif registry.active_model(conn) is None:
            registry.activate_model(conn, found["id"], actor)


def _load(row: dict):
    return lib.load_stored_model(row["version"], row["bundle_json"])


def active_model(conn) -> tuple[dict, object]:
    """The active model's row and the loaded model."""
    row = registry.active_model(conn)
    return row, _load(row)


def loaded_models(conn, versions) -> dict:
    """Loaded models by version, for the versions that are registered."""
    out = {}
    for version in set(versions):
        row = registry.model_by_version(conn, version)
        if row is not None:
            out[version] = _load(row)
    return out


def _forecast_and_store(conn, model, treatment_id: int, extra_contact: dict | None = None) -> int:
    treatment = records.get_treatment(conn, treatment_id)
    contacts = records.contacts_of(conn, treatment_id)
    if extra_contact is not None:
        contacts = sorted([*contacts, extra_contact], key=lambda c: c["contacted_on"])
    inputs, outputs = lib.forecast_treatment(model, treatment, contacts, records.history_of(conn, treatment))
    return records.add_forecast(conn, treatment_id, inputs, outputs)


def create_treatment(store, actor: str, clinic_id: str | None, typed: dict, previous_id: int | None = None) -> int:
    """Store a patient (if new), the treatment and its first forecast in one transaction; return the id.

    With ``previous_id`` (a retreatment) the patient is that treatment's
    patient and the forecast uses the patient's earlier cycles.

    Raises
    ------
    NotFound
        If ``previous_id`` names no treatment.
    InputError
        If the library refuses the forecast (nothing is stored).
    """
    with store.write() as conn:
        if previous_id is not None:
            previous = records.get_treatment(conn, previous_id)
            if previous is None:
                raise NotFound(previous_id)
            patient_id = previous["patient_id"]
        else:
            patient_id = records.patient_for(conn, clinic_id, actor)
        treatment_id = records.add_treatment(conn, patient_id, typed, actor, previous_id=previous_id)
        _, model = active_model(conn)
        _forecast_and_store(conn, model, treatment_id)
        return treatment_id


def record_contact(store, actor: str, treatment_id: int, contact: dict) -> int:
    """Record a contact and the forecast it leads to, in one transaction; return the contact id.

    Raises
    ------
    NotFound
        If the treatment does not exist.
    InputError
        If the library refuses the follow-up it implies (nothing is stored).
    """
    with store.write() as conn:
        if records.get_treatment(conn, treatment_id) is None:
            raise NotFound(treatment_id)
        _, model = active_model(conn)
        _forecast_and_store(conn, model, treatment_id, extra_contact={**contact, "id": None})
        return records.add_contact(conn, treatment_id, contact, actor)


def treatment_view(store, treatment_id: int) -> dict:
    """Everything the treatment page shows: treatment, patient, contacts, forecasts, later cycles."""
    with store.read() as conn:
        treatment = records.get_treatment(conn, treatment_id)
        if treatment is None:
            raise NotFound(treatment_id)
        cycles = records.treatments_of(conn, treatment["patient_id"])
        return {
            "treatment": treatment,
            "contacts": records.contacts_of(conn, treatment_id),
            "forecasts": records.forecasts_of(conn, treatment_id),
            "history": records.history_of(conn, treatment),
            "later": [c for c in cycles if c["nerve"] == treatment["nerve"] and c["cycle"] > treatment["cycle"]],
        }


#: Per store: the worklist entry of each stored forecast for one day (a forecast never changes; the day does).
_BY_DAY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def worklist(store, today: date) -> dict:
    """The worklist of every patient's latest cycle per nerve (see :func:`regen.web.forecasts.worklist`)."""
    cached = _BY_DAY.get(store)
    if cached is None or cached["day"] != today:
        cached = _BY_DAY[store] = {"day": today, "values": {}}
    with store.read() as conn:  # the inputs only of forecasts not planned yet for today
        rows = records.worklist_rows(conn, inputs=False)
        todo = [r for r in rows if r["forecast_id"] not in cached["values"]]
        found = records.forecast_inputs(conn, [r["forecast_id"] for r in todo])
        models = loaded_models(conn, {r["model_version"] for r in rows})
    for row in todo:
        row["inputs"] = found[row["forecast_id"]]
    result = lib.worklist(rows, models, today, cache=cached["values"])
    result["treatments"] = len(rows)
    return result


def warm_worklist(store) -> None:
    """Plan today's worklist once (at start, in the background): later requests plan only what changed."""
    try:
        worklist(store, date.today())
    except Exception as exc:  # a failed warm-up only costs the first request its time; values are not logged
        _log.warning("worklist not planned at start: %s", type(exc).__name__)


def _follow_up_contacts(treated_on: date | None, follow: dict) -> list[dict]:
    """The follow-up of an imported row as contacts (see :func:`regen.web.forecasts.typed_rows`)."""
    from datetime import timedelta

    if not follow or treated_on is None:
        return []

    def on(day: float) -> date:
        return treated_on + timedelta(days=round(day))

    out: list[dict] = []

    def add(values: dict) -> None:
        out.append({"pain_back_on": None, "relieved": None, "front_mm": None, **values})

    if "relief_at_day" in follow:
        add({"contacted_on": on(follow["relief_at_day"]), "relieved": True, "note": "imported: still relieved"})
    if "relief_lost_day" in follow:
        lost = on(follow["relief_lost_day"])
        if follow.get("lost_by_contact"):  # pain back by this contact, its date not given
            add({"contacted_on": lost, "relieved": False, "note": "imported: pain back by this contact"})
        else:
            told = on(follow.get("contact_day", follow["relief_lost_day"]))
            add({"contacted_on": told, "relieved": False, "pain_back_on": lost, "note": "imported: pain back"})
    if "last_contact_day" in follow:
        add({"contacted_on": on(follow["last_contact_day"]), "note": "imported: contact, relief not asked"})
    for mm, day in follow.get("front", []):
        add({"contacted_on": on(day), "front_mm": float(mm), "note": "imported: Tinel front"})
    return out


_SAME = ("contacted_on", "relieved", "pain_back_on", "front_mm")


def _conflict(stored: list[dict], new: list[dict]) -> str | None:
    """Why new follow-up contradicts the recorded contacts of a treatment (None when it does not).

    A pain-back date is exact; a "pain back" contact without one says only
    that pain was back by that contact. New follow-up conflicts when it gives
    another exact pain-back date than the recorded one, an exact date after a
    contact that already said pain was back, or "still relieved" on or after
    the day pain came back (either side's).
    """
    together = [*stored, *new]
    exact = {c["pain_back_on"] for c in together if c.get("relieved") is False and c.get("pain_back_on")}
    by = [c["contacted_on"] for c in together if c.get("relieved") is False and not c.get("pain_back_on")]
    recorded = {c["pain_back_on"] for c in stored if c.get("relieved") is False and c.get("pain_back_on")}
    if len(exact) > 1:
        other = sorted(exact - recorded) or sorted(exact)
        return f"pain back on {other[0]} here, but on {min(recorded or exact)} as recorded"
    if exact and by and min(exact) > min(by):
        return f"pain back on {min(exact)}, but already back by {min(by)}"
    loss = min([*exact, *by], default=None)
    for contact in together:
        if contact.get("relieved") is True and loss is not None and contact["contacted_on"] >= loss:
            return f"still relieved on {contact['contacted_on']}, after pain came back on {loss}"
    return None


def _import_plan(conn, model, item: dict) -> dict:
    """What importing one row does: ``new`` treatment, ``unchanged``, new ``follow-up`` or a ``conflict``.

    A row whose patient already has that nerve treated on that date is
    already recorded: its follow-up contacts not stored yet are added when
    they agree with the recorded ones (the library forecasts from all of them
    without refusing), else the row is a conflict and nothing of it is stored.
    """
    values = item["treatment"]
    planned = _follow_up_contacts(values["treated_on"], item["follow_up"])
    patient = records.find_patient(conn, item["clinic_id"]) if item["clinic_id"] else None
    existing = [
        t
        for t in (records.treatments_of(conn, patient) if patient is not None else [])
        if t["nerve"] == values["nerve"] and t["treated_on"] == values["treated_on"]
    ]
    if not existing:
        return {"status": "new", "contacts": planned}
    treatment = records.get_treatment(conn, existing[-1]["id"])
    stored = records.contacts_of(conn, treatment["id"])
    new = [c for c in planned if not any(all(c[k] == s[k] for k in _SAME) for s in stored)]
    plan = {"treatment_id": treatment["id"], "contacts": new}
    if not new:
        return {**plan, "status": "unchanged", "message": "already recorded, nothing new: left as it is"}
    why = _conflict(stored, new)
    if why is None:
        together = sorted([*stored, *new], key=lambda c: c["contacted_on"])
        try:
            lib.forecast_treatment(model, treatment, together, records.history_of(conn, treatment))
        except lib.InputError as exc:
            why = str(exc)
    if why is not None:
        return {**plan, "status": "conflict", "message": f"already recorded; its new follow-up conflicts: {why}"}
    what = "; ".join(_describe(c) for c in new)
    return {**plan, "status": "follow-up", "message": f"already recorded: new follow-up added ({what})"}


def _describe(contact: dict) -> str:
    if contact.get("front_mm") is not None:
        return f"Tinel front {contact['front_mm']:g} mm on {contact['contacted_on']}"
    if contact.get("relieved") is True:
        return f"still relieved on {contact['contacted_on']}"
    if contact.get("relieved") is False:
        back = contact.get("pain_back_on")
        if back:
            return f"pain back on {back}, told on {contact['contacted_on']}"
        return f"pain back by {contact['contacted_on']}"
    return f"contact on {contact['contacted_on']}"


def import_preview(store, items: list[dict]) -> list[dict]:
    """What importing each valid row would do, for the check page (nothing is written).

    One ``{"row", "patient_id", "status", "message"}`` per row that is already
    recorded (``unchanged``, ``follow-up`` or ``conflict``; see :func:`import_rows`);
    new treatments are not listed.
    """
    out = []
    with store.read() as conn:
        _, model = active_model(conn)
        for item in items:
            plan = _import_plan(conn, model, item)
            if plan["status"] != "new":
                out.append({"row": item["row"], "patient_id": item["clinic_id"], **plan})
    return out


def import_rows(store, actor: str, items: list[dict], file_rows: int) -> dict:
    """Store the valid rows of an upload (patients, treatments, follow-up as contacts, forecasts) at once.

    One transaction for the whole file: a failure, or the process killed
    part way, leaves the database as it was. A row whose patient already has
    that nerve treated on that date is already recorded: the contacts of its
    follow-up not stored yet are added (and the forecast made again) when
    they agree with the recorded ones; a row whose new follow-up contradicts
    them (another pain-back date, still relieved after pain came back, or a
    history the library refuses) is left out and listed in ``conflicts``.

    Follow-up days become contacts only where the row has a treatment date.

    Returns
    -------
    dict
        ``imported`` (new treatments), ``already_recorded`` (left as they
        were), ``updated`` (treatments given new follow-up), ``contacts_added``
        and ``conflicts`` (``{"row", "patient_id", "error"}`` each).
    """
    created, skipped, updated, added, conflicts = 0, 0, 0, 0, []
    with store.write() as conn:
        _, model = active_model(conn)
        for item in items:
            plan = _import_plan(conn, model, item)
            if plan["status"] == "unchanged":
                skipped += 1
                continue
            if plan["status"] == "conflict":
                conflicts.append({"row": item["row"], "patient_id": item["clinic_id"], "error": plan["message"]})
                continue
            if plan["status"] == "new":
                patient_id = records.patient_for(conn, item["clinic_id"], actor)
                treatment_id = records.add_treatment(conn, patient_id, item["treatment"], actor)
                created += 1
            else:
                treatment_id = plan["treatment_id"]
                updated += 1
            for contact in plan["contacts"]:
                records.add_contact(conn, treatment_id, contact, actor)
                added += plan["status"] == "follow-up"
            _forecast_and_store(conn, model, treatment_id)
        record(
            conn,
            actor,
            "import",
            "file",
            None,
            {
                "rows_in_file": file_rows,
                "imported": created,
                "already_recorded": skipped,
                "follow_up_added": updated,
                "conflicts": len(conflicts),
            },
        )
    return {
        "imported": created,
        "already_recorded": skipped,
        "updated": updated,
        "contacts_added": added,
        "conflicts": conflicts,
    }
