"""The texts that describe a fitted model: its coefficients with units, effects in days, and its card.

Examples
--------
>>> covariate_unit("bmi", {"bmi": [28, 5]}, "knee_osteoarthritis")
'per 5 kg/m2 of bmi, centred at 28'
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

__all__ = [
    "coefficient_table",
    "covariate_unit",
    "effects_table",
    "evaluation_text",
    "finite_text",
    "indication_table",
    "model_card",
    "ratio_note",
    "reference_effects",
    "save_model",
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


def effects_table(model) -> list[str]:
    """Markdown: each coefficient's effect on the median relief end of a reference patient, in days."""
    effects = reference_effects(model)
    if not effects:
        return ["(no reference patient: the reference indication has no catalog nerve)"]
    base = effects.pop("intercept")[0]
    lines = [
        f"Reference patient: {_reference(model.bundle)} at the covariates' centres: median relief end {base:.0f} days.",
        "",
        "| term | unit | median relief end (days) | change |",
        "|---|---|---|---|",
    ]
    for name, (ref, with_term) in effects.items():
        lines.append(
            f"| {name} | {term_unit(name, model.bundle)} | {ref:.0f} -> {with_term:.0f} | {with_term / ref - 1:+.0%} |"
        )
    return lines


def reference_effects(model) -> dict[str, tuple[float, float]]:
    """Each coefficient's effect in days for a reference patient: (median relief, median with the term).

    The reference patient: the reference indication with its catalog nerve,
    numeric covariates at their centres, binary ones absent. "With the term":
    one unit more of a numeric term (its scale: ``per 10 years of age``), the
    other level of a binary one, or the term's indication. Relief among
    responders whose relief ends, in days (the mechanism included, so age moves
    the nerve time too).
    """
    from regen.catalog.nerves import load_catalog

    b = model.bundle
    design = b.get("fit", {}).get("design", {})
    reference = _reference(b)
    nerves = {}
    for nerve in load_catalog().values():
        for ind in nerve.indications:
            nerves.setdefault(ind, nerve.id)
    if reference not in nerves:
        return {}
    base = {"nerve": nerves[reference], "indication": reference}
    for name, (center, _scale) in design.get("numeric", {}).items():
        base[name] = center
    patients = {"intercept": base}
    for name, (center, scale) in design.get("numeric", {}).items():
        patients[name] = {**base, name: center + scale}
    for name in design.get("binary", []):
        patients[name] = {**base, **({"sex": "female"} if name == "female" else {name: "yes"})}
    for ind in design.get("indications", []):
        if ind in nerves:
            patients[f"indication[{ind}]"] = {**base, "nerve": nerves[ind], "indication": ind}
    names = list(patients)
    frame = {
        key: [patients[n].get(key, "") for n in names] for key in sorted({k for p in patients.values() for k in p})
    }
    out = model.predict_columns(frame)
    medians = dict(zip(names, out["relief_end_median_day"], strict=True))
    return {n: (float(medians["intercept"]), float(medians[n])) for n in names}


def save_model(model, path: str | os.PathLike, intro: str, data=None, metrics: dict | None = None) -> None:
    """Write a model file and its card (``.md`` beside it): both or neither (see :mod:`regen.files.write`).

    Raises
    ------
    PathClashError
        If the card would be the model file itself (a model path ending in ``.md``).
    """
    from regen.files.paths import PathClashError
    from regen.files.write import Outputs
    from regen.model.bundle import bundle_text

    card_path = Path(path).with_suffix(".md")
    if card_path == Path(path):
        raise PathClashError(
            f"the model card is written to {card_path}, the model file itself; name it e.g. clinic.json"
        )
    card = model_card(model, data, intro, metrics)
    with Outputs() as outputs:  # the card is put in place first, the model last
        outputs.path(card_path).write_text(card, encoding="utf-8")
        outputs.path(path, main=True).write_text(bundle_text(thaw_bundle(model)), encoding="utf-8")


def thaw_bundle(model) -> dict:
    """A model's bundle as plain, writable data."""
    from regen.model.model import thaw

    return thaw(model.bundle)


def model_card(model, data, intro: str, metrics: dict | None = None) -> str:
    """The model card (markdown): data, family, coefficients, per indication, metrics."""
    b = model.bundle
    fit, relief = b.get("fit", {}), b["relief"]
    parts = [
        f"# Model card: `{model.version}`",
        "",
        intro,
        "",
        f"**Data**: n = {fit.get('n', len(data) if data is not None else 0)} rows used, {fit.get('n_bad', 0)} left "
        f"out; censoring {json.dumps(dict(fit.get('censoring', data.censoring_mix if data is not None else {})))}. "
        f"Training data sha256 `{b.get('training', {}).get('sha256', '')}` (rows not stored).",
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
        *(["## Per indication", "", *indication_table(model, data.columns), ""] if data is not None else []),
        "## Effects in days",
        "",
        *effects_table(model),
        "",
    ]
    if metrics:
        parts += ["## Metrics", "", "```text", evaluation_text(metrics), "```", ""]
    return "\n".join(parts)


def finite_text(value: float) -> str:
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
