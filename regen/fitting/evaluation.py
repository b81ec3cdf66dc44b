"""How well a model predicts outcome data: concordance, Brier score, calibration.

- ``c_index``: Harrell's concordance of predicted median relief with observed
  relief end among responders (exact day, interval midpoint, or censoring day
  for those still relieved), computed by ``lifelines.utils.concordance_index``.
- ``integrated_brier_score``: mean over days 30..365 of the squared error of
  P(still relieved at t) against the observed status, over the rows whose
  status at t is known from their interval (no inverse-probability weights:
  a complete-case approximation that ignores censoring-by-design bias).
- calibration at 90/180/365 days: rows grouped by predicted P(relief) (up to
  5 quantile bins); observed = Turnbull estimate in each bin
  (:func:`regen.stats.turnbull.turnbull`; non-responders lose relief at day 0);
  slope and intercept of a count-weighted least-squares line of observed on
  predicted.
- bootstrap percentile intervals of ``c_index`` and the Brier score, with
  joblib in parallel (a resample without a comparable pair counts as NaN and
  is left out of the percentiles).

Data that cannot support a metric (fewer than 2 responders, no observed
relief end, no comparable pair) are refused in one line; a value that is not
defined (a calibration slope over one bin) is NaN, and :func:`json_safe` makes
it ``null`` for JSON.

Examples
--------
>>> from regen import load_model, simulate_cohort
>>> from regen.fitting.evaluation import evaluate
>>> result = evaluate(load_model(), simulate_cohort(300, seed=2), bootstrap=0)
>>> 0.5 < result["c_index"] <= 1.0
True
"""

from __future__ import annotations

import math

import numpy as np

from regen.errors import DataFileError
from regen.fitting.outcomes import OutcomeData, event_times, load_outcomes, require_observed
from regen.model.laws import patient_relief
from regen.stats.turnbull import turnbull
from regen.utils.text import plural

__all__ = ["CALIBRATION_DAYS", "brier_score", "calibration", "concordance", "evaluate"]

CALIBRATION_DAYS = (90, 180, 365)
_GRID = np.arange(30.0, 366.0, 15.0)


def _survival(model, data: OutcomeData, times) -> tuple[np.ndarray, np.ndarray]:
    """P(still relieved at times) per row (all patients) and predicted medians (responders)."""
    dist = patient_relief(model, data.columns)
    return dist.survival(np.asarray(times, float)), dist.quantile(0.5)


def concordance(data: OutcomeData, median_days: np.ndarray) -> float:
    """Concordance among responders (see module docstring); NaN when no pair can be compared."""
    from lifelines.utils import concordance_index

    keep = data.responded
    time, event = event_times(data.subset(keep))
    try:
        return float(concordance_index(time, median_days[keep], event))
    except ZeroDivisionError:  # lifelines: "No admissable pairs in the dataset."
        return float("nan")


def _status(data: OutcomeData, t: float) -> tuple[np.ndarray, np.ndarray]:
    """Observed relief status at day t (1 relieved, 0 not) and whether it is known."""
    lost = ~data.responded | (data.upper <= t)
    relieved = data.responded & (data.lower >= t)
    return relieved.astype(float), lost | relieved


def brier_score(data: OutcomeData, surv: np.ndarray, times) -> float:
    """Integrated Brier score over ``times`` on rows with known status (see module)."""
    scores = []
    for j, t in enumerate(times):
        status, known = _status(data, t)
        if known.any():
            scores.append(np.mean((surv[known, j] - status[known]) ** 2))
    return float(np.mean(scores)) if scores else float("nan")


def _observed(data: OutcomeData, mask: np.ndarray, t: float) -> float:
    """Turnbull P(still relieved at t) in a group; non-responders lose relief at day 0."""
    lower = np.where(data.responded[mask], data.lower[mask], 0.0)
    upper = np.where(data.responded[mask], data.upper[mask], 1e-6)
    return float(turnbull(lower, upper, [t])[0])


def calibration(data: OutcomeData, predicted: np.ndarray, day: float, bins: int = 5) -> dict:
    """Predicted vs observed (Turnbull) P(relief at ``day``) by bins of predicted risk."""
    edges = np.unique(np.quantile(predicted, np.linspace(0, 1, bins + 1)))
    group = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, max(len(edges) - 2, 0))
    pred, obs, size = [], [], []
    for g in np.unique(group):
        mask = group == g
        pred.append(float(predicted[mask].mean()))
        obs.append(_observed(data, mask, day))
        size.append(int(mask.sum()))
    p, o, w = np.array(pred), np.array(obs), np.array(size, float)
    if len(p) > 1 and np.ptp(p) > 1e-9:
        slope, intercept = np.polyfit(p, o, 1, w=np.sqrt(w))
    else:
        slope, intercept = float("nan"), float("nan")
    return {
        "day": day,
        "predicted": float(np.average(p, weights=w)),
        "observed": float(np.average(o, weights=w)),
        "slope": float(slope),
        "intercept": float(intercept),
        "bins": [{"predicted": a, "observed": b, "n": c} for a, b, c in zip(pred, obs, size, strict=True)],
    }


def _metrics(model, data: OutcomeData) -> tuple[float, float]:
    surv, median = _survival(model, data, _GRID)
    return concordance(data, median), brier_score(data, surv, _GRID)


def _bootstrap(model, data: OutcomeData, b: int, seed: int) -> np.ndarray:
    from joblib import Parallel, delayed

    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, len(data), len(data)) for _ in range(b)]
    return np.array(Parallel(n_jobs=2, prefer="threads")(delayed(_metrics)(model, data.subset(idx)) for idx in draws))


def evaluate(model, outcomes, bootstrap: int = 200, seed: int = 0) -> dict:
    """Every metric for ``model`` on an outcome table (path, DataFrame or OutcomeData)."""
    data = outcomes if isinstance(outcomes, OutcomeData) else load_outcomes(outcomes)
    require_observed(data, 1, "evaluating concordance")
    c_index, ibs = _metrics(model, data)
    if math.isnan(c_index):
        raise DataFileError(
            "evaluating concordance: need at least one pair of responders to compare (one "
            "relief end observed before the other's relief ended or follow-up stopped); the data "
            f"have {plural(int(data.responded.sum()), 'responder')}, "
            f"{int(data.observed.sum())} with an observed relief end, and no such pair"
        )
    surv, _ = _survival(model, data, CALIBRATION_DAYS)
    result = {
        "model_version": model.version,
        "n": len(data),
        "n_bad_rows": len(data.bad),
        "events": int(np.sum(data.responded & np.isfinite(data.upper))),
        "censoring": data.censoring_mix,
        "c_index": c_index,
        "integrated_brier_score": ibs,
        "calibration": [calibration(data, surv[:, j], d) for j, d in enumerate(CALIBRATION_DAYS)],
    }
    trained = (model.bundle.get("training") or {}).get("sha256")
    result["training_data"] = bool(trained) and trained == data.sha256
    if bootstrap:
        boot = _bootstrap(model, data, bootstrap, seed)
        result["c_index_ci"] = np.nanpercentile(boot[:, 0], [2.5, 97.5]).tolist()
        result["integrated_brier_score_ci"] = np.nanpercentile(boot[:, 1], [2.5, 97.5]).tolist()
        result["bootstrap"] = bootstrap
    return result
