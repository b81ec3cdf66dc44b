"""``regen simulate``, ``fit``, ``evaluate`` and ``describe``: a clinic's own outcome data and model."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from regen.cli.options import OutputFormat, fail_cleanly
from regen.cli.options import model_name as _model_name
from regen.cli.options import numbers as _numbers
from regen.fitting.clinic import defaults as _fit
from regen.utils.text import plural, printable

__all__ = ["describe", "evaluate", "fit", "simulate"]


def simulate(
    n: int = typer.Option(
        1000,
        "-n",
        "--n",
        parser=_numbers(1, 10_000_000, whole=True),
        metavar="N",
        help="Number of synthetic patients (1 to 10,000,000).",
    ),
    seed: int = typer.Option(
        0, parser=_numbers(0, whole=True), metavar="SEED", help="Random seed (same seed, same cohort)."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="CSV file to write (outcome schema)."),
) -> None:
    """Write a synthetic cohort with a known truth, in the outcome schema (no real patients).

    Covariates, the mechanism, indication effects, monthly visits that make
    interval censoring, loss to follow-up and non-responders.

    Example: regen simulate -n 5000 --seed 1 -o cohort.csv
    """
    from regen.cli.options import check_paths as cli_check_paths

    cli_check_paths({"--output": output}, stdout_ok=True, table=True)
    with fail_cleanly():
        from regen.files.write import write_table
        from regen.fitting.simulate import simulate_cohort

        cohort = simulate_cohort(n, seed=seed)
        write_table(cohort, output)
        typer.echo(f"wrote {len(cohort)} synthetic patients to {printable(output)}", err=True)


class Family(str, Enum):
    auto = "auto"
    weibull = "weibull"
    lognormal = "lognormal"
    loglogistic = "loglogistic"


def fit(
    outcomes: Path = typer.Argument(..., help="Outcome CSV: patient columns + relief_last_seen_day, relief_lost_day."),
    output: Path = typer.Option(..., "-o", "--output", help="Model file to write (JSON); its card .md goes beside it."),
    family: Family = typer.Option(Family.auto, help="AFT family; auto picks the lowest AIC."),
    penalizer: float = typer.Option(
        0.01, parser=_numbers(0.0, 1e4), metavar="PENALTY", help="Ridge penalty on the coefficients (0 to 10,000)."
    ),
    fit_offset: bool = typer.Option(False, help="Estimate the coefficient of log T_nerve instead of fixing it at 1."),
    covariates: bool = typer.Option(
        True,
        "--covariates/--no-covariates",
        help="Fit age, BMI, diabetes, smoking, sex, prior treatments besides indication.",
    ),
    name: str = typer.Option(
        "regen-fitted",
        help="Model name; every prediction carries NAME@VERSION, where "
        "VERSION is the first 8 hex digits of the training data's sha256 (in the card).",
    ),
    prior: str = typer.Option(
        _fit.PRIOR,
        metavar="PRIOR",
        help="Start from this model's posterior: 'default' (the published evidence), a model file with a "
        "posterior (written by regen fit with a prior), or 'none' (lifelines, the clinic's data only).",
    ),
    robust_weight: float = typer.Option(
        _fit.ROBUST_WEIGHT,
        parser=_numbers(0.0, 1.0),
        metavar="W",
        help="Prior weight of the vague component, so data that conflict with the prior are not dragged "
        "toward it (0 to 1; a setting).",
    ),
    chains: int = typer.Option(
        _fit.CHAINS, parser=_numbers(1, 16, whole=True), metavar="N", help="MCMC chains (with a prior)."
    ),
    warmup: int = typer.Option(
        _fit.WARMUP, parser=_numbers(10, 100_000, whole=True), metavar="N", help="MCMC warmup iterations per chain."
    ),
    draws: int = typer.Option(
        _fit.DRAWS, parser=_numbers(10, 100_000, whole=True), metavar="N", help="MCMC kept draws per chain."
    ),
    seed: int = typer.Option(
        _fit.SEED, parser=_numbers(0, 2**32 - 1, whole=True), metavar="SEED", help="MCMC seed (0 to 4294967295)."
    ),
) -> None:
    """Fit the relief-end model on a clinic's outcome data; write the model and its card.

    By default the fit starts from the published evidence (the default
    model's posterior, robustified by a vague component of weight
    --robust-weight) and updates it with the clinic's interval- and
    right-censored rows by MCMC (progress on stderr); a young clinic whose
    patients are all still relieved gets a model too. It prints how many of
    the clinic's patients the evidence counts as, whether the data conflict
    with it, the slope on the nerve time, the patient effect of repeat
    cycles (cycle + patient_id) and each covariate's effect in days.
    --prior none fits lifelines on the data only (--family, --penalizer,
    --fit-offset apply to it).

    Rows of one patient, cycle and indication with the same relief end (a
    row per nerve of one knee treatment) are one treatment. Bad rows are
    reported (row number and reason) and left out; a file with no usable row
    is refused in one line. With --prior none, too few observed relief ends
    for the coefficients is refused and fewer than about 10 per coefficient
    gives a warning; its coefficients are printed as ratios exp(coef) of
    relief to the modelled nerve time (the offset log T_nerve), not of relief
    in days. The model version identifies the training data, the settings
    and the seed: regen-fitted@<first 8 hex of a sha256>.
    Estimates with intervals; decision support, not a medical device.

    Example: regen fit cohort.csv -o model.json --robust-weight 0.2
    """
    with fail_cleanly():
        from regen.errors import UsageError
        from regen.fitting.clinic.sampler import Settings
        from regen.fitting.fit_file import fit_file
        from regen.utils.text import printable

        if prior != "none" and (family != Family.auto or penalizer != 0.01 or fit_offset):
            raise UsageError("--family, --penalizer and --fit-offset apply to --prior none (the data-only fit)")
        summary = fit_file(
            outcomes,
            output,
            family=family.value,
            penalizer=penalizer,
            fit_offset=fit_offset,
            name=printable(name),
            covariates=covariates,
            prior=prior,
            robust_weight=robust_weight,
            settings=Settings(chains=chains, warmup=warmup, draws=draws, seed=seed),
            progress=lambda fraction, message: typer.echo(f"{fraction:4.0%} {message}", err=True),
        )
        for row, reason in summary["bad_rows"]:
            typer.echo(f"{_bad_row(row, reason)} (left out)", err=True)
        for header, column in summary["mapped"].items():
            typer.echo(f"Note: column {printable(repr(str(header)))} read as {column}", err=True)
        for warning in summary["warnings"]:
            typer.echo(f"Warning: {printable(warning)}", err=True)
        typer.echo(summary["text"])


def evaluate(
    model: str = typer.Argument(..., help="Model file (regen fit), 'default' (embedded) or 'mechanism-only'."),
    outcomes: Path = typer.Argument(..., help="Outcome CSV to evaluate on."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json (undefined values: null)."),
    plot_dir: Path | None = typer.Option(None, help="Write calibration plot PNGs here."),
    bootstrap: int = typer.Option(
        200, parser=_numbers(0, whole=True), metavar="N", help="Bootstrap resamples for the intervals (0 = none)."
    ),
    seed: int = typer.Option(0, parser=_numbers(0, whole=True), metavar="SEED", help="Bootstrap seed."),
) -> None:
    """Concordance, integrated Brier score and calibration at 90/180/365 days, with bootstrap intervals.

    Bad outcome rows are left out with a one-line warning (how many, the first
    row number and reason). Estimates with intervals; decision support, not a
    medical device.

    Example: regen evaluate default cohort.csv --format json
    """
    with fail_cleanly():
        from regen.fitting.evaluation import evaluate as run
        from regen.fitting.outcomes import load_outcomes
        from regen.model.model import load_model

        if plot_dir is not None:  # before any work: the plots may not land on an input
            from regen.reporting.plots import check_plot_dir

            check_plot_dir(plot_dir, (outcomes, *((model,) if Path(model).is_file() else ())))
        loaded = load_model(_model_name(model))
        data = load_outcomes(outcomes)
        _warn_left_out(data.bad)
        result = run(loaded, data, bootstrap=bootstrap, seed=seed)
        if result["training_data"]:
            typer.echo(
                "Warning: these are the model's own training data (same sha256): the figures are "
                "optimistic, not a validation; evaluate on data the model has not seen",
                err=True,
            )
        if plot_dir is not None:
            from regen.reporting.plots import plot_calibration

            result["plots"] = plot_calibration(result, plot_dir)
        if fmt == OutputFormat.json:
            from regen.utils.text import json_text

            typer.echo(json_text(result, indent=1))
        else:
            from regen.fitting.cards import evaluation_text
            from regen.utils.text import printable

            typer.echo("\n".join(printable(line) for line in evaluation_text(result).splitlines()))


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
        from regen.errors import DataFileError
        from regen.fitting.describe import cox_spline, cox_text, describe_data, turnbull_table
        from regen.fitting.outcomes import load_outcomes

        data = load_outcomes(outcomes)
        _warn_left_out(data.bad)
        data = describe_data(data)
        table = turnbull_table(data)
        typer.echo(
            "Turnbull estimate of P(still relieved | responder), by indication "
            "(blank: beyond the last follow-up, or fewer than 2 responders):"
        )
        typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.2f}", na_rep=""))
        if cox:
            try:
                summary = cox_spline(data)
            except DataFileError as exc:
                typer.echo(f"Note: Cox model not fitted: {printable(exc)}", err=True)
                return
            for warning in summary.attrs.get("warnings", []):
                typer.echo(f"Note: Cox model: {printable(warning)}", err=True)
            typer.echo(
                "\nCox model with a spline baseline (hazard of losing relief; responders; "
                "hazard ratio above 1: relief ends sooner):"
            )
            typer.echo(cox_text(summary))
            typer.echo(printable(summary.attrs["note"]))


def _bad_row(row: int, reason: str) -> str:
    """``row 3: age: abc is not a number``: one bad outcome row as fit, evaluate and describe list it."""
    return f"row {row}: {printable(reason)}"


def _warn_left_out(bad: list) -> None:
    """One line on stderr: how many outcome rows were left out, and the first with its reason."""
    if bad:
        typer.echo(f"Warning: {plural(len(bad), 'row')} left out as invalid (first: {_bad_row(*bad[0])})", err=True)
