"""Calibrate regen's mechanism on human return-of-sensation data.

Reads ``data/human_sensation.csv`` (one published human observation per row,
with how it enters the likelihood), fits the parameters the data can inform
by maximum a posteriori with a Laplace approximation, writes the calibrated
values into ``data/parameters.csv`` and the predicted-vs-published tables into
``data/parameters.md`` (between the ``calibration`` markers, so a rerun
replaces them), and prints a summary. Deterministic; runs in a few seconds.

The model (regen.mechanism.regrowth, the same code that predicts)::

    T = exp(delta_study) * (initial_delay + distance / rate + terminal_delay)

with log-normal patient spreads on every phase, age multiplying regrowth and
maturation, and ``delta_study ~ N(0, tau^2)`` shared by every observation of
one study (integrated out on a grid). Animal values enter only as priors
(``PRIORS``). Usage::

    python scripts/calibrate_mechanism.py            # fit, write, print
    python scripts/calibrate_mechanism.py --dry-run  # fit and print only
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import ndtr

from regen.mechanism.regrowth import Z90, nerve_time

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
BEGIN, END = "<!-- calibration:begin -->", "<!-- calibration:end -->"

#: Priors on the fitted (unconstrained) parameters: centre, sd, reason.
PRIORS = {
    "log_initial_delay": (
        math.log(5.2),
        0.5,
        "rabbit scar delay after crush, from injury, 5.2 d (Gutmann 1942); sd 0.5 because no human value exists",
    ),
    "log_rate": (math.log(1.4), 0.2, "human axonotmesis 1.4 mm/day (Seddon 1943); sd 0.2 spans 1-2 mm/day"),
    "log_terminal": (
        math.log(16.8),
        1.5,
        "rabbit nociceptive latency minus scar delay, 16.8 d (1942); no human value: sd 1.5 (a factor 4.5 per sd)",
    ),
    "log_child_log_ratio": (
        math.log(math.log(3.0)),
        0.5,
        "children's sensory recovery about 3x faster (Buchthal & Kühl 1979): log ratio log 3, sd 0.5 on its log",
    ),
    "log_old_log_ratio": (
        math.log(0.15),
        0.7,
        "direction only (animals; no human effect in Polydefkis 2004): "
        "time x1.16 at 80, sd 0.7 on the log of the log ratio",
    ),
    "log_terminal_sd": (math.log(0.4), 0.5, "between-patient sd_log of maturation: assumption 0.4, sd 0.5"),
    "log_discrepancy": (math.log(0.5), 0.7, "between-setting sd_log: assumption 0.5, sd 0.7"),
    "log_partial_lesion": (
        0.0,
        1.0,
        "time ratio of the brief -60 degC intraoperative freezes vs a full lesion: no expected difference (1), sd 1",
    ),
}
NAMES = tuple(PRIORS)
#: Between-patient spreads kept fixed (not identifiable from study summaries).
FIXED_SD = {"initial_delay_days": 0.3, "rate_mm_per_day": 0.2}
#: ``lesion_group`` of the rows that get the partial-lesion ratio.
PARTIAL = "brief_minus60"
Z_GRID = np.linspace(-6.0, 6.0, 481)
Z_LOGW = -0.5 * Z_GRID**2 - np.log(np.sum(np.exp(-0.5 * Z_GRID**2)))


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_params(path: Path = DATA / "parameters.csv") -> dict:
    """``{name: {"value", "sd_log"}}`` straight from the table (as regen.catalog.parameters does)."""
    return {r["name"]: {"value": float(r["value"]), "sd_log": float(r["sd_log"] or 0.0)} for r in read_rows(path)}


def load_observations(path: Path = DATA / "human_sensation.csv") -> list[dict]:
    """The rows of the human data with numeric fields parsed."""
    out = []
    for row in read_rows(path):
        obs = dict(row)
        for key in ("value_day", "lo_day", "hi_day", "k", "n", "background_fraction", "age_lo_years", "age_hi_years"):
            obs[key] = float(row[key]) if row[key] else math.nan
        obs["distances"] = [float(x) for x in row["distance_mm"].split(";") if x]
        weights = [float(x) for x in row["distance_weights"].split(";") if x]
        obs["weights"] = list(np.asarray(weights) / sum(weights)) if weights else []
        out.append(obs)
    return out


def theta_params(theta: np.ndarray, base: dict) -> tuple[dict, float]:
    """Mechanism parameters (between-patient spreads, no discrepancy) and tau for ``theta``."""
    t = dict(zip(NAMES, theta, strict=True))
    p = {k: dict(v) for k, v in base.items()}
    p["initial_delay_days"] = {"value": math.exp(t["log_initial_delay"]), "sd_log": FIXED_SD["initial_delay_days"]}
    p["rate_mm_per_day"] = {"value": math.exp(t["log_rate"]), "sd_log": FIXED_SD["rate_mm_per_day"]}
    p["terminal_delay_days"] = {"value": math.exp(t["log_terminal"]), "sd_log": math.exp(t["log_terminal_sd"])}
    p["age_child_time_ratio"] = {"value": math.exp(-math.exp(t["log_child_log_ratio"])), "sd_log": 0.0}
    p["age_old_time_ratio"] = {"value": math.exp(math.exp(t["log_old_log_ratio"])), "sd_log": 0.0}
    p["discrepancy_sd_log"] = {"value": 0.0, "sd_log": 0.0}
    p["partial_lesion_time_ratio"] = {"value": math.exp(t["log_partial_lesion"]), "sd_log": 0.0}
    return p, math.exp(t["log_discrepancy"])


def components(obs: dict, params: dict, discrepancy: bool = False) -> tuple[np.ndarray, ...]:
    """Log-normal components (mu, sigma, weight) of one patient of the setting.

    Ages uniform over the stated range (11 points), distances by their weights;
    rows of the partial-lesion group are shifted by ``partial_lesion_time_ratio``.
    ``discrepancy``: include the between-setting spread (a new setting).
    """
    lo, hi = obs["age_lo_years"], obs["age_hi_years"]
    ages = np.linspace(lo, hi, 11) if hi > lo else np.array([lo])
    age, dist = np.meshgrid(ages, np.asarray(obs["distances"]), indexing="ij")
    weight = np.broadcast_to(np.asarray(obs["weights"])[None, :] / len(ages), age.shape)
    p = params if discrepancy else {**params, "discrepancy_sd_log": {"value": 0.0, "sd_log": 0.0}}
    n = age.size
    out = nerve_time(
        default_distance_mm=dist.ravel(),
        age_years=age.ravel(),
        diabetes=np.zeros(n, bool),
        smoker=np.zeros(n, bool),
        height_cm=np.full(n, np.nan),
        measured_distance_mm=np.full(n, np.nan),
        params=p,
    )
    mu, sigma = out["mu"], out["sigma"]
    if obs.get("lesion_group") == PARTIAL:
        ratio = params["partial_lesion_time_ratio"]
        mu = mu + math.log(ratio["value"])
        sigma = np.sqrt(sigma**2 + (ratio["sd_log"] ** 2 if discrepancy else 0.0))
    return mu, sigma, weight.ravel()


def _mix_cdf(log_t: float, mu, sigma, w, delta) -> np.ndarray:
    """P(T <= t) of the mixture for each shift in ``delta`` (array)."""
    z = (log_t - mu[None, :] - np.asarray(delta)[:, None]) / sigma[None, :]
    return ndtr(z) @ w


def obs_loglik(obs: dict, mu, sigma, w, delta: np.ndarray) -> np.ndarray:
    """Log-likelihood of one observation for each study shift in ``delta``."""
    kind, n = obs["likelihood"], obs["n"]
    if kind == "mean":
        m1 = np.exp(mu + sigma**2 / 2) @ w
        m2 = np.exp(2 * mu + 2 * sigma**2) @ w
        se = math.sqrt((m2 / m1**2 - 1.0) / n)
        return -0.5 * ((math.log(obs["value_day"]) - math.log(m1) - delta) / se) ** 2 - math.log(se)
    if kind == "all_before":
        return n * np.log(np.clip(_mix_cdf(math.log(obs["hi_day"]), mu, sigma, w, delta), 1e-300, None))
    if kind == "all_within":  # a share of the n inside [lo, hi]: all of them unless a sensitivity run says less
        inside = np.clip(
            _mix_cdf(math.log(obs["hi_day"]), mu, sigma, w, delta)
            - _mix_cdf(math.log(obs["lo_day"]), mu, sigma, w, delta),
            1e-300,
            1 - 1e-15,
        )
        share = obs.get("share", 1.0)
        return n * (share * np.log(inside) + (1.0 - share) * np.log1p(-inside))
    if kind == "k_of_n_after":
        still = 1.0 - _mix_cdf(math.log(obs["value_day"]), mu, sigma, w, delta)
        p = np.clip(1.0 - (1.0 - still) * (1.0 - obs["background_fraction"]), 1e-12, 1 - 1e-12)
        return obs["k"] * np.log(p) + (n - obs["k"]) * np.log1p(-p)
    raise ValueError(f"unknown likelihood {kind!r} in row {obs['id']}")


def study_loglik(study_obs: list[dict], params: dict, tau: float) -> tuple[float, np.ndarray]:
    """Marginal log-likelihood of one study (its shift integrated out) and its log-integrand."""
    delta = tau * Z_GRID
    total = np.zeros_like(Z_GRID)
    for obs in study_obs:
        total = total + obs_loglik(obs, *components(obs, params), delta)
    integrand = total + Z_LOGW
    top = integrand.max()
    return top + math.log(np.exp(integrand - top).sum()), integrand


def by_study(observations: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for obs in observations:
        if obs["role"] == "likelihood":
            out.setdefault(obs["study"], []).append(obs)
    return out


def log_prior(theta, priors) -> float:
    return sum(-0.5 * ((x - c) / s) ** 2 for x, (c, s, _) in zip(theta, priors.values(), strict=True))


def neg_log_post(free, studies, base, priors=PRIORS, fixed=None) -> float:
    """Negative log posterior of the free parameters (``NAMES`` minus ``fixed``)."""
    fixed = fixed or {}
    free_names = [k for k in NAMES if k not in fixed]
    values = dict(zip(free_names, free, strict=True))
    params, tau = theta_params(np.array([fixed.get(k, values.get(k)) for k in NAMES]), base)
    ll = sum(study_loglik(rows, params, tau)[0] for rows in studies.values())
    return -(ll + log_prior([values[k] for k in free_names], {k: priors[k] for k in free_names}))


def hessian(f, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central finite-difference Hessian."""
    k = len(x)
    out = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            e_i, e_j = np.eye(k)[i] * h, np.eye(k)[j] * h
            val = (f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j) + f(x - e_i - e_j)) / (4 * h * h)
            out[i, j] = out[j, i] = val
    return out


