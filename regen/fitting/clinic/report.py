"""What a clinic fit says: the summary ``regen fit`` prints and the model card written beside the model.

Examples
--------
>>> effect_line("age", "per 10 years of age", 142.0, {"median_days": 151.0, "interval_days": [139.0, 166.0]})
'+10 years of age: relief median 142 → 151 d (80 % 139-166)'
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["card_text", "effect_line", "summary_lines"]

#: What one unit of each direct covariate term is, in the words of the effects lines.
_UNITS = {
    "age": "+10 years of age",
    "bmi": "+5 kg/m2 of BMI",
    "prior_treatments": "+1 prior treatment",
    "diabetes": "diabetes (yes vs no)",
    "smoker": "smoking (yes vs no)",
    "female": "female (vs male)",
}


def effect_line(term: str, unit: str, reference: float, effect: Mapping) -> str:
    """One covariate's effect on the reference patient's median relief end, in days (and the part of it that the
    nerve-time mechanism alone gives, where it moves the nerve time)."""
    lo, hi = effect["interval_days"]
    change = f"relief median {reference:.0f} → {effect['median_days']:.0f} d (80 % {lo:.0f}-{hi:.0f})"
    mech = effect.get("mechanism_days")
    if mech is not None and abs(mech - reference) >= 0.5:
        change += f"; the nerve-time mechanism alone: {mech:.0f} d"
    return f"{_UNITS.get(term, unit)}: {change}"


def _number(value, spec: str) -> str:
    """A number formatted, or '-' when it is not defined (null in the JSON)."""
    return "-" if value is None else format(value, spec)


def _effects(bundle: Mapping) -> list[str]:
    eff = bundle["fit"].get("effects_in_days") or {}
    if not eff:
        return []
    lo_hi = eff.get("reference_interval")
    ref_interval = f" (80 % {lo_hi[0]:.0f}-{lo_hi[1]:.0f})" if lo_hi else ""
    lines = [
        f"Effects in days, reference patient: {eff['indication']} ({eff['nerve']}), age 50, no diabetes, not "
        f"smoking, male; median relief end {eff['reference']:.0f} d{ref_interval} among responders. Each effect is "
        "the mechanism (age, diabetes and smoking move the nerve time, and relief follows it by the class's "
        "slope) and the clinic's direct effect together; the mechanism's part is given where it moves:"
    ]
    for term, e in eff["terms"].items():
        lines.append("  " + effect_line(term, term, eff["reference"], e))
    if not eff["terms"]:
        lines.append("  (no covariate varies among the responders)")
    return lines


def _prior_lines(bundle: Mapping) -> list[str]:
    prior = bundle["prior"]
    conflict = prior["conflict"]
    w = prior["robust_weight"]
    published = str(prior["source"]).startswith("regen-default@")
    what = "the published evidence" if published else f"the prior model ({prior['source']})"
    lines = [
        f"Prior: {prior['source']} (its posterior for each indication and class), robust weight {w:g} "
        "(prior weight of a vague component).",
        f"Per indication, {what} counts as about N of your patients (moment method: "
        "sigma^2 / prior variance of the indication's relief location):",
    ]
    if not published:
        lines.append(
            "  (your data are read as a new setting of that model's: its spread between settings is kept, so a "
            "clinic's own earlier model counts for little; to update last year's fit, fit all its outcomes "
            "together)"
        )
    for ind, ess in prior["effective_sample_size"].items():
        lines.append(f"  {ind}: about {ess:.2g} of your patients")
    spread = prior.get("spread_effective_sample_size") or {}
    if spread:
        lines.append(
            f"For the spread between patients (sigma, per pain class), {what} counts as about N of your patients "
            "(1 / (2 Var(log sigma))): where N is large, your patients' spread moves the forecast's width little "
            "unless they clearly disagree (then the vague component takes over):"
        )
    for c, ess in spread.items():
        lines.append(f"  {c}: about {ess:.2g} of your patients")
    lines.append(
        "Conflict with the evidence, per pain class: posterior weight of the vague component (prior "
        f"{w:g}; flagged from {conflict['flagged_at']:g}):"
    )
    for c, v in conflict["classes"].items():
        verdict = (
            "CONFLICT: the clinic's data disagree with the evidence; the fit follows the data"
            if v["conflict"]
            else "no conflict"
        )
        lines.append(
            f"  {c}: location {v['location_vague_weight']:.2f}, slope and spread "
            f"{v['slope_spread_vague_weight']:.2f}: {verdict}"
        )
    resp = conflict["response_vague_weight"]
    flag = (
        "CONFLICT: the clinic's response rate disagrees with the evidence"
        if resp >= conflict["flagged_at"]
        else "no conflict"
    )
    lines.append(f"  response (all classes): {resp:.2f}: {flag}")
    shifts = conflict.get("indications") or {}
    if shifts:
        lines.append(
            "Your patients' relief against the evidence, per indication (median relief end, clinic / evidence, at "
            "the class's reference nerve time; 80 % interval), and the range the evidence gives a new clinic:"
        )
    for ind, v in shifts.items():
        lo, hi = v["ratio_interval"]
        e_lo, e_hi = v["evidence_range"]
        verdict = {
            "longer": "LONGER than the evidence",
            "shorter": "SHORTER than the evidence",
            "as the evidence": "consistent with the evidence",
        }[v["verdict"]]
        where = (
            "outside the range the evidence allows a new clinic: CONFLICT, the fit follows your data"
            if v["conflict"]
            else "within the range the evidence allows a new clinic"
        )
        lines.append(
            f"  {ind}: {v['ratio']:.2f}x (80 % {lo:.2f}-{hi:.2f}): {verdict}; evidence range "
            f"{e_lo:.2g}-{e_hi:.2g}x, {where} (predictive p {v['predictive_p']:.2f})"
        )
    return lines


def _mechanism_lines(bundle: Mapping) -> list[str]:
    fit = bundle["fit"]
    lines = ["Slope of log relief on log nerve time, per pain class (posterior mean, 80 % interval; prior mean):"]
    for c, s in fit["slope"].items():
        lo, hi = s["interval"]
        lines.append(f"  {c}: {s['mean']:.2f} ({lo:.2f} to {hi:.2f}); prior {s['prior_mean']:.2f}")
    pe = fit["patient_effect"]
    lo, hi = pe["icc_interval"]
    if pe["estimated"]:
        lines.append(
            f"Patient effect (share of the relief variance between patients; repeat cycles of "
            f"{pe['repeat_patients']} patients): {pe['icc_mean']:.2f} (80 % {lo:.2f}-{hi:.2f}); it replaces the "
            "assumed 0.5 in how far a patient's earlier cycles move the next forecast."
        )
    else:
        lines.append(
            "Patient effect: no repeat cycles (cycle + patient_id) in the data: the assumed 0.5 (the prior's "
            "centre) is kept."
        )
    return lines


def _data_text(fit: Mapping) -> str:
    """The rows, treatments and patients used, and the kinds of relief end, in words."""
    c = fit["censoring"]
    ends = (
        f"relief ends: {c['exact']} on a known day, {c['interval']} between two contacts, {c['right']} still "
        f"relieved at the last contact; {c['non_responder']} non-responders"
    )
    used = f"n = {fit['n']} rows used ({fit['n_bad']} left out)"
    if "treatments" in fit:
        used += (
            f": {fit['treatments']} treatments of {fit['patients']} patients (rows of one patient, cycle and "
            "indication with one relief end are one treatment of several nerves)"
        )
    return f"{used}; {ends}"


_ONE_CHAIN = " (R-hat compares chains: not computed with 1 chain)"


def _converged(diag: Mapping) -> bool:
    rhat = diag["rhat_max"]
    return not ((rhat is not None and rhat > 1.01) or diag["divergences"])


def summary_lines(bundle: Mapping, path: str, card: str) -> list[str]:
    """What ``regen fit`` prints after a clinic fit."""
    fit = bundle["fit"]
    diag = fit["diagnostics"]
    rhat = diag["rhat_max"]
    lines = [
        f"model {bundle['name']}@{bundle['version']} written to {path} (card: {card})",
        _data_text(fit),
        f"MCMC: {diag['chains']} chains x {diag['draws_per_chain']} draws, {diag['seconds']:.0f} s, R-hat max "
        f"{'-' if rhat is None else f'{rhat:.3f}'}, divergences {diag['divergences']}",
    ]
    if not _converged(diag):
        lines.append(
            "Warning: the chains may not have converged (R-hat > 1.01 or divergences); refit with more --draws"
        )
    return [*lines, "", *_prior_lines(bundle), "", *_mechanism_lines(bundle), "", *_effects(bundle)]


def card_text(bundle: Mapping, intro: str) -> str:
    """The model card (markdown) of a clinic model."""
    fit = bundle["fit"]
    diag = fit["diagnostics"]
    lines = [
        f"# Model card: `{bundle['name']}@{bundle['version']}`",
        "",
        intro,
        "",
        bundle["description"] + ".",
        "",
        f"**Data**: {_data_text(fit)}. Training data sha256 `{bundle['training']['sha256']}` (rows not stored).",
        "",
        f"**Fit**: NumPyro NUTS, {diag['chains']} chains x {diag['draws_per_chain']} draws; R-hat max "
        f"{_number(diag['rhat_max'], '.3f')}{_ONE_CHAIN if diag['rhat_max'] is None else ''}, "
        f"bulk ESS min {_number(diag['ess_bulk_min'], '.0f')}, "
        f"divergences {diag['divergences']}, {diag['seconds']:.0f} s."
        + (
            ""
            if _converged(diag)
            else " **NOT CONVERGED** (R-hat above 1.01 or divergent transitions): its numbers are not reliable; "
            "refit with more --warmup and --draws before using this model."
        ),
        "",
        "## The prior and the clinic's data",
        "",
        "```text",
        *_prior_lines(bundle),
        "```",
        "",
        "An indication the clinic did not treat is answered from the evidence: shifted by the clinic's estimated "
        "setting effect where the clinic treated its pain class, unchanged from the prior model otherwise.",
        "",
        "## The mechanism (the prior, updated by the clinic's patients) and the patient effect",
        "",
        "```text",
        *_mechanism_lines(bundle),
        "```",
        "",
        "## Effects in days",
        "",
        "```text",
        *_effects(bundle),
        "```",
        "",
    ]
    return "\n".join(lines)
