"""The mechanism: degeneration, delay, regrowth over the distance, maturation.

``T_nerve = degeneration + initial_delay + distance_mm / rate_mm_per_day + terminal_delay``

Every phase is log-normal across patients (median and ``sd_log`` from
``data/parameters.csv``); regrowth is the ratio of two log-normals (distance
and rate), hence log-normal itself. The sum of the four independent phases is
approximated by a log-normal with the same mean and variance
(Fenton-Wilkinson), which gives closed-form, deterministic medians and
intervals vectorised over patients. ``T_nerve`` is the predicted **return of
sensation**.

All functions are pure and take numpy arrays (one entry per patient) and the
parameter mapping ``{name: {"value": v, "sd_log": s}}`` that a model stores.

Examples
--------
>>> import numpy as np
>>> from regen.mechanism import regrowth_days
>>> regrowth_days(np.array([30.0, 150.0]), np.array([1.5, 1.5]))
array([ 20., 100.])
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import NormalDist

import numpy as np

__all__ = [
    "PHASES",
    "Z10",
    "Z90",
    "age_rate_factor",
    "distance_median_mm",
    "lognormal_sum",
    "nerve_time",
    "onset_time",
    "rate_median_mm_per_day",
    "regrowth_days",
]

Params = Mapping[str, Mapping[str, float]]

#: Standard normal quantiles of the reported central interval.
Z10 = NormalDist().inv_cdf(0.10)
Z90 = NormalDist().inv_cdf(0.90)

#: The phases of the timeline, in order.
PHASES = ("degeneration", "initial_delay", "regrowth", "terminal_delay")


def _v(params: Params, name: str) -> float:
    return float(params[name]["value"])


def _s(params: Params, name: str) -> float:
    return float(params[name].get("sd_log", 0.0) or 0.0)


def regrowth_days(distance_mm: np.ndarray, rate_mm_per_day: np.ndarray) -> np.ndarray:
    """Days to regrow ``distance_mm`` at ``rate_mm_per_day``."""
    return np.asarray(distance_mm, dtype=float) / np.asarray(rate_mm_per_day, dtype=float)


def age_rate_factor(
    age_years: np.ndarray, knee_years: float, loss_per_decade: float, floor: float = 0.5
) -> np.ndarray:
    """Multiplier of the regrowth rate for age (1 up to ``knee_years``, then falling).

    A modelling assumption (direction from animal data, size not published):
    see ``age_rate_loss_per_decade`` in ``data/parameters.md``.
    """
    age = np.asarray(age_years, dtype=float)
    excess_decades = np.clip(age - knee_years, 0.0, None) / 10.0
    return np.clip(1.0 - loss_per_decade * excess_decades, floor, 1.0)


def rate_median_mm_per_day(
    age_years: np.ndarray, diabetes: np.ndarray, smoker: np.ndarray, params: Params
) -> np.ndarray:
    """Median regrowth rate of each patient, in mm/day."""
    rate = _v(params, "rate_mm_per_day") * age_rate_factor(
        age_years, _v(params, "age_knee_years"), _v(params, "age_rate_loss_per_decade")
    )
    rate = rate * np.where(np.asarray(diabetes, dtype=bool), _v(params, "diabetes_rate_factor"), 1.0)
    return rate * np.where(np.asarray(smoker, dtype=bool), _v(params, "smoker_rate_factor"), 1.0)


def distance_median_mm(
    default_distance_mm: np.ndarray,
    height_cm: np.ndarray,
    measured_distance_mm: np.ndarray,
    params: Params,
) -> tuple[np.ndarray, np.ndarray]:
    """Lesion-to-target distance (median, mm) and its ``sd_log`` per patient.

    A measured distance (not NaN) replaces the catalog default; otherwise the
    default is scaled by ``height_cm / height_reference_cm`` where the height
    is known.
    """
    default = np.asarray(default_distance_mm, dtype=float)
    height = np.asarray(height_cm, dtype=float)
    measured = np.asarray(measured_distance_mm, dtype=float)
    scale = np.where(np.isnan(height), 1.0, height / _v(params, "height_reference_cm"))
    has_measure = ~np.isnan(measured)
    median = np.where(has_measure, measured, default * scale)
    sd_log = np.where(
        has_measure, _v(params, "measured_distance_sd_log"), _v(params, "distance_sd_log")
    )
    return median, sd_log


def lognormal_sum(
    medians: list[np.ndarray], sd_logs: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Log-normal (``mu``, ``sigma``) matching the mean and variance of a sum.

    Parameters
    ----------
    medians, sd_logs : list of array
        Median and log-scale standard deviation of each independent log-normal term.

    Returns
    -------
    mu, sigma : array
        Location and scale (natural log) of the Fenton-Wilkinson approximation.
    """
    mean = np.zeros(np.broadcast(*medians, *sd_logs).shape)
    var = np.zeros_like(mean)
    for median, sd in zip(medians, sd_logs, strict=True):
        s2 = np.asarray(sd, dtype=float) ** 2
        m = np.asarray(median, dtype=float) * np.exp(s2 / 2.0)
        mean = mean + m
        var = var + m**2 * np.expm1(s2)
    sigma2 = np.log1p(var / mean**2)
    return np.log(mean) - sigma2 / 2.0, np.sqrt(sigma2)


