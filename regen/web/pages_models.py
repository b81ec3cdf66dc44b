"""Pages: the models (active one, cards), fitting a clinic model in the background, switching."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from regen.store import registry
from regen.web import exports, services
from regen.web import forecasts as lib
from regen.web.cards import card_html
from regen.web.context import actor, form_data, guard_page, render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(guard_page)], include_in_schema=False)


@router.get("/models")
async def models(request: Request, switched: int = 0):
    """Every model, the active one marked; the fit button."""
    with request.app.state.store.read() as conn:
        found, jobs = registry.list_models(conn), registry.list_jobs(conn)
    outcomes = await run_in_threadpool(exports.outcome_table, request.app.state.store)
    return render(
        request,
        "models.html",
        nav="models",
        models=found,
        jobs=jobs,
        running=[j for j in jobs if j["status"] in ("queued", "running")],
        outcome_rows=len(outcomes),
        message="Switched: new forecasts use the active model; stored ones keep their version." if switched else "",
    )


@router.get("/models/{model_id}")
def model_card(request: Request, model_id: int):
    """A model's card (the embedded default's shipped card, or the fitted model's)."""
    with request.app.state.store.read() as conn:
        found = registry.get_model(conn, model_id)
    if found is None:
        raise services.NotFound(model_id)
    card = found["card_md"] or request.app.state.default_card
    start = lib.fit_start(found["version"], found["bundle_json"])
    return render(request, "model.html", nav="models", model=found, card=card_html(card), start=start)


@router.post("/models/{model_id}/activate")
def activate(request: Request, model_id: int, form: dict = Depends(form_data)):
    """Make a model the active one."""
    with request.app.state.store.write() as conn:
        if registry.get_model(conn, model_id) is None:
            raise services.NotFound(model_id)
        registry.activate_model(conn, model_id, actor(request))
    return RedirectResponse("/models?switched=1", status_code=303)


@router.post("/models/fit")
def fit(request: Request, form: dict = Depends(form_data)):
    """Start a background fit on the recorded outcomes."""
    job_id = request.app.state.fits.submit(actor(request))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}")
def job(request: Request, job_id: int):
    """A fit's progress (the page refreshes itself while it runs)."""
    with request.app.state.store.read() as conn:
        found = registry.get_job(conn, job_id)
        model = registry.get_model(conn, found["model_id"]) if found and found["model_id"] else None
    if found is None:
        raise services.NotFound(job_id)
    log = card_html(found["log"], line_breaks=True) if found["log"] else ""
    start = lib.fit_start(model["version"], model["bundle_json"]) if model else None
    return render(request, "job.html", nav="models", job=found, log=log, start=start)
