"""Fit a model file from an outcome CSV, and the texts that describe it (summary, card).

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

import json
import os
from pathlib import Path

import numpy as np

__all__ = [
    "coefficient_table",
    "covariate_unit",
    "evaluation_text",
    "fit_file",
    "indication_table",
    "model_card",
    "ratio_note",
    "term_unit",
]

#: The covariates that the mechanism itself already slows (:mod:`regen.mechanism.regrowth`): their fitted ratio on
#: relief / nerve time is below 1 even when relief in days does not change with them.
_MECHANISM_TERMS = "age, diabetes, smoking"


def _reference(bundle) -> str:
    design = bundle.get("fit", {}).get("design", {})
    others = sorted(set(bundle["relief"].get("indications", {})) - set(design.get("indications", [])))
    return others[0] if others else "the reference indication"


def covariate_unit(name: str, numeric, reference: str) -> str:
    """What one unit of a covariate term of the design is (``per 10 years of age, centred at 50``).

    Parameters
    ----------
    name : str
        A term of :func:`regen.stats.covariates.term_names` other than the intercept.
    numeric : mapping of str to (center, scale)
        The numeric terms of the design spec.
    reference : str
        The indication the ``indication[...]`` terms are compared with.

    Examples
    --------
    >>> covariate_unit("bmi", {"bmi": [28, 5]}, "knee_osteoarthritis")
    'per 5 kg/m2 of bmi, centred at 28'
    >>> covariate_unit("indication[mastectomy]", {}, "knee_osteoarthritis")
    'mastectomy vs knee_osteoarthritis'
    """
    from regen.schema.patients import RANGES

    if name.startswith("indication["):
        return f"{name[len('indication[') : -1]} vs {reference}"
    if name in numeric:
        center, scale = numeric[name]
        unit = RANGES.get(name, (0, 0, "", True))[2]
        return f"per {scale:g} {unit} of {name.replace('_', ' ')}, centred at {center:g}"
    if name == "female":
        return "female vs male or not given"
    return "yes vs no"


def term_unit(name: str, bundle) -> str:
    """What one unit of a coefficient's term is (``per 10 years of age, centred at 50``)."""
    if name == "intercept":
        return f"log(relief / nerve time), {_reference(bundle)}, covariates at their centres"
    design = bundle.get("fit", {}).get("design", {})
    return covariate_unit(name, design.get("numeric", {}), _reference(bundle))


def coefficient_table(bundle) -> list[str]:
    """Markdown table of the fitted coefficients: unit, value and 95 % interval, and the ratio exp(coef).

    exp(coef) multiplies relief / modelled nerve time, not relief in days (see :func:`ratio_note`).
    """
    import math

    fit = bundle.get("fit", {})
    ci = fit.get("coef_ci", {})
    lines = [
        "| term | unit | coefficient (log time) | 95 % interval | ratio exp(coef) on relief / nerve time "
        "| 95 % interval |",
        "|---|---|---|---|---|---|",
    ]
    for name, value in fit.get("coef", {}).items():
        lo, hi = ci.get(name, [float("nan")] * 2)
        lines.append(
            f"| {name} | {term_unit(name, bundle)} | {value:+.3f} | {lo:+.3f} to {hi:+.3f} | "
            f"{math.exp(value):.3g} | {math.exp(lo):.3g} to {math.exp(hi):.3g} |"
        )
    return lines


def ratio_note(bundle) -> str:
    """One line for under :func:`coefficient_table`: what exp(coef) multiplies, and the offset.

    Examples
    --------
    >>> ratio_note({"fit": {"offset_coef": 1.0, "fit_offset": False}}).split(". ")[0]
    'exp(coef) multiplies relief / modelled nerve time, not relief in days'
    """
    fit = bundle.get("fit", {})
    offset, estimated = float(fit.get("offset_coef", 1.0)), bool(fit.get("fit_offset", False))
    nerve = f"(modelled nerve time)^{offset:.3f}" if estimated else "modelled nerve time"
    how = f"its coefficient estimated at {offset:.3f}" if estimated else "its coefficient fixed at 1"
    return (
        f"exp(coef) multiplies relief / {nerve}, not relief in days. Offset: log T_nerve, the mechanism's "
        f"median return of sensation of each patient ({how}); a term the mechanism already slows "
        f"({_MECHANISM_TERMS}) can have a ratio below 1 while relief in days does not change."
    )


def indication_table(model, columns) -> list[str]:
    """Per indication (and nerve): mechanistic time, ratio relief / nerve time, medians."""
    lines = [
        "| indication | nerve | n | mechanistic median sensation return (d) | "
        "ratio relief / nerve time | predicted median relief end (d) | P(response) |",
        "|---|---|---|---|---|---|---|",
    ]
    pairs = np.array([f"{i}|{n}" for i, n in zip(columns["indication"], columns["nerve"], strict=True)])
    for pair in sorted(set(pairs)):
        ind, nerve = pair.split("|")
        out = model.predict_columns({"nerve": [nerve], "indication": [ind]})
        nerve_days, relief = out["sensation_return_median_day"][0], out["relief_end_median_day"][0]
        lines.append(
            f"| {ind} | {nerve} | {int((pairs == pair).sum())} | {nerve_days:.0f} | "
            f"{relief / nerve_days:.2f} | {relief:.0f} | {out['p_response'][0]:.2f} |"
        )
    return lines


