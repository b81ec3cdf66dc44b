"""Turnbull's non-parametric estimate of a survival curve from interval-censored data.

Written here because lifelines' interval-censored Kaplan-Meier
(``KaplanMeierFitter.fit_interval_censoring``) put all mass at infinity on
regen's data. Used by :mod:`regen.evaluation` (calibration) and
:mod:`regen.describe`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["turnbull"]


def turnbull(lower, upper, days, iterations: int = 2000, tol: float = 1e-10) -> np.ndarray:
    """Turnbull's self-consistency (EM) estimate of S(day) = P(T > day) from (lower, upper].

    ``lower == upper`` is an exact day; ``upper = inf`` is right-censored. The
    mass sits on the intervals between consecutive distinct bounds; where the
    estimate is not unique inside an interval the mass is placed at its right
    end (so S is the upper of the NPMLE bounds). Identical intervals are
    pooled, so large cohorts cost little.

    Examples
    --------
    >>> import numpy as np
    >>> turnbull(np.array([42.0, 84.0]), np.array([84.0, np.inf]), [30, 90]).tolist()
    [1.0, 0.5]
    """
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    exact = lower >= upper
    lower = np.where(exact, upper - 1e-9, lower)
    pairs, counts = np.unique(np.column_stack([lower, upper]), axis=0, return_counts=True)
    points = np.unique(np.concatenate([pairs.ravel(), [0.0]]))
    left, right = points[:-1], points[1:]
    cover = (left[None, :] >= pairs[:, :1]) & (right[None, :] <= pairs[:, 1:])
    mass = np.full(len(left), 1.0 / len(left))
    weights = counts / counts.sum()
    for _ in range(iterations):
        share = cover * mass
        share /= np.maximum(share.sum(axis=1, keepdims=True), 1e-300)
        new = weights @ share
        done = np.abs(new - mass).max() < tol
        mass = new
        if done:
            break
    days = np.asarray(days, float)
    return np.array([1.0 - mass[right <= d].sum() for d in days])
