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
    "RowsRefused",
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
        If the contact contradicts itself or the recorded contacts
        (``"field: why"``, see :func:`regen.store.records.contact_conflict`),
        or the library refuses the follow-up it implies (nothing is stored).
    """
    with store.write() as conn:
        treatment = records.get_treatment(conn, treatment_id)
        if treatment is None:
            raise NotFound(treatment_id)
        stored = records.contacts_of(conn, treatment_id)
        found = records.contact_conflict(stored, [contact])
        if found is not None:
            raise lib.InputError(f"{found[0]}: {found[1]}")
        if records.response_conflict(treatment["responded"], [*stored, contact]) is not None:
            raise lib.InputError(
                "relieved: this treatment is recorded as a non-responder (no relief from it): "
                "a contact at which the patient was still relieved contradicts it"
            )
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
    """The follow-up of an imported row as contacts (see :func:`regen.web.forecasts.typed_rows`).

    Each day is a contact on ``treated_on`` + that many days: the upload's
    check refuses a day that is not whole, so every contact is dated exactly
    (``responded`` is the treatment's, not a contact's).
    """
    from datetime import timedelta

    if not follow or treated_on is None:
        return []

    def on(day: float) -> date:
        if day != int(day):  # refused by the check (regen.web.forecasts._storing_refusal): never rounded here
            raise lib.InputError(f"follow-up day {day:g} is not a whole day: a contact is dated")
        return treated_on + timedelta(days=int(day))

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
    """Why new follow-up contradicts the recorded contacts (:func:`regen.store.records.contact_conflict`)."""
    found = records.contact_conflict(stored, new)
    return None if found is None else found[1]


def _import_plan(conn, model, item: dict) -> dict:
    """What importing one row does: ``new`` treatment, ``unchanged``, new ``follow-up`` or a ``conflict``.

    A row whose patient already has that nerve treated on that date is
    already recorded: its follow-up contacts not stored yet are added when
    they agree with the recorded ones (the library forecasts from all of them
    without refusing), else the row is a conflict and nothing of it is stored.
    """
    values = item["treatment"]
    planned = _follow_up_contacts(values["treated_on"], item["follow_up"])
    said = item["follow_up"].get("responded")
    patient = records.find_patient(conn, item["clinic_id"]) if item["clinic_id"] else None
    existing = [
        t
        for t in (records.treatments_of(conn, patient) if patient is not None else [])
        if t["nerve"] == values["nerve"] and t["treated_on"] == values["treated_on"]
    ]
    if not existing:
        if patient is not None:
            try:
                records.check_new_treatment(conn, patient, values)
            except lib.InputError as exc:
                return {"status": "conflict", "contacts": [], "message": f"not imported: {exc}"}
        cycle = records.next_cycle(conn, patient, values["nerve"]) if patient is not None else 1
        if item.get("cycle") is not None and item["cycle"] != cycle:
            return {"status": "conflict", "contacts": [], "message": f"not imported: {_cycle_differs(item, cycle)}"}
        return {"status": "new", "contacts": planned, "responded": said}
    treatment = records.get_treatment(conn, existing[-1]["id"])
    if item.get("cycle") is not None and item["cycle"] != treatment["cycle"]:
        message = f"already recorded as another cycle: {_cycle_differs(item, treatment['cycle'])}"
        return {"treatment_id": treatment["id"], "contacts": [], "status": "conflict", "message": message}
    stored = records.contacts_of(conn, treatment["id"])
    new = [c for c in planned if not any(all(c[k] == s[k] for k in _SAME) for s in stored)]
    answer = said if said is not None and treatment["responded"] is None else None  # a response not recorded yet
    plan = {"treatment_id": treatment["id"], "contacts": new, "responded": answer}
    if not new and (said is None or said == treatment["responded"]):
        return {**plan, "status": "unchanged", "message": "already recorded, nothing new: left as it is"}
    why = _conflict(stored, new) or records.response_conflict(treatment["responded"], [*stored, *new], said)
    if why is None:
        together = sorted([*stored, *new], key=lambda c: c["contacted_on"])
        try:
            lib.forecast_treatment(model, treatment, together, records.history_of(conn, treatment))
        except lib.InputError as exc:
            why = str(exc)
    if why is not None:
        return {**plan, "status": "conflict", "message": f"already recorded; its new follow-up conflicts: {why}"}
    what = "; ".join([*(_describe(c) for c in new), *([f"responded: {_shown(answer)}"] if answer is not None else [])])
    return {**plan, "status": "follow-up", "message": f"already recorded: new follow-up added ({what})"}


def _cycle_differs(item: dict, cycle: int) -> str:
    return (
        f"cycle: the file says cycle {item['cycle']}, but this treatment is cycle {cycle} of this patient's "
        f"{item['treatment']['nerve']} as recorded (cycles are numbered by date): import the earlier cycles too, "
        "or leave cycle blank"
    )


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


class _DryRun(Exception):
    """Raised to roll back the import a preview ran."""


def import_preview(store, items: list[dict]) -> list[dict]:
    """What importing each valid row will do, for the check page (nothing is kept).

    The import itself runs (:func:`import_rows`' own steps, forecasts
    included) in a transaction that is rolled back, so the page says what
    the import will do, rows of one treatment repeated in the file, rows
    out of date order and rows the library refuses included. One ``{"row",
    "patient_id", "status", "message"}`` per row that does not simply add a
    new treatment (``unchanged``, ``follow-up``, ``conflict`` or ``refused``:
    a row error); covariates of a recorded treatment that differ in the file
    are named (they are left as stored).
    """
    out: list[dict] = []
    try:
        with store.write() as conn:
            _, model = active_model(conn)
            for item, plan in _import(conn, model, "preview", items):
                if plan["status"] != "new":
                    out.append({"row": item["row"], "patient_id": item["clinic_id"], **plan})
            raise _DryRun
    except _DryRun:
        pass
    return sorted(out, key=lambda r: r["row"])


#: Treatment columns compared when a row names a recorded treatment (nerve and date make it the same one).
_COMPARED = tuple(k for k in records.TREATMENT_FIELDS if k not in ("nerve", "treated_on", "allow_any_nerve"))


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return "blank" if value is None else str(value)


def _differing(conn, treatment_id: int, values: dict) -> str:
    """The covariates a file row gives other than the recorded treatment's (``""`` when none): left as stored."""
    stored = records.get_treatment(conn, treatment_id)
    said = [
        f"{k} differs: stored {_shown(stored[k])}, file {_shown(values[k])}"
        for k in _COMPARED
        if values.get(k) is not None and stored.get(k) != values[k]
    ]
    return f"; {', '.join(said)} — left as stored" if said else ""


