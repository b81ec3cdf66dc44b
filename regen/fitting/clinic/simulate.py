"""Synthetic clinics with a known truth, for the tests and the simulation study (no patient data).

A *truth* is one clinic's parameters: per class the slope ``B`` and spread ``sigma``, per indication the
location ``A`` (log days at the class's ``x_ref``) and response logit ``L``, the share ``icc`` of the
relief variance between patients and the direct covariate effects ``beta``.
:func:`draw_truth` draws it from the evidence (a new setting, as the fit's prior without its vague part);
:func:`typical_truth` takes the evidence's central values, its relief optionally multiplied (a clinic
that conflicts with the evidence). :func:`simulate_clinic` draws patients, their repeat cycles and their
contacts; a relief end is known between two contacts, or not yet at the last one.

Examples
--------
>>> from regen import load_model
>>> from regen.fitting.clinic.prior import read_prior
>>> model = load_model()
>>> truth = typical_truth(read_prior(model.bundle), ratio=2.0)
>>> frame = simulate_clinic(truth, model.bundle, 20, cycles=2, seed=1)
>>> len(frame), sorted(set(frame["cycle"]))
(40, [1, 2])
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import expit

from regen.catalog.nerves import pain_class
from regen.fitting.clinic.arrays import BETA_PRIOR_SD, ICC_PRIOR

__all__ = ["CONTACT_DAYS", "NERVES", "draw_truth", "new_patients", "simulate_clinic", "typical_truth"]

#: A clinic's nerves and the indication each treats (two with published studies, two without).
NERVES = {
    "greater_occipital": "occipital_neuralgia",
    "lumbar_medial_branch": "lumbar_facet_syndrome",
    "genicular_superolateral": "knee_osteoarthritis",
    "intercostal": "mastectomy",
}
#: Planned contacts (days after the treatment), each moved by up to 15 %: calls at 2 and 6 weeks, visits at
#: 3, 6, 9 and 12 months, then every 6 months.
CONTACT_DAYS = (14, 42, 91, 182, 273, 365, 548, 730, 913, 1095)
#: Direct covariate terms of a synthetic clinic (as :mod:`regen.stats.covariates` names them).
_TERMS = {"age": "numeric", "diabetes": "binary", "smoker": "binary", "female": "binary"}


def _indication_draw(prior, indication: str, phi: np.ndarray, rng) -> np.ndarray:
    """``(a, l)`` of an indication given its class's ``(b, s)``: the evidence's conditional normal."""
    block = prior.block(indication)
    mean, gain, cond = block.conditional()
    return mean + gain @ (phi - block.phi[0]) + np.linalg.cholesky(cond) @ rng.standard_normal(2)


def draw_truth(prior, rng, indications=tuple(NERVES.values()), icc: float | None = None) -> dict:
    """A clinic's truth drawn from the evidence: a new setting of its classes and indications."""
    het, df = prior.heterogeneity, prior.df
    z_v, z_w = rng.standard_t(df), rng.standard_t(df)
    tau_w = np.exp(het["tau_w"][0] + het["tau_w"][1] * rng.standard_normal())
    tau_e = np.exp(het["tau_e"][0] + het["tau_e"][1] * rng.standard_normal())
    truth = {"A": {}, "L": {}, "B": {}, "sigma": {}}
    for c in sorted({pain_class(i) for i in indications}):
        k = prior.class_names.index(c)
        mean, cov = prior.classes[c].phi
        phi = rng.multivariate_normal(mean, cov)
        truth["B"][c], truth["sigma"][c] = float(phi[0]), float(np.exp(phi[1]))
        tau_v = np.exp(het["tau_v"][0][k] + het["tau_v"][1][k] * rng.standard_normal())
        tau_u = np.exp(het["tau_u"][0][k] + het["tau_u"][1][k] * rng.standard_normal())
        for i in (i for i in indications if pain_class(i) == c):
            a, logit = _indication_draw(prior, i, phi, rng)
            if not prior.has_own(i):
                a, logit = a + tau_u * rng.standard_t(df), logit + tau_e * rng.standard_t(df)
            truth["A"][i], truth["L"][i] = float(a + tau_v * z_v), float(logit + tau_w * z_w)
    truth["icc"] = float(rng.beta(*ICC_PRIOR)) if icc is None else float(icc)
    truth["beta"] = {t: float(rng.normal(0.0, BETA_PRIOR_SD[kind])) for t, kind in _TERMS.items()}
    return truth


def typical_truth(prior, ratio: float = 1.0, indications=tuple(NERVES.values()), icc: float = 0.5) -> dict:
    """The evidence's central clinic (posterior means, no setting shift), its relief multiplied by ``ratio``."""
    truth = {"A": {}, "L": {}, "B": {}, "sigma": {}, "icc": float(icc), "beta": dict.fromkeys(_TERMS, 0.0)}
    for i in indications:
        block = prior.block(i)
        c = pain_class(i)
        truth["A"][i] = float(block.mean[0] + np.log(ratio))
        truth["L"][i] = float(block.mean[3])
        truth["B"][c] = float(prior.classes[c].mean[1])
        truth["sigma"][c] = float(np.exp(prior.classes[c].mean[2]))
    return truth


