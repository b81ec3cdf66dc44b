"""``regen report``: one self-contained HTML page for a clinic: whom to call this week, who is overdue."""

from __future__ import annotations

from pathlib import Path

import typer

from regen.cli.options import MODEL_HELP as _MODEL_HELP
from regen.cli.options import fail_cleanly
from regen.cli.options import model_name as _model_name
from regen.cli.options import parse_today as _today
from regen.utils.text import printable

__all__ = ["report"]


def report(
    scored: Path = typer.Argument(
        ...,
        metavar="TABLE",
        help="A scored CSV / Parquet (the output of regen score), or a clinic export with its follow-up "
        "(last_contact_on, relieved_at_last_contact, relief_lost_on).",
    ),
    output: Path = typer.Option(..., "-o", "--output", help="HTML file to write (self-contained)."),
    today: str | None = typer.Option(
        None, callback=_today, help="The day the page is for (YYYY-MM-DD, 1970-2100). Default: today."
    ),
    list_patients: bool = typer.Option(
        False,
        "--list-patients",
        help="Add the lists with patient_id (this week, overdue, dates to check, the working list). Off by "
        "default so a shared page carries no identifiers.",
    ),
    model: str | None = typer.Option(None, help=_MODEL_HELP + " It must be the model that scored the table."),
    contact_at_risk: float | None = typer.Option(
        None, min=0.01, max=0.99, help="Contact rule: call when this fraction has lost relief (default 0.25)."
    ),
    min_contact_gap: float | None = typer.Option(None, min=0, max=365, help="Least days between contacts (14)."),
    book_at_risk: float | None = typer.Option(None, min=0.01, max=0.99, help="Pre-booking rule (default 0.25)."),
    allow_any_nerve: bool = typer.Option(
        False,
        "--allow-any-nerve",
        help="As regen score --allow-any-nerve: forecast a nerve for an indication the catalog does not list for "
        "it (a warning, not an error); pass it when the table was scored with it.",
    ),
) -> None:
    """One self-contained HTML page for a clinic: whom to contact this week and who is overdue, one row per
    patient and nerve with how sure each date is; dates to check; calendars of the next 12 weeks and 24
    months; the evidence the forecasts rest on; the cohort.

    Estimates with intervals; decision support, not a medical device.

    Example: regen report scored.csv -o report.html --today 2026-11-25 --list-patients
    """
    with fail_cleanly():
        from regen.reporting.report import write_report

        write_report(
            scored,
            output,
            today,
            list_patients=list_patients,
            model=_model_name(model),
            book_at_risk=book_at_risk,
            contact_at_risk=contact_at_risk,
            min_contact_gap=min_contact_gap,
            allow_any_nerve=allow_any_nerve,
        )
        typer.echo(f"report written to {printable(output)}", err=True)
