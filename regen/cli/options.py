"""Option types of the command line: strict numbers, model names, dates, list formats.

Numeric options accept only finite decimal numbers written in ASCII
(:func:`regen.utils.parsing.parse_number`): ``nan``, ``inf``, ``1_000`` and
``６４`` are usage errors (exit 2), as they are errors in a CSV. A model is
named by a file, ``default`` (the embedded model) or ``mechanism-only``.
Light: nothing here imports pandas or scipy (``regen predict`` stays fast).

Examples
--------
>>> from regen.cli.options import numbers, model_name
>>> numbers(0.01, 0.99)("0.25"), model_name("default"), model_name("m.json")
(0.25, None, 'm.json')
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from enum import Enum

import typer

from regen.errors import RegenError, UsageError
from regen.utils.parsing import parse_number

__all__ = [
    "MODEL_HELP",
    "ListFormat",
    "OutputFormat",
    "check_paths",
    "fail_cleanly",
    "model_name",
    "numbers",
    "parse_today",
]

MODEL_HELP = (
    "Model: a file written by 'regen fit', 'default' (the embedded model) or 'mechanism-only' "
    "(no outcome data). Default: default."
)


class ListFormat(str, Enum):
    """Output formats of the listing commands (``regen nerves``, ``regen columns``)."""

    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


def numbers(low: float | None = None, high: float | None = None, whole: bool = False):
    """A parser of a numeric option: a finite ASCII decimal (no nan, inf, 1_000), optionally in [low, high].

    Returns a function for ``typer.Option(parser=...)``; a bad value raises
    :class:`typer.BadParameter` (a usage error, exit 2).
    """

    def parse(text: object) -> float | int:
        if isinstance(text, int | float) and not isinstance(text, bool):
            return text
        try:
            value = parse_number(str(text))
        except ValueError:
            raise typer.BadParameter(f"{str(text)!r} is not a number (e.g. 64 or 1.5; not nan, inf or 1_000)") from None
        if whole:
            stripped = str(text).strip()
            if stripped.lstrip("+-").isdigit() and stripped.isascii():
                value = int(stripped)  # exact: no float rounding of a large seed
            elif value != int(value):
                raise typer.BadParameter(f"{str(text)!r} is not a whole number")
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"outside {low:g} to {high:g}" if high is not None else f"below {low:g}"
            raise typer.BadParameter(f"{value:g} is {span}")
        return int(value) if whole else value

    return parse


def model_name(model: str | None) -> str | None:
    """A ``--model`` value as :func:`regen.load_model` takes it: ``default`` (or none) is the embedded model.

    A file literally called ``default`` is named ``./default``.
    """
    return None if model in (None, "default") else model


def parse_today(text: str | None) -> str | None:
    """``report --today`` read by the one date parser (YYYY-MM-DD, years 1970-2100); None stays None.

    Raises
    ------
    typer.BadParameter
        If the text is blank or not such a date (a usage error: exit 2).
    """
    if text is None:
        return None
    from regen.errors import InputError
    from regen.schema.patients import parse_date

    try:
        day = parse_date(text)
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--today'") from None
    if str(day) == "NaT":
        raise typer.BadParameter("give a date YYYY-MM-DD, e.g. 2026-03-14", param_hint="'--today'")
    return str(day)


def check_paths(
    outputs: dict, inputs: tuple = (), stdout_ok: bool = False, suffix: str | None = None, table: bool = False
) -> None:
    """:func:`regen.files.write.check_paths` for the command line: a clash is a usage error (exit code 2)."""
    import typer

    from regen.files.paths import PathClashError
    from regen.files.paths import check_paths as check

    try:
        check(outputs, inputs, stdout_ok, suffix, table)
    except PathClashError as exc:
        raise typer.BadParameter(str(exc)) from None


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


@contextmanager
def fail_cleanly(note: str = ""):
    """Turn library errors into one ``Error:`` line (control characters escaped) and exit code 1.

    ``note`` is added to the line (e.g. that a table streamed to stdout is incomplete).
    """
    from regen.utils.text import printable

    try:
        yield
    except BrokenPipeError:  # the reader went away (`regen validate | head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(1) from None
    except UsageError as exc:  # an output that collides with an input, a bad name: a usage error (exit 2)
        raise typer.BadParameter(str(exc)) from None
    except RegenError as exc:
        typer.echo(f"Error: {printable(exc)}{note}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        text = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
        typer.echo(f"Error: {printable(text)}{note}", err=True)
        raise typer.Exit(1) from None
