"""The laws of one patient's times, as every prediction uses them.

- :func:`nerve_times`: the return of sensation (T_nerve) from the mechanism,
  with the catalog's default distance and the nerve's skin territory, narrowed
  by measured regeneration fronts where given;
- :func:`patient_relief`: the relief-end law (:func:`regen.model.relief.relief_distribution`)
  for responders relieved at least until the median onset, shrunk toward the
  patient's earlier cycles where given;
- :func:`next_cycle_relief`: the law of the next cycle after a retreatment.

Examples
--------
>>> from regen import load_model
>>> from regen.model.laws import patient_relief
>>> from regen.schema.patients import validate_patients
>>> cols = validate_patients({"nerve": ["GON"], "age": [45]}).columns
>>> dist = patient_relief(load_model(), cols)
>>> bool(dist.quantile(0.1)[0] < dist.quantile(0.5)[0] < dist.quantile(0.9)[0])
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from regen.catalog.nerves import load_catalog
from regen.catalog.parameters import param_value
from regen.mechanism.regrowth import nerve_time, onset_time, relief_x
from regen.model.relief import ReliefDistribution, relief_distribution
from regen.planning.rules import shrink_to_history
from regen.utils.parsing import CodedText, factorize

__all__ = ["follow_up_survival", "history", "nerve_times", "next_cycle_relief", "patient_relief"]


def _nerve_facts(nerve: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Catalog default distance, and whether return of sensation can be observed (a skin territory)."""
    catalog = load_catalog()
    codes, uniques = factorize(nerve)
    distance = np.array([catalog[u].default_distance_mm if u in catalog else np.nan for u in uniques])
    observable = np.array(
        ["yes" if u in catalog and catalog[u].skin_territory else "no" for u in uniques], dtype=object
    )
    return distance[codes], CodedText.from_codes(codes, observable)


def nerve_times(cols: Mapping, params: Mapping) -> dict[str, np.ndarray]:
    """T_nerve (return of sensation) per patient, narrowed by measured regeneration fronts where given.

    Parameters
    ----------
    cols : mapping
        Validated patient columns (:func:`regen.schema.patients.validate_patients`).
    params : mapping
        The mechanism parameters (``model.params``).

    Returns
    -------
    dict of array
        :func:`regen.mechanism.regrowth.nerve_time`'s output; ``front_error`` and
        ``front_warning`` ('' where none) are always present.
    """
    n = len(cols["nerve"])
    fronts = {}
    if "front_mm" in cols and not np.isnan(cols["front_mm"]).all():
        fronts = {"front_mm": cols["front_mm"], "front_day": cols["front_day"]}
    distance, observable = _nerve_facts(cols["nerve"])
    mech = nerve_time(
        default_distance_mm=distance,
        age_years=cols["age"],
        diabetes=cols["diabetes"],
        smoker=cols["smoker"],
        height_cm=cols["height_cm"],
        measured_distance_mm=cols["distance_mm"],
        params=params,
        **fronts,
    )
    blank = np.full(n, "", dtype=object)
    return {"front_error": blank, "front_warning": blank, **mech, "sensation_observable": observable}


