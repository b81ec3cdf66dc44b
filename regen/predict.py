"""From validated patient columns to every prediction column, vectorised.

The one prediction path behind ``regen predict``, ``regen score``,
:func:`regen.score_frame` and :meth:`regen.Model.predict`:

1. the mechanism gives T_nerve (return of sensation), with the rate updated
   from measured regeneration fronts where given;
2. the relief model puts the relief-end distribution on it (offset +
   covariates), shrunk toward the patient's own earlier cycles where given;
3. follow-up: still relieved at day D conditions the distribution; relief lost
   on day D makes retreatment due now and forecasts the next cycle;
4. the booking rule gives the review and retreatment days and dates.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from regen.catalog import load_catalog
from regen.mechanism import freeze_warnings, nerve_time, onset_time, rate_median_mm_per_day
from regen.planning import (
    conditional_quantile,
    conditional_survival,
    retreatment_days,
    review_days,
    shrink_to_history,
    update_rate_from_front,
)
from regen.schema import _factorize, validate_patients

__all__ = ["RELIEF_DAYS", "predict_arrays"]

RELIEF_DAYS = (90, 180, 365)


def _v(params: Mapping, name: str) -> float:
    return float(params[name]["value"])


def _default_distances(nerve: np.ndarray) -> np.ndarray:
    catalog = load_catalog()
    codes, uniques = _factorize(np.asarray(nerve, dtype=object))
    table = np.array([catalog[u].default_distance_mm if u in catalog else np.nan for u in uniques])
    return table[codes]


def add_days(dates: np.ndarray, days: np.ndarray) -> np.ndarray:
    """ISO date ``days`` (rounded) after each date; '' where either is missing."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    days = np.asarray(days, dtype=float)
    valid = ~np.isnat(dates) & np.isfinite(days)
    out = np.full(dates.shape, "", dtype=object)
    if valid.any():
        shifted = dates[valid] + np.round(days[valid]).astype("timedelta64[D]")
        out[valid] = np.datetime_as_string(shifted, unit="D").astype(object)
    return out


def _mechanism(cols: Mapping, params: Mapping) -> dict[str, np.ndarray]:
    """T_nerve per patient, with the rate updated from fronts where measured."""
    rate = rate_median_mm_per_day(cols["age"], cols["diabetes"], cols["smoker"], params)
    rate_sd = np.full(rate.shape, params["rate_mm_per_day"]["sd_log"])
    override = None
    if not np.isnan(cols["front_mm"]).all():
        start = np.full(rate.shape, _v(params, "degeneration_days") + _v(params, "initial_delay_days"))
        override = update_rate_from_front(
            rate, rate_sd, list(cols["front_mm"].T), list(cols["front_day"].T), start,
            _v(params, "front_measurement_sd_log"))
    return nerve_time(_default_distances(cols["nerve"]), cols["age"], cols["diabetes"],
                      cols["smoker"], cols["height_cm"], cols["distance_mm"], params,
                      rate_override=override)


