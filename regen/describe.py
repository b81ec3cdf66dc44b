"""Describe outcome data without the mechanism: Turnbull curves and a spline Cox model.

- :func:`turnbull_table`: the non-parametric maximum-likelihood (Turnbull)
  estimate of P(still relieved) per indication at fixed days, from
  interval-censored relief ends, responders only (:func:`regen.turnbull.turnbull`).
  Each curve stops at its indication's last follow-up (the largest day any
  responder was seen): beyond it the data say nothing and the value is NaN;
- :func:`cox_spline`: a Cox model with a spline baseline hazard
  (lifelines' ``CoxPHFitter(baseline_estimation_method="spline")``) of relief
  end on indication and covariates, with interval midpoints as event days.
  Data with too few observed relief ends for its terms are refused in one line.

Examples
--------
>>> from regen import simulate_cohort
>>> from regen.describe import turnbull_table
>>> table = turnbull_table(simulate_cohort(400, seed=1), days=(90, 180))
>>> list(table.columns)
['indication', 'n', 'responders', 'last_follow_up_day', 'p_relief_90d', 'p_relief_180d']
"""

from __future__ import annotations

import warnings

import numpy as np

from regen.errors import DataFileError
from regen.outcomes import OutcomeData, counted, event_times, load_outcomes, require_observed
from regen.turnbull import turnbull

__all__ = ["cox_spline", "describe_data", "turnbull_table"]


def _data(outcomes) -> OutcomeData:
    return outcomes if isinstance(outcomes, OutcomeData) else load_outcomes(outcomes)


def describe_data(outcomes) -> OutcomeData:
    """Validated outcome data with at least one indication of 2 or more responders (else one-line error)."""
    data = _data(outcomes)
    ind = data.columns["indication"]
    if not any((data.responded & (ind == level)).sum() >= 2 for level in set(ind)):
        mix = data.censoring_mix
        raise DataFileError(f"describing relief: need at least 2 responders in one indication; the data have "
                            f"{counted(int(data.responded.sum()), 'responder')} among "
                            f"{counted(len(data), 'row')} ({counted(mix['non_responder'], 'non-responder')})")
    return data


def turnbull_table(outcomes, days=(90, 180, 365)):
    """P(still relieved | responder) per indication at ``days`` (Turnbull estimate)."""
    import pandas as pd

    data = _data(outcomes)
    rows = []
    for ind in sorted(set(data.columns["indication"])):
        mask = data.columns["indication"] == ind
        resp = mask & data.responded
        last = float(np.max(np.where(np.isfinite(data.upper[resp]), data.upper[resp], data.lower[resp]),
                            initial=0.0))
        row = {"indication": ind, "n": int(mask.sum()), "responders": int(resp.sum()), "last_follow_up_day": last}
        if resp.sum() >= 2:
            values = turnbull(data.lower[resp], data.upper[resp], days)
            values = np.where(np.asarray(days, float) <= last, values, np.nan)
        else:
            values = np.full(len(days), np.nan)
        row.update({f"p_relief_{d}d": float(v) for d, v in zip(days, values, strict=True)})
        rows.append(row)
    return pd.DataFrame(rows)


def cox_spline(outcomes, n_baseline_knots: int = 3, penalizer: float = 0.01):
    """Fit a spline-baseline Cox model of relief end (responders) and return its summary table.

    lifelines' convergence warnings are kept in ``summary.attrs["warnings"]`` (not printed).

    Raises
    ------
    DataFileError
        If there are too few observed relief ends for its terms, or the fit does not converge.
    """
    import pandas as pd
    from lifelines import CoxPHFitter

    from regen.covariates import design_matrix, full_spec

    data = _data(outcomes)
    sub = data.subset(data.responded)
    cols = sub.columns
    spec = full_spec(sorted(set(cols["indication"]))[1:])
    X, names = design_matrix(cols, spec)
    frame = pd.DataFrame(X[:, 1:], columns=names[1:])
    frame = frame.loc[:, frame.std() > 0] if len(frame) > 1 else frame.iloc[:, :0]
    terms = frame.shape[1] + n_baseline_knots
    require_observed(data, terms + 2, f"fitting a Cox model of {terms} terms ({n_baseline_knots} baseline knots)")
    frame["time"], frame["event"] = event_times(sub)
    cph = CoxPHFitter(baseline_estimation_method="spline", n_baseline_knots=n_baseline_knots,
                      penalizer=penalizer)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cph.fit(frame, "time", "event")
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        raise DataFileError(f"fitting a Cox model of {terms} terms did not converge ({type(exc).__name__}) with "
                            f"{int(sub.observed.sum())} observed relief ends; add data") from None
    summary = cph.summary[["coef", "exp(coef)", "coef lower 95%", "coef upper 95%", "p"]]
    summary.attrs["warnings"] = sorted({" ".join(str(w.message).split())[:160] for w in caught
                                        if issubclass(w.category, RuntimeWarning | UserWarning)})
    return summary
