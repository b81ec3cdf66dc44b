"""Fit a model file from an outcome CSV (the function behind ``regen fit``).

Examples
--------
>>> import tempfile, pathlib
>>> from regen.fitting.simulate import simulate_cohort
>>> from regen.fitting.fit_file import fit_file
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> simulate_cohort(300, seed=4).to_csv(tmp / "c.csv", index=False)
>>> summary = fit_file(tmp / "c.csv", tmp / "m.json", family="lognormal")
>>> (tmp / "m.json").is_file(), (tmp / "m.md").is_file(), summary["n"]
(True, True, 300)
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from regen.errors import FitWarning, RegenError, UsageError
from regen.fitting.cards import coefficient_table, finite_text, ratio_note, save_model
from regen.fitting.clinic.defaults import ROBUST_WEIGHT

__all__ = ["BAYES_INSTALL", "check_fit_paths", "check_model_name", "fit_file", "require_bayes"]

#: What to install for a fit from the evidence (NumPyro, JAX, ArviZ); ``regen-cryo[serve]`` includes it.
BAYES_INSTALL = "pip install 'regen-cryo[bayes]'"


def require_bayes(what: str = "regen fit with a prior", instead: str = "--prior none for the data-only fit") -> None:
    """Refuse in one line, saying what to install, when the clinic fit's sampler cannot be imported.

    Parameters
    ----------
    what : str
        What needs it, as the message starts (``regen fit with a prior``).
    instead : str
        What can be done without it, in parentheses at the end (``""``: nothing said).

    Raises
    ------
    RegenError
        ``"<what> needs the bayes extra: pip install 'regen-cryo[bayes]' (or <instead>)"``, when NumPyro
        (with JAX) or ArviZ is not installed.
    """
    try:
        import arviz  # noqa: F401 - the fit's diagnostics (R-hat, ESS)
        import numpyro  # noqa: F401 - the clinic fit's sampler (on JAX)
    except ImportError:
        raise RegenError(
            f"{what} needs the bayes extra: {BAYES_INSTALL}" + (f" (or {instead})" if instead else "")
        ) from None


def check_model_name(name: str) -> None:
    """Refuse a model name that could not travel in every scored row (letters, digits, ``._@+-``).

    Raises
    ------
    UsageError
    """
    from regen.model.bundle import MAX_NAME_LENGTH, is_safe_name

    if not is_safe_name(name):
        raise UsageError(
            f"--name: give a model name of 1 to {MAX_NAME_LENGTH} ASCII letters, digits and . _ @ + -, "
            "starting with a letter or digit (it is written into every scored row)"
        )


def check_fit_paths(outcomes: str | os.PathLike, output: str | os.PathLike, inputs: tuple = ()) -> None:
    """Check a fit's outputs (the model and its card) against its inputs before any work.

    Raises
    ------
    PathClashError
        If the model or its card would be an input (the outcome file, a prior
        model in ``inputs``), each other, or a file that is not a regen model card.
    """
    from regen.files.paths import PathClashError, check_paths

    card = Path(output).with_suffix(".md")
    if card == Path(output):
        raise PathClashError(f"--output: {output} ends in .md, the name of its card; name the model e.g. clinic.json")
    input_cards = tuple(Path(str(i)).with_suffix(".md") for i in inputs)  # a prior model's card is its own
    check_paths({"--output": output, "its card (--output with .md)": card}, (outcomes, *inputs, *input_cards),
                regular=True)  # fmt: skip
    if card.is_file() and not card.read_text(encoding="utf-8", errors="replace").startswith("# Model card"):
        raise PathClashError(
            f"--output: {card} exists and is not a regen model card; the card of --output would "
            "replace it: choose another --output or move that file"
        )


#: How a card names the data it was fitted on: not by the file's name, which may identify a patient (its hash is
#: in the card's Data line).
_OUTCOMES = "a clinic's outcome data (the file's name is not recorded)"


def fit_file(
    outcomes: str | os.PathLike,
    output: str | os.PathLike,
    family: str = "auto",
    penalizer: float = 0.01,
    fit_offset: bool = False,
    name: str = "regen-fitted",
    covariates: bool = True,
    prior: str | os.PathLike = "none",
    robust_weight: float = ROBUST_WEIGHT,
    settings=None,
    progress=None,
) -> dict:
    """Fit a clinic's model on an outcome CSV; write the model and ``<output>.md``.

    With ``prior="none"`` (the default of this function; ``regen fit``'s and ``regen serve``'s is
    :data:`regen.fitting.clinic.defaults.PRIOR`, ``default``):
    :class:`~regen.ReliefModel` (lifelines, data only). With a prior (``"default"``, the embedded
    evidence model, or a model file with a ``posterior_approx``): the Bayesian clinic fit
    (:func:`regen.fitting.clinic.fit.fit_clinic`), which ``family``, ``penalizer`` and ``fit_offset`` do
    not apply to.

    Parameters
    ----------
    robust_weight : float
        Prior weight of the vague component (with a prior); default
        :data:`regen.fitting.clinic.defaults.ROBUST_WEIGHT`.
    settings : regen.fitting.clinic.sampler.Settings, optional
        Chains, warmup, draws and seed of the MCMC (with a prior); default ``Settings()``
        (:mod:`regen.fitting.clinic.defaults`).
    progress : callable, optional
        ``progress(fraction, message)`` while sampling (with a prior).

    Returns
    -------
    dict
        ``text`` (the summary), ``bad_rows`` (row, reason), ``warnings`` (what
        the data could not support, headers not read), ``mapped`` (headers read
        as a column), ``n`` and ``path``.
    """
    if str(prior) != "none":
        return _fit_with_prior(outcomes, output, prior, robust_weight, settings, progress, name, covariates)
    from regen.files.read import read_table
    from regen.fitting.outcomes import check_cycles, load_outcomes
    from regen.fitting.relief_model import ReliefModel
    from regen.model.model import Model, thaw

    check_fit_paths(outcomes, output)
    check_model_name(name)
    frame = read_table(outcomes)
    data = load_outcomes(frame)
    check_cycles(data)  # one row per patient, nerve and cycle, as the fit from the evidence requires
    with warnings.catch_warnings():  # returned in "warnings" below, in the summary's words
        warnings.simplefilter("ignore", FitWarning)
        fitted = ReliefModel(family=family, penalizer=penalizer, fit_offset=fit_offset, covariates=covariates)
        fitted.fit(frame)
    model = Model(fitted.to_bundle(name))
    concordance = fitted.score(frame)
    bundle = {**thaw(model.bundle), "metrics": {"c_index_train": concordance if concordance == concordance else None}}
    save_model(Model(bundle), output, f"Fitted by `regen fit OUTCOMES --prior none` on {_OUTCOMES}.", data)
    path = Path(output)
    fit = bundle["fit"]
    text = "\n".join(
        [
            f"model {model.version} written to {path} (card: {Path(path).with_suffix('.md')})",
            f"n = {len(data)} rows used ({len(data.bad)} left out); events "
            f"{data.censoring_mix['exact'] + data.censoring_mix['interval']}; censoring {data.censoring_mix}",
            f"family {fit['family_reason']}; sigma {bundle['relief']['sigma']:.3f}; AIC {fit['aic']:.1f}; "
            f"concordance (training) {finite_text(concordance)}",
            "",
            *coefficient_table(bundle),
            "",
            ratio_note(bundle),
        ]
    )
    return {
        "text": text,
        "bad_rows": data.bad,
        "n": len(data),
        "path": str(path),
        "warnings": [*data.warnings, *fitted.warnings_],
        "mapped": data.mapped,
    }


def _fit_with_prior(outcomes, output, prior, robust_weight, settings, progress, name, covariates) -> dict:
    """The clinic fit from a prior model (see :func:`fit_file`)."""
    from regen.errors import DataFileError
    from regen.files.read import read_table
    from regen.files.write import Outputs
    from regen.fitting.clinic.fit import fit_clinic
    from regen.fitting.clinic.report import card_text, summary_lines
    from regen.fitting.outcomes import load_outcomes
    from regen.model.bundle import bundle_text
    from regen.model.model import load_model

    require_bayes()
    is_file = str(prior) not in ("default",)
    check_fit_paths(outcomes, output, (prior,) if is_file else ())
    check_model_name(name)
    prior_model = load_model(prior if is_file else None)
    data = load_outcomes(read_table(outcomes))
    if not data.has_lost_column:
        raise DataFileError(
            "fitting relief end: the table has no relief_lost_day column (give it, blank where the patient was "
            "still relieved at the last contact)"
        )
    if data.bad and progress is not None:  # said before sampling starts, not only after a minute of it
        row, why = data.bad[0]
        more = f" and {len(data.bad) - 1} more" if len(data.bad) > 1 else ""
        progress(0.0, f"left out: row {row}: {why}{more} (all listed when the fit ends)")
    fit = fit_clinic(
        data,
        prior_model,
        robust_weight=robust_weight,
        settings=settings,
        covariates=covariates,
        name=name,
        prior_where=f"--prior {prior}",
        progress=progress,
    )
    path, card = Path(output), Path(output).with_suffix(".md")
    intro = f"Fitted by `regen fit OUTCOMES` from {prior_model.version} on {_OUTCOMES}."
    with Outputs() as outputs:  # the card is put in place first, the model last
        outputs.path(card).write_text(card_text(fit.bundle, intro), encoding="utf-8")
        outputs.path(path, main=True).write_text(bundle_text(fit.bundle), encoding="utf-8")
    return {
        "text": "\n".join(summary_lines(fit.bundle, str(path), str(card))),
        "bad_rows": data.bad,
        "n": len(data),
        "path": str(path),
        "warnings": list(data.warnings),
        "mapped": data.mapped,
        "bundle": fit.bundle,
    }