def onset_time(params: Params, n: int) -> dict[str, np.ndarray]:
    """Onset of relief: degeneration of the distal segment plus procedural soreness."""
    mu, sigma = lognormal_sum(
        [np.full(n, _v(params, "degeneration_days")), np.full(n, _v(params, "procedure_soreness_days"))],
        [np.full(n, _s(params, "degeneration_days")), np.full(n, _s(params, "procedure_soreness_days"))],
    )
    return {
        "relief_onset_day": np.exp(mu),
        "relief_onset_p10_day": np.exp(mu + Z10 * sigma),
        "relief_onset_p90_day": np.exp(mu + Z90 * sigma),
    }


def nerve_time(
    default_distance_mm: np.ndarray,
    age_years: np.ndarray,
    diabetes: np.ndarray,
    smoker: np.ndarray,
    height_cm: np.ndarray,
    measured_distance_mm: np.ndarray,
    params: Params,
    rate_override: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Distribution of the return of sensation, ``T_nerve``, per patient.

    Parameters
    ----------
    default_distance_mm : array
        Catalog default distance of each patient's nerve.
    age_years, diabetes, smoker, height_cm, measured_distance_mm : array
        Patient columns (NaN height or distance = not given).
    params : mapping
        ``{name: {"value": v, "sd_log": s}}`` (see :mod:`regen.parameters`).
    rate_override : (median, sd_log), optional
        A patient-specific rate distribution (e.g. updated from a measured
        regeneration front) replacing the one built from the covariates.

    Returns
    -------
    dict of array
        ``mu`` and ``sigma`` (log-normal of T_nerve), the medians of each phase
        (``<phase>_days``), ``distance_mm``, ``rate_mm_per_day`` and the
        ``sensation_return_{median,p10,p90}_day``.
    """
    age = np.asarray(age_years, dtype=float)
    n = age.shape[0]
    distance, distance_sd = distance_median_mm(
        default_distance_mm, height_cm, measured_distance_mm, params
    )
    if rate_override is None:
        rate = rate_median_mm_per_day(age, diabetes, smoker, params)
        rate_sd = np.full(n, _s(params, "rate_mm_per_day"))
    else:
        rate, rate_sd = (np.asarray(a, dtype=float) for a in rate_override)
    terminal = _v(params, "terminal_delay_days") * np.where(
        age < 18, _v(params, "child_maturation_factor"), 1.0
    )
    phases = {
        "degeneration_days": np.full(n, _v(params, "degeneration_days")),
        "initial_delay_days": np.full(n, _v(params, "initial_delay_days")),
        "regrowth_days": regrowth_days(distance, rate),
        "terminal_delay_days": terminal,
    }
    sds = [
        np.full(n, _s(params, "degeneration_days")),
        np.full(n, _s(params, "initial_delay_days")),
        np.sqrt(distance_sd**2 + rate_sd**2),
        np.full(n, _s(params, "terminal_delay_days")),
    ]
    mu, sigma = lognormal_sum(list(phases.values()), sds)
    return {
        "mu": mu,
        "sigma": sigma,
        **phases,
        "distance_mm": distance,
        "rate_mm_per_day": rate,
        "sensation_return_median_day": np.exp(mu),
        "sensation_return_p10_day": np.exp(mu + Z10 * sigma),
        "sensation_return_p90_day": np.exp(mu + Z90 * sigma),
    }


def freeze_warnings(probe_temp_c: np.ndarray, params: Params) -> np.ndarray:
    """A warning per patient about the freeze temperature ('' when none).

    Warmer than ``freeze_min_effective_c`` the block is unreliable and short;
    colder than ``freeze_injury_c`` lasting injury is possible.
    """
    temp = np.asarray(probe_temp_c, dtype=float)
    warm = _v(params, "freeze_min_effective_c")
    cold = _v(params, "freeze_injury_c")
    out = np.full(temp.shape, "", dtype=object)
    out[temp > warm] = (
        f"probe warmer than {warm:g} degC: the block is unreliable and short; "
        "predicted times assume a full lesion and are likely too long"
    )
    out[temp < cold] = (
        f"probe colder than {cold:g} degC: risk of lasting nerve injury "
        "(necrosis); regrowth may be delayed or incomplete"
    )
    return out
