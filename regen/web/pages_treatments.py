"""Pages: new treatment (and retreatment), the treatment's forecast, recording a contact, the timeline picture."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from regen.store import records
from regen.web import forecasts as lib
from regen.web import services
from regen.web.context import actor, form_data, guard_page, render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(guard_page)], include_in_schema=False)
_FIELDS = [f[0] for f in lib.FORM_FIELDS]


def _form_page(request: Request, values: dict, errors: dict, previous: dict | None = None, status: int = 200):
    prior = []
    if previous is not None:
        with request.app.state.store.read() as conn:
            history = [
                *records.history_of(conn, previous),
                {**previous, "contacts": records.contacts_of(conn, previous["id"])},
            ]
        prior = [
            f"{d:g}"
            for d in lib.library_inputs({**previous, "cycle": previous["cycle"] + 1}, [], history).get(
                "prior_relief_days", []
            )
        ]
    return render(
        request,
        "treatment_form.html",
        status,
        nav="new",
        fields=lib.FORM_FIELDS,
        values=values,
        errors=errors,
        help=request.app.state.field_help,
        catalog=request.app.state.catalog,
        previous=previous,
        prior_days=prior,
    )


def _previous(request: Request, previous_id: object) -> dict | None:
    """The treatment a retreatment follows; a given id that names none (not a number, unknown) is a 404."""
    if previous_id in (None, ""):
        return None
    try:
        ident = int(str(previous_id).strip())
    except ValueError:
        raise services.NotFound(previous_id) from None
    with request.app.state.store.read() as conn:
        found = records.get_treatment(conn, ident)
    if found is None:
        raise services.NotFound(previous_id)
    return found


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@router.get("/treatments/new")
def new_treatment(request: Request, previous: int | None = None):
    """The form; with ``previous`` a retreatment prefilled from that cycle."""
    prev = _previous(request, previous)
    values = {"treated_on": date.today().isoformat()}
    if prev is not None:
        values = {k: _as_text(prev.get(k)) for k in _FIELDS if k not in ("treated_on", "prior_relief_days")}
        values["prior_treatments"] = str((prev.get("prior_treatments") or 0) + 1)
        values["treated_on"] = date.today().isoformat()
    return _form_page(request, values, {}, prev)


@router.post("/treatments")
async def create_treatment(request: Request, form: dict = Depends(form_data)):
    """Validate with the library, store, forecast; on an error the form again with every value kept."""
    values = {k: str(form.get(k, "")) for k in _FIELDS}
    previous = _previous(request, form.get("previous_id"))
    typed, errors = await run_in_threadpool(lib.check_treatment, values)
    status = 400
    if not errors:
        try:
            tid = await run_in_threadpool(
                services.create_treatment,
                request.app.state.store,
                actor(request),
                values["patient_id"],
                typed,
                previous["id"] if previous else None,
            )
        except lib.InputError as exc:
            errors = lib.field_errors(str(exc))
            if "previous_id" in errors:  # no such field on the form: the form's general message
                errors[""] = "; ".join(filter(None, [errors.get(""), errors.pop("previous_id")]))
            status = 409 if isinstance(exc, records.Conflict) else 400
    if errors:
        return _form_page(request, values, errors, previous, status=status)
    return RedirectResponse(f"/treatments/{tid}?saved=1", status_code=303)


def _median_dates(view: dict) -> dict:
    treated = view["treatment"]["treated_on"]
    out = {}
    if view["forecasts"] and treated is not None:
        o = view["forecasts"][0]["outputs"]
        for key in ("relief_onset_day", "sensation_return_median_day", "relief_end_median_day"):
            if o.get(key) is not None and o[key] < 36500:
                out[key] = lib.day_date(treated, o[key]).isoformat()
    return {k: out.get(k, "–") for k in ("relief_onset_day", "sensation_return_median_day", "relief_end_median_day")}


def _treatment_page(
    request: Request,
    treatment_id: int,
    contact: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
    saved: str = "",
):
    view = services.treatment_view(request.app.state.store, treatment_id)
    return render(
        request,
        "treatment.html",
        status,
        nav="",
        view=view,
        dates=_median_dates(view),
        contact=contact or {},
        errors=errors or {},
        today=date.today().isoformat(),
        saved=saved,
        plan_help=request.app.state.plan_help,
    )


@router.get("/treatments/{treatment_id}")
def treatment_page(request: Request, treatment_id: int, saved: int = 0):
    """The treatment's current forecast, plan, timeline, contacts and the contact form."""
    return _treatment_page(request, treatment_id, saved="Saved; the forecast below is up to date." if saved else "")


