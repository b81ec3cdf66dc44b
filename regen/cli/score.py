"""``regen score``: a cohort file scored in chunks, every input column untouched, then the predictions."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from enum import Enum

import typer

from regen.cli.options import MODEL_HELP as _MODEL_HELP
from regen.cli.options import fail_cleanly
from regen.cli.options import model_name as _model_name

__all__ = ["score"]


class Engine(str, Enum):
    pandas = "pandas"
    dask = "dask"


def score(
    source: str = typer.Argument(..., metavar="IN", help="CSV, .csv.gz, .parquet; '-' = stdin; or a quoted glob."),
    output: str = typer.Option(..., "-o", "--output", help="Output CSV / .csv.gz / .parquet; '-' = stdout."),
    model: str | None = typer.Option(None, help=_MODEL_HELP),
    errors: str | None = typer.Option(None, "--errors", help="Also write unscorable rows (row, patient_id, error)."),
    engine: Engine = typer.Option(
        Engine.pandas,
        help="pandas (this process) or dask (a Dask cluster; "
        "needs regen[dask]); the same options and the same output bytes.",
    ),
    chunksize: int = typer.Option(
        50_000,
        min=1,  # = regen.files.read.CHUNK_ROWS (tested), kept off the import path
        help="Rows per chunk and per Parquet row group (memory stays flat).",
    ),
    book_at_risk: float | None = typer.Option(
        None, min=0.01, max=0.99, help="Pre-booking rule: retreatment_due_day (default 0.25)."
    ),
    contact_at_risk: float | None = typer.Option(
        None, min=0.01, max=0.99, help="Contact rule: next_contact_day (default 0.25)."
    ),
    min_contact_gap: float | None = typer.Option(None, min=0, max=365, help="Least days between contacts (14)."),
    scheduler: str | None = typer.Option(
        None,
        help="--engine dask: address of an existing Dask scheduler (tcp://host:8786). "
        "Default: DASK_SCHEDULER_ADDRESS, else a local cluster.",
    ),
    allow_any_nerve: bool = typer.Option(
        False,
        "--allow-any-nerve",
        help="Score a nerve for an indication the catalog does not list for it (a warning in each such row "
        "instead of an error); the column allow_any_nerve does the same row by row.",
    ),
) -> None:
    """Score a cohort file: every input column untouched, then the prediction columns and error.

    Rows stay in input order; a row that cannot be scored keeps its place with
    empty predictions and its reason in 'error'. Row numbers (in --errors and
    messages) count data records: 1 is the first row after the header, blank
    lines do not count. A record with more or fewer fields than the header
    refuses the file. The output appears only when complete. Exit codes: 0 all
    rows scored; 3 finished but some rows not scored; 1 the file itself could
    not be read (missing 'nerve' column, not a CSV, not UTF-8, ...); 2 usage
    error (an output that is an input, two outputs on one path, ...).
    With -o - and stderr sent into the same pipe or file as stdout (2>&1), the
    summary is not printed, so the table stays whole (errors still are).
    Estimates with intervals; decision support, not a medical device.

    Columns: 'regen columns' lists every accepted input column (type, unit,
    accepted values, default) and every output column with its meaning.

    Example: regen score cohort.csv -o scored.csv --errors rejected.csv
    """
    if scheduler and engine != Engine.dask:
        raise typer.BadParameter("--scheduler needs --engine dask", param_hint="--scheduler")
    streamed = " (standard output may hold an incomplete table: discard it)" if output == "-" else ""
    with fail_cleanly(streamed):
        from regen.batch.score import score_file

        runner = None
        if engine == Engine.dask:
            from regen.batch.dask import DaskEngine

            runner = DaskEngine(scheduler)
        with _progress() as tick:
            summary = score_file(
                source,
                output,
                _model_name(model),
                errors,
                chunksize=chunksize,
                progress=tick,
                book_at_risk=book_at_risk,
                contact_at_risk=contact_at_risk,
                min_contact_gap=min_contact_gap,
                engine=runner,
                allow_any_nerve=allow_any_nerve,
            )
    from regen.batch.score import summary_lines
    from regen.files.paths import shares_stderr

    if output != "-" or not shares_stderr():  # rows on stdout, 2>&1: no summary among them
        for line in summary_lines(summary):
            typer.echo(line, err=True)
    if summary["not_scored"]:
        raise typer.Exit(3)


@contextmanager
def _progress():
    """A row counter on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.completed:,} rows scored"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("score", total=None)
        yield lambda rows: bar.update(task, completed=rows)