def fit(studies, base, priors=PRIORS, fixed=None, laplace=True) -> dict:
    """MAP (and Laplace covariance) of the model; see :func:`neg_log_post`."""
    fixed = fixed or {}
    free_names = [k for k in NAMES if k not in fixed]
    x0 = np.array([priors[k][0] for k in free_names])
    f = lambda th: neg_log_post(th, studies, base, priors, fixed)  # noqa: E731
    res = minimize(f, x0, method="BFGS", options={"gtol": 1e-6})
    values = dict(zip(free_names, res.x, strict=True))
    out = {
        "theta": np.array([fixed.get(k, values.get(k)) for k in NAMES]),
        "neg_log_post": res.fun,
        "loglik": -res.fun - log_prior(res.x, {k: priors[k] for k in free_names}),
    }
    if laplace:
        cov = np.zeros((len(NAMES), len(NAMES)))
        idx = [NAMES.index(k) for k in free_names]
        cov[np.ix_(idx, idx)] = np.linalg.inv(hessian(f, res.x))
        out["cov"] = cov
    return out


def study_shifts(studies, params, tau) -> dict[str, float]:
    """Posterior mode of each study's shift given the fitted parameters."""
    return {s: float(tau * Z_GRID[np.argmax(study_loglik(rows, params, tau)[1])]) for s, rows in studies.items()}


