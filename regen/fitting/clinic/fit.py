"""A clinic's own fit: the evidence model as a robust prior, updated with the clinic's rows; a model bundle out.

:func:`fit_clinic` reads the prior (:func:`regen.fitting.clinic.prior.read_prior`), turns the validated rows into
arrays (:mod:`regen.fitting.clinic.data`, :mod:`regen.fitting.clinic.arrays`), samples the NumPyro model
(:mod:`regen.fitting.clinic.model`, :mod:`regen.fitting.clinic.sampler`) and writes the posterior predictive
of a new patient of this clinic as a format-3 grid bundle, the same family as the default model
(:mod:`regen.fitting.clinic.predictive`):

- an indication the clinic treated: the clinic's posterior;
- an indication or class it did not treat, of a class it treated: the evidence shifted by the clinic's
  estimated setting effect for that class;
- an indication or class of a class it did not treat, and the default: the prior model's entries unchanged;
- ``relief.covariates``: the direct effects (posterior means) of age, diabetes, ... beyond the nerve time;
- ``parameters.history_icc``: the estimated share of the relief variance between patients (posterior
  mean) when the clinic has repeat cycles; else the prior's centre 0.5, unchanged;
- ``prior``: the source, the robust weight, each treated indication's prior effective sample size and the
  conflict measure (posterior weight of the vague component);
- ``posterior_approx``: normals of the clinic's parameters, so the model can be the prior of a later fit.

Examples
--------
>>> from regen import load_model
>>> from regen.fitting.clinic.fit import effective_sample_size
>>> from regen.fitting.clinic.prior import read_prior
>>> prior = read_prior(load_model().bundle, robust_weight=0.2)
>>> 0 < effective_sample_size(prior, "knee_osteoarthritis") < 20
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from regen.catalog.nerves import pain_class
from regen.fitting.clinic.arrays import init_values, model_arrays, shift_vague_sd
from regen.fitting.clinic.data import ClinicData, clinic_data
from regen.fitting.clinic.defaults import ROBUST_WEIGHT
from regen.fitting.clinic.predictive import entry_draws, grid_entry, setting_draws
from regen.fitting.clinic.prior import Prior, read_prior
from regen.fitting.clinic.sampler import Draws, Settings, sample

__all__ = ["CONFLICT_AT", "ClinicFit", "effective_sample_size", "fit_clinic", "reference_effects"]

#: Posterior weight of the vague component from which the card says the data conflict with the evidence
#: (a setting: above it, the data are explained better by the vague component than by the evidence).
CONFLICT_AT = 0.5
#: Central interval reported for estimates (80 %, as every regen interval).
_LOW, _HIGH = 0.1, 0.9


@dataclass
class ClinicFit:
    """A clinic fit: the bundle to write, what the text and card say, the draws and the data's arrays."""

    bundle: dict
    summary: dict
    draws: Draws
    data: ClinicData


def _quiet(fraction: float, message: str) -> None:
    """The default progress callback: says nothing."""


def effective_sample_size(prior: Prior, indication: str) -> float:
    """How many of the clinic's patients the robust prior of an indication's relief location is worth.

    Moment method (RBesT's ``ess(method = "moment")``): ``sigma**2 / Var(A)``, with ``sigma`` the evidence's
    patient spread of the class (posterior mean of ``log sigma``) and ``Var(A)`` the prior variance of the
    clinic's location of the indication under the robust mixture (evidence ``1 - w``, vague ``w``).
    """
    c = pain_class(indication)
    sigma2 = math.exp(2.0 * float(prior.classes[c].mean[2]))
    var_e = float(prior.map_sd(indication)[0]) ** 2
    var_v = var_e + shift_vague_sd(prior, c)[0] ** 2
    w = prior.robust_weight
    return sigma2 / ((1.0 - w) * var_e + w * var_v)


def _ask_devices(chains: int) -> None:
    """One JAX device per chain, so chains run in parallel (effective only before JAX starts)."""
    import numpyro

    numpyro.set_host_device_count(max(1, int(chains)))


def _interval(values: np.ndarray) -> list[float]:
    return [float(np.quantile(values, _LOW)), float(np.quantile(values, _HIGH))]