def parse_contact(form, treated_on: date | None, today: date) -> tuple[dict, dict]:
    """A contact from the form's text: (values to store, messages per field)."""
    errors, values = {}, {}
    for name in ("contacted_on", "pain_back_on"):
        text = str(form.get(name, "")).strip()
        if not text:
            values[name] = None
            continue
        try:
            values[name] = date.fromisoformat(text)
        except ValueError:
            errors[name] = f"{text!r} is not a date; use YYYY-MM-DD"
            continue
        if values[name] > today:
            errors[name] = f"{text} is in the future"
        elif treated_on is not None and values[name] < treated_on:
            errors[name] = f"{text} is before the treatment ({treated_on})"
    if values.get("contacted_on") is None and "contacted_on" not in errors:
        errors["contacted_on"] = "the contact date is required"
    relieved = str(form.get("relieved", "")).strip()
    values["relieved"] = {"yes": True, "no": False}.get(relieved)
    if values.get("pain_back_on") is not None and values["relieved"] is not False:
        errors["pain_back_on"] = 'a pain-back date goes with "pain back"'
    front = str(form.get("front_mm", "")).strip()
    values["front_mm"] = None
    if front:
        try:
            values["front_mm"] = float(front)
        except ValueError:
            errors["front_mm"] = f"{front!r} is not a number"
    values["note"] = str(form.get("note", "")).strip()[:2000] or None
    if values["relieved"] is None and values["front_mm"] is None and not values["note"]:
        errors[""] = "say whether the patient is still relieved, or record a Tinel front or a note"
    return values, errors


@router.post("/treatments/{treatment_id}/contacts")
async def record_contact(request: Request, treatment_id: int, form: dict = Depends(form_data)):
    """Record a contact; the forecast and plan are updated in the same transaction."""
    with request.app.state.store.read() as conn:
        treatment = records.get_treatment(conn, treatment_id)
    if treatment is None:
        raise services.NotFound(treatment_id)
    typed = {k: str(form.get(k, "")) for k in ("contacted_on", "relieved", "pain_back_on", "front_mm", "note")}
    values, errors = parse_contact(form, treatment["treated_on"], date.today())
    if not errors:
        try:
            await run_in_threadpool(
                services.record_contact, request.app.state.store, actor(request), treatment_id, values
            )
        except lib.InputError as exc:
            errors = lib.contact_field_errors(str(exc))
    if errors:
        return _treatment_page(request, treatment_id, typed, errors, status=400)
    return RedirectResponse(f"/treatments/{treatment_id}?saved=1", status_code=303)


@router.get("/forecasts/{forecast_id}/timeline.png")
async def timeline(request: Request, forecast_id: int):
    """The library's timeline picture of a stored forecast (drawn once, then cached)."""
    cache = request.app.state.png_cache
    if forecast_id not in cache:
        with request.app.state.store.read() as conn:
            found = records.get_forecast(conn, forecast_id)
            if found is None:
                raise services.NotFound(forecast_id)
            models = services.loaded_models(conn, [found["model_version"]])
        if found["model_version"] not in models:
            raise services.NotFound(forecast_id)
        png = await run_in_threadpool(
            lib.timeline_png, models[found["model_version"]], found["inputs"], found["outputs"]
        )
        if len(cache) > 512:
            cache.pop(next(iter(cache)))
        cache[forecast_id] = png
    return Response(cache[forecast_id], media_type="image/png", headers={"cache-control": "private, max-age=86400"})
