"""What ``regen serve`` was started with, and the rule that decides whether it may start.

Listening on a loopback address (127.0.0.0/8, ::1, ``localhost``) is local
mode: the person at the machine uses it, no login, and the audit log names
the operator (``--user`` or the system user). Any other address needs user
accounts (``regen users add``) and HTTPS (a certificate, or a TLS-terminating
reverse proxy declared with ``--behind-proxy``), so that passwords and session
cookies never cross the network in clear; otherwise the server refuses to start.
"""

from __future__ import annotations

import getpass
import ipaddress
import secrets
from dataclasses import dataclass, field

from regen.errors import RegenError

__all__ = ["ServeRefused", "ServeSettings", "check_bind", "is_loopback"]

#: Largest upload accepted (bytes): a clinic export of ~100,000 rows.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Most data rows an upload may hold (a compressed file can hold far more than its size suggests).
MAX_UPLOAD_ROWS = 100_000
#: Most text an upload may hold once decompressed (bytes): reading stops as soon as it is passed.
MAX_UPLOAD_TEXT_BYTES = 200 * 1024 * 1024


class ServeRefused(RegenError):
    """The server was asked to listen where it may not (no accounts, no HTTPS)."""


def is_loopback(host: str) -> bool:
    """Whether a listen address only accepts connections from this machine."""
    if host.strip().lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class ServeSettings:
    """Settings of one server.

    Attributes
    ----------
    database : str or None
        SQLAlchemy URL or SQLite path (None: the default file).
    host, port : str, int
        Where to listen.
    operator : str
        Who the audit log names in local mode.
    accounts : bool
        Whether pages and API need a signed-in account (any non-loopback host).
    secure_cookies : bool
        Session cookies only over HTTPS (set with accounts).
    secret_key : str
        Signs session cookies (random per start unless given).
    max_upload_bytes : int
        Largest request body accepted on an upload.
    max_upload_rows : int
        Most data rows an uploaded table may hold (default 100,000); more is refused (413).
    max_upload_text_bytes : int
        Most text an uploaded table may hold once decompressed (default 200 MB); more is refused (413).
    allowed_hosts : list of str
        Host headers accepted (loopback names in local mode: no DNS rebinding).
    fit_mcmc : dict
        MCMC settings of the background clinic fit (``chains``, ``warmup``, ``draws``, ``seed``; those of
        ``regen fit --chains/--warmup/--draws/--seed``). Empty (the default): ``regen fit``'s defaults, 2 chains
        of 500 warmup + 500 kept draws. Fewer iterations fit sooner and converge less surely (the model's
        card gives R-hat and the divergences). The fit always starts from the evidence.
    """

    database: str | None = None
    host: str = "127.0.0.1"
    port: int = 8765
    operator: str = field(default_factory=lambda: _system_user())
    accounts: bool = False
    secure_cookies: bool = False
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_upload_rows: int = MAX_UPLOAD_ROWS
    max_upload_text_bytes: int = MAX_UPLOAD_TEXT_BYTES
    allowed_hosts: list[str] = field(default_factory=lambda: ["127.0.0.1", "localhost", "[::1]", "::1"])
    login_attempts: int = 5
    login_window_s: float = 900.0
    run_jobs: bool = True
    fit_mcmc: dict = field(default_factory=dict)


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def check_bind(host: str, accounts: int, tls: bool, behind_proxy: bool) -> None:
    """Refuse to listen beyond this machine without accounts and HTTPS.

    Parameters
    ----------
    host : str
        The listen address.
    accounts : int
        Active accounts in the database.
    tls : bool
        A certificate and key were given.
    behind_proxy : bool
        A TLS-terminating reverse proxy is declared.

    Raises
    ------
    ServeRefused
        Saying what to do.
    """
    if is_loopback(host):
        return
    if accounts == 0:
        raise ServeRefused(
            f"refusing to listen on {host}: it accepts connections from other machines and the "
            "database has no user accounts; add one with 'regen users add NAME', or listen on "
            "127.0.0.1 (the default)"
        )
    if not (tls or behind_proxy):
        raise ServeRefused(
            f"refusing to listen on {host} over plain HTTP: passwords and session cookies would "
            "cross the network in clear; give --ssl-certfile and --ssl-keyfile, or put a TLS "
            "reverse proxy in front and say so with --behind-proxy"
        )