#: Calibrated row of parameters.csv -> the fitted quantity behind it.
SHIPPED = {
    "initial_delay_days": "log_initial_delay",
    "rate_mm_per_day": "log_rate",
    "terminal_delay_days": "log_terminal",
    "age_child_time_ratio": "log_child_log_ratio",
    "age_old_time_ratio": "log_old_log_ratio",
    "discrepancy_sd_log": "log_discrepancy",
    "partial_lesion_time_ratio": "log_partial_lesion",
}


def _interval(t, sd, name, f=math.exp) -> str:
    lo, hi = sorted((f(t[name] - Z90 * sd[name]), f(t[name] + Z90 * sd[name])))
    return f"MAP {f(t[name]):.3g} (80 % interval {lo:.3g}-{hi:.3g})"


def _shipped_rows(t: dict, sd: dict) -> dict[str, tuple[float, float, str]]:
    """(value, predictive sd_log, detail) of each calibrated row."""
    s_m2 = math.exp(2 * t["log_terminal_sd"] + 2 * sd["log_terminal_sd"] ** 2)
    b_c, b_o = math.exp(t["log_child_log_ratio"]), math.exp(t["log_old_log_ratio"])
    lat, rate = FIXED_SD["initial_delay_days"], FIXED_SD["rate_mm_per_day"]
    return {
        "initial_delay_days": (
            math.exp(t["log_initial_delay"]),
            math.hypot(lat, sd["log_initial_delay"]),
            f"median {_interval(t, sd, 'log_initial_delay')} d; between-patient sd_log {lat} (assumption)",
        ),
        "rate_mm_per_day": (
            math.exp(t["log_rate"]),
            math.hypot(rate, sd["log_rate"]),
            f"median {_interval(t, sd, 'log_rate')} mm/day; between-patient sd_log {rate} (assumption: 1-2 mm/day)",
        ),
        "terminal_delay_days": (
            math.exp(t["log_terminal"]),
            math.sqrt(s_m2 + sd["log_terminal"] ** 2),
            f"median {_interval(t, sd, 'log_terminal')} d; between-patient sd_log "
            f"{_interval(t, sd, 'log_terminal_sd')}",
        ),
        "age_child_time_ratio": (
            math.exp(-b_c),
            b_c * sd["log_child_log_ratio"],
            "ratio " + _interval(t, sd, "log_child_log_ratio", lambda x: math.exp(-math.exp(x))),
        ),
        "age_old_time_ratio": (
            math.exp(b_o),
            b_o * sd["log_old_log_ratio"],
            "ratio " + _interval(t, sd, "log_old_log_ratio", lambda x: math.exp(math.exp(x))),
        ),
        "discrepancy_sd_log": (
            math.exp(t["log_discrepancy"] + sd["log_discrepancy"] ** 2),
            0.0,
            f"tau {_interval(t, sd, 'log_discrepancy')}; value sqrt(E[tau^2])",
        ),
        "partial_lesion_time_ratio": (
            math.exp(t["log_partial_lesion"]),
            sd["log_partial_lesion"],
            f"ratio {_interval(t, sd, 'log_partial_lesion')}",
        ),
    }


