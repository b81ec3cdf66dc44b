"""Pages: the worklist, the patient list and search, one patient with every cycle."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from regen.store import records
from regen.web import services
from regen.web.context import form_data, guard_page, render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(guard_page)], include_in_schema=False)
#: Rows of each worklist table shown on the page (the JSON worklist has all).
WORKLIST_ROWS = 300


@router.get("/")
def home():
    """The worklist is the start page."""
    return RedirectResponse("/worklist", status_code=303)


@router.get("/worklist")
async def worklist(request: Request):
    """Whom to contact this week, who is overdue: interval, probability, evidence and model per row."""
    today = date.today()
    result = await run_in_threadpool(services.worklist, request.app.state.store, today)
    return render(request, "worklist.html", nav="worklist", result=result, today=today.isoformat(), limit=WORKLIST_ROWS)


@router.get("/patients")
def patients(request: Request):
    """The newest patients."""
    with request.app.state.store.read() as conn:
        found = records.list_patients(conn)
    return render(request, "patients.html", nav="patients", patients=found, q="")


@router.post("/patients/search")
def search(request: Request, form: dict = Depends(form_data)):
    """Patients whose clinic identifier starts with the text (a POST: the identifier stays out of URLs and logs)."""
    q = str(form.get("q", "")).strip()[:200]
    with request.app.state.store.read() as conn:
        found = records.list_patients(conn, q)
    return render(request, "patients.html", nav="patients", patients=found, q=q)


@router.get("/patients/{patient_id}")
def patient(request: Request, patient_id: int):
    """One patient: every cycle with its current forecast and contacts."""
    with request.app.state.store.read() as conn:
        found = records.get_patient(conn, patient_id)
        if found is None:
            raise services.NotFound(patient_id)
        cycles = []
        for treatment in records.treatments_of(conn, patient_id):
            history = records.forecasts_of(conn, treatment["id"])
            cycles.append(
                {
                    "treatment": treatment,
                    "forecast": history[0] if history else None,
                    "contacts": records.contacts_of(conn, treatment["id"]),
                }
            )
    return render(request, "patient.html", nav="patients", patient=found, cycles=cycles)