def _history(cols: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Mean log duration and count of the patient's earlier cycles."""
    days = cols["prior_relief_days"]
    count = (~np.isnan(days)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_log = np.nansum(np.log(days), axis=1) / np.maximum(count, 1)
    return mean_log, count


def _relief_block(model, cols, mech, onset, book_at_risk):
    """Relief-end quantiles, survival at fixed days, review and retreatment."""
    family = model.bundle["family"]
    mu0 = model.relief_location(cols, mech["mu"])
    mean_log, count = _history(cols)
    mu, sigma = shrink_to_history(family, mu0, model.bundle["sigma"], mean_log, count,
                                  _v(model.params, "history_icc"))
    long = model.per_indication("long_responder_fraction", cols["indication"])
    response = model.per_indication("response_prob", cols["indication"])
    given = cols["relief_at_day"]
    still = ~np.isnan(given)
    out = {f"relief_end_{k}_day": _q(family, mu, sigma, given, p)
           for k, p in (("median", 0.5), ("p10", 0.1), ("p90", 0.9))}
    surv = conditional_survival(family, RELIEF_DAYS, mu, sigma, long, np.where(still, given, 0.0))
    surv = np.where(still[:, None], surv, response[:, None] * surv)
    for j, day in enumerate(RELIEF_DAYS):
        out[f"p_relief_{day}d"] = surv[:, j]
    due = retreatment_days(_q(family, mu, sigma, given, book_at_risk),
                           mech["sensation_return_p10_day"])
    review = review_days(_q(family, mu, sigma, given, book_at_risk / 2.0),
                         onset["relief_onset_p90_day"], due)
    lost = cols["relief_lost_day"]
    is_lost = ~np.isnan(lost)
    for key in out:
        if key.startswith("relief_end"):
            out[key] = np.where(is_lost, lost, out[key])
        else:
            out[key] = np.where(is_lost, 0.0, out[key])
    out["retreatment_due_day"] = np.where(is_lost, lost, due)
    out["review_day"] = np.where(is_lost, lost, np.where(still, np.fmax(review, given), review))
    # the cycle that just ended joins the patient's history for the next one
    lost_log = np.log(np.where(is_lost, lost, 1.0))
    next_count = count + is_lost
    next_mean = np.where(is_lost, (mean_log * count + lost_log) / np.maximum(next_count, 1), mean_log)
    mu_next, sigma_next = shrink_to_history(family, mu0, model.bundle["sigma"], next_mean, next_count,
                                            _v(model.params, "history_icc"))
    nan = np.full(mu.shape, np.nan)
    for k, p in (("median", 0.5), ("p10", 0.1), ("p90", 0.9)):
        nxt = _q(family, mu_next, sigma_next, nan, p)
        out[f"next_cycle_relief_end_{k}_day"] = np.where(is_lost, nxt, np.nan)
    out["p_response"] = np.where(still | is_lost, 1.0, response)
    out["long_responder_fraction"] = long
    out["follow_up"] = _follow_up_text(given, lost, count)
    return out


def _q(family, mu, sigma, given, p):
    # long responders are reported apart: quantiles are among relief that ends
    return conditional_quantile(family, mu, sigma, given, p)


def _follow_up_text(given, lost, count) -> np.ndarray:
    out = np.full(given.shape, "", dtype=object)
    still, is_lost = ~np.isnan(given), ~np.isnan(lost)
    out[still] = [f"still relieved on day {d:g}: remaining relief given that" for d in given[still]]
    out[is_lost] = [f"relief lost on day {d:g}: retreatment due now; next cycle forecast"
                    for d in lost[is_lost]]
    hist = count > 0
    out[hist] = [f"{t}; " if t else "" for t in out[hist]]
    out[hist] = out[hist] + [f"shrunk toward {c} earlier cycle(s)" for c in count[hist]]
    return out


def _warnings(cols: Mapping, params: Mapping) -> np.ndarray:
    """Freeze-temperature warnings, and fronts measured before regrowth can start."""
    out = freeze_warnings(cols["probe_temp_c"], params)
    start = _v(params, "degeneration_days") + _v(params, "initial_delay_days")
    early = np.any(cols["front_day"] <= start, axis=1)
    note = (f"front measured on or before day {start:.0f} (degeneration + initial delay): "
            "ignored, regrowth has not started")
    out[early] = [f"{w}; {note}" if w else note for w in out[early]]
    return out


def predict_arrays(model, raw: Mapping, book_at_risk: float | None = None) -> dict[str, np.ndarray]:
    """Every prediction column for the patient columns ``raw`` (numpy in, numpy out).

    Rows that fail validation get NaN / '' and their reason in ``error``.
    """
    batch = validate_patients(raw)
    cols, ok = batch.columns, batch.ok
    params = model.params
    risk = _v(params, "retreatment_risk") if book_at_risk is None else float(book_at_risk)
    mech = _mechanism(cols, params)
    onset = onset_time(params, len(batch))
    relief = _relief_block(model, cols, mech, onset, risk)
    out: dict[str, np.ndarray] = {
        "sensation_return_median_day": mech["sensation_return_median_day"],
        "sensation_return_p10_day": mech["sensation_return_p10_day"],
        "sensation_return_p90_day": mech["sensation_return_p90_day"],
        "relief_onset_day": onset["relief_onset_day"],
        **{k: relief.pop(k) for k in ("relief_end_median_day", "relief_end_p10_day",
                                      "relief_end_p90_day")},
        **{f"p_relief_{d}d": relief.pop(f"p_relief_{d}d") for d in RELIEF_DAYS},
        "retreatment_due_day": relief["retreatment_due_day"],
        "retreatment_due_date": add_days(cols["treated_on"], relief.pop("retreatment_due_day")),
        "model_version": np.full(len(batch), model.version, dtype=object),
        "review_date": add_days(cols["treated_on"], relief["review_day"]),
        "relief_onset_p10_day": onset["relief_onset_p10_day"],
        "relief_onset_p90_day": onset["relief_onset_p90_day"],
        "nerve": cols["nerve"],
        "indication": cols["indication"],
        **{k: mech[k] for k in ("distance_mm", "rate_mm_per_day", "degeneration_days",
                                "initial_delay_days", "regrowth_days", "terminal_delay_days")},
        **relief,
        "warnings": _warnings(cols, params),
    }
    for key, values in out.items():
        if values.dtype.kind == "f":
            values[~ok] = np.nan
        elif key != "model_version":
            values = values.astype(object)
            values[~ok] = ""
            out[key] = values
    out["patient_id"] = cols["patient_id"]
    out["error"] = batch.errors
    return out