def history(prior_relief_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean log duration and count of each patient's earlier cycles."""
    count = (~np.isnan(prior_relief_days)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_log = np.nansum(np.log(prior_relief_days), axis=1) / np.maximum(count, 1)
    return mean_log, count


def _shrunk(dist: ReliefDistribution, mean_log, count, icc: float) -> ReliefDistribution:
    mu, scale = shrink_to_history(dist.family, dist.mu, dist.scale, mean_log, count, icc)
    shrunk = dist.with_location(mu, scale)
    if shrunk.nerve_factor is None:
        return shrunk
    # a forecast drawn toward the patient's own earlier cycles is no longer the evidence's move alone
    return replace(shrunk, nerve_factor=np.where(count > 0, np.nan, shrunk.nerve_factor))


def patient_relief(model, cols: Mapping, mech: Mapping | None = None) -> ReliefDistribution:
    """The relief-end law of each patient, as every prediction uses it.

    The model's law (:func:`regen.model.relief.relief_distribution`), for responders
    relieved at least until the median onset (relief cannot end before it is
    noticed), shrunk toward the patient's earlier cycles where given.

    Parameters
    ----------
    model : Model
    cols : mapping
        Validated patient columns.
    mech : mapping, optional
        :func:`nerve_times` of the same columns (computed when not given).
    """
    mech = nerve_times(cols, model.params) if mech is None else mech
    dist = _model_law(model, cols, mech)
    if "prior_relief_days" not in cols or np.isnan(cols["prior_relief_days"]).all():
        return dist
    return _shrunk(dist, *history(cols["prior_relief_days"]), param_value(model.params, "history_icc"))


def _model_law(model, cols: Mapping, mech: Mapping) -> ReliefDistribution:
    """The model's law for responders relieved until the median onset (no history)."""
    onset = onset_time(model.params, len(mech["mu"]))["relief_onset_day"]
    relief = model.bundle["relief"]
    x = relief_nerve_x(relief, cols, model.params, mech) if relief["family"] == "grid" else mech["mu"]
    return relief_distribution(relief, cols, x).with_start(onset)


def relief_nerve_x(relief: Mapping, cols: Mapping, params: Mapping, mech: Mapping) -> np.ndarray:
    """The ``x`` a ``grid`` relief law reads: :func:`regen.mechanism.regrowth.relief_x`, moved by any front.

    A measured regeneration front changes the patient's median nerve time; the
    relief law follows by the same log ratio (the front's news about this
    patient's regrowth passes through the law's slope on ``x``).
    """
    distance, _ = _nerve_facts(cols["nerve"])
    common = {
        "default_distance_mm": distance,
        "age_years": cols["age"],
        "diabetes": cols["diabetes"],
        "smoker": cols["smoker"],
        "height_cm": cols["height_cm"],
        "measured_distance_mm": cols["distance_mm"],
        "params": params,
    }
    x = relief_x(**common, between_sd_log=relief["x_between_sd_log"])
    anchored = np.asarray(mech.get("anchor_day", np.zeros(len(x))), float) > 0
    if anchored.any():
        plain = nerve_time(**common)["mu"]
        x = np.where(anchored, x + (np.asarray(mech["mu"], float) - plain), x)
    return x


def next_cycle_relief(
    model, cols: Mapping, mech: Mapping, lost_day: np.ndarray, base: ReliefDistribution | None = None
) -> ReliefDistribution:
    """The relief-end law of the next cycle, in days after the retreatment on ``lost_day``.

    The cycle that just ended joins the patient's history (rows where
    ``lost_day`` is NaN keep their own history).
    """
    is_lost = ~np.isnan(lost_day)
    mean_log, count = history(cols["prior_relief_days"])
    with np.errstate(divide="ignore", invalid="ignore"):  # a refused row may hold day 0
        lost_log = np.log(np.where(is_lost, lost_day, 1.0))
    next_count = count + is_lost
    next_mean = np.where(is_lost, (mean_log * count + lost_log) / np.maximum(next_count, 1), mean_log)
    base = _model_law(model, cols, mech) if base is None else base
    return _shrunk(base, next_mean, next_count, param_value(model.params, "history_icc"))


def follow_up_survival(
    dist: ReliefDistribution, times, relief_at_day: np.ndarray, relief_lost_day: np.ndarray
) -> np.ndarray:
    """P(still relieved) at ``times`` given the follow-up (``n x k``): the one rule every output uses.

    ``times``: ``k`` days for every patient, or an ``n x k`` array of each patient's own days.

    Still relieved on day D: the law given relief then (response drops out).
    Relief lost on day D: an observation, relieved before D and not from D on.
    """
    t = np.asarray(times, float)
    lost = np.asarray(relief_lost_day, float)
    surv = dist.survival(t, relief_at_day)
    days = t if t.ndim == 2 else t[None, :]  # one row of days for all, or each patient's own (n x k)
    return np.where(np.isnan(lost)[:, None], surv, (days < lost[:, None]).astype(float))
