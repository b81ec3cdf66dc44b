"""Describe outcome data without the mechanism: Turnbull curves and a spline Cox model.

- :func:`turnbull_table`: the non-parametric maximum-likelihood (Turnbull)
  estimate of P(still relieved) per indication at fixed days, from
  interval-censored relief ends, responders only (:func:`regen.stats.turnbull.turnbull`).
  Each curve stops at its indication's last follow-up (the largest day any
  responder was seen): beyond it the data say nothing and the value is NaN;
- :func:`cox_spline`: a Cox model with a spline baseline hazard
  (lifelines' ``CoxPHFitter(baseline_estimation_method="spline")``) of relief
  end on indication and covariates, with interval midpoints as event days.
  Its table names each covariate with its unit (per 10 years of age, per 5
  kg/m2 of BMI, yes vs no, an indication vs the reference) and gives the
  hazard ratio with its 95 % interval; the baseline's spline terms (its
  shape over time, not covariates) are left out with a note.
  Data with too few observed relief ends for its terms are refused in one line.

Examples
--------
>>> from regen import simulate_cohort
>>> from regen.fitting.describe import turnbull_table
>>> table = turnbull_table(simulate_cohort(400, seed=1), days=(90, 180))
>>> list(table.columns)
['indication', 'n', 'responders', 'last_follow_up_day', 'p_relief_90d', 'p_relief_180d']
"""

from __future__ import annotations

import warnings

import numpy as np

from regen.errors import DataFileError
from regen.fitting.outcomes import OutcomeData, event_times, load_outcomes, require_observed
from regen.stats.turnbull import turnbull
from regen.utils.text import plural

__all__ = ["COX_COLUMNS", "cox_spline", "cox_text", "describe_data", "turnbull_table"]

#: Columns of the table :func:`cox_spline` returns.
COX_COLUMNS = ["covariate", "unit", "coefficient", "hazard ratio", "95 % CI low", "95 % CI high", "p"]


def _data(outcomes) -> OutcomeData:
    return outcomes if isinstance(outcomes, OutcomeData) else load_outcomes(outcomes)


def describe_data(outcomes) -> OutcomeData:
    """Validated outcome data with at least one indication of 2 or more responders (else one-line error)."""
    data = _data(outcomes)
    ind = data.columns["indication"]
    if not any((data.responded & (ind == level)).sum() >= 2 for level in set(ind)):
        mix = data.censoring_mix
        raise DataFileError(
            f"describing relief: need at least 2 responders in one indication; the data have "
            f"{plural(int(data.responded.sum()), 'responder')} among "
            f"{plural(len(data), 'row')} ({plural(mix['non_responder'], 'non-responder')})"
        )
    return data


def turnbull_table(outcomes, days=(90, 180, 365)):
    """P(still relieved | responder) per indication at ``days`` (Turnbull estimate)."""
    import pandas as pd

    data = _data(outcomes)
    rows = []
    for ind in sorted(set(data.columns["indication"])):
        mask = data.columns["indication"] == ind
        resp = mask & data.responded
        last = float(np.max(np.where(np.isfinite(data.upper[resp]), data.upper[resp], data.lower[resp]), initial=0.0))
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
    """Fit a spline-baseline Cox model of relief end (responders) and return its covariate table.

    Returns
    -------
    DataFrame
        One row per covariate (columns :data:`COX_COLUMNS`): its name, unit, the
        coefficient (log hazard of losing relief), the hazard ratio exp(coef)
        and its 95 % interval, and p. The baseline's spline terms and intercept
        are not rows: ``attrs["note"]`` says so. lifelines' convergence warnings
        are kept in ``attrs["warnings"]`` (not printed).

    Raises
    ------
    DataFileError
        If there are too few observed relief ends for its terms, or the fit does not converge.
    """
    import pandas as pd
    from lifelines import CoxPHFitter

    from regen.stats.covariates import design_matrix, full_spec

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
    cph = CoxPHFitter(baseline_estimation_method="spline", n_baseline_knots=n_baseline_knots, penalizer=penalizer)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cph.fit(frame, "time", "event")
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        raise DataFileError(
            f"fitting a Cox model of {terms} terms did not converge ({type(exc).__name__}) with "
            f"{int(sub.observed.sum())} observed relief ends; add data"
        ) from None
    summary = _readable(cph.summary, spec["numeric"], sorted(set(cols["indication"]))[0])
    summary.attrs["note"] = (
        f"Not shown: the baseline hazard's {n_baseline_knots} spline terms and its intercept "
        "(the shape of the baseline over time, not covariate effects)."
    )
    summary.attrs["warnings"] = sorted(
        {" ".join(str(w.message).split())[:160] for w in caught if issubclass(w.category, RuntimeWarning | UserWarning)}
    )
    return summary


def _readable(summary, numeric, reference: str):
    """lifelines' spline Cox summary as a table of covariates (:data:`COX_COLUMNS`), baseline terms left out."""
    import pandas as pd

    from regen.fitting.cards import covariate_unit

    rows = summary.loc["beta_"].drop(index="Intercept", errors="ignore")
    return pd.DataFrame(
        {
            "covariate": [_label(name) for name in rows.index],
            "unit": [covariate_unit(name, numeric, reference) for name in rows.index],
            "coefficient": rows["coef"].to_numpy(),
            "hazard ratio": rows["exp(coef)"].to_numpy(),
            "95 % CI low": rows["exp(coef) lower 95%"].to_numpy(),
            "95 % CI high": rows["exp(coef) upper 95%"].to_numpy(),
            "p": rows["p"].to_numpy(),
        },
        columns=COX_COLUMNS,
    )


def _label(name: str) -> str:
    """A readable covariate name: ``indication[mastectomy]`` -> ``mastectomy``, ``bmi`` -> ``BMI``."""
    if name.startswith("indication["):
        return f"indication: {name[len('indication[') : -1]}"
    return {"bmi": "BMI", "female": "sex", "prior_treatments": "prior treatments"}.get(name, name)


def cox_text(table) -> str:
    """The table of :func:`cox_spline` for a terminal: three decimals, p below 0.001 as ``<0.001``."""
    return table.to_string(
        index=False,
        formatters={
            **{c: "{:.3f}".format for c in ("coefficient", "hazard ratio", "95 % CI low", "95 % CI high")},
            "p": lambda v: "<0.001" if v < 0.001 else f"{v:.3f}",
        },
    )
