"""The age curve and the mechanism's median nerve time, as pure vectorised numpy (the predictor reuses these).

The age curve multiplies the regrowth and maturation times::

    log f(age) = -child_log_ratio * S((adult - age) / (adult - child))
                 + old_log_ratio * S((age - older) / (old - older))

with ``S(u) = 3u^2 - 2u^3`` on ``u`` clipped to [0, 1] (smoothstep: C1, monotone), so ``f`` is 1 from ``adult`` to
``older``, ``exp(-child_log_ratio)`` at and below ``child`` and ``exp(old_log_ratio)`` at and above ``old``.
Non-decreasing in age whenever both log ratios are >= 0.
"""

from __future__ import annotations

import numpy as np

__all__ = ["age_log_factor", "log_nerve_median_days", "lognormal_sum_np", "smoothstep"]


def smoothstep(u):
    """``3u^2 - 2u^3`` on ``u`` clipped to [0, 1] (works on numpy and jax arrays alike)."""
    u = u.clip(0.0, 1.0) if hasattr(u, "clip") else np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def age_log_factor(age_years, child_log_ratio, old_log_ratio, knots) -> np.ndarray:
    """Log multiplier of the regrowth and maturation times at ``age_years``.

    Parameters
    ----------
    age_years : array
        Ages in years.
    child_log_ratio, old_log_ratio : float or array
        ``-log`` of the child time ratio and ``log`` of the old time ratio (both >= 0 for a monotone curve).
    knots : mapping
        ``child``, ``adult``, ``older``, ``old`` in years.

    Examples
    --------
    >>> k = {"child": 11.0, "adult": 25.0, "older": 50.0, "old": 80.0}
    >>> np.round(np.exp(age_log_factor(np.array([5.0, 18.0, 40.0, 65.0, 90.0]), 1.0, 0.2, k)), 3).tolist()
    [0.368, 0.607, 1.0, 1.105, 1.221]
    """
    age = np.asarray(age_years, dtype=float)
    young = smoothstep((knots["adult"] - age) / (knots["adult"] - knots["child"]))
    older = smoothstep((age - knots["older"]) / (knots["old"] - knots["older"]))
    return -np.asarray(child_log_ratio) * young + np.asarray(old_log_ratio) * older


def lognormal_sum_np(medians, sd_logs):
    """Fenton-Wilkinson log-normal (mu, sigma) of a sum of independent log-normals (numpy)."""
    mean = 0.0
    var = 0.0
    for m, s in zip(medians, sd_logs, strict=True):
        s2 = np.asarray(s, dtype=float) ** 2
        mm = np.asarray(m, dtype=float) * np.exp(s2 / 2.0)
        mean = mean + mm
        var = var + mm**2 * np.expm1(s2)
    sigma2 = np.log1p(var / mean**2)
    return np.log(mean) - sigma2 / 2.0, np.sqrt(sigma2)


def log_nerve_median_days(distance_mm, age_years, params: dict, knots: dict, fixed_sd: dict, speed_factor=1.0):
    """``x``: log of the median return of sensation (days) of a patient, no setting discrepancy.

    ``T = initial_delay + f(age) * (distance / rate + terminal)`` / ``speed_factor`` on the last two phases, each
    phase log-normal between patients (sds: ``fixed_sd`` for latency, rate and distance; ``terminal_sd`` fitted),
    summed by Fenton-Wilkinson. ``params`` holds posterior medians: ``initial_delay_days``, ``rate_mm_per_day``,
    ``terminal_delay_days``, ``terminal_sd_log``, ``child_log_ratio``, ``old_log_ratio``.
    This is the ``x`` of the relief law (the JSON's ``relief.x_definition``).
    """
    f = np.exp(age_log_factor(age_years, params["child_log_ratio"], params["old_log_ratio"], knots)) / speed_factor
    d = np.asarray(distance_mm, dtype=float)
    regrow = d / params["rate_mm_per_day"] * f
    term = params["terminal_delay_days"] * f
    delay = np.full(np.broadcast(d, f).shape, params["initial_delay_days"])
    mu, _ = lognormal_sum_np(
        [delay, regrow, term],
        [
            fixed_sd["initial_delay"] + 0 * delay,
            np.hypot(fixed_sd["distance"], fixed_sd["rate"]) + 0 * delay,
            params["terminal_sd_log"] + 0 * delay,
        ],
    )
    return mu
