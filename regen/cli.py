"""The ``regen`` command line: parse, call :mod:`regen`, print.

Every command is a thin layer over a library function. Library errors
(:class:`regen.RegenError`) are printed as one ``Error: ...`` line on stderr
with exit code 1; usage errors exit 2. Results go to stdout, messages to
stderr. regen is decision support, not a medical device: every estimate is
printed with its interval and the model version.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import typer

from regen._version import __version__
from regen.cli_options import MODEL_HELP as _MODEL_HELP
from regen.cli_options import ListFormat, OutputFormat, fail_cleanly
from regen.cli_options import model_name as _model_name
from regen.cli_options import numbers as _numbers
from regen.cli_options import parse_today as _today
from regen.cli_predict import predict
from regen.parsing import printable

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


# --------------------------------------------------------------------------- predict
app.command()(predict)


@app.command()
def nerves(
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", help="table, csv, tsv or json (a list of objects)."),
) -> None:
    """List the nerve catalog: ids, aliases, indications, default distances and sources.

    Ids are never wrapped (type them as shown); aliases are accepted too, in
    any case. csv, tsv and json carry every field of data/nerves.csv.

    Example: regen nerves --format csv > nerves.csv
    """
    with fail_cleanly():
        from regen.listing import nerve_listing, terminal_width

        typer.echo(nerve_listing(fmt.value, terminal_width()))


@app.command()
def columns(
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", help="table, csv, tsv or json."),
) -> None:
    """List every accepted input column (type, unit, accepted values, default) and every output column.

    Headers are matched ignoring case, surrounding spaces and -/_/space
    (Age, Treated_On, patient id); other columns pass through untouched.

    Example: regen columns --format csv > columns.csv
    """
    with fail_cleanly():
        from regen.listing import column_listing, terminal_width

        typer.echo(column_listing(fmt.value, terminal_width()))


# --------------------------------------------------------------------------- simulate / fit / evaluate
@app.command()
def simulate(
    n: int = typer.Option(1000, "-n", "--n", parser=_numbers(1, 10_000_000, whole=True), metavar="N",
                          help="Number of synthetic patients (1 to 10,000,000)."),
    seed: int = typer.Option(0, parser=_numbers(0, whole=True), metavar="SEED",
                             help="Random seed (same seed, same cohort)."),
    output: Path = typer.Option(..., "-o", "--output", help="CSV file to write (outcome schema)."),
) -> None:
    """Write a synthetic cohort with a known truth, in the outcome schema (no real patients).

    Covariates, the mechanism, indication effects, monthly visits that make
    interval censoring, loss to follow-up and non-responders.

    Example: regen simulate -n 5000 --seed 1 -o cohort.csv
    """
    from regen.cli_options import check_paths as cli_check_paths

    cli_check_paths({"--output": output}, stdout_ok=True, table=True)
    with fail_cleanly():
        from regen.files import write_table_atomic
        from regen.simulate import simulate_cohort

        cohort = simulate_cohort(n, seed=seed)
        write_table_atomic(cohort, output)
        typer.echo(f"wrote {len(cohort)} synthetic patients to {printable(output)}", err=True)


class Family(str, Enum):
    auto = "auto"
    weibull = "weibull"
    lognormal = "lognormal"
    loglogistic = "loglogistic"


@app.command()
def fit(
    outcomes: Path = typer.Argument(..., help="Outcome CSV: patient columns + relief_last_seen_day, relief_lost_day."),
    output: Path = typer.Option(..., "-o", "--output", help="Model file to write (JSON); its card .md goes beside it."),
    family: Family = typer.Option(Family.auto, help="AFT family; auto picks the lowest AIC."),
    penalizer: float = typer.Option(0.01, parser=_numbers(0.0, 1e4), metavar="PENALTY",
                                    help="Ridge penalty on the coefficients (0 to 10,000)."),
    fit_offset: bool = typer.Option(False, help="Estimate the coefficient of log T_nerve instead of fixing it at 1."),
    covariates: bool = typer.Option(True, "--covariates/--no-covariates",
                                    help="Fit age, BMI, diabetes, smoking, sex, prior treatments besides indication."),
    name: str = typer.Option("regen-fitted", help="Model name; every prediction carries NAME@VERSION, where "
                             "VERSION is the first 8 hex digits of the training data's sha256 (in the card)."),
) -> None:
    """Fit the relief-end model on a clinic's outcome data; write the model and its card.

    Bad rows are reported (row number and reason) and left out; a file with no
    usable row, or too few observed relief ends for the coefficients, is
    refused in one line; fewer than about 10 observed relief ends per
    coefficient gives a warning. Coefficients are printed with their unit and
    as ratios exp(coef) of relief to the modelled nerve time (the offset log
    T_nerve), not of relief in days. The model version identifies the training
    data: regen-fitted@<first 8 hex of its sha256>.
    Estimates with intervals; decision support, not a medical device.

    Example: regen fit cohort.csv -o model.json --family auto --penalizer 0.01
    """
    from regen.cli_options import check_paths as cli_check_paths

    card = Path(output).with_suffix(".md")
    cli_check_paths({"--output": output, "its card (--output with .md)": card}, (outcomes,))
    if card.is_file() and not card.read_text(encoding="utf-8", errors="replace").startswith("# Model card"):
        raise typer.BadParameter(f"{card} exists and is not a regen model card; the card of --output would "
                                 "replace it: choose another --output or move that file", param_hint="--output")
    from regen.bundle import MAX_NAME_LENGTH, is_safe_name

    if not is_safe_name(name):
        raise typer.BadParameter(f"give a model name of 1 to {MAX_NAME_LENGTH} ASCII letters, digits and . _ @ + -, "
                                 "starting with a letter or digit (it is written into every scored row)",
                                 param_hint="--name")
    with fail_cleanly():
        from regen.fitting import fit_file
        from regen.parsing import printable

        summary = fit_file(outcomes, output, family=family.value, penalizer=penalizer,
                           fit_offset=fit_offset, name=printable(name), covariates=covariates)
        for row, reason in summary["bad_rows"]:
            typer.echo(f"{_bad_row(row, reason)} (left out)", err=True)
        for header, column in summary["mapped"].items():
            typer.echo(f"Note: column {printable(repr(str(header)))} read as {column}", err=True)
        for warning in summary["warnings"]:
            typer.echo(f"Warning: {printable(warning)}", err=True)
        typer.echo(summary["text"])


@app.command()
def evaluate(
    model: str = typer.Argument(..., help="Model file (regen fit), 'default' (embedded) or 'mechanism-only'."),
    outcomes: Path = typer.Argument(..., help="Outcome CSV to evaluate on."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json (undefined values: null)."),
    plot_dir: Path | None = typer.Option(None, help="Write calibration plot PNGs here."),
    bootstrap: int = typer.Option(200, parser=_numbers(0, whole=True), metavar="N",
                                  help="Bootstrap resamples for the intervals (0 = none)."),
    seed: int = typer.Option(0, parser=_numbers(0, whole=True), metavar="SEED", help="Bootstrap seed."),
) -> None:
    """Concordance, integrated Brier score and calibration at 90/180/365 days, with bootstrap intervals.

    Bad outcome rows are left out with a one-line warning (how many, the first
    row number and reason). Estimates with intervals; decision support, not a
    medical device.

    Example: regen evaluate default cohort.csv --format json
    """
    with fail_cleanly():
        from regen.evaluation import evaluate as run
        from regen.evaluation import json_safe
        from regen.model import load_model
        from regen.outcomes import load_outcomes

        loaded = load_model(_model_name(model))
        data = load_outcomes(outcomes)
        _warn_left_out(data.bad)
        result = run(loaded, data, bootstrap=bootstrap, seed=seed)
        if result["training_data"]:
            typer.echo("Warning: these are the model's own training data (same sha256): the figures are "
                       "optimistic, not a validation; evaluate on data the model has not seen", err=True)
        if plot_dir is not None:
            from regen.plots import plot_calibration

            result["plots"] = plot_calibration(result, plot_dir)
        if fmt == OutputFormat.json:
            from regen.parsing import json_text

            typer.echo(json_text(json_safe(result), indent=1, allow_nan=False))
        else:
            from regen.fitting import evaluation_text
            from regen.parsing import printable

            typer.echo("\n".join(printable(line) for line in evaluation_text(result).splitlines()))



@app.command()
def describe(
    outcomes: Path = typer.Argument(..., help="Outcome CSV."),
    cox: bool = typer.Option(True, "--cox/--no-cox", help="Also fit a spline-baseline Cox model."),
) -> None:
    """Describe outcome data without the mechanism: Turnbull P(relief) per indication, spline Cox model.

    Each Turnbull curve stops at its indication's last follow-up (blank beyond:
    the data say nothing there). Bad outcome rows are left out with a one-line
    warning. Estimates with intervals; decision support, not a medical device.

    Example: regen describe cohort.csv
    """
    with fail_cleanly():
        from regen.describe import cox_spline, cox_text, describe_data, turnbull_table
        from regen.errors import DataFileError
        from regen.outcomes import load_outcomes

        data = load_outcomes(outcomes)
        _warn_left_out(data.bad)
        data = describe_data(data)
        table = turnbull_table(data)
        typer.echo("Turnbull estimate of P(still relieved | responder), by indication "
                   "(blank: beyond the last follow-up, or fewer than 2 responders):")
        typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.2f}", na_rep=""))
        if cox:
            try:
                summary = cox_spline(data)
            except DataFileError as exc:
                typer.echo(f"Note: Cox model not fitted: {printable(exc)}", err=True)
                return
            for warning in summary.attrs.get("warnings", []):
                typer.echo(f"Note: Cox model: {printable(warning)}", err=True)
            typer.echo("\nCox model with a spline baseline (hazard of losing relief; responders; "
                       "hazard ratio above 1: relief ends sooner):")
            typer.echo(cox_text(summary))
            typer.echo(printable(summary.attrs["note"]))


@app.command()
def validate(
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
    draws: int = typer.Option(4000, min=100, help="Monte Carlo draws per predicted number."),
    seed: int = typer.Option(0, parser=_numbers(0, whole=True), metavar="SEED", help="Seed of the draws."),
) -> None:
    """Validate the default model study by study: refit leaving each published study out and predict it.

    Prints, per study and overall, the share of that study's published numbers
    inside their 80 % predictive intervals (target 70-95 %) and how many of
    those inside had a nearly uninformative interval (one that contains at
    least 80 % of all published numbers on its scale, proportions or days),
    then every number (published vs predicted, p10-p90; proportions to 0.001,
    days whole). Takes about 20 s. Estimates with intervals; decision support,
    not a medical device.

    Example: regen validate --format json
    """
    with fail_cleanly():
        from regen.validation import UNINFORMATIVE_RULE, display_table, validate_shipped

        loso, coverage = validate_shipped(draws=draws, seed=seed)
        if fmt == OutputFormat.json:
            typer.echo(json.dumps({"coverage": _records(coverage), "numbers": _records(loso),
                                   "uninformative_rule": UNINFORMATIVE_RULE},
                                  default=_json_default, allow_nan=False))
            return
        total = coverage.iloc[-1]
        typer.echo(f"leave-one-study-out: {int(total['inside'])} of {int(total['numbers'])} published numbers "
                   f"inside their 80 % predictive intervals ({total['share_inside']:.0%}; target 70-95 %)")
        typer.echo(f"{int(total['inside_uninformative'])} of the {int(total['inside'])} covered numbers had "
                   f"intervals that were nearly uninformative ({UNINFORMATIVE_RULE})")
        typer.echo(coverage.to_string(index=False, formatters={"share_inside": "{:.0%}".format}))
        typer.echo("")
        typer.echo(display_table(loso).to_string(index=False))


def _bad_row(row: int, reason: str) -> str:
    """``row 3: age: abc is not a number``: one bad outcome row as fit, evaluate and describe list it."""
    return f"row {row}: {printable(reason)}"


def _warn_left_out(bad: list) -> None:
    """One line on stderr: how many outcome rows were left out, and the first with its reason."""
    if bad:
        from regen.outcomes import counted

        typer.echo(f"Warning: {counted(len(bad), 'row')} left out as invalid (first: {_bad_row(*bad[0])})",
                   err=True)


def _records(frame) -> list[dict]:
    """A DataFrame as JSON-ready records: missing values become None (null), never NaN."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _json_default(value):
    """JSON for numpy scalars (bool, int, float)."""
    return value.item()


