"""Relief end fitted on published study summaries: classes, indications, studies.

The model (all logs natural, times in days)::

    log T_relief = a0 + d_c + b_c * (x_s - xbar_c) + u_i + v_s + sigma * eps   (responders)
    logit P(response) = rho0 + r_c + e_i
    P(still relieved at t) = P(response) * (1 - Phi((log t - m_s) / sigma))

for a patient of study ``s``, indication ``i``, pain class ``c``, with ``x_s``
the study's mean log median nerve time (``T_nerve``), ``m_s`` the study
location and ``eps`` standard normal. Random effects: ``d_c ~ N(0, omega)``
between classes, ``u_i ~ N(0, tau)`` between indications of a class,
``v_s ~ N(0, setting_sd)`` between studies of an indication, and on the
response logit ``e_i`` and ``r_c`` with the fixed spreads of :class:`Priors`.

Each published number enters through its own likelihood (:func:`row_loglik`):
binomial for *k of n relieved at day d* or *k of n responded*, normal on the
log scale for a reported median (sampling variance ``pi/2 sigma^2 / n``) or a
reported mean of a log-normal, interval probabilities where a source gives a
range for each patient (or for a setting's median). The random effects are
integrated by a Laplace approximation (expected information for the binomial
rows); the variance components are posterior modes under gamma(2, rate) priors,
which keep them off zero (Chung et al. 2013). The result is the ``relief`` section of a model bundle
(format 2): see :func:`fit_summaries`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special

__all__ = [
    "CLASSES",
    "USED_KINDS",
    "Priors",
    "SummaryFit",
    "fit_laplace",
    "fit_summaries",
    "relief_section",
    "row_loglik",
    "slope_decision",
    "used_rows",
]

CLASSES = ("own_territory", "joint", "post_operative", "residual_limb")
USED_KINDS = (
    "proportion_relieved",
    "responders",
    "non_responders",
    "median_duration_days",
    "mean_duration_days",
    "duration_interval_days",
    "median_interval_days",
)
#: Smoothing (log days) of a source's interval for a setting's median.
MEDIAN_INTERVAL_SMOOTHING = 0.1


@dataclass(frozen=True)
class Priors:
    """Priors and fixed spreads of the summary fit (modelling assumptions, stated in models/default.md).

    ``tau_response`` / ``omega_response``: sd of the response logit between indications of a
    class / between classes (fixed: too few response numbers to estimate them).
    ``sd_rate``: rate of the gamma(2, rate) priors on sigma, tau, setting_sd and omega (log
    days); gamma(2, .) keeps a variance component off zero (Chung et al. 2013).
    ``slope_sd``, ``mean_sd``, ``logit_sd``: normal priors on a class slope on log T_nerve,
    the grand mean location (log days) and the grand mean response logit, all centred on 0.
    """

    tau_response: float = 1.0
    omega_response: float = 1.0
    sd_rate: float = 0.5
    slope_sd: float = 2.0
    mean_sd: float = 10.0
    logit_sd: float = 2.0


_H = 1e-3


def used_rows(studies: pd.DataFrame) -> pd.DataFrame:
    """The rows of the study table that enter the likelihood (``used == 'yes'``)."""
    rows = studies[studies["used"].astype(str).str.lower().eq("yes")].copy()
    bad = sorted(set(rows["kind"]) - set(USED_KINDS))
    if bad:
        raise ValueError(f"used rows of unknown kind {bad}; the likelihood knows {list(USED_KINDS)}")
    for col in ("n", "day", "value", "count", "low", "high"):
        rows[col] = pd.to_numeric(rows[col], errors="coerce")
    resp = rows["kind"] == "non_responders"
    rows.loc[resp, "count"] = rows.loc[resp, "n"] - rows.loc[resp, "count"]
    rows.loc[resp, "kind"] = "responders"
    return rows.reset_index(drop=True)


def _log_ndtr_diff(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """log(Phi(hi) - Phi(lo)) for lo < hi, stable in both tails."""
    upper = lo > 0
    a = np.where(upper, -hi, lo)
    b = np.where(upper, -lo, hi)
    lb, la = special.log_ndtr(b), special.log_ndtr(a)
    return lb + np.log(-np.expm1(np.minimum(la - lb, -1e-300)))


def row_loglik(kind: np.ndarray, m: np.ndarray, logit_r: np.ndarray, sigma: float, data: Mapping) -> np.ndarray:
    """Log-likelihood of each published number given its study location and response logit.

    Parameters
    ----------
    kind : array of str
        One of :data:`USED_KINDS` (``non_responders`` already turned into ``responders``).
    m, logit_r : array
        Study location (log days) and logit of the response probability, one per row.
    sigma : float
        Between-patient sd of log relief end within a study.
    data : mapping of array
        ``n``, ``count``, ``day``, ``value``, ``low``, ``high`` per row.
    """
    n, out = data["n"], np.zeros(m.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = {k: np.log(data[k]) for k in ("day", "value", "low", "high")}
    binom = (kind == "proportion_relieved") | (kind == "responders")
    if binom.any():
        b, k = binom, data["count"][binom]
        z = np.where(logs["day"][b] > -np.inf, (m[b] - logs["day"][b]) / sigma, np.inf)
        log_p = -np.logaddexp(0.0, -logit_r[b]) + special.log_ndtr(np.nan_to_num(z, nan=np.inf))
        out[b] = k * log_p + np.where(n[b] > k, (n[b] - k) * np.log(-np.expm1(np.minimum(log_p, -1e-12))), 0.0)
    for name, mask in ((name, kind == name) for name in USED_KINDS[3:]):
        if mask.any():
            out[mask] = _summary_loglik(name, m[mask], sigma, n[mask], {k: v[mask] for k, v in logs.items()})
    return out


def _summary_loglik(kind: str, m: np.ndarray, sigma: float, n: np.ndarray, logs: Mapping) -> np.ndarray:
    """Log-likelihood of duration summaries of one kind (see :func:`row_loglik`)."""
    if kind == "median_duration_days":
        se = sigma * np.sqrt(np.pi / (2.0 * n))
        return -0.5 * ((logs["value"] - m) / se) ** 2 - np.log(se)
    if kind == "mean_duration_days":
        se = np.sqrt(np.expm1(sigma**2) / n)
        return -0.5 * ((logs["value"] - m - sigma**2 / 2) / se) ** 2 - np.log(se)
    if kind == "duration_interval_days":
        return n * _log_ndtr_diff((logs["low"] - m) / sigma, (logs["high"] - m) / sigma)
    s = MEDIAN_INTERVAL_SMOOTHING
    return _log_ndtr_diff((logs["low"] - m) / s, (logs["high"] - m) / s)


@dataclass
class Layout:
    """Positions of the effects in the latent vector and the row design matrices."""

    indications: list[str]
    studies: list[str]
    slope_classes: list[str]
    index: dict[str, int]
    loc: np.ndarray  # rows x dim: study location of each row
    logit: np.ndarray  # rows x dim: response logit of each row
    x_centre: dict[str, float]
    study_x: dict[str, float]


def _study_x(rows: pd.DataFrame, log_nerve_days: Mapping[str, float]) -> dict[str, float]:
    """Mean log nerve time of each study's catalog nerves (NaN if none is known)."""
    out = {}
    for study, nerves in rows.groupby("study")["nerves"].first().items():
        vals = [log_nerve_days[n] for n in str(nerves).split(";") if n in log_nerve_days]
        out[study] = float(np.mean(vals)) if vals else np.nan
    return out


