"""Describe outcome data without the mechanism: Turnbull curves and a spline Cox model.

- :func:`turnbull_table`: the non-parametric maximum-likelihood (Turnbull)
  estimate of P(still relieved) per indication at fixed days, from
  interval-censored relief ends, responders only (:func:`turnbull`; written
  here because lifelines' ``fit_interval_censoring`` put all mass at infinity
  on these data);
- :func:`cox_spline`: a Cox model with a spline baseline hazard
  (lifelines' ``CoxPHFitter(baseline_estimation_method="spline")``) of relief
  end on indication and covariates, with interval midpoints as event days.

Examples
--------
>>> from regen import simulate_cohort
>>> from regen.describe import turnbull_table
>>> table = turnbull_table(simulate_cohort(400, seed=1), days=(90, 180))
>>> list(table.columns)
['indication', 'n', 'responders', 'p_relief_90d', 'p_relief_180d']
"""

from __future__ import annotations

import numpy as np

from regen.outcomes import OutcomeData, load_outcomes

__all__ = ["cox_spline", "turnbull", "turnbull_table"]


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


def _data(outcomes) -> OutcomeData:
    return outcomes if isinstance(outcomes, OutcomeData) else load_outcomes(outcomes)


def turnbull_table(outcomes, days=(90, 180, 365)):
    """P(still relieved | responder) per indication at ``days`` (Turnbull estimate)."""
    import pandas as pd

    data = _data(outcomes)
    rows = []
    for ind in sorted(set(data.columns["indication"])):
        mask = data.columns["indication"] == ind
        resp = mask & data.responded
        row = {"indication": ind, "n": int(mask.sum()), "responders": int(resp.sum())}
        if resp.sum() >= 2:
            values = turnbull(data.lower[resp], data.upper[resp], days)
        else:
            values = np.full(len(days), np.nan)
        row.update({f"p_relief_{d}d": float(v) for d, v in zip(days, values, strict=True)})
        rows.append(row)
    return pd.DataFrame(rows)


def cox_spline(outcomes, n_baseline_knots: int = 3, penalizer: float = 0.01):
    """Fit a spline-baseline Cox model of relief end (responders) and return its summary table."""
    import pandas as pd
    from lifelines import CoxPHFitter

    from regen.design import design_matrix, full_spec
    from regen.relief_model import event_times

    data = _data(outcomes)
    keep = data.responded
    cols = {k: v[keep] for k, v in data.columns.items()}
    spec = full_spec(sorted(set(cols["indication"]))[1:])
    X, names = design_matrix(cols, spec)
    frame = pd.DataFrame(X[:, 1:], columns=names[1:])
    frame = frame.loc[:, frame.std() > 0]
    sub = OutcomeData(cols, data.lower[keep], data.upper[keep], keep[keep], data.rows[keep])
    frame["time"], frame["event"] = event_times(sub)
    cph = CoxPHFitter(baseline_estimation_method="spline", n_baseline_knots=n_baseline_knots,
                      penalizer=penalizer)
    cph.fit(frame, "time", "event")
    return cph.summary[["coef", "exp(coef)", "coef lower 95%", "coef upper 95%", "p"]]
