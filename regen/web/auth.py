"""Sign in and out (only where accounts are required: serving beyond 127.0.0.1)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from regen.store.accounts import check_login
from regen.web.context import form_data, render

__all__ = ["authenticate", "router"]

router = APIRouter(include_in_schema=False)


def client_address(request: Request) -> str:
    """The client's address (rate limits count per address)."""
    return request.client.host if request.client else "unknown"


def authenticate(request: Request, name: str, password: str) -> tuple[bool, int]:
    """Check a name and password under the rate limit: (signed in, seconds to wait if limited)."""
    limiter, address = request.app.state.limiter, client_address(request)
    wait = limiter.retry_after(address, name)
    if wait:
        return False, wait
    with request.app.state.store.read() as conn:
        ok = check_login(conn, name, password)
    if ok:
        limiter.succeeded(name)
    else:
        limiter.failed(address, name)
    return ok, 0


@router.get("/login")
def login_page(request: Request):
    """The sign-in form."""
    return render(request, "login.html", nav="", error="", username="")


@router.post("/login")
async def login(request: Request, form: dict = Depends(form_data)):
    """Sign in (rate limited per address and per name); a new session on success."""
    name, password = str(form.get("username", ""))[:100], str(form.get("password", ""))[:1000]
    ok, wait = await run_in_threadpool(authenticate, request, name, password)
    if wait:
        page = render(
            request,
            "login.html",
            429,
            nav="",
            username=name,
            error=f"Too many failed sign-ins: try again in {wait // 60 + 1} minutes.",
        )
        page.headers["retry-after"] = str(wait)
        return page
    if not ok:
        return render(request, "login.html", 401, nav="", username=name, error="Wrong user name or password.")
    request.session.clear()  # a fresh session (and CSRF token) after signing in
    request.session["user"] = name
    return RedirectResponse("/worklist", status_code=303)


@router.post("/logout")
def logout(request: Request, form: dict = Depends(form_data)):
    """Sign out: the session is emptied."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