def shipped(result: dict, base: dict) -> dict[str, dict]:
    """Values written to parameters.csv: posterior medians, predictive sd_log, notes.

    Each phase's ``sd_log`` adds the posterior variance of its log median to
    the between-patient variance (parameter uncertainty carried into every
    prediction); the age and partial-lesion ratios carry the posterior sd of
    their log; the discrepancy is sqrt(E[tau^2]) under the posterior.
    """
    t = dict(zip(NAMES, result["theta"], strict=True))
    sd = dict(zip(NAMES, np.sqrt(np.diag(result["cov"])), strict=True))
    out = {}
    for name, (value, sd_log, detail) in _shipped_rows(t, sd).items():
        spread = (
            "sd_log = between-patient and posterior uncertainty combined"
            if name.endswith(("days", "day"))
            else "sd_log = posterior uncertainty of the log ratio"
            if "ratio" in name
            else "no sd_log (the value is itself a spread)"
        )
        note = f"CALIBRATED on human return of sensation: {detail}; {spread}. Prior: {PRIORS[SHIPPED[name]][2]}."
        out[name] = {"value": float(f"{value:.4g}"), "sd_log": float(f"{sd_log:.4g}"), "note": note}
    return out


def with_values(base: dict, values: dict) -> dict:
    return {**base, **{k: {"value": v["value"], "sd_log": v["sd_log"]} for k, v in values.items()}}


