"""Pages: import a clinic export (checked, then confirmed) and export the scored table and the outcome file.

An upload is read and checked at once but stored nowhere in the database: it
waits in a private folder under a random token until the user imports it
(all rows, or the valid rows only) or cancels; the import is one transaction.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from regen.web import exports, services
from regen.web import forecasts as lib
from regen.web.context import actor, form_data, guard_page, render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(guard_page)], include_in_schema=False)
_SUFFIXES = (".csv", ".csv.gz", ".gz", ".parquet")


def _files_page(request: Request, error: str = "", status: int = 200):
    mb = request.app.state.settings.max_upload_bytes // (1024 * 1024)
    return render(request, "files.html", status, nav="files", error=error, max_mb=mb)


@router.get("/files")
def files(request: Request):
    """The upload form and the export links."""
    return _files_page(request)


def _staged(request: Request, token: str) -> Path:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        raise HTTPException(400, "Unknown upload.")
    found = sorted(Path(request.app.state.staging).glob(f"{token}.*"))
    owner = request.session.get("uploads", [])
    if not found or token not in owner:
        raise HTTPException(404, "This upload is no longer waiting: upload the file again.")
    return found[0]


#: Seconds a staged upload is kept: the session that may import it lasts no longer.
STAGED_MAX_AGE_S = 12 * 3600


def _remove_expired(staging: Path) -> None:
    """Remove staged uploads older than a session lasts (no session can import them any more)."""
    now = time.time()
    for staged in staging.glob("*"):
        try:
            if now - staged.stat().st_mtime > STAGED_MAX_AGE_S:
                staged.unlink(missing_ok=True)
        except OSError:
            continue


def _grouped(errors: list[dict]) -> list[dict]:
    """Row errors grouped by message (a clinic's file repeats one mistake): message, count, the rows."""
    groups: dict[str, list[dict]] = {}
    for error in errors:
        groups.setdefault(error["error"], []).append(error)
    return [{"error": k, "count": len(v), "rows": v} for k, v in sorted(groups.items(), key=lambda g: -len(g[1]))]


def _read(request: Request, path: Path, model, name: str):
    """The staged file read and checked, within the server's limits, its messages naming ``name``."""
    settings = request.app.state.settings
    return lib.read_upload(
        path, model, name=name, max_rows=settings.max_upload_rows, max_text_bytes=settings.max_upload_text_bytes
    )


@router.post("/files/upload")
async def upload(request: Request, form: dict = Depends(form_data)):
    """Read the file with the strict reader and check every row; nothing is saved yet."""
    upload = form.get("file")
    name = os.path.basename(getattr(upload, "filename", "") or "")
    suffix = next((s for s in _SUFFIXES if name.lower().endswith(s)), None)
    if upload is None or not name:
        return _files_page(request, "Choose a file to upload.", 400)
    if suffix is None:
        return _files_page(request, f"{lib.printable(name)}: upload a .csv, .csv.gz or .parquet file.", 400)
    token = secrets.token_urlsafe(16)
    path = Path(request.app.state.staging) / f"{token}{'.csv.gz' if suffix == '.gz' else suffix}"
    data = await upload.read()
    path.write_bytes(data)
    os.chmod(path, 0o600)
    try:
        with request.app.state.store.read() as conn:
            _, model = services.active_model(conn)
        frame, errors, notes = await run_in_threadpool(_read, request, path, model, name)
        items = await run_in_threadpool(lib.typed_rows, frame, {e["row"] for e in errors})
        planned = await run_in_threadpool(services.import_preview, request.app.state.store, items)
    except lib.RegenError as exc:
        path.unlink(missing_ok=True)
        message = str(exc) if str(exc).startswith(lib.printable(name)) else f"{lib.printable(name)}: {exc}"
        return _files_page(request, message, 413 if isinstance(exc, lib.UploadTooLarge) else 400)
    kept = [*request.session.get("uploads", []), token]
    for gone in kept[:-5]:  # the session keeps its last 5 uploads: the older ones' files go
        for staged in Path(request.app.state.staging).glob(f"{gone}.*"):
            staged.unlink(missing_ok=True)
    request.session["uploads"] = kept[-5:]
    _remove_expired(Path(request.app.state.staging))
    refused = [  # rows the import itself refuses (the check ran it): row errors like the reader's
        {"row": r["row"], "patient_id": r["patient_id"], "error": r["message"]}
        for r in planned
        if r["status"] == "refused"
    ]
    errors = sorted([*errors, *refused], key=lambda e: e["row"])
    recorded = [r for r in planned if r["status"] != "refused"]
    return render(
        request,
        "upload_review.html",
        nav="files",
        filename=name,
        errors=errors,
        groups=_grouped(errors),
        notes=notes,
        valid=notes["rows"] - len(errors),
        recorded=recorded,
        token=token,
    )


@router.post("/files/import")
async def confirm_import(request: Request, form: dict = Depends(form_data)):
    """Import the staged file: all rows (only when none has an error) or the valid rows only, in one transaction."""
    path = _staged(request, str(form.get("token", "")))
    mode = str(form.get("mode", ""))
    with request.app.state.store.read() as conn:
        _, model = services.active_model(conn)
    frame, errors, notes = await run_in_threadpool(_read, request, path, model, path.name)
    if mode not in ("all", "valid") or (mode == "all" and errors):
        raise HTTPException(400, "The file has rows with errors: import the valid rows only, or fix the file.")
    items = await run_in_threadpool(lib.typed_rows, frame, {e["row"] for e in errors})
    try:
        result = await run_in_threadpool(
            services.import_rows, request.app.state.store, actor(request), items, notes["rows"], mode == "all"
        )
    except services.RowsRefused:  # the check listed no error, but the import refuses rows now: nothing stored
        raise HTTPException(
            400, "The file has rows with errors: upload it again to see them, import the valid rows only, or fix it."
        ) from None
    path.unlink(missing_ok=True)
    left_out = len(errors) + len(result["refused"])
    return render(request, "import_done.html", nav="files", result=result, left_out=left_out)


@router.post("/files/cancel")
def cancel(request: Request, form: dict = Depends(form_data)):
    """Forget a staged upload."""
    try:
        _staged(request, str(form.get("token", ""))).unlink(missing_ok=True)
    except HTTPException:
        pass
    return RedirectResponse("/files", status_code=303)


def _csv(frame, name: str) -> Response:
    return Response(
        frame.to_csv(index=False),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/files/export/scored.csv")
async def export_scored(request: Request):
    """Every current treatment, as ``regen score`` columns, scored by the active model."""
    frame = await run_in_threadpool(exports.scored_table, request.app.state.store)
    return _csv(frame, "regen-scored.csv")


@router.get("/files/export/outcomes.csv")
async def export_outcomes(request: Request):
    """The outcome file in ``regen fit``'s schema, from the recorded contacts."""
    frame = await run_in_threadpool(exports.outcome_table, request.app.state.store)
    return _csv(frame, "regen-outcomes.csv")
