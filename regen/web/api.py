"""The JSON API (OpenAPI at ``/api/openapi.json``): predict one patient, create a treatment, record a contact,
read a treatment, get the worklist.

Values are checked by the library exactly as on the pages; a refused value is
a 422 with the library's message per column. Writes need
``Content-Type: application/json``; where accounts are required, HTTP Basic
credentials (rate limited like the sign-in page) or a signed-in session with
its CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import base64
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from starlette.concurrency import run_in_threadpool

from regen.store import records
from regen.web import forecasts as lib
from regen.web import services
from regen.web.auth import authenticate
from regen.web.pages_treatments import parse_contact
from regen.web.security import check_csrf, same_origin

__all__ = ["router"]

Value = float | int | str | bool | None
Numbers = list[float] | float | str | None


async def api_guard(request: Request) -> None:
    """JSON for writes, same-origin, and an account where accounts are required.

    A write that carries a session cookie (a browser that opened the pages)
    needs the session's CSRF token in ``X-CSRF-Token``, in local mode too; a
    client without a cookie (a script on the clinician's machine, or HTTP
    Basic where accounts are on) needs none.
    """
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if unsafe:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise HTTPException(415, "Send JSON with Content-Type: application/json.")
        if not same_origin(request):
            raise HTTPException(403, "Cross-site request refused.")
    settings = request.app.state.settings
    request.state.api_user = settings.operator
    if not settings.accounts:
        if unsafe and request.session and not check_csrf(request, request.headers.get("x-csrf-token")):
            raise HTTPException(403, "With a session cookie, send its CSRF token in X-CSRF-Token.")
        return
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            name, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise HTTPException(401, "Malformed credentials.") from None
        ok, wait = await run_in_threadpool(authenticate, request, name, password)
        if wait:
            raise HTTPException(429, "Too many failed sign-ins.", headers={"retry-after": str(wait)})
        if not ok:
            raise HTTPException(401, "Wrong user name or password.", headers={"www-authenticate": "Basic"})
        request.state.api_user = name
        return
    user = request.session.get("user")
    if not user:
        raise HTTPException(401, "Sign in, or send HTTP Basic credentials.", headers={"www-authenticate": "Basic"})
    if unsafe and not check_csrf(request, request.headers.get("x-csrf-token")):
        raise HTTPException(403, "With a session cookie, send its CSRF token in X-CSRF-Token.")
    request.state.api_user = user


router = APIRouter(prefix="/api/v1", tags=["regen"], dependencies=[Depends(api_guard)])


class _Body(BaseModel):
    """A JSON body whose text values may be stored: no control character, valid UTF-8 (422 naming the field)."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value, info: ValidationInfo):
        refused = lib.text_refusals({info.field_name: value}, multiline=("note",))
        if refused:
            raise ValueError(f"{info.field_name} {refused[info.field_name]}")
        return value


class Patient(_Body):
    """Patient columns as in ``regen columns`` (only ``nerve`` is required); the library checks every value."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"nerve": "SLGN", "age": 64, "treated_on": "2026-03-14"}}
    )
    nerve: str = Field(description="catalog id or alias, e.g. SLGN")
    indication: str | None = None
    age: Value = Field(None, description="years, 10-100")
    sex: str | None = None
    height_cm: Value = None
    bmi: Value = None
    diabetes: Value = None
    smoker: Value = None
    distance_mm: Value = None
    freeze_cycles: Value = None
    freeze_seconds: Value = None
    probe_temp_c: Value = None
    prior_treatments: Value = None
    treated_on: str | None = Field(None, description="YYYY-MM-DD")
    allow_any_nerve: bool | None = None


class PredictIn(Patient):
    """One patient and, optionally, what happened since (days after treatment)."""

    relief_at_day: Value = None
    relief_lost_day: Value = None
    front_mm: Numbers = None
    front_day: Numbers = None
    prior_relief_days: Numbers = None


class TreatmentIn(Patient):
    """A treatment to store: the clinic's patient identifier (optional) and the patient columns."""

    patient_id: str | None = Field(None, description="the clinic's identifier (never used in URLs)")
    prior_relief_days: Numbers = None


class ContactIn(_Body):
    """A contact: still relieved, pain back (on a date), a Tinel front, a note."""

    model_config = ConfigDict(extra="forbid")
    contacted_on: date
    relieved: bool | None = None
    pain_back_on: date | None = None
    front_mm: float | None = None
    note: str | None = Field(None, max_length=2000)


def _refused(message: str) -> JSONResponse:
    return JSONResponse({"error": message, "fields": lib.field_errors(message)}, status_code=422)


def _plan_json(forecast: dict) -> dict:
    """The stored forecast's plan (its columns, not recomputed): action, next contact, booking."""
    out = {}
    for name in records.PLAN_COLUMNS:
        value = forecast[name]
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def _forecast_json(forecast: dict) -> dict:
    plan = _plan_json(forecast)
    return {
        "forecast_id": forecast["id"],
        "model_version": forecast["model_version"],
        "made_at": forecast["made_at"].isoformat(),
        **forecast["outputs"],
        **{k: "" if v is None and not k.endswith("_day") else v for k, v in plan.items()},  # as the library writes
        "plan": plan,
        "disclaimer": lib.DISCLAIMER,
    }


