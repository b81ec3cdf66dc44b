"""``regen validate``: the shipped model judged on studies it has not seen, both parts."""

from __future__ import annotations

import typer

from regen.cli.options import MODEL_HELP as _MODEL_HELP
from regen.cli.options import OutputFormat, fail_cleanly
from regen.cli.options import model_name as _model_name

__all__ = ["validate"]


def validate(
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
    refit: bool = typer.Option(
        False, "--refit", help="Recompute: refit by MCMC leaving each study out (about 30 min; the bayes extra)."
    ),
    model: str | None = typer.Option(None, help=_MODEL_HELP),
) -> None:
    """Leave-one-study-out validation of the return of sensation and of relief, against naive references.

    Prints what the model's build stored with its version (fast): per part, whether it
    beats the reference (log score), how many published numbers fall inside their 80 %
    predictive intervals, how many of those intervals are uninformative, and each study.
    --refit recomputes it (needs pip install 'regen-cryo[bayes]'; progress on stderr).
    Estimates with intervals; decision support, not a medical device.

    Example: regen validate --format json
    """
    with fail_cleanly():
        from regen.fitting.validation import refit_validation, stored_validation, validation_json, validation_text
        from regen.model.model import load_model
        from regen.utils.text import json_text

        loaded = load_model(_model_name(model))
        if refit:
            result = refit_validation(progress=lambda line: typer.echo(line, err=True))
        else:
            result = stored_validation(loaded)
        if fmt == OutputFormat.json:
            typer.echo(json_text(validation_json(result, loaded.version)))
        else:
            typer.echo(validation_text(result, loaded.version))
