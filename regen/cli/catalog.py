"""``regen nerves`` and ``regen columns``: what regen accepts, as tables, CSV, TSV or JSON."""

from __future__ import annotations

import typer

from regen.cli.options import ListFormat, fail_cleanly

__all__ = ["columns", "nerves"]


def nerves(
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", help="table, csv, tsv or json (a list of objects)."),
) -> None:
    """List the nerve catalog: ids, aliases, indications, default distances and sources.

    Ids are never wrapped (type them as shown); aliases are accepted too, in
    any case. csv, tsv and json carry every field of data/nerves.csv.

    Example: regen nerves --format csv > nerves.csv
    """
    with fail_cleanly():
        from regen.reporting.listing import nerve_listing, terminal_width

        typer.echo(nerve_listing(fmt.value, terminal_width()))


def columns(
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", help="table, csv, tsv or json."),
) -> None:
    """List every accepted input column (type, unit, accepted values, default) and every output column.

    Headers are matched ignoring case, surrounding spaces and -/_/space
    (Age, Treated_On, patient id); other columns pass through untouched.

    Example: regen columns --format csv > columns.csv
    """
    with fail_cleanly():
        from regen.reporting.listing import column_listing, terminal_width

        typer.echo(column_listing(fmt.value, terminal_width()))
