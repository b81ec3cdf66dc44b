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
    from regen.cli.options import check_paths as cli_check_paths

    cli_check_paths({"--output": output}, (scored,))
    extension = Path(output).suffix.lower()
    if extension and extension not in (".html", ".htm"):
        raise typer.BadParameter(
            f"{printable(output)}: regen report writes HTML (.html, .htm), not "
            f"{printable(extension)}; name the file accordingly",
            param_hint="--output",
        )
    with fail_cleanly():
        from regen.errors import DataFileError
        from regen.files.read import read_table
        from regen.files.write import atomic_path
        from regen.reporting.report import build_report

        frame = read_table(scored)
        try:
            page = build_report(frame, today=today, list_patients=list_patients)
        except DataFileError as exc:  # name the file: the library only sees a table
            raise DataFileError(f"{scored}: {exc}") from None
        with atomic_path(output) as tmp:
            tmp.write_text(page, encoding="utf-8")
        typer.echo(f"report written to {printable(output)}", err=True)