def _patients(n: int, rng, nerves: Mapping) -> dict:
    nerve = np.array(list(nerves), dtype=object)[rng.integers(0, len(nerves), n)]
    return {
        "nerve": nerve,
        "indication": np.array([nerves[v] for v in nerve], dtype=object),
        "age": np.round(rng.uniform(25, 85, n)),
        "sex": rng.choice(np.array(["female", "male"], dtype=object), n),
        "diabetes": np.where(rng.random(n) < 0.2, "yes", "no").astype(object),
        "smoker": np.where(rng.random(n) < 0.15, "yes", "no").astype(object),
    }


def _log_mean(truth: Mapping, bundle: Mapping, prior, cols: Mapping) -> np.ndarray:
    """``A + B dx + z'beta`` of each patient (log days)."""
    from regen.model.laws import nerve_times, relief_nerve_x
    from regen.schema.patients import validate_patients

    valid = validate_patients(cols).columns
    params = bundle["parameters"]
    x = relief_nerve_x(bundle["relief"], valid, params, nerve_times(valid, params))
    ind = cols["indication"]
    cls = [pain_class(i) for i in ind]
    dx = x - np.array([prior.x_ref[c] for c in cls])
    z = {
        "age": (cols["age"] - 50.0) / 10.0,
        "diabetes": (cols["diabetes"] == "yes").astype(float),
        "smoker": (cols["smoker"] == "yes").astype(float),
        "female": (cols["sex"] == "female").astype(float),
    }
    effect = sum(truth["beta"].get(t, 0.0) * z[t] for t in z)
    return np.array([truth["A"][i] for i in ind]) + np.array([truth["B"][c] for c in cls]) * dx + effect


def _contacts(rng, n: int, follow_up: tuple[float, float]) -> np.ndarray:
    """Contact days per row (n x k; NaN after the end of follow-up)."""
    days = np.array(CONTACT_DAYS, float)[None, :] * rng.uniform(0.85, 1.15, (n, len(CONTACT_DAYS)))
    horizon = rng.uniform(*follow_up, n)
    return np.where(days <= horizon[:, None], np.round(days), np.nan)


def simulate_clinic(
    truth: Mapping,
    bundle: Mapping,
    n_patients: int,
    *,
    cycles: int = 1,
    seed: int = 0,
    follow_up: tuple[float, float] = (180.0, 730.0),
    nerves: Mapping = NERVES,
    prior=None,
):
    """A clinic's outcome file (DataFrame in the outcome schema, with ``patient_id`` and ``cycle``).

    Each patient keeps a nerve, covariates and a patient effect over ``cycles`` treatments; each cycle is
    followed with the planned contacts (:data:`CONTACT_DAYS`) until a horizon drawn in ``follow_up``.
    """
    import pandas as pd

    from regen.fitting.clinic.prior import read_prior

    prior = read_prior(bundle) if prior is None else prior
    rng = np.random.default_rng(seed)
    cols = _patients(n_patients, rng, nerves)
    base = _log_mean(truth, bundle, prior, cols)
    sigma = np.array([truth["sigma"][pain_class(i)] for i in cols["indication"]])
    eta = rng.standard_normal(n_patients) * np.sqrt(truth["icc"]) * sigma
    rows = np.repeat(np.arange(n_patients), cycles)
    log_t = base[rows] + eta[rows] + np.sqrt(1.0 - truth["icc"]) * sigma[rows] * rng.standard_normal(rows.size)
    responded = rng.random(rows.size) < expit(np.array([truth["L"][i] for i in cols["indication"][rows]]))
    visits = _contacts(rng, rows.size, follow_up)
    t = np.exp(log_t)
    before = np.where(visits < t[:, None], visits, -np.inf).max(axis=1)
    after = np.where(visits >= t[:, None], visits, np.inf).min(axis=1)
    lower = np.where(responded, np.maximum(before, 0.0), 0.0)
    upper = np.where(responded, after, visits[:, 0])
    frame = pd.DataFrame({k: v[rows] for k, v in cols.items()})
    frame.insert(0, "patient_id", [f"s{seed}-{p + 1}" for p in rows])
    frame["cycle"] = np.tile(np.arange(1, cycles + 1), n_patients)
    frame["relief_last_seen_day"] = lower
    frame["relief_lost_day"] = np.where(np.isfinite(upper), upper, np.nan)
    frame["responded"] = np.where(responded, "yes", "no")
    return frame


def new_patients(truth: Mapping, bundle: Mapping, n: int, seed: int = 0, nerves: Mapping = NERVES, prior=None):
    """``n`` new patients of the clinic: patient columns, their exact relief end and whether relief started."""
    import pandas as pd

    from regen.fitting.clinic.prior import read_prior

    prior = read_prior(bundle) if prior is None else prior
    rng = np.random.default_rng(seed)
    cols = _patients(n, rng, nerves)
    base = _log_mean(truth, bundle, prior, cols)
    sigma = np.array([truth["sigma"][pain_class(i)] for i in cols["indication"]])
    frame = pd.DataFrame(cols)
    frame["relief_end_day"] = np.exp(base + sigma * rng.standard_normal(n))
    frame["responded"] = rng.random(n) < expit(np.array([truth["L"][i] for i in cols["indication"]]))
    frame.attrs["true_log_median"] = base
    return frame