def _import(conn, model, actor: str, items: list[dict]):
    """Store the rows in date order (see :func:`import_rows`); yield ``(item, plan)`` per row as it is done.

    Each row is stored with its forecast in a savepoint: a row that the
    library or the store refuses (:class:`InputError`) is rolled back alone
    and yielded as ``refused`` with the message, and the other rows are
    stored. The check runs this same function (rolled back at its end), so
    it finds every row the import refuses.
    """
    made: dict[int, int] = {}  # treatment id -> the file's row that created it
    for item in by_date(items):
        savepoint = conn.begin_nested()
        try:
            plan = _store_row(conn, model, actor, item, made)
        except lib.InputError as exc:
            savepoint.rollback()
            yield item, {"status": "refused", "contacts": [], "message": str(exc)}
            continue
        savepoint.commit()
        if plan["status"] == "new":
            made[plan["treatment_id"]] = item["row"]
        yield item, plan


def _store_row(conn, model, actor: str, item: dict, made: dict[int, int]) -> dict:
    """Store one row of an upload as :func:`_import_plan` plans it, and its forecast; return the plan."""
    plan = _import_plan(conn, model, item)
    if plan.get("treatment_id") in made:  # a treatment this file makes: say so, not "already recorded"
        plan["message"] = plan["message"].replace(
            "already recorded", f"same treatment as row {made[plan['treatment_id']]} of this file", 1
        )
    if plan["status"] in ("unchanged", "follow-up"):
        plan["message"] += _differing(conn, plan["treatment_id"], item["treatment"])
    if plan["status"] in ("unchanged", "conflict"):
        return plan
    if plan["status"] == "new":
        patient_id = records.patient_for(conn, item["clinic_id"], actor)
        treatment_id = records.add_treatment(conn, patient_id, item["treatment"], actor)
    else:
        treatment_id = plan["treatment_id"]
    if plan.get("responded") is not None:
        records.set_responded(conn, treatment_id, plan["responded"], actor)
    for contact in plan["contacts"]:
        records.add_contact(conn, treatment_id, contact, actor)
    _forecast_and_store(conn, model, treatment_id)
    return {**plan, "treatment_id": treatment_id}


