"""Turnbull's non-parametric estimate of a survival curve from interval-censored data.

Written here because lifelines' interval-censored Kaplan-Meier
(``KaplanMeierFitter.fit_interval_censoring``) put all mass at infinity on
regen's data. Used by :mod:`regen.fitting.evaluation` (calibration) and
:mod:`regen.fitting.describe`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["turnbull"]


def turnbull(lower, upper, days, iterations: int = 2000, tol: float = 1e-10) -> np.ndarray:
    """Turnbull's self-consistency (EM) estimate of S(day) = P(T > day) from (lower, upper].

    ``lower == upper`` is an exact day; ``upper = inf`` is right-censored. The
    mass sits on Turnbull's innermost intervals; where the estimate is not
    unique inside an interval the mass is placed at its right end (so S is the
    upper of the NPMLE bounds). Identical intervals are pooled.

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
    left, right = _innermost(pairs[:, 0], pairs[:, 1])
    # the innermost intervals are sorted and disjoint: each observation covers a run [first, stop) of them
    first = np.searchsorted(left, pairs[:, 0], side="left")
    stop = np.maximum(np.searchsorted(right, pairs[:, 1], side="right"), first)
    m = len(left)
    mass = np.full(m, 1.0 / m)
    weights = counts / counts.sum()
    for _ in range(iterations):  # self-consistency, in O(n + m) per step with running sums
        running = np.concatenate([[0.0], np.cumsum(mass)])
        share = weights / np.maximum(running[stop] - running[first], 1e-300)
        back = np.cumsum(np.bincount(first, share, m + 1) - np.bincount(stop, share, m + 1))[:m]
        new = mass * back
        done = np.abs(new - mass).max() < tol
        mass = new
        if done:
            break
    days = np.asarray(days, float)
    return np.array([1.0 - mass[right <= d].sum() for d in days])


def _innermost(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turnbull's innermost intervals ``(l, r]``: a left bound followed by a right bound, nothing between.

    The NPMLE puts all its mass on these (Turnbull 1976), far fewer than the
    gaps between all bounds, which keeps the EM small for thousands of rows.
    At a tie a right bound sorts first: ``(a, v]`` and ``(v, b]`` do not overlap.
    """
    values = np.concatenate([lower, upper])
    is_left = np.concatenate([np.ones(len(lower), bool), np.zeros(len(upper), bool)])
    order = np.lexsort((is_left, values))
    values, is_left = values[order], is_left[order]
    starts = np.flatnonzero(is_left[:-1] & ~is_left[1:])
    return values[starts], values[starts + 1]