def _reference_patients(data: ClinicData, bundle: Mapping) -> tuple[str, str, dict]:
    """The reference indication (the clinic's most frequent) with its most frequent nerve; the patients."""
    cols = data.outcomes.columns
    ind = np.asarray(cols["indication"], dtype=object)
    values, counts = np.unique(ind, return_counts=True)
    reference = str(values[np.argmax(counts)])
    nerves, n_counts = np.unique(np.asarray(cols["nerve"], dtype=object)[ind == reference], return_counts=True)
    nerve = str(nerves[np.argmax(n_counts)])
    base = {"nerve": nerve, "indication": reference, "age": 50.0}
    patients = {"reference": base}
    for name, (center, scale) in data.spec["numeric"].items():
        patients[name] = {**base, name: center + scale}
    for name in data.spec["binary"]:
        patients[name] = {**base, **({"sex": "female"} if name == "female" else {name: "yes"})}
    return reference, nerve, patients


def reference_effects(data: ClinicData, draws: Draws, prior: Prior, bundle: Mapping) -> dict:
    """Each covariate's effect on a reference patient's median relief end, in days, with 80 % intervals.

    The reference patient: the clinic's most frequent indication and its most frequent nerve, age 50 (the
    centre), the other covariates at their centres or absent. "With the term": one unit more (``+10 years
    of age``), or the other level. The median is ``exp(A + B (x - x_ref) + z'beta)`` per posterior draw (a
    typical responder: the patient spread's median); age, diabetes and smoking move ``x`` through the
    mechanism too, so the change is the whole effect in days.
    """
    from regen.model.laws import nerve_times, relief_nerve_x
    from regen.schema.patients import validate_patients
    from regen.stats.covariates import design_matrix

    reference, nerve, patients = _reference_patients(data, bundle)
    names = list(patients)
    keys = sorted({k for p in patients.values() for k in p})
    frame = {k: [patients[n].get(k, "") for n in names] for k in keys}
    cols = validate_patients(frame).columns
    params = bundle["parameters"]
    x = relief_nerve_x(bundle["relief"], cols, params, nerve_times(cols, params))
    c = pain_class(reference)
    i, j = data.indications.index(reference), data.classes.index(c)
    spec = {"indications": [], **{k: data.spec[k] for k in ("numeric", "binary")}}
    z = design_matrix(cols, spec)[0][:, 1:]
    beta = draws["beta"] if z.shape[1] else np.zeros((draws.n, 0))
    log_med = draws["psi"][:, i, 0][:, None] + draws["phi"][:, j, 0][:, None] * (x - prior.x_ref[c])[None, :]
    mechanism = np.exp(log_med + (beta @ z[0])[:, None])  # the nerve time moves; the direct terms stay the reference's
    log_med = log_med + beta @ z.T
    days = np.exp(log_med)
    out = {
        "indication": reference,
        "nerve": nerve,
        "reference": float(np.median(days[:, 0])),
        "reference_interval": _interval(days[:, 0]),
        "terms": {},
    }
    for k, name in enumerate(names[1:], start=1):
        ratio = days[:, k] / days[:, 0]
        out["terms"][name] = {
            "median_days": float(np.median(days[:, k])),
            "interval_days": _interval(days[:, k]),
            "mechanism_days": float(np.median(mechanism[:, k])),
            "ratio": float(np.median(ratio)),
            "ratio_interval": _interval(ratio),
        }
    return out


def _normal(cols: list[np.ndarray]) -> dict:
    stack = np.column_stack(cols)
    cov = np.cov(stack, rowvar=False)
    return {"mean": stack.mean(axis=0).tolist(), "cov": (0.5 * (cov + cov.T)).tolist()}


