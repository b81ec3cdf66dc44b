"""The web application: :func:`create_app` wires the store, the security rules, the pages and the API."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from regen.store import Store, open_store, registry
from regen.web import api, auth, pages_files, pages_models, pages_patients, pages_treatments, services
from regen.web import forecasts as lib
from regen.web.context import LoginRequired, render
from regen.web.jobs import FitRunner
from regen.web.security import BodyLimit, LoginLimiter, SecurityHeaders
from regen.web.settings import ServeSettings

__all__ = ["create_app", "remove_stale_staging"]

_log = logging.getLogger("regen.web")
_STATIC = Path(__file__).resolve().parent / "static"


def _api_page(request: Request):
    schema = request.app.openapi()
    routes = [
        {"method": method.upper(), "path": path, "summary": op.get("summary", "")}
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]
    return render(request, "api.html", nav="api", routes=routes, base=str(request.base_url))


def _add_handlers(app: FastAPI) -> None:
    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        if wants_json(request):
            return JSONResponse({"error": "sign in first"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(services.NotFound)
    async def _missing(request: Request, exc: services.NotFound):
        if wants_json(request):
            return JSONResponse({"error": "not found"}, status_code=404)
        return render(request, "error.html", 404, title="Not found", message="There is no such record.")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):
        if wants_json(request) or exc.status_code in (405,):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        titles = {403: "Refused", 404: "Not found", 400: "Bad request", 413: "Too large", 422: "Refused value"}
        return render(
            request, "error.html", exc.status_code, title=titles.get(exc.status_code, "Error"), message=str(exc.detail)
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        fields = {".".join(str(p) for p in e["loc"][1:]): e["msg"] for e in exc.errors()}
        if wants_json(request):
            return JSONResponse({"error": "invalid request", "fields": fields}, status_code=422)
        return render(request, "error.html", 400, title="Bad request", message="The request could not be read.")

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        # the exception's text may hold patient values: only its type is logged
        route = getattr(request.scope.get("route"), "path", "(no route)")
        _log.error("unexpected %s on %s %s", type(exc).__name__, request.method, route)
        if wants_json(request):
            return JSONResponse({"error": "internal error"}, status_code=500)
        return render(
            request,
            "error.html",
            500,
            title="Something went wrong",
            message="Nothing was saved by the failed request. The server log names the error's type.",
        )


STAGED_MAX_AGE_S = pages_files.STAGED_MAX_AGE_S


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_staging(folder: str | None = None) -> list[Path]:
    """Remove the upload folders that servers no longer running left behind; return them.

    A folder ``regen-uploads-PID-*`` in the temporary folder, owned by this
    user, whose server process is gone is removed; one without a process id
    (made by an earlier regen) is removed once older than
    :data:`STAGED_MAX_AGE_S`. A running server's folder is never touched.
    """
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob("regen-uploads-*"):
        try:
            info = path.lstat()
        except OSError:
            continue
        if not path.is_dir() or path.is_symlink() or info.st_uid != os.getuid():
            continue
        pid = path.name.removeprefix("regen-uploads-").split("-", 1)[0]
        if pid.isdigit() and "-" in path.name.removeprefix("regen-uploads-"):
            stale = not _alive(int(pid))
        else:
            stale = time.time() - info.st_mtime > STAGED_MAX_AGE_S
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def create_app(settings: ServeSettings | None = None, store: Store | None = None) -> FastAPI:
    """Build the application.

    Parameters
    ----------
    settings : ServeSettings, optional
        Defaults: local mode on 127.0.0.1, the default SQLite file.
    store : Store, optional
        An opened store (default: :func:`regen.store.open_store` on ``settings.database``).
    """
    settings = settings or ServeSettings()
    store = store or open_store(settings.database)
    remove_stale_staging()
    staging = Path(tempfile.mkdtemp(prefix=f"regen-uploads-{os.getpid()}-"))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # today's worklist is planned once in the background, so the first clinician to open it does not wait
        warm = threading.Thread(target=services.warm_worklist, args=(store,), name="regen-worklist", daemon=True)
        warm.start()
        yield
        warm.join(timeout=60)
        app.state.fits.shutdown()
        shutil.rmtree(staging, ignore_errors=True)

    app = FastAPI(
        title="regen",
        version=lib.regen_version(),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        description="Cryoneurolysis forecasts for a clinic's patients. " + lib.DISCLAIMER,
    )
    services.ensure_default_model(store, settings.operator)
    state = app.state
    state.settings, state.store, state.staging = settings, store, staging
    state.limiter = LoginLimiter(settings.login_attempts, settings.login_window_s)
    state.fits = FitRunner(store, settings.fit_mcmc)
    state.png_cache = {}
    state.regen_version = lib.regen_version()
    state.catalog, state.field_help, state.default_card = lib.catalog_choices(), lib.field_help(), lib.embedded_card()
    state.plan_help = lib.plan_help()

    def active_version() -> str:
        with store.read() as conn:
            row = registry.active_model(conn)
        return row["version"] if row else ""

    state.active_version = active_version
    for router in (
        auth.router,
        pages_patients.router,
        pages_treatments.router,
        pages_files.router,
        pages_models.router,
        api.router,
    ):
        app.include_router(router)
    app.add_api_route("/api", _api_page, include_in_schema=False, methods=["GET"])
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    _add_handlers(app)
    # outermost last: headers and size limit wrap everything, the session sits inside
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="regen_session",
        same_site="strict",
        https_only=settings.secure_cookies,
        max_age=12 * 3600,
    )
    if settings.allowed_hosts != ["*"]:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    return app
