"""How well the shipped model predicts studies it has not seen: leave-one-study-out validation, both parts.

The evidence build (:mod:`regen.fitting.evidence`) leaves each published study
out in turn, fits the rest by MCMC and scores the study's numbers: counts by
their log probability, durations by their log density on the log-day scale, the
model and a naive reference the same way (relief proportions: a uniform share;
relief durations: a log-normal of the other studies' durations; return of
sensation: the 1-2 mm/day rule of thumb). The results are stored in the model
with its version (:func:`stored_validation`); :func:`refit_validation`
recomputes them.

Per part: ``numbers``, ``coverage_80`` (share inside their 80 % predictive
intervals), ``uninformative`` (how many of those intervals contain at least
80 % of all published numbers on their scale), ``log_score``,
``reference_log_score``, ``pit`` and ``per_study``.
"""

from __future__ import annotations

from collections.abc import Mapping

from regen.errors import ModelFileError, RegenError
from regen.utils.text import plural

__all__ = ["FIELDS", "refit_validation", "stored_validation", "validation_json", "validation_text"]

#: The fields of each part, in order (the issue's contract for ``regen validate --format json``).
FIELDS = ("numbers", "inside", "coverage_80", "uninformative", "log_score", "reference_log_score", "pit", "per_study")


def stored_validation(model) -> dict:
    """The validation stored in ``model`` at build time.

    Raises
    ------
    ModelFileError
        If the model carries none (a clinic's fitted model: use ``regen evaluate`` on
        its own outcome data), or it was stored for another model version.
    """
    validation = model.bundle.get("validation")
    if not isinstance(validation, Mapping) or "parts" not in validation:
        raise ModelFileError(
            f"{model.version} carries no leave-one-study-out validation (only the evidence model does): "
            "evaluate a clinic's model on outcome data it was not fitted on with 'regen evaluate'"
        )
    if validation.get("model_version") != model.version:
        raise ModelFileError(
            f"the validation stored in the model is of {validation.get('model_version')!r}, not of "
            f"{model.version}: rebuild the model (scripts/build_default_model.py) or run 'regen validate --refit'"
        )
    return validation


def refit_validation(progress=None, quick: bool = False, seed: int = 0) -> dict:
    """Leave each study out, refit by MCMC and score it, for both parts (long: about an hour on 2 cores).

    Raises
    ------
    RegenError
        If the ``bayes`` extra (NumPyro, JAX) is not installed.
    """
    try:
        import numpyro  # noqa: F401
    except ImportError:
        raise RegenError("regen validate --refit needs the bayes extra: pip install 'regen-cryo[bayes]'") from None
    from regen.fitting.evidence.build import refit_validation as refit

    kwargs = {"progress": progress} if progress is not None else {}
    return refit(quick=quick, seed=seed, **kwargs)


def validation_json(validation: Mapping, version: str) -> dict:
    """``{"model_version", "parts": {"sensation": {...}, "relief": {...}}}`` with :data:`FIELDS` and each number."""
    parts = {}
    for name, part in validation["parts"].items():
        parts[name] = {key: part.get(key) for key in FIELDS}
        parts[name]["beats_reference"] = bool(part["log_score"] > part["reference_log_score"])
        parts[name]["per_number"] = part.get("per_number", [])
        parts[name]["by_scale"] = by_scale(part)
    return {"model_version": version, "parts": parts, "seconds": validation.get("seconds")}


def by_scale(part: Mapping) -> dict:
    """The part's figures per scale of its published numbers (``proportion``, ``days``): numbers, inside, log score
    and reference log score (the sums of ``per_number``); empty when the numbers do not state their scale."""
    out: dict[str, dict] = {}
    for row in part.get("per_number") or []:
        if row.get("scale") is None:
            return {}
        s = out.setdefault(row["scale"], {"numbers": 0, "inside": 0, "log_score": 0.0, "reference_log_score": 0.0})
        s["numbers"] += 1
        s["inside"] += bool(row["inside"])
        s["log_score"] += float(row["log_score"])
        s["reference_log_score"] += float(row["reference_log_score"])
    return out


#: A log-score margin below this is reported as no clear difference: two leave-one-study-out runs of the same
#: relief model differed by 0.41 from Monte Carlo noise alone (models/evidence_summary.md, "What was tried").
CLEAR_MARGIN = 1.0


def validation_text(validation: Mapping, version: str) -> str:
    """One line per part (beats the reference or not, with the figures), then a table per part by study."""
    lines = [f"leave-one-study-out validation of {version} (each published study predicted from the others):"]
    for name, part in validation["parts"].items():
        margin = part["log_score"] - part["reference_log_score"]
        if abs(margin) < CLEAR_MARGIN:
            verdict = f"no clear difference from the reference (margin {margin:+.2f}, under {CLEAR_MARGIN:g})"
        else:
            verdict = f"{'beats' if margin > 0 else 'does not beat'} the reference"
        lines.append(
            f"{name}: {verdict}: log score {part['log_score']:.1f} vs {part['reference_log_score']:.1f}; "
            f"{part['inside']} of {plural(part['numbers'], 'number')} inside their 80 % intervals "
            f"({part['coverage_80'] * 100:.0f} %); {part['uninformative']} of the {part['numbers']} intervals "
            "uninformative"
        )
        scales = by_scale(part)
        if len(scales) > 1:
            lines.append(
                "  by scale: "
                + "; ".join(
                    f"{scale} ({plural(f['numbers'], 'number')}): {f['log_score']:.1f} vs "
                    f"{f['reference_log_score']:.1f}, {f['inside']} inside"
                    for scale, f in scales.items()
                )
            )
    for name, part in validation["parts"].items():
        lines += [
            "",
            f"{name}, by study:",
            f"{'study':<22}{'numbers':>8}{'inside':>8}{'log score':>11}{'reference':>11}",
        ]
        for row in part["per_study"]:
            lines.append(
                f"{str(row['study'])[:21]:<22}{row['numbers']:>8}{row['inside']:>8}"
                f"{row['log_score']:>11.2f}{row['reference_log_score']:>11.2f}"
            )
    lines += [
        "",
        "uninformative: an 80 % interval containing at least 80 % of all the published numbers on its scale",
        "Estimates with uncertainty; decision support, not a medical device.",
    ]
    return "\n".join(lines)