# --------------------------------------------------------------------------- score
class Engine(str, Enum):
    pandas = "pandas"
    dask = "dask"


@app.command()
def score(
    source: str = typer.Argument(..., metavar="IN", help="CSV, .csv.gz, .parquet; '-' = stdin; or a quoted glob."),
    output: str = typer.Option(..., "-o", "--output", help="Output CSV / .csv.gz / .parquet; '-' = stdout."),
    model: str | None = typer.Option(None, help=_MODEL_HELP),
    errors: str | None = typer.Option(None, "--errors", help="Also write unscorable rows (row, patient_id, error)."),
    engine: Engine = typer.Option(Engine.pandas, help="pandas (this process) or dask (a Dask cluster; "
                                  "needs regen[dask]); the same options and the same output bytes."),
    chunksize: int = typer.Option(50_000, min=1,  # = regen.tables.CHUNK_ROWS (tested), kept off the import path
                                  help="Rows per chunk and per Parquet row group (memory stays flat)."),
    book_at_risk: float | None = typer.Option(None, min=0.01, max=0.99, help="Booking rule (default 0.25)."),
    scheduler: str | None = typer.Option(
        None, help="--engine dask: address of an existing Dask scheduler (tcp://host:8786). "
        "Default: DASK_SCHEDULER_ADDRESS, else a local cluster."),
    allow_any_nerve: bool = typer.Option(
        False, "--allow-any-nerve",
        help="Score a nerve for an indication the catalog does not list for it (a warning in each such row "
        "instead of an error); the column allow_any_nerve does the same row by row."),
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
    Estimates with intervals; decision support, not a medical device.

    Columns: 'regen columns' lists every accepted input column (type, unit,
    accepted values, default) and every output column with its meaning.

    Example: regen score cohort.csv -o scored.csv --errors rejected.csv
    """
    from regen.cli_options import check_paths as cli_check_paths
    from regen.io import input_paths

    if scheduler and engine != Engine.dask:
        raise typer.BadParameter("--scheduler needs --engine dask", param_hint="--scheduler")
    streamed = " (standard output may hold an incomplete table: discard it)" if output == "-" else ""
    with fail_cleanly(streamed):
        model = _model_name(model)
        used = (*input_paths(source), *([model] if model is not None and Path(model).is_file() else []))
        cli_check_paths({"--output": output, "--errors": errors}, used, stdout_ok=True, table=True)
        options = {"chunksize": chunksize, "book_at_risk": book_at_risk, "allow_any_nerve": allow_any_nerve}
        with _progress() as tick:
            if engine == Engine.dask:
                from regen.dask_engine import score_files_dask

                summary = score_files_dask(source, output, model, errors, progress=tick, scheduler=scheduler,
                                           **options)
            else:
                from regen.io import score_file

                summary = score_file(source, output, model, errors, progress=tick, **options)
    from regen.io import summary_lines

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

    with Progress(SpinnerColumn(), TextColumn("{task.completed:,} rows scored"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("score", total=None)
        yield lambda rows: bar.update(task, completed=rows)


# --------------------------------------------------------------------------- report
@app.command()
def report(
    scored: Path = typer.Argument(..., help="A scored CSV (the output of regen score)."),
    output: Path = typer.Option(..., "-o", "--output", help="HTML file to write (self-contained)."),
    today: str | None = typer.Option(None, callback=_today,
                                     help="Start the calendar on this date (YYYY-MM-DD, 1970-2100). "
                                     "Default: today."),
    list_patients: bool = typer.Option(
        False, "--list-patients",
        help="Add the working lists with patient_id (who is overdue, who is due when). Off by default so a "
        "shared page carries no identifiers.",
    ),
) -> None:
    """One self-contained HTML page for a clinic: who is overdue, calendars of the next 12 weeks and
    24 months, what evidence the forecasts rest on, the cohort.

    Example: regen report scored.csv -o report.html --today 2026-11-25 --list-patients
    """
    from regen.cli_options import check_paths as cli_check_paths

    cli_check_paths({"--output": output}, (scored,))
    extension = Path(output).suffix.lower()
    if extension and extension not in (".html", ".htm"):
        raise typer.BadParameter(f"{printable(output)}: regen report writes HTML (.html, .htm), not "
                                 f"{printable(extension)}; name the file accordingly", param_hint="--output")
    with fail_cleanly():
        from regen.errors import DataFileError
        from regen.files import atomic_path
        from regen.report import build_report
        from regen.tables import read_table

        frame = read_table(scored)
        try:
            page = build_report(frame, today=today, list_patients=list_patients)
        except DataFileError as exc:  # name the file: the library only sees a table
            raise DataFileError(f"{scored}: {exc}") from None
        with atomic_path(output) as tmp:
            tmp.write_text(page, encoding="utf-8")
        typer.echo(f"report written to {printable(output)}", err=True)


# --------------------------------------------------------------------------- serve (TEMPORARY, issue 22)
# The web tool's and the store's sub-apps, registered here until the lead wires them into the restructured CLI.
try:  # only with the serve extra installed
    from regen.store.commands import db_app as _db_app
    from regen.store.commands import users_app as _users_app
    from regen.web.commands import serve as _serve

    app.command("serve")(_serve)
    app.add_typer(_db_app, name="db")
    app.add_typer(_users_app, name="users")
except ImportError:  # pragma: no cover - without fastapi/sqlalchemy the commands are simply absent
    pass
# --------------------------------------------------------------------------- end of serve block


def main() -> None:
    """Entry point of the ``regen`` command."""
    app(prog_name="regen")


if __name__ == "__main__":
    main()