def by_date(items: list[dict]) -> list[dict]:
    """The rows of an upload, each patient's rows of a nerve in treatment-date order (undated last).

    Other rows keep their place in the file.

    Cycles are numbered by date, so a file listing a patient's later cycle
    first still makes the earlier treatment cycle 1.
    """
    groups: dict[tuple, list[int]] = {}
    for at, item in enumerate(items):
        if item["clinic_id"]:
            groups.setdefault((item["clinic_id"], item["treatment"]["nerve"]), []).append(at)
    out = list(items)
    for places in groups.values():  # a patient's rows of one nerve take their places in date order
        dated = sorted((items[at] for at in places), key=lambda item: item["treatment"]["treated_on"] or date.max)
        for at, item in zip(places, dated, strict=True):
            out[at] = item
    return out


class RowsRefused(lib.InputError):
    """An import of all rows found rows it refuses (nothing is stored); ``refused`` lists them."""

    def __init__(self, refused: list[dict]) -> None:
        super().__init__(f"{len(refused)} row(s) refused: {refused[0]['error']}")
        self.refused = refused


def import_rows(store, actor: str, items: list[dict], file_rows: int, strict: bool = False) -> dict:
    """Store the valid rows of an upload (patients, treatments, follow-up as contacts, forecasts) at once.

    One transaction for the whole file: a failure, or the process killed
    part way, leaves the database as it was. A row whose patient already has
    that nerve treated on that date is already recorded: the contacts of its
    follow-up not stored yet are added (and the forecast made again) when
    they agree with the recorded ones; a row whose new follow-up contradicts
    them (another pain-back date, still relieved after pain came back, or a
    history the library refuses) is left out and listed in ``conflicts``.

    Follow-up days become contacts only where the row has a treatment date.
    Rows are stored in treatment-date order (:func:`by_date`), so cycles are
    numbered by date whatever the file's order; a row dated before a cycle
    already recorded for its patient and nerve is a conflict.

    A row the library or the store refuses (a row error the check lists
    too) is left out and listed in ``refused``; with ``strict`` (importing
    all rows) it refuses the whole import instead (:class:`RowsRefused`,
    nothing stored).

    Returns
    -------
    dict
        ``imported`` (new treatments), ``already_recorded`` (left as they
        were), ``updated`` (treatments given new follow-up), ``contacts_added``,
        ``conflicts`` and ``refused`` (``{"row", "patient_id", "error"}`` each).
    """
    created, skipped, updated, added, conflicts, refused = 0, 0, 0, 0, [], []
    with store.write() as conn:
        _, model = active_model(conn)
        for item, plan in _import(conn, model, actor, items):
            if plan["status"] == "unchanged":
                skipped += 1
            elif plan["status"] == "refused":
                refused.append({"row": item["row"], "patient_id": item["clinic_id"], "error": plan["message"]})
            elif plan["status"] == "conflict":
                conflicts.append({"row": item["row"], "patient_id": item["clinic_id"], "error": plan["message"]})
            elif plan["status"] == "new":
                created += 1
            else:
                updated += 1
                added += len(plan["contacts"])
        if strict and refused:
            raise RowsRefused(sorted(refused, key=lambda r: r["row"]))
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
                "refused": len(refused),
            },
        )
    return {
        "imported": created,
        "already_recorded": skipped,
        "updated": updated,
        "contacts_added": added,
        "conflicts": conflicts,
        "refused": sorted(refused, key=lambda r: r["row"]),
    }
