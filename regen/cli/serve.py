"""``regen serve``: the clinic's working tool in the browser (needs ``pip install 'regen-cryo[serve]'``).

Example: ``regen serve`` starts on http://127.0.0.1:8765 with the default
SQLite file and prints the address and the database.
"""

from __future__ import annotations

import typer

__all__ = ["serve"]

SERVE_EXTRA = "regen serve needs its extra: pip install 'regen-cryo[serve]'"


def serve(
    host: str = typer.Option("127.0.0.1", help="Listen address. Anything but loopback needs accounts and HTTPS."),
    port: int = typer.Option(8765, help="Port."),
    db: str | None = typer.Option(None, "--db", help="SQLAlchemy URL or SQLite file. Default: the default file."),
    user: str | None = typer.Option(
        None, "--user", help="Who the audit log names in local mode. Default: the system user."
    ),
    ssl_certfile: str | None = typer.Option(None, help="TLS certificate (PEM) for HTTPS."),
    ssl_keyfile: str | None = typer.Option(None, help="TLS key (PEM) for HTTPS."),
    behind_proxy: bool = typer.Option(
        False, "--behind-proxy", help="A TLS-terminating reverse proxy is in front (cookies are Secure)."
    ),
    allowed_host: list[str] | None = typer.Option(
        None,
        "--allowed-host",
        help="Host header to accept (repeatable); default: loopback names in local mode, any with accounts.",
    ),
) -> None:
    """Serve the clinic's working tool in the browser: new treatments, forecasts, contacts, worklist, imports.

    Decision support, not a medical device.

    Example: regen serve --user anna
    """
    try:
        import uvicorn
    except ImportError:
        typer.echo(f"Error: {SERVE_EXTRA}", err=True)
        raise typer.Exit(1) from None

    from regen.errors import RegenError
    from regen.store import open_store
    from regen.store.accounts import count_users
    from regen.web.app import create_app
    from regen.web.settings import ServeSettings, check_bind, is_loopback

    try:
        store = open_store(db)
        with store.read() as conn:
            accounts = count_users(conn)
        check_bind(host, accounts, bool(ssl_certfile and ssl_keyfile), behind_proxy)
    except RegenError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    local = is_loopback(host)
    settings = ServeSettings(database=db, host=host, port=port, accounts=not local, secure_cookies=not local)
    if user:
        settings.operator = user
    if allowed_host:
        settings.allowed_hosts = list(allowed_host)
    elif not local:
        settings.allowed_hosts = ["*"]
    app = create_app(settings, store)
    scheme = "https" if ssl_certfile else "http"
    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"regen serve: {scheme}://{shown}:{port}/  (database: {store.where}; "
        f"{'local mode, acting as ' + settings.operator if local else 'sign-in required'})",
        err=True,
    )
    import logging  # here, not at the top: every `regen` command would pay its 2 ms import

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        proxy_headers=behind_proxy,
        forwarded_allow_ips="127.0.0.1" if behind_proxy else None,
        server_header=False,
        log_config=None,
    )
