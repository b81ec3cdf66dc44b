"""The ``regen`` command line: parse, call :mod:`regen`, print.

Every command is a thin layer over a library function. Library errors
(:class:`regen.RegenError`) are printed as one ``Error: ...`` line on stderr
with exit code 1; usage errors exit 2. Results go to stdout, messages to
stderr. regen is decision support, not a medical device: every estimate is
printed with its interval and the model version.
"""

from __future__ import annotations

import typer

from regen._version import __version__
from regen.cli.catalog import columns, nerves
from regen.cli.db import db_app, users_app
from regen.cli.outcomes import describe, evaluate, fit, simulate
from regen.cli.predict import predict
from regen.cli.report import report
from regen.cli.score import score
from regen.cli.serve import serve
from regen.cli.validate import validate

DISCLAIMER = (
    "regen gives estimates with uncertainty for decision support by clinicians and "
    "researchers; it is not a medical device."
)

app = typer.Typer(
    name="regen",
    help=(
        "Predict, after cryoneurolysis, when the frozen nerve regrows (return of "
        "sensation), when pain relief ends and when retreatment is due.\n\n"
        + DISCLAIMER
        + "\n\nExample: regen predict --nerve genicular_superolateral --age 64"
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"regen {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """regen: cryoneurolysis regrowth and relief predictions (decision support, not a device)."""


for _command in (predict, nerves, columns, simulate, fit, evaluate, describe, validate, score, report, serve):
    app.command()(_command)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


class Terminated(SystemExit):
    """SIGTERM or SIGHUP as an exit that unwinds (so a run's unfinished outputs are discarded)."""


def _on_signal(signum, frame):
    raise Terminated(128 + signum)


def main() -> None:
    """Entry point of the ``regen`` command: SIGTERM and SIGHUP exit with 128 + the signal, unwinding."""
    import signal

    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None and signal.getsignal(sig) in (signal.SIG_DFL, None):
            signal.signal(sig, _on_signal)
    app(prog_name="regen")


if __name__ == "__main__":
    main()
