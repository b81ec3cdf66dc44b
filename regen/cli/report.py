"""``regen report``: one self-contained HTML page for a clinic, from a scored file."""

from __future__ import annotations

from pathlib import Path

import typer

from regen.cli.options import fail_cleanly
from regen.cli.options import parse_today as _today
from regen.utils.text import printable

__all__ = ["report"]


def report(
    scored: Path = typer.Argument(..., metavar="SCORED", help="A scored CSV (the output of regen score)."),
    output: Path = typer.Option(..., "-o", "--output", help="HTML file to write (self-contained)."),
    today: str | None = typer.Option(
        None, callback=_today, help="Start the calendar on this date (YYYY-MM-DD, 1970-2100). Default: today."
    ),
    list_patients: bool = typer.Option(
        False,
        "--list-patients",
        help="Add the working lists with patient_id (who is overdue, who is due when). Off by default so a "
        "shared page carries no identifiers.",
    ),
) -> None:
    """One self-contained HTML page for a clinic: who is overdue, calendars of the next 12 weeks and
    24 months, what evidence the forecasts rest on, the cohort.

    Example: regen report scored.csv -o report.html --today 2026-11-25 --list-patients
    """
    with fail_cleanly():
        from regen.reporting.report import write_report

        write_report(scored, output, today, list_patients=list_patients)
        typer.echo(f"report written to {printable(output)}", err=True)
