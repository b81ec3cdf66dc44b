"""Describe outcome data without the mechanism: Turnbull curves and a spline Cox model.

- :func:`turnbull_table`: the non-parametric maximum-likelihood (Turnbull)
  estimate of P(still relieved) per indication at fixed days, from
  interval-censored relief ends, responders only (:func:`regen.turnbull.turnbull`);
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

from regen.outcomes import OutcomeData, event_times, load_outcomes
from regen.turnbull import turnbull

__all__ = ["cox_spline", "turnbull_table"]


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

    from regen.covariates import design_matrix, full_spec

    data = _data(outcomes)
    sub = data.subset(data.responded)
    cols = sub.columns
    spec = full_spec(sorted(set(cols["indication"]))[1:])
    X, names = design_matrix(cols, spec)
    frame = pd.DataFrame(X[:, 1:], columns=names[1:])
    frame = frame.loc[:, frame.std() > 0]
    frame["time"], frame["event"] = event_times(sub)
    cph = CoxPHFitter(baseline_estimation_method="spline", n_baseline_knots=n_baseline_knots,
                      penalizer=penalizer)
    cph.fit(frame, "time", "event")
    return cph.summary[["coef", "exp(coef)", "coef lower 95%", "coef upper 95%", "p"]]