def mixture_quantiles(mu, sigma, w, probs=(0.1, 0.5, 0.9)) -> np.ndarray:
    """Quantiles (days) of a mixture of log-normals, by bisection on log time."""
    lo, hi = np.full(len(probs), np.min(mu - 8 * sigma)), np.full(len(probs), np.max(mu + 8 * sigma))
    target = np.asarray(probs)
    for _ in range(60):
        mid = (lo + hi) / 2
        below = ndtr((mid[:, None] - mu[None, :]) / sigma[None, :]) @ w < target
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return np.exp((lo + hi) / 2)


def _mean(obs, params) -> float:
    mu, sigma, w = components(obs, params)
    return float(np.exp(mu + sigma**2 / 2) @ w)


def _band(params) -> np.ndarray:
    return Z90 * params["discrepancy_sd_log"]["value"] * np.array([-1.0, 1.0])


def _check_mean(obs, params, observations, patient):
    lo, hi = _mean(obs, params) * np.exp(_band(params))
    return lo <= obs["value_day"] <= hi, f"mean {_mean(obs, params):.0f} d (80 %: {lo:.0f}-{hi:.0f})"


def _check_ratio(obs, params, observations, patient):
    means = [o for o in observations if o["study"] == obs["study"] and o["likelihood"] == "mean"]
    old, young = sorted(means, key=lambda o: o["age_lo_years"], reverse=True)
    ratio, vals = params["age_child_time_ratio"], []
    for z in (-Z90, 0.0, Z90):
        p = {
            **params,
            "age_child_time_ratio": {
                "value": ratio["value"] * math.exp(z * ratio["sd_log"]),
                "sd_log": ratio["sd_log"],
            },
        }
        vals.append(_mean(old, p) / _mean(young, p))
    ok = min(vals) <= obs["value_day"] <= max(vals)
    return ok, f"ratio {vals[1]:.2f} (80 %: {min(vals):.2f}-{max(vals):.2f})"


def _check_all_before(obs, params, observations, patient):
    prob = float(_mix_cdf(math.log(obs["hi_day"]), *components(obs, params, True), np.zeros(1))[0])
    return prob >= 0.10, f"P(return by day {obs['hi_day']:.0f}) = {prob:.2f}"


def _check_k_of_n(obs, params, observations, patient):
    band = _band(params)
    still = 1.0 - _mix_cdf(math.log(obs["value_day"]), *components(obs, params), np.r_[band[0], 0.0, band[1]])
    p = 1.0 - (1.0 - still) * (1.0 - obs["background_fraction"])
    ok = p[0] <= obs["k"] / obs["n"] <= p[2]
    return ok, f"disturbed on day {obs['value_day']:.0f}: {p[1]:.2f} (80 %: {p[0]:.2f}-{p[2]:.2f})"


def _check_all_within(obs, params, observations, patient):
    p10, _, p90 = patient
    middle = math.sqrt(obs["lo_day"] * obs["hi_day"])
    need = 2 * Z90 * math.log(obs["hi_day"] / obs["lo_day"]) / expected_range(int(obs["n"]))
    ok = p10 <= middle <= p90 and math.log(p90 / p10) >= need
    return ok, (
        f"interval contains the range's middle ({middle:.0f} d); width x{p90 / p10:.1f} "
        f"vs x{math.exp(need):.1f} implied for 80 % of the series"
    )