def build_layout(
    rows: pd.DataFrame,
    ind_class: Mapping[str, str],
    log_nerve_days: Mapping[str, float],
    slope_classes: Sequence[str] = (),
) -> Layout:
    """Latent-vector layout and the location / logit design of each used row."""
    inds = sorted(rows["indication"].unique())
    studies = sorted(rows["study"].unique())
    names = (
        ["a0"]
        + [f"d[{c}]" for c in CLASSES]
        + [f"b[{c}]" for c in slope_classes]
        + [f"u[{i}]" for i in inds]
        + [f"v[{s}]" for s in studies]
        + ["rho0"]
        + [f"r[{c}]" for c in CLASSES]
        + [f"e[{i}]" for i in inds]
    )
    index = {name: j for j, name in enumerate(names)}
    sx = _study_x(rows, log_nerve_days)
    study_class = rows.groupby("study")["indication"].first().map(ind_class)
    centre = {c: float(np.nanmean([sx[s] for s in studies if study_class[s] == c] or [np.nan])) for c in slope_classes}
    loc = np.zeros((len(rows), len(names)))
    logit = np.zeros_like(loc)
    for r, (ind, study) in enumerate(zip(rows["indication"], rows["study"], strict=True)):
        c = ind_class[ind]
        for name in ("a0", f"d[{c}]", f"u[{ind}]", f"v[{study}]"):
            loc[r, index[name]] = 1.0
        if c in slope_classes and np.isfinite(sx[study]):
            loc[r, index[f"b[{c}]"]] = sx[study] - centre[c]
        for name in ("rho0", f"r[{c}]", f"e[{ind}]"):
            logit[r, index[name]] = 1.0
    return Layout(inds, studies, list(slope_classes), index, loc, logit, centre, sx)


