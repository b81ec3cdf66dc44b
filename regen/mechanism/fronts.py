"""Regeneration fronts: what a mapped Tinel sign says about the regrowth.

A front is the distance (mm distal to the lesion) at which the advancing
Tinel sign (or edge of sensation) is found on a given day after the freeze.
:func:`update_from_fronts` turns a patient's fronts into

- a posterior of the **functional** regrowth rate (median, ``sd_log``): the
  Tinel front runs ahead of functional recovery (humans 1.7 vs 1.4 mm/day,
  Seddon; rabbits 4.4 vs 3.0), so the Tinel rate is multiplied by
  ``tinel_functional_rate_ratio``, with its uncertainty;
- allowance for the unknown day regrowth started (the latency's spread): it
  shifts every front of a patient together, so it is a correlated error, and
  two fronts on different days inform the rate through their slope, which
  the start day does not affect;
- an **anchor**: the forecast then starts from the last front's day and covers
  only the remaining path (the distance beyond the functional front, the
  distance conditioned to lie beyond it), which narrows it once a front has
  covered most of the distance;
- one error line per patient for a front beyond the lesion-to-target distance
  or implying an implausible rate, and a warning for fronts measured before
  regrowth can have started (ignored).

The model is linear-Gaussian on the log scale: for front ``j`` on day ``t_j``
at ``x_j`` mm, ``y_j = log(x_j / (t_j - L0)) + log(rho0)`` estimates the log
functional rate with error ``-(log rho - log rho0) - u / (t_j - L0) + e_j``,
where ``u`` is the error of the start day ``L0`` (sd ``L0 * latency_sd_log``),
``rho`` the Tinel-to-functional ratio and ``e_j`` the reading error
(``front_measurement_sd_log``). The posterior is the exact conjugate update.

Examples
--------
>>> import numpy as np
>>> from regen.catalog.parameters import parameter_values
>>> p = parameter_values()
>>> out = update_from_fronts(rate_median=np.array([1.4]), rate_sd_log=np.array([0.3]),
...     front_mm=np.array([[30.0, 60.0]]), front_day=np.array([[30.0, 50.0]]),
...     distance_mm=np.array([220.0]), distance_sd_log=np.array([0.25]),
...     latency_median_day=np.array([5.0]), latency_sd_log=np.array([0.3]), params=p)
>>> bool(out["rate_sd_log"][0] < 0.3), out["error"][0], float(out["anchor_day"][0])
(True, '', 50.0)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from regen.catalog.parameters import param_sd_log, param_value
from regen.stats.aft import norm_cdf_scalar, norm_ppf_scalar

__all__ = ["update_from_fronts"]

_Z90 = norm_ppf_scalar(0.90)
# stdlib normal functions (scipy stays off the ``regen predict`` import path); used on front rows only
_CDF = np.vectorize(norm_cdf_scalar, otypes=[float])
_INV = np.vectorize(norm_ppf_scalar, otypes=[float])
_IGNORED = 1e12  # variance given to an unusable observation (drops it from the update)


def _as_2d(values, n: int) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr.reshape(n, -1) if arr.ndim < 2 else arr


def _errors(mm, day, grow, distance, params) -> np.ndarray:
    """One message per patient ('' when fine) for impossible or implausible fronts."""
    fast, slow = param_value(params, "front_rate_max_mm_per_day"), param_value(params, "front_rate_min_mm_per_day")
    out = np.full(mm.shape[0], "", dtype=object)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        from_freeze = np.where(day > 0, mm / day, np.nan)  # fastest reading: regrowth from day 0
        after_start = np.where(grow > 0, mm / grow, np.nan)
        beyond = mm > distance[:, None]
    checks = (
        (
            beyond,
            lambda i, j: (
                f"front_mm: front {mm[i, j]:g} mm on day {day[i, j]:g} is beyond the lesion-to-target "
                f"distance ({distance[i]:.0f} mm): check the front, or pass the measured distance_mm"
            ),
        ),
        (
            from_freeze > fast,
            lambda i, j: (
                f"front_mm: front {mm[i, j]:g} mm on day {day[i, j]:g} implies at least "
                f"{from_freeze[i, j]:.1f} mm/day, faster than any measured regrowth ({fast:g} mm/day): "
                "check the measurement"
            ),
        ),
        (
            after_start < slow,
            lambda i, j: (
                f"front_mm: front {mm[i, j]:g} mm on day {day[i, j]:g} implies "
                f"{after_start[i, j]:.2f} mm/day, slower than {slow:g} mm/day: not an advancing "
                "regeneration front; check the measurement"
            ),
        ),
    )
    for mask, message in reversed(checks):  # the first applicable check wins
        for i, j in zip(*np.nonzero(mask), strict=True):
            out[i] = message(i, j)
    return out


def _posterior(prior_mu, prior_sd, y, a, usable, ratio_sd, start_var, meas_sd):
    """Conjugate update of the log rate given correlated log-rate readings."""
    k = y.shape[1]
    cov = ratio_sd**2 + start_var[:, None, None] * a[:, :, None] * a[:, None, :]
    cov = cov + np.eye(k) * np.where(usable, meas_sd**2, _IGNORED)[:, :, None]
    cov = np.where(usable[:, :, None] & usable[:, None, :], cov, cov * np.eye(k))
    rhs = np.stack([np.ones_like(y), np.where(usable, y, 0.0)], axis=2)
    solved = np.linalg.solve(cov, rhs)
    info = np.einsum("nk,nk->n", np.ones_like(y), solved[:, :, 0])
    score = np.einsum("nk,nk->n", np.ones_like(y), solved[:, :, 1])
    prec = 1.0 / prior_sd**2 + info
    return (prior_mu / prior_sd**2 + score) / prec, 1.0 / np.sqrt(prec)


def _remaining(covered, distance, distance_sd, covered_sd):
    """Median and ``sd_log`` of the path left beyond the functional front.

    The distance is log-normal and conditioned to exceed the covered path
    (sensation has not returned): the remaining path ``distance - covered`` is
    summarised by its median and 90th centile; the front's own position error
    (``covered * covered_sd`` mm) is added in quadrature on the log scale.
    """
    median, sd_log = np.full(covered.shape, np.nan), np.full(covered.shape, np.nan)
    ok = np.isfinite(covered) & np.isfinite(distance) & (covered > 0)
    if ok.any():
        c, s = covered[ok], distance_sd[ok]
        m = np.log(distance[ok] / c)
        f1 = np.clip(_CDF(-m / s), 0.0, 1.0 - 1e-9)
        q50 = np.exp(m + s * _INV(f1 + 0.5 * (1.0 - f1)))
        q90 = np.exp(m + s * _INV(np.minimum(f1 + 0.9 * (1.0 - f1), 1.0 - 1e-12)))
        median[ok] = c * (q50 - 1.0)
        spread = np.log((q90 - 1.0) / (q50 - 1.0)) / _Z90
        sd_log[ok] = np.hypot(spread, c * covered_sd / median[ok])
    return median, sd_log


def update_from_fronts(
    *,
    rate_median: np.ndarray,
    rate_sd_log: np.ndarray,
    front_mm: np.ndarray,
    front_day: np.ndarray,
    distance_mm: np.ndarray,
    distance_sd_log: np.ndarray,
    latency_median_day: np.ndarray,
    latency_sd_log: np.ndarray,
    params: Mapping,
) -> dict[str, np.ndarray]:
    """Posterior functional rate, anchor and checks from measured fronts.

    Parameters
    ----------
    rate_median, rate_sd_log : (n,) array
        Prior of each patient's functional regrowth rate (mm/day).
    front_mm, front_day : (n, k) array
        Fronts (mm distal to the lesion) and their days after the freeze,
        NaN-padded; a pair with either value NaN is absent.
    distance_mm, distance_sd_log : (n,) array
        Lesion-to-target distance (median) and its ``sd_log``.
    latency_median_day, latency_sd_log : (n,) array
        Distribution of the day regrowth starts (the initial delay).
    params : mapping
        Parameter mapping; reads ``tinel_functional_rate_ratio`` (value and
        ``sd_log``), ``front_measurement_sd_log``, ``front_rate_max_mm_per_day``
        and ``front_rate_min_mm_per_day``.

    Returns
    -------
    dict of (n,) array
        ``rate_median_mm_per_day``, ``rate_sd_log`` (posterior; the prior where
        no usable front or an error), ``anchor_day`` (day of the farthest
        usable front, NaN if none), ``remaining_mm`` and ``remaining_sd_log``
        (path left beyond the functional front), ``covered_fraction``
        (functional front / distance), ``n_fronts_used``, ``error`` (one line,
        '' if fine) and ``warning`` ('' if none).
    """
    prior_mu = np.log(np.asarray(rate_median, dtype=float))
    prior_sd = np.asarray(rate_sd_log, dtype=float)
    n = prior_mu.shape[0]
    mm, day = _as_2d(front_mm, n), _as_2d(front_day, n)
    start = np.asarray(latency_median_day, dtype=float)
    distance = np.asarray(distance_mm, dtype=float)
    grow = day - start[:, None]
    present = ~np.isnan(mm) & ~np.isnan(day)
    early = present & (grow <= 0)
    error = _errors(np.where(present, mm, np.nan), np.where(present, day, np.nan), grow, distance, params)
    usable = present & ~early & (mm > 0) & (error == "")[:, None]
    ratio = param_value(params, "tinel_functional_rate_ratio")
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(usable, np.log(mm / grow) + np.log(ratio), 0.0)
        a = np.where(usable, 1.0 / grow, 0.0)
    start_var = (start * np.asarray(latency_sd_log, dtype=float)) ** 2
    post_mu, post_sd = _posterior(
        prior_mu,
        prior_sd,
        y,
        a,
        usable,
        param_sd_log(params, "tinel_functional_rate_ratio"),
        start_var,
        param_value(params, "front_measurement_sd_log"),
    )
    last = np.argmax(np.where(usable, day, -np.inf), axis=1)
    any_used = usable.any(axis=1)
    covered = ratio * np.take_along_axis(mm, last[:, None], axis=1)[:, 0]
    covered_sd = np.hypot(
        param_sd_log(params, "tinel_functional_rate_ratio"), param_value(params, "front_measurement_sd_log")
    )
    remaining, remaining_sd = _remaining(
        np.where(any_used, covered, np.nan), distance, np.asarray(distance_sd_log, dtype=float), covered_sd
    )
    warning = np.where(
        early.any(axis=1),
        "front measured before regrowth can start (day " + np.char.mod("%.0f", start).astype(object) + "): ignored",
        "",
    )
    return {
        "rate_median_mm_per_day": np.exp(post_mu),
        "rate_sd_log": post_sd,
        "anchor_day": np.where(any_used, np.take_along_axis(day, last[:, None], axis=1)[:, 0], np.nan),
        "remaining_mm": remaining,
        "remaining_sd_log": remaining_sd,
        "covered_fraction": np.where(any_used, covered / distance, 0.0),
        "n_fronts_used": usable.sum(axis=1),
        "error": error,
        "warning": warning.astype(object),
    }
