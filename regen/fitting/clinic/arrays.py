"""The prior and the rows of a clinic fit as the arrays its NumPyro model reads (numpy only).

Besides the data (:class:`regen.fitting.clinic.data.ClinicData`) and the prior's normals
(:mod:`regen.fitting.clinic.prior`), two things are prepared here once:

- the **shift grids**: the robust prior of the clinic's shift in location per class (``v_c``) and in response
  logit (``w``) tabulated on a fine grid, each the mixture ``(1 - w) evidence + w vague`` of the evidence's
  Student-t setting effect (its log-normal spread integrated out by Gauss-Hermite nodes) and a vague normal;
  the model integrates the shifts out on this grid, so the sampler never meets their heavy tails;
- the **new-indication mixtures**: an indication without published studies adds a new indication's
  Student-t effects (log-normal spreads) to its class's prior, written as a mixture of centred normals.

Examples
--------
>>> import numpy as np
>>> var, log_w = new_effect_mixture(np.log(0.3), 0.5, 4.0)
>>> var.shape, round(float(np.exp(log_w).sum()), 6)
((36,), 1.0)
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp
from scipy.stats import gamma, norm, t

from regen.catalog.nerves import pain_class
from regen.fitting.clinic.data import EXACT, INTERVAL, RIGHT, ClinicData
from regen.fitting.clinic.prior import VAGUE_FACTOR, VAGUE_MIN_SD
from regen.model.bundle import PLAUSIBLE_DAYS

__all__ = [
    "BETA_PRIOR_SD",
    "FRAILTY_NODES",
    "GRID",
    "ICC_PRIOR",
    "init_values",
    "model_arrays",
    "new_effect_mixture",
    "setting_logpdf",
    "shift_vague_sd",
]

#: Prior sd of a direct covariate effect (log time, per design unit: 10 years of age, 5 kg/m2, yes vs no).
BETA_PRIOR_SD = {"numeric": 0.15, "binary": 0.3}
#: Beta prior of the share of the relief variance between patients (centre 0.5, the value it replaces).
ICC_PRIOR = (2.0, 2.0)
#: Adaptive Gauss-Hermite nodes of the patient effect (per patient with repeat cycles).
FRAILTY_NODES = 12
#: The grid the clinic's shifts are integrated on (log days or logits; step 0.05: a setting, far finer than
#: the narrowest integrand, an indication's conditional prior spread of about 0.3 or more).
GRID = np.linspace(-10.0, 10.0, 401)
#: Gauss-Hermite nodes of a log-normal spread; quantile nodes of a Student-t's normal scale mixture.
_SPREAD_NODES, _T_NODES = 6, 6


def _hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / w.sum()


def _chol(cov: np.ndarray) -> np.ndarray:
    return np.linalg.cholesky(0.5 * (cov + cov.T) + 1e-9 * np.eye(cov.shape[0]))


def new_effect_mixture(log_mean: float, log_sd: float, df: float) -> tuple[np.ndarray, np.ndarray]:
    """``tau * t_df`` with ``log tau ~ N(log_mean, log_sd)`` as a mixture of centred normals: variances, log
    weights (Gauss-Hermite nodes of ``log tau``, quantile nodes of the t's precision)."""
    x, w = _hermite(_SPREAD_NODES)
    tau2 = np.exp(2.0 * (log_mean + log_sd * x))
    g = gamma.ppf((np.arange(_T_NODES) + 0.5) / _T_NODES, df / 2.0, scale=2.0 / df)  # t = N(0, 1 / g)
    return (tau2[:, None] / g[None, :]).ravel(), np.log(np.repeat(w, _T_NODES) / _T_NODES)


def setting_logpdf(x: np.ndarray, log_mean: float, log_sd: float, df: float) -> np.ndarray:
    """Log density of a setting effect ``tau * t_df``, ``log tau ~ N(log_mean, log_sd)`` (12 Gauss-Hermite nodes)."""
    nodes, w = _hermite(12)
    tau = np.exp(log_mean + log_sd * nodes)
    terms = t.logpdf(np.asarray(x, float)[..., None] / tau, df) - np.log(tau) + np.log(w)
    return logsumexp(terms, axis=-1)


def shift_vague_sd(prior, c: str) -> tuple[float, float]:
    """Vague spread of the clinic's shift in location and in response logit, class ``c``.

    Twice the evidence's own (moment) spread of a new setting's location and response in the class, at least
    1: the evidence component's Student-t tails give way slowly, the vague one at once.
    """
    sd = prior.map_sd(c)
    return float(max(VAGUE_MIN_SD, VAGUE_FACTOR * sd[0])), float(max(VAGUE_MIN_SD, VAGUE_FACTOR * sd[3]))


def _grid_prior(log_mean: float, log_sd: float, df: float, vague_sd: float) -> np.ndarray:
    """(evidence, vague) log densities on :data:`GRID`, (2, K)."""
    return np.stack([setting_logpdf(GRID, log_mean, log_sd, df), norm.logpdf(GRID, 0.0, vague_sd)])


def _shift_arrays(data: ClinicData, prior) -> dict:
    het = prior.heterogeneity
    k_all = [prior.class_names.index(c) for c in data.classes]
    v = [_grid_prior(het["tau_v"][0][k], het["tau_v"][1][k], prior.df, shift_vague_sd(prior, c)[0])
         for k, c in zip(k_all, data.classes, strict=True)]  # fmt: skip
    w_sd = max(shift_vague_sd(prior, c)[1] for c in data.classes)
    return {
        "v_grid_lp": np.array(v),
        "w_grid_lp": _grid_prior(het["tau_w"][0], het["tau_w"][1], prior.df, w_sd),
        "grid": GRID,
        "log_step": math.log(GRID[1] - GRID[0]),
    }


def _psi_arrays(data: ClinicData, prior) -> dict:
    """Per indication: the conditional normal of (A, L) given (B, log sigma); for one without published
    studies, a new indication's effects as normal mixtures on top of the conditional variances."""
    het = prior.heterogeneity
    size = _SPREAD_NODES * _T_NODES
    rows = []
    for i in data.indications:
        block = prior.block(i)
        mean, gain, cond = block.conditional()
        k = prior.class_names.index(pain_class(i))
        if prior.has_own(i):
            var_a, lw_a = np.zeros(size), np.r_[0.0, np.full(size - 1, -1e30)]
            var_l, lw_l = var_a, lw_a
        else:
            var_a, lw_a = new_effect_mixture(het["tau_u"][0][k], het["tau_u"][1][k], prior.df)
            var_l, lw_l = new_effect_mixture(het["tau_e"][0], het["tau_e"][1], prior.df)
        rows.append(
            {
                "mean": mean,
                "gain": gain,
                "phi_mean": block.phi[0],
                "var_a": var_a + cond[0, 0],
                "lw_a": lw_a,
                "var_l": var_l + cond[1, 1],
                "lw_l": lw_l,
            }
        )
    return {f"psi_{key}": np.array([r[key] for r in rows]) for key in rows[0]}


def _row_groups(data: ClinicData) -> dict:
    """Responder rows per group (one patient's only row, or a patient with repeat cycles) and kind of end;
    for the repeat rows their patient, count, and the midpoint standing for their relief end."""
    repeat_patients = np.unique(data.patient[data.repeat])
    pat = np.zeros(data.n_patients, dtype=np.int32)
    pat[repeat_patients] = np.arange(len(repeat_patients), dtype=np.int32)
    out = {}
    for group, mask in (("single", data.responded & ~data.repeat), ("repeat", data.responded & data.repeat)):
        for kind, name in ((EXACT, "exact"), (INTERVAL, "interval"), (RIGHT, "right")):
            out[f"{group}_{name}"] = np.flatnonzero(mask & (data.kind == kind)).astype(np.int32)
    order = np.concatenate([out[f"repeat_{n}"] for n in ("exact", "interval", "right")])
    repeat = data.responded & data.repeat
    row_pat = np.where(repeat, pat[data.patient], 0).astype(np.int32)
    return {
        **out,
        "repeat_patient": pat[data.patient[order]].astype(np.int32),
        "repeat": repeat.astype(float),
        "pat": row_pat,
        "cycles": np.bincount(row_pat[repeat], minlength=len(repeat_patients)).astype(float),
        "mid": np.where(data.kind == INTERVAL, 0.5 * (data.lo + data.hi), data.lo),
        "is_right": (data.kind == RIGHT).astype(float),
        "patients": np.zeros(len(repeat_patients)),
        "eta_nodes": _hermite(FRAILTY_NODES)[0],
        "eta_log_w": np.log(_hermite(FRAILTY_NODES)[1]),
    }


def model_arrays(data: ClinicData, prior) -> dict:
    """The prior and the data as arrays (the model's one argument); classes and indications in the data's order."""
    w = prior.robust_weight
    phi_mean, phi_chol, phi_vague = [], [], []
    for c in data.classes:
        mean, cov = prior.classes[c].phi
        phi_mean.append(mean)
        phi_chol.append(_chol(cov))
        phi_vague.append(np.maximum(VAGUE_MIN_SD, VAGUE_FACTOR * np.sqrt(np.diag(cov))))
    beta_sd = [BETA_PRIOR_SD["numeric"]] * len(data.spec["numeric"]) + [BETA_PRIOR_SD["binary"]] * len(
        data.spec["binary"]
    )
    new = np.array([not prior.has_own(i) for i in data.indications])
    return {
        "log_w": math.log(w) if w > 0 else -1e30,
        "log_1mw": math.log1p(-w) if w < 1 else -1e30,
        "phi_mean": np.array(phi_mean),
        "phi_chol": np.array(phi_chol),
        "phi_vague_sd": np.array(phi_vague),
        **_psi_arrays(data, prior),
        **_shift_arrays(data, prior),
        "own": np.flatnonzero(~new).astype(np.int32),
        "new": np.flatnonzero(new).astype(np.int32),
        "ind_class": np.array([data.classes.index(pain_class(i)) for i in data.indications], dtype=np.int32),
        "beta_sd": np.array(beta_sd, float),
        "a_bounds": np.log(np.array(PLAUSIBLE_DAYS, float)),
        "ind": data.ind.astype(np.int32),
        "cls": data.cls.astype(np.int32),
        "dx": data.dx,
        "z": data.covariates if data.covariates.size else np.zeros((len(data.dx), 0)),
        "responded": data.responded.astype(float),
        "lo": data.lo,
        "hi": data.hi,
        **_row_groups(data),
    }


def init_values(arrays: dict) -> dict:
    """Where every chain starts, on the unconstrained scale: the evidence's means, no covariate effect,
    icc 0.5 (logit 0)."""
    return {
        "phi": arrays["phi_mean"],
        "psi": arrays["psi_mean"],
        "icc": np.array(0.0),
        "beta": np.zeros(arrays["beta_sd"].shape[0]),
    }