def model_card(model, data, intro: str, metrics: dict | None = None) -> str:
    """The model card (markdown): data, family, coefficients, per indication, metrics."""
    b = model.bundle
    fit, relief = b.get("fit", {}), b["relief"]
    parts = [
        f"# Model card: `{model.version}`",
        "",
        intro,
        "",
        f"**Data**: n = {len(data)} rows used, {fit.get('n_bad', 0)} left out; censoring "
        f"{json.dumps(data.censoring_mix)}. Training data sha256 `{data.sha256}` (rows not stored).",
        "",
        f"**Family** (by AIC): {fit.get('family_reason', relief['family'])}; sigma = {relief['sigma']:.3f}; "
        f"offset coefficient {fit.get('offset_coef', 1.0):.3f}; penalizer {fit.get('penalizer')}.",
        "",
        "## Coefficients",
        "",
        *coefficient_table(b),
        "",
        ratio_note(b),
        "",
        "exp(intercept + indication effect) is the ratio relief / nerve time: how far the data moved the mechanism.",
        "",
        "## Per indication",
        "",
        *indication_table(model, data.columns),
        "",
    ]
    if metrics:
        parts += ["## Metrics", "", "```text", evaluation_text(metrics), "```", ""]
    return "\n".join(parts)


def fit_file(
    outcomes: str | os.PathLike,
    output: str | os.PathLike,
    family: str = "auto",
    penalizer: float = 0.01,
    fit_offset: bool = False,
    name: str = "regen-fitted",
    covariates: bool = True,
) -> dict:
    """Fit :class:`~regen.ReliefModel` on an outcome CSV; write the model and ``<output>.md``.

    Returns
    -------
    dict
        ``text`` (the summary), ``bad_rows`` (row, reason), ``warnings`` (what
        the data could not support, headers not read), ``mapped`` (headers read
        as a column), ``n`` and ``path``.
    """
    from regen.files.read import read_table
    from regen.files.write import Outputs
    from regen.fitting.outcomes import load_outcomes
    from regen.fitting.relief_model import ReliefModel
    from regen.model.bundle import bundle_text
    from regen.model.model import Model, thaw

    card_path = Path(output).with_suffix(".md")
    if card_path == Path(output) or card_path.resolve() == Path(outcomes).resolve():
        from regen.errors import InputError

        raise InputError(
            f"the model card is written to {card_path}, which would overwrite "
            f"{'the model' if card_path == Path(output) else 'the outcome file'}; name the model "
            "file e.g. clinic.json"
        )
    frame = read_table(outcomes)
    data = load_outcomes(frame)
    fitted = ReliefModel(family=family, penalizer=penalizer, fit_offset=fit_offset, covariates=covariates).fit(frame)
    model = Model(fitted.to_bundle(name))
    concordance = fitted.score(frame)
    bundle = {**thaw(model.bundle), "metrics": {"c_index_train": concordance if concordance == concordance else None}}
    card = model_card(model, data, f"Fitted by `regen fit {Path(outcomes).name}` on a clinic's outcome data.")
    with Outputs() as outputs:  # both files or neither: the card is put in place first, the model last
        outputs.path(card_path).write_text(card, encoding="utf-8")
        outputs.path(output, main=True).write_text(bundle_text(bundle), encoding="utf-8")
    path = Path(output)
    fit = bundle["fit"]
    text = "\n".join(
        [
            f"model {model.version} written to {path} (card: {Path(path).with_suffix('.md')})",
            f"n = {len(data)} rows used ({len(data.bad)} left out); events "
            f"{data.censoring_mix['exact'] + data.censoring_mix['interval']}; censoring {data.censoring_mix}",
            f"family {fit['family_reason']}; sigma {bundle['relief']['sigma']:.3f}; AIC {fit['aic']:.1f}; "
            f"concordance (training) {_finite(concordance)}",
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


def _finite(value: float) -> str:
    return f"{value:.3f}" if value == value else "not defined (no comparable pair)"


def _f(value: float | None, spec: str) -> str:
    """A number formatted, or '-' (right-aligned to the same width) when it is not defined."""
    if value is None or value != value:
        width = "".join(ch for ch in spec.split(".")[0] if ch.isdigit())
        return "-".rjust(int(width or 1))
    return format(value, spec)


def evaluation_text(result: dict) -> str:
    """Readable summary of :func:`regen.fitting.evaluation.evaluate`'s result ('-' where a value is not defined)."""

    def ci(key):
        return f" (95 % {_f(result[key][0], '.3f')} to {_f(result[key][1], '.3f')})" if key in result else ""

    lines = [
        f"model {result['model_version']}: n = {result['n']}, events {result['events']}, "
        f"censoring {result['censoring']}",
        f"c_index {_f(result['c_index'], '.3f')}{ci('c_index_ci')}",
        f"integrated Brier score (days 30-365) {_f(result['integrated_brier_score'], '.3f')}"
        f"{ci('integrated_brier_score_ci')}",
        "calibration: day  predicted  observed  slope  intercept",
    ]
    lines += [
        f"             {c['day']:>3}  {_f(c['predicted'], '9.2f')}  {_f(c['observed'], '8.2f')}  "
        f"{_f(c['slope'], '5.2f')}  {_f(c['intercept'], '9.2f')}"
        for c in result["calibration"]
    ]
    return "\n".join(lines)
