"""``regen validate``: the default model judged study by study, each published study left out."""

from __future__ import annotations

import json

import typer

from regen.cli.options import OutputFormat, fail_cleanly
from regen.cli.options import numbers as _numbers

__all__ = ["validate"]


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
        from regen.fitting.loso import UNINFORMATIVE_RULE, display_table, validate_shipped
        from regen.utils.text import json_safe

        loso, coverage = validate_shipped(draws=draws, seed=seed)
        if fmt == OutputFormat.json:
            typer.echo(
                json.dumps(
                    {
                        "coverage": json_safe(coverage.to_dict("records")),
                        "numbers": json_safe(loso.to_dict("records")),
                        "uninformative_rule": UNINFORMATIVE_RULE,
                    },
                    allow_nan=False,
                )
            )
            return
        total = coverage.iloc[-1]
        typer.echo(
            f"leave-one-study-out: {int(total['inside'])} of {int(total['numbers'])} published numbers "
            f"inside their 80 % predictive intervals ({total['share_inside']:.0%}; target 70-95 %)"
        )
        typer.echo(
            f"{int(total['inside_uninformative'])} of the {int(total['inside'])} covered numbers had "
            f"intervals that were nearly uninformative ({UNINFORMATIVE_RULE})"
        )
        typer.echo(coverage.to_string(index=False, formatters={"share_inside": "{:.0%}".format}))
        typer.echo("")
        typer.echo(display_table(loso).to_string(index=False))