def _posterior_approx(prior_bundle: Mapping, par: dict, data: ClinicData, levels: Mapping) -> dict:
    """The clinic's posterior as the normals a later fit starts from: its entries' ``(a, b, log sigma, l)``
    where it has data (classes it treated; indications it treated or of those classes), the prior's
    elsewhere; the spreads between settings are the prior's."""
    post = {k: v for k, v in prior_bundle["posterior_approx"].items()}
    indications, classes = dict(post["indications"]), dict(post["classes"])
    for (level, key), p in par.items():
        if level == "indication" and (key in data.indications or key in indications):
            indications[key] = _normal([p["A"], p["B"], np.log(p["sigma"]), p["L"]])
    for c, p in levels.items():  # a class's own level: no new indication's effects
        classes[c] = _normal([p["A"], p["B"], np.log(p["sigma"]), p["L"]])
    return {**post, "indications": indications, "classes": classes}


def _effect_uncertainty(data: ClinicData, draws: Draws, rng) -> np.ndarray | None:
    """The direct covariate effects' posterior uncertainty for new patients (``draws x REPS``), or None.

    The model file adds ``z'beta`` with ``beta`` at its posterior mean (``relief.covariates``); what that mean
    leaves out, ``z'(beta - mean beta)``, goes into each entry's spread, for patients ``z`` drawn from the
    clinic's own rows (its case mix). Without it a small clinic's intervals leave out the uncertainty of every
    direct effect (prior sd 0.15 per 10 years of age, 0.3 per binary term, log days).
    """
    from regen.fitting.clinic.predictive import REPS

    z = np.asarray(data.covariates, float)
    if z.ndim != 2 or z.shape[1] == 0 or "beta" not in draws.samples:
        return None
    beta = np.asarray(draws["beta"], float)
    rows = z[rng.integers(0, z.shape[0], (beta.shape[0], REPS))]  # draws x REPS x terms
    return np.einsum("drk,dk->dr", rows, beta - beta.mean(axis=0))


def _entries(data: ClinicData, draws: Draws, prior: Prior, prior_bundle: Mapping, rng) -> tuple[dict, dict, dict]:
    """The relief section's entries, the parameter draws of each entry the clinic informed, and of each
    treated class's own level."""
    relief = prior_bundle["relief"]
    probs = np.asarray(relief["shape_probs"], float)
    setting = setting_draws(draws, data, prior, rng)
    ind = np.asarray(data.outcomes.columns["indication"], dtype=object)
    values, n_rows = np.unique(ind, return_counts=True)
    counts = dict(zip(values, n_rows, strict=True))  # treatments per indication
    people = {v: int(np.unique(data.patient[ind == v]).size) for v in values}
    out = {"indications": {}, "classes": {}}
    par_all, unshifted = {}, []
    levels = {c: entry_draws(c, "class", draws, data, prior, setting, rng, new_effects=False) for c in data.classes}
    effect = _effect_uncertainty(data, draws, rng)  # one case-mix draw for every entry
    for group, level in (("indications", "indication"), ("classes", "class")):
        keys = set(relief[group]) | (set(data.indications) if level == "indication" else set())
        for key in sorted(keys):
            c = key if level == "class" else pain_class(key)
            if c not in data.classes:
                out[group][key] = dict(relief[group][key])
                continue
            par = entry_draws(key, level, draws, data, prior, setting, rng)
            par_all[(level, key)] = par
            entry = grid_entry(par, par["x_ref"], probs, rng, effect)
            n = int(counts.get(key, 0))
            if level == "indication" and n:
                entry["patients"], entry["studies"] = people[key], int(relief[group].get(key, {}).get("studies", 0))
                treated = f"{n} treatment" + ("" if n == 1 else "s")
                entry["evidence"] = (
                    f"indication: clinic data, {people[key]} patients ({treated}), on the evidence of {prior.source}"
                )
                entry["data"] = "clinic"
            else:
                entry["patients"], entry["studies"] = 0, int(relief[group].get(key, {}).get("studies", 0))
                entry["evidence"] = (
                    f"{'indication' if level == 'indication' and prior.has_own(key) else 'class only'}: "
                    f"no clinic rows; the evidence of {prior.source}, shifted by this clinic's {c} patients"
                )
                if key in relief[group] and not _plausible(prior_bundle, group, key, entry):
                    # the clinic's class slope carried to this indication's nerves gives an implausible median:
                    # its evidence entry, unchanged (listed in fit.unshifted)
                    out[group][key] = dict(relief[group][key])
                    unshifted.append(f"{group}:{key}")
                    continue
            out[group][key] = entry
    return out, par_all, levels, unshifted