@router.post("/predict", summary="Predict one patient (nothing is stored)")
def predict(request: Request, body: PredictIn):
    """The library's prediction for one patient: every output column, 80 % intervals, evidence, model version."""
    values = {k: v for k, v in body.model_dump().items() if v is not None}
    with request.app.state.store.read() as conn:
        _, model = services.active_model(conn)
    try:
        row = lib.predict_one(model, values)
    except lib.InputError as exc:
        return _refused(str(exc))
    return {**row, "disclaimer": lib.DISCLAIMER}


@router.post("/treatments", status_code=201, summary="Create a treatment and its forecast")
def create_treatment(request: Request, body: TreatmentIn):
    """Store the patient (found by the clinic identifier, or new), the treatment and its first forecast."""
    values = {
        k: (
            "yes"
            if v is True
            else "no"
            if v is False
            else ";".join(f"{x:g}" for x in v)
            if isinstance(v, list)
            else str(v)
        )
        for k, v in body.model_dump().items()
        if v is not None
    }
    typed, errors = lib.check_treatment(values)
    if errors:
        return JSONResponse(
            {"error": "; ".join(f"{k}: {v}" for k, v in errors.items()), "fields": errors}, status_code=422
        )
    try:
        tid = services.create_treatment(request.app.state.store, request.state.api_user, body.patient_id, typed)
    except records.Conflict as exc:
        return JSONResponse(
            {"error": str(exc), "fields": lib.field_errors(str(exc)), "treatment_id": exc.existing_id},
            status_code=409,
        )
    except lib.InputError as exc:
        return _refused(str(exc))
    return _treatment_json(request, tid)


def _treatment_json(request: Request, treatment_id: int) -> dict:
    view = services.treatment_view(request.app.state.store, treatment_id)
    t = view["treatment"]
    return {
        "treatment_id": t["id"],
        "patient_id": t["patient_id"],
        "cycle": t["cycle"],
        "nerve": t["nerve"],
        "indication": t["indication"],
        "treated_on": t["treated_on"].isoformat() if t["treated_on"] else None,
        "responded": t["responded"],  # relief started (true/false), as recorded; null: not said
        "url": f"/treatments/{t['id']}",
        "contacts": [
            {
                "contacted_on": c["contacted_on"].isoformat(),
                "relieved": c["relieved"],
                "pain_back_on": c["pain_back_on"].isoformat() if c["pain_back_on"] else None,
                "front_mm": c["front_mm"],
                "note": c["note"],
            }
            for c in view["contacts"]
        ],
        "forecast": _forecast_json(view["forecasts"][0]) if view["forecasts"] else None,
    }


@router.get("/treatments/{treatment_id}", summary="A treatment, its contacts and current forecast")
def get_treatment(request: Request, treatment_id: int):
    """A stored treatment by internal id."""
    return _treatment_json(request, treatment_id)


@router.post("/treatments/{treatment_id}/contacts", status_code=201, summary="Record a contact")
def record_contact(request: Request, treatment_id: int, body: ContactIn):
    """Record a contact; the forecast and plan are updated in the same transaction."""
    with request.app.state.store.read() as conn:
        treatment = records.get_treatment(conn, treatment_id)
    if treatment is None:
        raise services.NotFound(treatment_id)
    form = {
        "contacted_on": body.contacted_on.isoformat(),
        "pain_back_on": body.pain_back_on.isoformat() if body.pain_back_on else "",
        "relieved": {True: "yes", False: "no", None: ""}[body.relieved],
        "front_mm": "" if body.front_mm is None else str(body.front_mm),
        "note": body.note or "",
    }
    values, errors = parse_contact(form, treatment["treated_on"], date.today())
    if errors:
        return JSONResponse(
            {"error": "; ".join(f"{k or 'contact'}: {v}" for k, v in errors.items()), "fields": errors}, status_code=422
        )
    try:
        cid = services.record_contact(request.app.state.store, request.state.api_user, treatment_id, values)
    except lib.InputError as exc:
        fields = lib.contact_field_errors(str(exc))
        message = fields.pop("")
        return JSONResponse({"error": message, "fields": fields}, status_code=422)
    return {"contact_id": cid, **_treatment_json(request, treatment_id)}


@router.get("/worklist", summary="Whom to contact this week, who is overdue")
def get_worklist(request: Request, today: date | None = None):
    """The worklist (every row with its interval, P(still relieved today), evidence and model version)."""
    day = today or date.today()
    result = services.worklist(request.app.state.store, day)

    def plain(items):
        return [
            {
                **e,
                "due": e["due"].isoformat(),
                "last_contact_on": e["last_contact_on"].isoformat() if e["last_contact_on"] else None,
            }
            for e in items
        ]

    return {
        "today": day.isoformat(),
        "treatments": result["treatments"],
        "overdue": plain(result["overdue"]),
        "this_week": plain(result["this_week"]),
        "disclaimer": lib.DISCLAIMER,
    }
