"""Follow-up and planning: retreatment rule, fronts, history.

Pure, vectorised functions on the relief-end law of one or many patients
(the law itself, and relief given relief on a day, are
:class:`regen.relief.ReliefDistribution`):

- :func:`retreatment_days` / :func:`review_days`: the booking rule — the day by
  which a fraction ``book_at_risk`` of comparable patients have lost relief,
  never before the return of sensation is plausible (its p10), and a review
  before that;
- :func:`update_rate_from_front`: a Bayesian (log-normal, conjugate) update of
  the patient's regrowth rate from measured regeneration fronts;
- :func:`shrink_to_history`: the next cycle's location shrunk toward the
  patient's own earlier cycle durations.

Examples
--------
>>> import numpy as np
>>> from regen.planning import update_rate_from_front
>>> med, sd = update_rate_from_front(np.array([1.4]), np.array([0.2]),
...     [np.array([60.0])], [np.array([49.0])], growth_start_days=np.array([9.0]),
...     measurement_sd_log=0.2)
>>> round(float(med[0]), 2), round(float(sd[0]), 3)
(1.45, 0.141)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "EULER_GAMMA",
    "retreatment_days",
    "review_days",
    "shrink_to_history",
    "update_rate_from_front",
]

EULER_GAMMA = 0.5772156649015329
#: Mean of the standardised error of each family (log T = mu + sigma * eps).
_EPS_MEAN = {"lognormal": 0.0, "loglogistic": 0.0, "weibull": -EULER_GAMMA}


def retreatment_days(relief_quantile_day, relief_median_day, sensation_p10_day) -> tuple[np.ndarray, np.ndarray]:
    """The retreatment booking day, and where relief is expected to end before regrowth.

    The booking is the relief quantile, not before the nerve can have regrown
    (the p10 of its return), so a freeze is not repeated on a nerve that is
    still blocked. Where most comparable patients lose relief before that
    (relief median < regrowth p10: a failed lesion or another pain generator),
    the booking follows relief alone and the second array flags the row.

    Examples
    --------
    >>> import numpy as np
    >>> due, early = retreatment_days(np.array([80.0, 20.0]), np.array([120.0, 40.0]), np.array([100.0, 100.0]))
    >>> due.tolist(), early.tolist()
    ([100.0, 20.0], [False, True])
    """
    quantile = np.asarray(relief_quantile_day, float)
    floor = np.asarray(sensation_p10_day, float)
    relief_first = np.asarray(relief_median_day, float) < floor
    return np.where(relief_first, quantile, np.fmax(quantile, floor)), relief_first


def review_days(review_quantile_day, onset_p90_day, due_day) -> np.ndarray:
    """A review before the retreatment: after relief onset is judgeable, not after due."""
    review = np.fmax(np.asarray(review_quantile_day, float), np.asarray(onset_p90_day, float))
    return np.fmin(review, np.asarray(due_day, float))


def update_rate_from_front(
    rate_median: np.ndarray,
    rate_sd_log: np.ndarray,
    front_mm: Sequence[np.ndarray],
    front_day: Sequence[np.ndarray],
    growth_start_days: np.ndarray,
    measurement_sd_log: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior (median, sd_log) of the regrowth rate given measured fronts.

    Each observation ``j`` says the front was ``front_mm[j]`` mm distal to the
    lesion on day ``front_day[j]``; its rate is ``front_mm / (front_day -
    growth_start_days)``, log-normal around the true rate with
    ``measurement_sd_log``. Prior and likelihood are normal in log rate, so the
    posterior is too (precision-weighted mean). NaN observations are skipped.
    """
    prior_prec = 1.0 / np.asarray(rate_sd_log, float) ** 2
    weighted = np.log(np.asarray(rate_median, float)) * prior_prec
    prec = prior_prec.copy()
    obs_prec = 1.0 / measurement_sd_log**2
    for mm, day in zip(front_mm, front_day, strict=True):
        grow = np.asarray(day, float) - growth_start_days
        valid = ~np.isnan(mm) & ~np.isnan(day) & (grow > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_rate = np.log(np.asarray(mm, float) / grow)
        weighted = weighted + np.where(valid, log_rate * obs_prec, 0.0)
        prec = prec + np.where(valid, obs_prec, 0.0)
    return np.exp(weighted / prec), 1.0 / np.sqrt(prec)


def shrink_to_history(
    family: str, mu: np.ndarray, sigma: np.ndarray, history_log_days: np.ndarray,
    history_count: np.ndarray, icc: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Location and scale of the next cycle, shrunk toward the patient's own cycles.

    The relief spread ``sigma**2`` is split into a between-patient part
    ``icc * sigma**2`` and a cycle-to-cycle part; with ``k`` earlier cycles of
    mean log duration ``ybar``, the patient's location moves toward ``ybar`` by
    the weight ``k*icc / (k*icc + 1 - icc)`` and the predictive scale shrinks
    accordingly (normal-normal update on the log scale; exact for log-normal,
    an approximation for the other families).

    Returns
    -------
    mu_next, sigma_next : array
    """
    k = np.asarray(history_count, float)
    sigma = np.asarray(sigma, float)
    between, within = icc * sigma**2, (1.0 - icc) * sigma**2
    weight = np.where(k > 0, k * between / (k * between + within), 0.0)
    centre = np.asarray(mu, float) + sigma * _EPS_MEAN[family]
    ybar = np.where(k > 0, np.asarray(history_log_days, float), centre)
    mu_next = np.asarray(mu, float) + weight * (ybar - centre)
    post_between = np.where(k > 0, 1.0 / (1.0 / between + k / within), between)
    return mu_next, np.sqrt(within + post_between)