def _check_plausible(bundle: Mapping) -> None:
    """Refuse, in words about the data, a fitted model that a model file may not hold (days past 100 years, a
    response share under 1 %, ...): what the data led to, not a broken file."""
    from regen.errors import DataFileError, ModelFileError
    from regen.model.bundle import validate_bundle

    try:
        validate_bundle(bundle)
    except ModelFileError as exc:
        raise DataFileError(
            f"the clinic's data lead to a model outside what regen accepts ({exc}); check the relief days and "
            "responses of the file, or fit with --prior none to see the data alone"
        ) from None


def _plausible(prior_bundle: Mapping, group: str, key: str, entry: dict) -> bool:
    """Whether the prior model with this one entry replaced passes the model file's checks (its reference
    patients' medians within :data:`regen.model.bundle.PLAUSIBLE_DAYS`)."""
    from regen.errors import ModelFileError
    from regen.model.bundle import validate_bundle

    relief = {**prior_bundle["relief"], group: {**prior_bundle["relief"][group], key: entry}}
    try:
        validate_bundle({**prior_bundle, "relief": relief})
    except ModelFileError:
        return False
    return True


def _new_clinic_shifts(prior: Prior, indication: str, n: int = 40_000) -> np.ndarray:
    """Draws of a new clinic's relief location of an indication, relative to the evidence's centre (log days).

    The evidence's predictive for a new setting, as the fit's prior holds it (without its vague part): the
    indication's posterior spread, the setting effect ``tau_v t_df`` of its class and, for an indication without
    published studies, a new indication's effect ``tau_u t_df`` (each ``log tau`` normal). A fixed seed: the
    same prior gives the same range.
    """
    rng = np.random.default_rng(0)
    het, df = prior.heterogeneity, prior.df
    k = prior.class_names.index(pain_class(indication))
    block = prior.block(indication)
    draws = math.sqrt(max(float(block.cov[0, 0]), 0.0)) * rng.standard_normal(n)
    tau_v = np.exp(het["tau_v"][0][k] + het["tau_v"][1][k] * rng.standard_normal(n))
    draws += tau_v * rng.standard_t(df, n)
    if not prior.has_own(indication):
        tau_u = np.exp(het["tau_u"][0][k] + het["tau_u"][1][k] * rng.standard_normal(n))
        draws += tau_u * rng.standard_t(df, n)
    return draws


def _indication_shifts(prior: Prior, data: ClinicData, draws: Draws) -> dict:
    """Per treated indication, the clinic's relief against the evidence's: a ratio of medians and a predictive check.

    ``ratio``: ``exp(A_clinic - a_evidence)`` per posterior draw (median and 80 % interval), the clinic's median
    relief end over the evidence's at the class's reference nerve time. ``evidence_range``: the central 80 % of
    that ratio for a new clinic under the evidence (:func:`_new_clinic_shifts`, Monte Carlo from the prior's
    own components). ``predictive_p``: the two-sided tail probability of the clinic's median ratio there.
    ``verdict``: ``longer`` or ``shorter`` when the 80 % interval of the ratio excludes 1, else ``as the
    evidence``; ``conflict`` when the clinic's median ratio lies outside the evidence's range (p < 0.2).
    """
    out = {}
    for i, ind in enumerate(data.indications):
        centre = float(prior.block(ind).mean[0])
        log_ratio = np.asarray(draws["psi"][:, i, 0]) - centre
        lo, mid, hi = (float(np.clip(v, -50, 50)) for v in np.quantile(log_ratio, [_LOW, 0.5, _HIGH]))
        new = _new_clinic_shifts(prior, ind)
        p = float(2.0 * min(np.mean(new <= mid), np.mean(new >= mid)))
        e_lo, e_hi = (float(np.clip(v, -50, 50)) for v in np.quantile(new, [_LOW, _HIGH]))  # exp stays finite
        out[ind] = {
            "ratio": round(math.exp(mid), 3),
            "ratio_interval": [round(math.exp(lo), 3), round(math.exp(hi), 3)],
            "evidence_range": [round(math.exp(e_lo), 3), round(math.exp(e_hi), 3)],
            "predictive_p": round(min(p, 1.0), 3),
            "verdict": "longer" if lo > 0 else "shorter" if hi < 0 else "as the evidence",
            "conflict": bool(p < 2 * _LOW),
        }
    return out


