"""Security rules of the web tool: headers (CSP), CSRF tokens, login rate limits, request size, access log.

- Every response carries a strict Content-Security-Policy (only this
  origin's scripts, styles and images; no inline script; no framing), and
  pages with patient data are not cached.
- Every state-changing form carries a CSRF token bound to the session
  (:func:`csrf_token`, :func:`check_csrf`); JSON API writes need
  ``Content-Type: application/json`` (a cross-site form cannot send it) and,
  with a session cookie, the token in ``X-CSRF-Token``.
- A cross-origin ``Origin`` on a state-changing request is refused.
- Logins are rate limited per client address and per name (:class:`LoginLimiter`).
- Request bodies are capped (:class:`BodyLimit`).
- The access log names the method, the route's template
  (``/treatments/{treatment_id}``: no id, no query string) and the status:
  no patient identifier, whatever was typed into the address bar.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections import deque

from starlette.requests import Request

__all__ = ["CSP", "BodyLimit", "LoginLimiter", "SecurityHeaders", "check_csrf", "csrf_token", "same_origin"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_log = logging.getLogger("regen.web.access")


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, sent: str | None) -> bool:
    """Whether ``sent`` is the session's CSRF token (constant-time comparison of UTF-8 bytes; any text is False).

    A token with characters beyond ASCII (``é``, a lone surrogate) is simply
    not the session's token: a 403, never an error.
    """
    expected = request.session.get("csrf")
    if not (expected and sent):
        return False
    # bytes: compare_digest refuses str with characters beyond ASCII (a TypeError, was a 500)
    as_bytes = [str(v).encode("utf-8", "backslashreplace") for v in (expected, sent)]
    return hmac.compare_digest(*as_bytes)


def same_origin(request: Request) -> bool:
    """False when the request carries an ``Origin`` of another site (a cross-site form or script)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin != "null"
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


class LoginLimiter:
    """At most ``attempts`` failed logins per ``window_s`` seconds, per client address and per name."""

    def __init__(self, attempts: int = 5, window_s: float = 900.0) -> None:
        self.attempts, self.window_s = attempts, window_s
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        found = self._failures.setdefault(key, deque())
        while found and now - found[0] > self.window_s:
            found.popleft()
        return found

    def retry_after(self, address: str, name: str) -> int:
        """Seconds until another attempt is allowed (0 = allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                int(self.window_s - (now - q[0])) + 1
                for q in (self._recent("a:" + address, now), self._recent("n:" + name.lower(), now))
                if len(q) >= self.attempts
            ]
        return max(waits, default=0)

    def failed(self, address: str, name: str) -> None:
        """Count a failed attempt."""
        now = time.monotonic()
        with self._lock:
            self._recent("a:" + address, now).append(now)
            self._recent("n:" + name.lower(), now).append(now)

    def succeeded(self, name: str) -> None:
        """Forget a name's failures after a successful login."""
        with self._lock:
            self._failures.pop("n:" + name.lower(), None)


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes (413), declared or streamed."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await _too_large(send, self.limit)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(send, self.limit)


class _TooLarge(Exception):
    pass


async def _too_large(send, limit: int) -> None:
    body = f"Request too large: the limit is {limit // (1024 * 1024)} MB.".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"content-security-policy", CSP.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """ASGI middleware: security headers on every response, and the access log (no query strings)."""

    def __init__(self, app, hsts: bool = False) -> None:
        self.app, self.hsts = app, hsts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), [0]

        async def with_headers(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))  # pages hold patient data
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        finally:
            route = scope.get("route")  # the route's template ("/treatments/{treatment_id}"), never values
            path = getattr(route, "path", None) or ("/static" if scope["path"].startswith("/static/") else "(no route)")
            _log.info("%s %s %d %.0fms", scope.get("method", ""), path, status[0], (time.perf_counter() - start) * 1000)