def _check_latency(obs, params, observations, patient):
    lat = params["initial_delay_days"]
    p90 = lat["value"] * math.exp(Z90 * lat["sd_log"])
    return p90 < obs["hi_day"], f"latency median {lat['value']:.1f} d, p90 {p90:.1f} d"


CHECKS = {
    "mean": _check_mean,
    "ratio": _check_ratio,
    "all_before": _check_all_before,
    "k_of_n_after": _check_k_of_n,
    "all_within": _check_all_within,
    "latency_below": _check_latency,
}


def check(obs: dict, params: dict, observations: list[dict]) -> dict:
    """Predicted vs published for one row, and whether its tolerance is met (None: not checked)."""
    out = {"id": obs["id"], "ok": None, "statistic": ""}
    if obs["distances"] and obs["likelihood"] in ("mean", "all_before", "k_of_n_after", "all_within"):
        out["patient"] = mixture_quantiles(*components(obs, params, discrepancy=True))
    if obs["likelihood"] in CHECKS:
        ok, out["statistic"] = CHECKS[obs["likelihood"]](obs, params, observations, out.get("patient"))
        out["ok"] = bool(ok)
    return out


def expected_range(n: int) -> float:
    """Expected range (max - min) of ``n`` standard normal draws (numerical integration)."""
    z = np.linspace(-8.0, 8.0, 4001)
    cdf = ndtr(z)
    return float(np.sum(1.0 - cdf**n - (1.0 - cdf) ** n) * (z[1] - z[0]))


def _days(q) -> str:
    return f"{q[1]:.0f} ({q[0]:.0f}-{q[2]:.0f})"


