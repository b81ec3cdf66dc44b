"""What every page shares: the templates, who is acting, and the guards (sign-in, CSRF)."""

from __future__ import annotations

from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from regen.web import forecasts as lib
from regen.web.security import check_csrf, csrf_token, same_origin

__all__ = ["LoginRequired", "Raw", "actor", "form_data", "guard_page", "render", "shown", "templates"]


class Raw(str):
    """Text put back into a form field as typed (``{{ value|raw }}``): not shown with escapes."""


def shown(value: object) -> object:
    """What a template prints: text with its hidden characters escaped visibly (``P001\\u200b``).

    Identifiers and notes that differ only by a zero-width space, a
    right-to-left override or a control character look the same on a page;
    :func:`regen.utils.text.printable` (as ``regen report`` uses it) makes the
    difference visible. Markup built by the tool (model cards) and form values
    marked :class:`Raw` (sent back as typed) are left as they are.
    """
    if isinstance(value, str) and not isinstance(value, Markup | Raw):
        return lib.printable(value)
    return value


templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
templates.env.autoescape = True  # every value escaped, whatever the template's name
templates.env.finalize = shown  # and every hidden character shown as its escape
templates.env.filters["raw"] = lambda value: Raw("" if value is None else value)
templates.env.filters["whole_day"] = lib.whole_day  # a day as the library's dates count it (half up)
templates.env.filters["day_text"] = lib.day_text  # the same as text: '36,500+' when capped at 100 years


class LoginRequired(Exception):
    """The page needs a signed-in account."""


def actor(request: Request) -> str:
    """Who the audit log names: the signed-in user, or in local mode the operator."""
    settings = request.app.state.settings
    if settings.accounts:
        return request.session.get("user") or ""
    return settings.operator


def guard_page(request: Request) -> None:
    """Dependency of every page and API route: a signed-in account where accounts are required."""
    if request.app.state.settings.accounts and not request.session.get("user"):
        raise LoginRequired


async def form_data(request: Request):
    """The submitted form (size-limited), after checking its origin and CSRF token; closed after the request.

    Raises
    ------
    HTTPException
        403 when the token is missing or wrong, or the request comes from another site; 422
        naming the field when a value holds a control character or is not valid UTF-8
        (:func:`regen.utils.stored_text.text_refusals`).
    """
    if not same_origin(request):
        raise HTTPException(403, "Cross-site request refused.")
    limit = request.app.state.settings.max_upload_bytes
    form = await request.form(max_files=1, max_fields=200, max_part_size=limit)
    try:
        if not check_csrf(request, form.get("csrf_token")):
            raise HTTPException(403, "The form's security token is missing or expired: reload the page and try again.")
        fields: dict[str, list] = {}
        for key, value in form.multi_items():
            fields.setdefault(key, []).append(value)
        refused = lib.text_refusals(fields, multiline=("note",))
        if refused:
            raise HTTPException(
                422, "; ".join(f"{lib.printable(k)}: {v}" for k, v in refused.items()) + ". Nothing was saved."
            )
        yield form
    finally:
        await form.close()


def render(request: Request, name: str, status: int = 200, **context):
    """Render a page with the shared context (disclaimer, CSRF token, actor, versions)."""
    state = request.app.state
    return templates.TemplateResponse(
        request,
        name,
        {
            "csrf": csrf_token(request),
            "actor": actor(request),
            "accounts": state.settings.accounts,
            "signed_in": bool(request.session.get("user")),
            "disclaimer": lib.DISCLAIMER,
            "regen_version": state.regen_version,
            "active_version": state.active_version(),
            "database_kind": "SQLite" if state.store.is_sqlite else state.store.engine.url.get_backend_name(),
            **context,
        },
        status_code=status,
    )