def _prior_section(prior: Prior, data: ClinicData, draws: Draws) -> dict:
    ess = {i: float(f"{effective_sample_size(prior, i):.2g}") for i in data.indications}
    conflict = {}
    for j, c in enumerate(data.classes):
        loc = float(np.mean(draws["v_vague_weight"][:, j]))
        slope = float(np.mean(draws["phi_vague_weight"][:, j]))
        conflict[c] = {
            "location_vague_weight": round(loc, 3),
            "slope_spread_vague_weight": round(slope, 3),
            "conflict": bool(max(loc, slope) >= CONFLICT_AT),
        }
    resp = float(np.mean(draws["w_vague_weight"]))
    return {
        "source": prior.source,
        "robust_weight": prior.robust_weight,
        "effective_sample_size": ess,
        "effective_sample_size_method": "moment: sigma^2 / prior variance of the indication's relief location",
        "spread_effective_sample_size": {
            c: float(f"{1.0 / (2.0 * float(prior.classes[c].cov[2, 2])):.2g}") for c in data.classes
        },
        "spread_effective_sample_size_method": (
            "1 / (2 Var(log sigma)) under the evidence's part of the prior: n patients' exact relief ends estimate "
            "log sigma with variance about 1 / (2 n)"
        ),
        "conflict": {
            "measure": "posterior weight of the vague component (prior weight: robust_weight)",
            "flagged_at": CONFLICT_AT,
            "classes": conflict,
            "response_vague_weight": round(resp, 3),
            "indications": _indication_shifts(prior, data, draws),
            "indications_measure": (
                "clinic median / evidence median at the class's reference nerve time (posterior median, 80 % "
                "interval); conflict: outside the central 80 % the evidence gives a new clinic (predictive check, "
                "Monte Carlo from the prior's components)"
            ),
        },
    }


