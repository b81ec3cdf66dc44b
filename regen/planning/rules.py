"""Follow-up and planning: retreatment rule, fronts, history.

Pure, vectorised functions on the relief-end law of one or many patients
(the law itself, and relief given relief on a day, are
:class:`regen.model.relief.ReliefDistribution`):

- :func:`retreatment_days` / :func:`review_days`: the booking rule — the day by
  which a fraction ``book_at_risk`` of comparable patients have lost relief,
  never before the return of sensation is plausible (its p10), and a review
  before that;
- :func:`shrink_to_history`: the next cycle's location shrunk toward the
  patient's own earlier cycle durations.

Measured regeneration fronts are :mod:`regen.mechanism.fronts`.

Examples
--------
>>> import numpy as np
>>> from regen.planning.rules import shrink_to_history
>>> mu, sd = shrink_to_history("lognormal", np.log([100.0]), np.array([0.6]), np.log([200.0]), np.array([1]), 0.5)
>>> round(float(np.exp(mu[0]))), round(float(sd[0]), 3)
(141, 0.52)
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EULER_GAMMA",
    "retreatment_days",
    "review_days",
    "shrink_to_history",
]

EULER_GAMMA = 0.5772156649015329
#: Mean of the standardised error of each family (log T = mu + sigma * eps).
_EPS_MEAN = {"lognormal": 0.0, "loglogistic": 0.0, "weibull": -EULER_GAMMA, "grid": 0.0}  # grid: standardised


def retreatment_days(relief_quantile_day, relief_median_day, regrown_p10_day) -> tuple[np.ndarray, np.ndarray]:
    """The retreatment booking day, and where relief is expected to end before regrowth.

    The booking is the relief quantile, not before the nerve can have regrown
    (the p10 of the axons' arrival at the target), so a freeze is not repeated
    on a nerve that is still blocked — but never after the median relief end:
    where most comparable patients lose relief before the nerve can have
    regrown (relief median < that p10: a partial lesion or another pain
    generator if it happens), the booking follows relief and the second array
    flags the row. The day is continuous and never earlier for a slower
    regrowth.

    Examples
    --------
    >>> import numpy as np
    >>> due, early = retreatment_days(np.array([80.0, 20.0]), np.array([120.0, 40.0]), np.array([100.0, 100.0]))
    >>> due.tolist(), early.tolist()
    ([100.0, 40.0], [False, True])
    """
    quantile = np.asarray(relief_quantile_day, float)
    median = np.asarray(relief_median_day, float)
    floor = np.asarray(regrown_p10_day, float)
    return np.fmax(quantile, np.fmin(floor, median)), median < floor


def review_days(review_quantile_day, onset_p90_day, due_day) -> np.ndarray:
    """A review before the retreatment: after relief onset is judgeable, not after due."""
    review = np.fmax(np.asarray(review_quantile_day, float), np.asarray(onset_p90_day, float))
    return np.fmin(review, np.asarray(due_day, float))


def shrink_to_history(
    family: str,
    mu: np.ndarray,
    sigma: np.ndarray,
    history_log_days: np.ndarray,
    history_count: np.ndarray,
    icc: float,
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