def prior_sd(
    layout: Layout,
    tau: float,
    setting_sd: float,
    omega: float,
    priors: Priors,
    fixed_slopes: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Prior mean and sd of the latent vector given the variance components."""
    sd = np.empty(len(layout.index))
    mean = np.zeros(len(layout.index))
    spread = {
        "a0": priors.mean_sd,
        "d": omega,
        "b": priors.slope_sd,
        "u": tau,
        "v": setting_sd,
        "rho0": priors.logit_sd,
        "r": priors.omega_response,
        "e": priors.tau_response,
    }
    for name, j in layout.index.items():
        sd[j] = spread[name.split("[")[0]]
    for c, value in (fixed_slopes or {}).items():
        if f"b[{c}]" in layout.index:
            mean[layout.index[f"b[{c}]"]], sd[layout.index[f"b[{c}]"]] = value, 1e-4
    return mean, sd


def _row_information(rows, m, lg, sigma, data):
    """Per row: log-likelihood, its gradient in (m, logit) and a positive semi-definite information.

    Binomial rows use their expected (Fisher) information, the others (log-concave in
    ``m``) their observed curvature, so Newton steps are ascent directions and the
    Laplace determinant stays defined on the ridge that a single proportion leaves
    between response and duration.
    """
    kind = rows["kind"].to_numpy()

    def f(dm, dl):
        return row_loglik(kind, m + dm, lg + dl, sigma, data)

    f0, fmp, fmm = f(0.0, 0.0), f(_H, 0.0), f(-_H, 0.0)
    grad = ((fmp - fmm) / (2 * _H), (f(0.0, _H) - f(0.0, -_H)) / (2 * _H))
    day = data["day"]
    timed = np.isfinite(day) & (day > 0)
    z = np.where(timed, (m - np.log(np.where(timed, day, 1.0))) / sigma, 0.0)
    r, surv = special.expit(lg), np.where(timed, special.ndtr(z), 1.0)
    p = np.clip(r * surv, 1e-12, 1 - 1e-12)
    dp_dm = np.where(timed, r * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi) / sigma, 0.0)
    dp_dl = r * (1 - r) * surv
    w = data["n"] / (p * (1 - p))
    binom = (kind == "proportion_relieved") | (kind == "responders")
    obs = np.clip(-(fmp - 2 * f0 + fmm) / _H**2, 0.0, None)
    info = (
        np.where(binom, w * dp_dm**2, obs),
        np.where(binom, w * dp_dm * dp_dl, 0.0),
        np.where(binom, w * dp_dl**2, 0.0),
    )
    return f0, grad, info


def _posterior_mode(rows, layout, sigma, mean, sd, data, z0=None):
    """Mode of the latent vector (Fisher scoring, backtracking); returns (z, objective, information, loglik)."""
    A, B = layout.loc, layout.logit
    prec = 1.0 / sd**2
    z = mean.copy() if z0 is None else z0.copy()

    def objective(z):
        ll = row_loglik(rows["kind"].to_numpy(), A @ z, B @ z, sigma, data).sum()
        return ll - 0.5 * np.sum(prec * (z - mean) ** 2), ll

    obj, ll = objective(z)
    for _ in range(200):
        _, (gm, gl), (imm, iml, ill) = _row_information(rows, A @ z, B @ z, sigma, data)
        grad = A.T @ gm + B.T @ gl - prec * (z - mean)
        info = (
            A.T @ (imm[:, None] * A) + A.T @ (iml[:, None] * B) + B.T @ (iml[:, None] * A) + B.T @ (ill[:, None] * B)
        ) + np.diag(prec)
        step = linalg.cho_solve(linalg.cho_factor(info), grad)
        for _ in range(40):
            new_obj, new_ll = objective(z + step)
            if new_obj >= obj:
                break
            step = step / 2
        else:
            break
        z, gain, obj, ll = z + step, new_obj - obj, new_obj, new_ll
        if gain < 1e-8 and np.max(np.abs(step)) < 1e-5:
            break
    return z, obj, info, ll


@dataclass
class SummaryFit:
    """A fitted summary model: layout, latent mode and covariance, variance components."""

    layout: Layout
    rows: pd.DataFrame
    ind_class: dict[str, str]
    priors: Priors
    sigma: float
    tau: float
    setting_sd: float
    omega: float
    z: np.ndarray
    cov: np.ndarray
    log_evidence: float
    loglik: float

    def contrast(self, names: Mapping[str, float]) -> tuple[float, float]:
        """Posterior mean and variance of a linear combination of latent effects."""
        c = np.zeros(len(self.z))
        for name, w in names.items():
            if name in self.layout.index:
                c[self.layout.index[name]] += w
        return float(c @ self.z), float(c @ self.cov @ c)


def _data(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    return {k: rows[k].to_numpy(dtype=float) for k in ("n", "count", "day", "value", "low", "high")}


def _laplace(theta, rows, layout, data, priors, fixed_slopes, cache):
    """Laplace log evidence at log variance components ``theta``, its log prior, and the mode."""
    sigma, tau, setting_sd, omega = np.exp(theta)
    mean, sd = prior_sd(layout, tau, setting_sd, omega, priors, fixed_slopes)
    if "z" not in cache:  # one fixed start for every theta: the evidence is then a function of theta
        cache["z"] = _posterior_mode(rows, layout, sigma, mean, sd, data)[0]
    z, obj, neg_h, ll = _posterior_mode(rows, layout, sigma, mean, sd, data, cache["z"])
    logdet = np.linalg.slogdet(neg_h)[1]
    evidence = obj - np.sum(np.log(sd)) - 0.5 * logdet
    log_prior = np.sum(theta - priors.sd_rate * np.exp(theta))  # gamma(2, rate) on each sd
    return evidence, log_prior, z, neg_h, ll


def fit_laplace(
    rows: pd.DataFrame,
    ind_class: Mapping[str, str],
    log_nerve_days: Mapping[str, float],
    slope_classes: Sequence[str] = (),
    fixed_slopes: Mapping[str, float] | None = None,
    priors: Priors = Priors(),
) -> SummaryFit:
    """Fit the hierarchical model to the used rows (empirical Bayes, Laplace approximation).

    ``slope_classes`` get a free slope on the centred log nerve time (or the value in
    ``fixed_slopes``); the other classes have none.
    """
    layout = build_layout(rows, ind_class, log_nerve_days, slope_classes)
    data, cache = _data(rows), {}

    def neg(theta):
        evidence, log_prior, *_ = _laplace(theta, rows, layout, data, priors, fixed_slopes, cache)
        return -(evidence + log_prior)

    start = np.log([0.7, 1.0, 0.7, 1.0])
    res = optimize.minimize(
        neg,
        start,
        method="Nelder-Mead",
        options={
            "xatol": 2e-2,
            "fatol": 1e-2,
            "maxiter": 400,
            "initial_simplex": np.vstack([start, start + 0.5 * np.eye(4)]),
        },
    )
    evidence, _, z, neg_h, ll = _laplace(res.x, rows, layout, data, priors, fixed_slopes, cache)
    sigma, tau, setting_sd, omega = (float(v) for v in np.exp(res.x))
    return SummaryFit(
        layout,
        rows,
        dict(ind_class),
        priors,
        sigma,
        tau,
        setting_sd,
        omega,
        z,
        np.linalg.inv(neg_h),
        float(evidence),
        float(ll),
    )


def _expit_mean(mean: float, var: float) -> float:
    """E[expit(X)] for X ~ N(mean, var) (Gauss-Hermite, 40 nodes)."""
    x, w = np.polynomial.hermite_e.hermegauss(40)
    return float(np.sum(w * special.expit(mean + np.sqrt(var) * x)) / np.sum(w))


def _entry(
    fit: SummaryFit,
    loc: dict,
    logit: dict,
    slope: tuple[str, float],
    extra_var: tuple[float, float],
    rows: pd.DataFrame,
) -> dict:
    """One indication or class entry of the relief section."""
    b_name, x_ref = slope
    b = fit.contrast({b_name: 1.0})[0] if b_name in fit.layout.index else 0.0
    if b_name in fit.layout.index and np.isfinite(x_ref):
        loc = {**loc, b_name: x_ref - fit.layout.x_centre[b_name[2:-1]]}
    mean, var = fit.contrast(loc)
    r_mean, r_var = fit.contrast(logit)
    per_study = rows.groupby("study")["n"].max()
    return {
        "location": mean - b * (x_ref if np.isfinite(x_ref) else 0.0),
        "location_sd": float(np.sqrt(var + extra_var[0] ** 2)),
        "offset_coef": b,
        "response_prob": _expit_mean(r_mean, r_var + extra_var[1] ** 2),
        "long_responder_fraction": 0.0,
        "studies": int(rows["study"].nunique()),
        "patients": int(np.nansum(per_study.to_numpy())),
        "sources": sorted(rows["citation"].unique()),
    }


def relief_section(fit: SummaryFit) -> dict:
    """The ``relief`` section of a format-2 bundle from a fit (without diagnostics)."""
    rows, ic = fit.rows, fit.ind_class
    x_study = fit.layout.study_x
    indications, classes = {}, {}
    for ind in fit.layout.indications:
        c, sub = ic[ind], rows[rows["indication"] == ind]
        x = np.array([x_study[s] for s in sub["study"].unique()])
        x_ref = float(np.nanmean(x)) if np.isfinite(x).any() else fit.layout.x_centre.get(c, np.nan)
        indications[ind] = {
            "class": c,
            **_entry(
                fit,
                {"a0": 1, f"d[{c}]": 1, f"u[{ind}]": 1},
                {"rho0": 1, f"r[{c}]": 1, f"e[{ind}]": 1},
                (f"b[{c}]", x_ref),
                (0.0, 0.0),
                sub,
            ),
        }
    for c in CLASSES:
        sub = rows[rows["indication"].map(ic).eq(c)]
        entry = _entry(
            fit,
            {"a0": 1, f"d[{c}]": 1},
            {"rho0": 1, f"r[{c}]": 1},
            (f"b[{c}]", fit.layout.x_centre.get(c, np.nan)),
            (fit.tau, fit.priors.tau_response),
            sub,
        )
        classes[c] = entry
    default = {
        "location": 0.0,
        "location_sd": 0.0,
        "offset_coef": 1.0,
        "response_prob": 1.0,
        "long_responder_fraction": 0.0,
        "studies": 0,
        "patients": 0,
    }
    return {
        "family": "lognormal",
        "sigma": fit.sigma,
        "setting_sd": fit.setting_sd,
        "indications": indications,
        "classes": classes,
        "default": default,
    }


def slope_decision(
    rows: pd.DataFrame, ind_class: Mapping[str, str], log_nerve_days: Mapping[str, float], base: SummaryFit
) -> dict:
    """Per class: the free slope on log T_nerve, evidence for slopes 0 / 1 / free, and the choice.

    The rule: a class keeps a slope only if the 95 % interval of its free slope
    excludes 0 and the slope is positive; otherwise relief does not follow the
    nerve time in that class (``offset_coef`` 0).
    """
    out = {}
    for c in CLASSES:
        sub = rows[rows["indication"].map(ind_class).eq(c)]
        x = {v for s, v in base.layout.study_x.items() if s in set(sub["study"]) and np.isfinite(v)}
        if len(x) < 2:
            out[c] = {"slope": None, "chosen": 0.0, "reason": "fewer than two distinct nerve times: not identifiable"}
            continue
        free = fit_laplace(rows, ind_class, log_nerve_days, [c], priors=base.priors)
        one = fit_laplace(rows, ind_class, log_nerve_days, [c], {c: 1.0}, base.priors)
        b, var = free.contrast({f"b[{c}]": 1.0})
        lo, hi = b - 1.96 * np.sqrt(var), b + 1.96 * np.sqrt(var)
        keep = lo > 0
        out[c] = {
            "slope": b,
            "slope_95": [lo, hi],
            "log_evidence": {"0": base.log_evidence, "1": one.log_evidence, "free": free.log_evidence},
            "chosen": b if keep else 0.0,
            "reason": "95 % interval above 0" if keep else "95 % interval includes 0 or lies below it",
        }
    return out


def _variance_intervals(fit: SummaryFit, slopes: Mapping[str, float]) -> dict:
    """Wald 80 % intervals of the variance components on the log scale (numerical Hessian)."""
    layout, data, cache = fit.layout, _data(fit.rows), {"z": fit.z}
    theta0 = np.log([fit.sigma, fit.tau, fit.setting_sd, fit.omega])
    fixed = {c: b for c, b in slopes.items() if f"b[{c}]" in layout.index}

    def g(t):
        ev, lp, *_ = _laplace(t, fit.rows, layout, data, fit.priors, fixed, cache)
        return ev + lp

    e = np.eye(4) * 0.02
    hess = np.array(
        [
            [
                g(theta0 + e[i] + e[j]) - g(theta0 + e[i] - e[j]) - g(theta0 - e[i] + e[j]) + g(theta0 - e[i] - e[j])
                for j in range(4)
            ]
            for i in range(4)
        ]
    ) / (4 * 0.02**2)
    sd = np.sqrt(np.clip(np.diag(np.linalg.pinv(-hess)), 0, None))
    names = ("sigma", "tau", "setting_sd", "omega")
    return {
        n: [float(np.exp(t - 1.2816 * s)), float(np.exp(t + 1.2816 * s))]
        for n, t, s in zip(names, theta0, sd, strict=True)
    }


def fit_summaries(
    studies: pd.DataFrame, log_nerve_days: Mapping[str, float], indications: pd.DataFrame, priors: Priors = Priors()
) -> dict:
    """Fit the published summaries; return the ``relief`` section plus a ``fit`` dict of diagnostics.

    Parameters
    ----------
    studies : DataFrame
        ``data/studies.csv`` (only rows with ``used == 'yes'`` enter).
    log_nerve_days : mapping
        Nerve id -> log median ``T_nerve`` (days) at the reference patient.
    indications : DataFrame
        ``data/indications.csv`` (``id``, ``pain_class``).
    priors : Priors
        Priors and fixed spreads (the defaults are the shipped model's).
    """
    rows, ic = used_rows(studies), dict(zip(indications["id"], indications["pain_class"], strict=True))
    base = fit_laplace(rows, ic, log_nerve_days, priors=priors)
    decision = slope_decision(rows, ic, log_nerve_days, base)
    chosen = {c: d["chosen"] for c, d in decision.items() if d["chosen"] != 0.0}
    fit = fit_laplace(rows, ic, log_nerve_days, list(chosen), chosen, priors) if chosen else base
    effects = {name: [float(fit.z[j]), float(np.sqrt(fit.cov[j, j]))] for name, j in fit.layout.index.items()}
    diagnostics = {
        "log_likelihood": fit.loglik,
        "log_evidence": fit.log_evidence,
        "rows": len(rows),
        "studies": len(fit.layout.studies),
        "sigma": fit.sigma,
        "tau": fit.tau,
        "setting_sd": fit.setting_sd,
        "omega": fit.omega,
        "variance_80": _variance_intervals(fit, chosen),
        "effects_mean_sd": effects,
        "slopes": decision,
        "priors": dict(priors.__dict__),
    }
    return {**relief_section(fit), "fit": diagnostics}