def _clean(value):
    """JSON-safe: numpy to Python, NaN to None."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def fit_clinic(
    outcomes,
    prior_model,
    *,
    robust_weight: float = ROBUST_WEIGHT,
    settings: Settings | None = None,
    covariates: bool = True,
    name: str = "regen-fitted",
    prior_where: str = "--prior",
    progress: Callable[[float, str], None] | None = None,
) -> ClinicFit:
    """Fit a clinic's model from its outcome rows, starting from a model's ``posterior_approx``.

    Parameters
    ----------
    outcomes : OutcomeData
        Validated rows (:func:`regen.fitting.outcomes.load_outcomes`); right-censored rows only (a young
        clinic) are enough.
    prior_model : Model
        The model whose posterior is the prior (the default model, or a clinic model fitted with a prior).
    robust_weight : float
        Prior weight of the vague components (RBesT's robustification), 0 to 1; a setting, default
        :data:`regen.fitting.clinic.defaults.ROBUST_WEIGHT` (0.2).
    settings : Settings, optional
        Chains, warmup, draws, seed.
    covariates : bool
        Estimate the direct effects of age, BMI, diabetes, smoking, sex and prior treatments beyond the nerve
        time (where they vary among the responders).
    name : str
        The model's name; its version is a hash of what it is (:func:`regen.fitting.relief_model.fit_version`).
    prior_where : str
        How messages name the prior (``--prior clinic.json``).
    progress : callable, optional
        ``progress(fraction, message)`` while sampling.

    Raises
    ------
    ModelFileError
        If the prior model has no ``posterior_approx``.
    DataFileError
        If two rows are the same patient, nerve and cycle; if no row responded; if the fitted model lies
        outside what a model file may hold.
    """
    from regen.fitting.clinic.model import clinic_model
    from regen.fitting.relief_model import fit_version
    from regen.model.model import thaw

    settings = settings or Settings()
    progress = progress or _quiet
    _ask_devices(settings.chains)
    prior_bundle = thaw(prior_model.bundle)
    prior = read_prior(prior_bundle, robust_weight=robust_weight, where=prior_where)
    data = clinic_data(outcomes, prior, prior_bundle)
    if not data.responded.any():
        from regen.errors import DataFileError

        raise DataFileError(
            f"no responder among the {len(outcomes)} usable rows: a clinic model of relief needs at least one "
            "patient whose relief started (responded yes, or a day relief was seen)"
        )
    if not covariates:
        data = replace(data, covariates=np.zeros((len(data.dx), 0)), spec={"numeric": {}, "binary": []})
    arrays = model_arrays(data, prior)
    draws = sample(clinic_model, arrays, init_values(arrays), settings, progress)
    rng = np.random.default_rng(settings.seed)
    entries, par, levels, unshifted = _entries(data, draws, prior, prior_bundle, rng)
    relief = {**prior_bundle["relief"], **entries}
    terms = data.term_names()
    beta = draws["beta"]
    if terms:
        relief["covariates"] = {
            "numeric": {k: list(v) for k, v in data.spec["numeric"].items()},
            "binary": list(data.spec["binary"]),
            "coef": {t: float(beta[:, k].mean()) for k, t in enumerate(terms)},
        }
    else:
        relief.pop("covariates", None)
    params = {k: dict(v) for k, v in prior_bundle["parameters"].items()}
    repeat_patients = int(np.unique(data.patient[data.repeat]).size)
    icc = draws["icc"]
    if repeat_patients:
        params["history_icc"] = {**params["history_icc"], "value": float(np.clip(icc.mean(), 0.05, 0.95))}
    counts = data.kind_counts()
    bundle = {
        "format": "regen-model",
        "format_version": 3,
        "name": name,
        "version": "0",
        "description": (
            f"A clinic's relief model: the evidence of {prior.source} as a robust prior (vague weight "
            f"{prior.robust_weight:g}), updated by MCMC (NumPyro) with {len(data.dx)} treatments of "
            f"{data.n_patients} clinic patients; no patient data"
        ),
        "parameters": params,
        "relief": relief,
        "fit": {
            "method": "clinic MCMC with a robust evidence prior",
            "n": data.input_rows,
            "treatments": len(data.dx),
            "patients": data.n_patients,
            "n_bad": len(data.outcomes.bad),
            "censoring": {k: int(v) for k, v in counts.items()},
            "coef": {t: float(beta[:, k].mean()) for k, t in enumerate(terms)},
            "coef_ci": {t: _interval(beta[:, k]) for k, t in enumerate(terms)},
            "coef_interval": "80 % posterior interval",
            "design": {
                "numeric": {k: list(v) for k, v in data.spec["numeric"].items()},
                "binary": list(data.spec["binary"]),
                "indications": [],
            },
            "slope": {
                c: {
                    "mean": float(draws["phi"][:, j, 0].mean()),
                    "interval": _interval(draws["phi"][:, j, 0]),
                    "prior_mean": float(prior.classes[c].mean[1]),
                }
                for j, c in enumerate(data.classes)
            },
            "patient_effect": {
                "icc_mean": float(icc.mean()),
                "icc_interval": _interval(icc),
                "estimated": bool(repeat_patients),
                "repeat_patients": repeat_patients,
                "prior": "Beta(2, 2), centre 0.5 (the assumed value it replaces)",
            },
            "diagnostics": draws.diagnostics,
            "unshifted": unshifted,
            "settings": {
                "chains": settings.chains,
                "warmup": settings.warmup,
                "draws": settings.draws,
                "seed": settings.seed,
            },
        },
        "training": {"rows": data.input_rows, "sha256": data.outcomes.sha256 or "0" * 64},
        "prior": _prior_section(prior, data, draws),
        "posterior_approx": _posterior_approx(prior_bundle, par, data, levels),
    }
    effects = reference_effects(data, draws, prior, bundle)
    bundle["fit"]["effects_in_days"] = effects
    bundle = _clean(bundle)
    bundle["version"] = fit_version(bundle)
    summary = {"effects": effects, "data": data, "prior": prior}
    _check_plausible(bundle)
    return ClinicFit(bundle=bundle, summary=summary, draws=draws, data=data)