def table_observations(observations, params) -> list[str]:
    lines = [
        "| row | setting | published | predicted patient, days: median (80 %) | predicted statistic "
        "| tolerance | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for obs in observations:
        res = check(obs, params, observations)
        patient = _days(res["patient"]) if "patient" in res else "—"
        if obs["lesion_group"] == PARTIAL:
            full = mixture_quantiles(*components({**obs, "lesion_group": "full"}, params, discrepancy=True))
            patient += f"; as a full lesion (regen's forecast, with a warning): {_days(full)}"
        met = {True: "yes", False: "**no**", None: "not used"}[res["ok"]]
        lines.append(
            f"| {obs['id']} | {obs['setting'].split(';')[0]} | {obs['finding']} | {patient} "
            f"| {res['statistic'] or '—'} | {obs['tolerance']} | {met} |"
        )
    return lines


def table_shifts(studies, result, base) -> list[str]:
    params, tau = theta_params(result["theta"], base)
    lines = [
        "| study | fitted shift (log) | as a factor | shift / tau | inside the 80 % band |",
        "|---|---|---|---|---|",
    ]
    for study, shift in study_shifts(studies, params, tau).items():
        lines.append(
            f"| {study} | {shift:+.2f} | x{math.exp(shift):.2f} | {shift / tau:+.2f} "
            f"| {'yes' if abs(shift / tau) <= Z90 else '**no**'} |"
        )
    return lines


def table_parameters(result) -> list[str]:
    sd = np.sqrt(np.diag(result["cov"]))
    lines = ["| fitted quantity | prior centre (sd) | MAP | 80 % interval | prior reason |", "|---|---|---|---|---|"]
    for name, x, s in zip(NAMES, result["theta"], sd, strict=True):
        c, ps, why = PRIORS[name]
        f = (lambda v: math.exp(math.exp(v))) if name.endswith("log_ratio") else math.exp
        label = {
            "log_child_log_ratio": "child time ratio",
            "log_old_log_ratio": "old time ratio",
            "log_partial_lesion": "partial-lesion time ratio",
            "log_terminal_sd": "maturation sd_log",
            "log_terminal": "maturation (days)",
            "log_initial_delay": "initial delay (days)",
            "log_rate": "rate (mm/day)",
            "log_discrepancy": "discrepancy tau",
        }[name]
        if name == "log_child_log_ratio":
            f = lambda v: math.exp(-math.exp(v))  # noqa: E731
        lo, hi = sorted((f(x - Z90 * s), f(x + Z90 * s)))
        lines.append(f"| {label} | {f(c):.3g} ({ps}) | {f(x):.3g} | {lo:.3g}-{hi:.3g} | {why} |")
    return lines


def table_age(params) -> list[str]:
    from regen.mechanism.regrowth import age_time_factor

    ages = np.array([10, 12, 14, 16, 18, 21, 25, 30, 40, 50, 60, 70, 80, 90], dtype=float)
    f, sd = age_time_factor(ages, params)
    lines = ["| age (years) | " + " | ".join(f"{a:.0f}" for a in ages) + " |", "|---" * (len(ages) + 1) + "|"]
    lines.append("| time multiplier | " + " | ".join(f"{x:.2f}" for x in f) + " |")
    lines.append(
        "| 80 % interval | "
        + " | ".join(f"{x * math.exp(-Z90 * s):.2f}-{x * math.exp(Z90 * s):.2f}" for x, s in zip(f, sd, strict=True))
        + " |"
    )
    return lines


def table_nerves(params, ages=(15.0, 50.0, 75.0)) -> list[str]:
    """Default sensation-return median (80 %) per catalog nerve and age (default distances, no covariates)."""
    nerves = read_rows(DATA / "nerves.csv")
    head = " | ".join(f"age {a:.0f}" for a in ages)
    lines = [f"| nerve | default distance (mm) | skin territory | {head} |", "|---|---|---|" + "---|" * len(ages)]
    for nerve in nerves:
        n = len(ages)
        out = nerve_time(
            default_distance_mm=np.full(n, float(nerve["default_distance_mm"])),
            age_years=np.asarray(ages),
            diabetes=np.zeros(n, bool),
            smoker=np.zeros(n, bool),
            height_cm=np.full(n, np.nan),
            measured_distance_mm=np.full(n, np.nan),
            params=params,
        )
        cells = [_days([out[f"sensation_return_{k}_day"][i] for k in ("p10", "median", "p90")]) for i in range(n)]
        skin = nerve.get("skin_territory", "")
        note = "" if skin != "no" else " (not observable)"
        lines.append(
            f"| {nerve['id']} | {float(nerve['default_distance_mm']):.0f} | {skin}{note} | " + " | ".join(cells) + " |"
        )
    return lines


def _headline(theta, base) -> tuple[float, float]:
    """Setting medians (no discrepancy) for an infraorbital nerve at 60 and an intercostal nerve at 50."""
    params, _ = theta_params(theta, base)
    out = nerve_time(
        default_distance_mm=np.array([25.0, 220.0]),
        age_years=np.array([60.0, 50.0]),
        diabetes=np.zeros(2, bool),
        smoker=np.zeros(2, bool),
        height_cm=np.full(2, np.nan),
        measured_distance_mm=np.full(2, np.nan),
        params=params,
    )
    return tuple(out["sensation_return_median_day"])


def sensitivity(studies, base, main) -> list[str]:
    """Alternative fits: no partial-lesion term, distance / rate alone, leaving out each study."""
    wide_rate = {**PRIORS, "log_rate": (math.log(1.4), 2.0, "wide")}
    runs = [("main model", main, "")]
    one = fit(studies, base, fixed={"log_partial_lesion": 0.0}, laplace=False)
    runs.append(("no partial-lesion term (all studies one population)", one, ""))
    rate_only = fit(
        studies,
        base,
        wide_rate,
        fixed={"log_terminal": math.log(16.8), "log_terminal_sd": math.log(0.35), "log_partial_lesion": 0.0},
        laplace=False,
    )
    runs.append(
        (
            "distance / rate alone: maturation fixed at the rabbit 16.8 d, rate prior sd 2, no partial-lesion term",
            rate_only,
            f"rate {math.exp(rate_only['theta'][1]):.2f} mm/day",
        )
    )
    loose = {
        s: [{**o, "share": 0.8} if o["likelihood"] == "all_within" else o for o in rows] for s, rows in studies.items()
    }
    loose_fit = fit(loose, base, laplace=False)
    runs.append(
        (
            "face ranges read as 80 % of patients, not all",
            loose_fit,
            f"maturation sd_log {math.exp(loose_fit['theta'][NAMES.index('log_terminal_sd')]):.2f}",
        )
    )
    for study in studies:
        loo = fit({s: r for s, r in studies.items() if s != study}, base, laplace=False)
        runs.append((f"without {study}", loo, ""))
    lines = [
        "| fit | max log-likelihood | tau | maturation (d) | child ratio | partial-lesion ratio "
        "| infraorbital, 60 y | intercostal, 50 y | other |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, res, other in runs:
        t = dict(zip(NAMES, res["theta"], strict=True))
        face, chest = _headline(res["theta"], base)
        lines.append(
            f"| {label} | {res['loglik']:.1f} | {math.exp(t['log_discrepancy']):.2f} "
            f"| {math.exp(t['log_terminal']):.0f} | {math.exp(-math.exp(t['log_child_log_ratio'])):.2f} "
            f"| {math.exp(t['log_partial_lesion']):.2f} | {face:.0f} d | {chest:.0f} d | {other} |"
        )
    return lines


def card_block(observations, studies, result, base, params) -> str:
    parts = [
        BEGIN,
        "",
        "_Generated by `python scripts/calibrate_mechanism.py`; do not edit by hand._",
        "",
        "### Priors and posterior of the fitted quantities",
        "",
        *table_parameters(result),
        "",
        "### Human observations: predicted vs published",
        "",
        "Predicted for a patient of the same setting (ages, nerves and distances as in "
        "`data/human_sensation.csv`), with the shipped parameters: between-patient spread, parameter "
        "uncertainty and the between-setting discrepancy included.",
        "",
        *table_observations(observations, params),
        "",
        "### Where each study sits (posterior mode of its shift, fitted parameters)",
        "",
        *table_shifts(studies, result, base),
        "",
        "### Age: multiplier of the regrowth and maturation times (1 = adult reference, 25-50 y)",
        "",
        *table_age(params),
        "",
        "### Sensitivity analyses (MAP fits; medians of a typical setting, without the discrepancy)",
        "",
        *sensitivity(studies, base, result),
        "",
        "### Default return of sensation per catalog nerve (days: median (80 % interval))",
        "",
        "Catalog default distance, no height, no diabetes, not a smoker, no front.",
        "",
        *table_nerves(params),
        "",
        END,
    ]
    return "\n".join(parts)


def write_parameters(values: dict, path: Path = DATA / "parameters.csv") -> None:
    rows = read_rows(path)
    for row in rows:
        if row["name"] in values:
            v = values[row["name"]]
            row.update(value=f"{v['value']:g}", sd_log=f"{v['sd_log']:g}" if v["sd_log"] else "", note=v["note"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_card(block: str, path: Path = DATA / "parameters.md") -> None:
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path} lacks the markers {BEGIN} ... {END}")
    head, rest = text.split(BEGIN, 1)
    path.write_text(head + block + rest.split(END, 1)[1], encoding="utf-8")


def calibrate() -> tuple[dict, dict, list[dict], dict]:
    """Fit on the shipped data; return (fit result, shipped values, observations, studies)."""
    observations = load_observations()
    studies = by_study(observations)
    base = load_params()
    result = fit(studies, base)
    return result, shipped(result, base), observations, studies


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="fit and print, write nothing")
    args = parser.parse_args(argv)
    result, values, observations, studies = calibrate()
    base = load_params()
    params = with_values(base, values)
    block = card_block(observations, studies, result, base, params)
    if not args.dry_run:
        write_parameters(values)
        write_card(block)
    print(block.replace(BEGIN, "").replace(END, ""))
    failed = [o["id"] for o in observations if check(o, params, observations)["ok"] is False]
    print(f"\nrows outside their tolerance: {', '.join(failed) or 'none'}")


if __name__ == "__main__":
    main()
