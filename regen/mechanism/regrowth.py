"""The mechanism: latency, regrowth over the distance, sensory maturation.

``T_nerve = exp(delta) * (initial_delay + distance_mm / rate_mm_per_day + terminal_delay)``

- ``initial_delay``: from the freeze until sprouts advance past the lesion. It is
  counted **from the day of injury** (as Gutmann's rabbit latencies are), so it
  already contains Wallerian degeneration; degeneration is not added again.
- ``regrowth``: the lesion-to-target distance over the regrowth rate.
- ``terminal_delay``: reinnervation and maturation of the sensory endings until
  the skin feels again. In humans it is long (months) and variable: estimated
  on human return-of-sensation data (``data/human_sensation.csv``) by the
  evidence model (:mod:`regen.fitting.evidence`, MCMC).
- Age multiplies the regrowth and maturation times (:func:`age_time_factor`:
  children faster, bounded, monotone); diabetes and smoking slow both.
- ``delta ~ N(0, discrepancy_sd_log**2)``: the between-setting discrepancy
  that the human series require (lesion dose, endpoint, population), so the
  interval is as wide as the evidence.

Each phase is log-normal across patients (median and ``sd_log`` from
``data/parameters.csv``; the ``sd_log`` include the evidence model's posterior
uncertainty). Their sum is approximated by a log-normal with the same mean and
variance (Fenton-Wilkinson): closed-form, deterministic, vectorised. ``T_nerve``
is the predicted **return of sensation**. The conduction block itself is
immediate (day 0); :func:`onset_time` is when the patient *notices* relief.

All functions are pure and take numpy arrays (one entry per patient) and the
parameter mapping ``{name: {"value": v, "sd_log": s}}`` that a model stores.

Examples
--------
>>> import numpy as np
>>> from regen.mechanism.regrowth import regrowth_days
>>> regrowth_days(np.array([30.0, 150.0]), np.array([1.5, 1.5]))
array([ 20., 100.])
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from regen.catalog.parameters import param_sd_log, param_value
from regen.mechanism import fronts
from regen.stats.aft import norm_ppf_scalar

__all__ = [
    "PHASES",
    "Z10",
    "Z90",
    "age_time_factor",
    "distance_median_mm",
    "freeze_warnings",
    "initial_delay_days",
    "lognormal_sum",
    "nerve_time",
    "onset_time",
    "rate_prior_mm_per_day",
    "regrowth_days",
    "relief_x",
    "smoothstep",
    "speed_factor",
    "terminal_delay_days",
]

Params = Mapping[str, Mapping[str, float]]

#: Standard normal quantiles of the reported central interval.
Z10 = norm_ppf_scalar(0.10)
Z90 = norm_ppf_scalar(0.90)

#: The phases of the timeline, in order (degeneration is inside ``initial_delay``).
PHASES = ("initial_delay", "regrowth", "terminal_delay")


def regrowth_days(distance_mm: np.ndarray, rate_mm_per_day: np.ndarray) -> np.ndarray:
    """Days to regrow ``distance_mm`` at ``rate_mm_per_day``."""
    return np.asarray(distance_mm, dtype=float) / np.asarray(rate_mm_per_day, dtype=float)


def smoothstep(u: np.ndarray) -> np.ndarray:
    """``3u^2 - 2u^3`` on ``u`` clipped to [0, 1]: a smooth, monotone ramp from 0 to 1.

    Examples
    --------
    >>> smoothstep(np.array([-1.0, 0.25, 0.5, 2.0])).tolist()
    [0.0, 0.15625, 0.5, 1.0]
    """
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def age_time_factor(age_years: np.ndarray, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Multiplier of the regrowth and maturation times for age, and its ``sd_log``.

    1 between ``age_adult_years`` and ``age_older_years`` (the reference);
    towards children the log multiplier falls along a smoothstep (:func:`smoothstep`)
    to ``log(age_child_time_ratio)`` at ``age_child_years`` and stays there; after
    ``age_older_years`` it rises along a smoothstep to ``log(age_old_time_ratio)``
    at ``age_old_years`` and stays there. Smooth, monotone (non-decreasing time
    with age) and bounded as long as ``age_child_time_ratio <= 1 <=
    age_old_time_ratio``: the curve of the evidence model
    (:mod:`regen.fitting.evidence.agecurve`). The ``sd_log`` is the posterior
    uncertainty about the curve at that age.

    Examples
    --------
    >>> import numpy as np
    >>> p = {"age_child_years": {"value": 12}, "age_adult_years": {"value": 25},
    ...      "age_older_years": {"value": 50}, "age_old_years": {"value": 80},
    ...      "age_child_time_ratio": {"value": 0.25, "sd_log": 0.4},
    ...      "age_old_time_ratio": {"value": 1.44, "sd_log": 0.3}}
    >>> f, sd = age_time_factor(np.array([5.0, 40.0, 65.0, 90.0]), p)
    >>> np.round(f, 3).tolist(), np.round(sd, 2).tolist()
    ([0.25, 1.0, 1.2, 1.44], [0.4, 0.0, 0.15, 0.3])
    """
    age = np.asarray(age_years, dtype=float)
    child, adult, older_start, old = (
        param_value(params, k) for k in ("age_child_years", "age_adult_years", "age_older_years", "age_old_years")
    )
    young = smoothstep((adult - age) / (adult - child))
    older = smoothstep((age - older_start) / (old - older_start))
    log_f = young * np.log(param_value(params, "age_child_time_ratio")) + older * np.log(
        param_value(params, "age_old_time_ratio")
    )
    sd = young * param_sd_log(params, "age_child_time_ratio") + older * param_sd_log(params, "age_old_time_ratio")
    return np.exp(log_f), sd


def speed_factor(diabetes: np.ndarray, smoker: np.ndarray, params: Params) -> np.ndarray:
    """Speed multiplier of regrowth and maturation for diabetes and smoking (<= 1 slows)."""
    out = np.where(np.asarray(diabetes, dtype=bool), param_value(params, "diabetes_rate_factor"), 1.0)
    return out * np.where(np.asarray(smoker, dtype=bool), param_value(params, "smoker_rate_factor"), 1.0)


def rate_prior_mm_per_day(
    *, age_years: np.ndarray, diabetes: np.ndarray, smoker: np.ndarray, params: Params
) -> tuple[np.ndarray, np.ndarray]:
    """Median regrowth rate of each patient (mm/day) and its ``sd_log``."""
    factor, age_sd = age_time_factor(age_years, params)
    median = param_value(params, "rate_mm_per_day") * speed_factor(diabetes, smoker, params) / factor
    return median, np.sqrt(param_sd_log(params, "rate_mm_per_day") ** 2 + age_sd**2)


def terminal_delay_days(
    *, age_years: np.ndarray, diabetes: np.ndarray, smoker: np.ndarray, params: Params
) -> tuple[np.ndarray, np.ndarray]:
    """Median sensory reinnervation-and-maturation time (days) and its ``sd_log``."""
    factor, age_sd = age_time_factor(age_years, params)
    median = param_value(params, "terminal_delay_days") * factor / speed_factor(diabetes, smoker, params)
    return median, np.sqrt(param_sd_log(params, "terminal_delay_days") ** 2 + age_sd**2)


def initial_delay_days(params: Params, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Median latency from the freeze to advancing sprouts (days) and its ``sd_log``."""
    return np.full(n, param_value(params, "initial_delay_days")), np.full(n, param_sd_log(params, "initial_delay_days"))


def distance_median_mm(
    *,
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
    scale = np.where(np.isnan(height), 1.0, height / param_value(params, "height_reference_cm"))
    has_measure = ~np.isnan(measured)
    median = np.where(has_measure, measured, default * scale)
    sd_log = np.where(
        has_measure, param_value(params, "measured_distance_sd_log"), param_value(params, "distance_sd_log")
    )
    return median, sd_log


def lognormal_sum(medians: list[np.ndarray], sd_logs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Log-normal (``mu``, ``sigma``) matching the mean and variance of a sum.

    Parameters
    ----------
    medians, sd_logs : list of array
        Median and log-scale standard deviation of each independent log-normal
        term (a median of 0 is a term that is absent; ``sd_log`` 0 a constant).

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


def relief_x(
    *,
    default_distance_mm: np.ndarray,
    age_years: np.ndarray,
    diabetes: np.ndarray,
    smoker: np.ndarray,
    height_cm: np.ndarray,
    measured_distance_mm: np.ndarray,
    params: Params,
    between_sd_log: Mapping[str, float],
) -> np.ndarray:
    """``x`` of the evidence model's relief law: the log median nerve time of a patient, without discrepancy.

    ``T = initial_delay + f(age) * (distance / rate + terminal_delay) / speed``
    at the parameters' values (posterior medians), each phase log-normal with
    the between-patient ``between_sd_log`` (``initial_delay``, ``rate``,
    ``distance``) and ``terminal_delay_between_patient_sd_log``, summed by
    Fenton-Wilkinson: the definition the evidence build fitted the relief law
    on (:func:`regen.fitting.evidence.agecurve.log_nerve_median_days`), so the
    shipped slope applies to it.
    """
    distance, _ = distance_median_mm(
        default_distance_mm=default_distance_mm,
        height_cm=height_cm,
        measured_distance_mm=measured_distance_mm,
        params=params,
    )
    factor = age_time_factor(age_years, params)[0] / speed_factor(diabetes, smoker, params)
    regrow = distance / param_value(params, "rate_mm_per_day") * factor
    terminal = param_value(params, "terminal_delay_days") * factor
    delay = np.full(regrow.shape, param_value(params, "initial_delay_days"))
    sd = np.hypot(between_sd_log["distance"], between_sd_log["rate"])
    mu, _ = lognormal_sum(
        [delay, regrow, terminal],
        [
            np.full(regrow.shape, between_sd_log["initial_delay"]),
            np.full(regrow.shape, sd),
            np.full(regrow.shape, param_value(params, "terminal_delay_between_patient_sd_log")),
        ],
    )
    return mu


def onset_time(params: Params, n: int) -> dict[str, np.ndarray]:
    """Onset of relief as the patient notices it (days after the procedure).

    The conduction block is immediate at the lesion (``conduction_block_day``
    is 0); what is reported as ``relief_onset_*`` is the day the patient
    *notices* relief, once the procedure's soreness and swelling no longer
    mask it: log-normal ``relief_noticed_days`` (from "at once" to about three
    weeks; see ``data/parameters.md``).
    """
    median = np.full(n, param_value(params, "relief_noticed_days"))
    sd = param_sd_log(params, "relief_noticed_days")
    return {
        "conduction_block_day": np.zeros(n),
        "relief_onset_day": median,
        "relief_onset_p10_day": median * np.exp(Z10 * sd),
        "relief_onset_p90_day": median * np.exp(Z90 * sd),
    }


def _front_inputs(params, n, age, diabetes, smoker, distance, distance_sd, front_mm, front_day):
    """Rate override and anchor from measured fronts (see :mod:`regen.mechanism.fronts`)."""
    rate, rate_sd = rate_prior_mm_per_day(age_years=age, diabetes=diabetes, smoker=smoker, params=params)
    latency, latency_sd = initial_delay_days(params, n)
    upd = fronts.update_from_fronts(
        rate_median=rate,
        rate_sd_log=rate_sd,
        front_mm=front_mm,
        front_day=front_day,
        distance_mm=distance,
        distance_sd_log=distance_sd,
        latency_median_day=latency,
        latency_sd_log=latency_sd,
        params=params,
    )
    rate_override = (upd["rate_median_mm_per_day"], upd["rate_sd_log"])
    return rate_override, (upd["anchor_day"], upd["remaining_mm"], upd["remaining_sd_log"]), upd


def nerve_time(
    *,
    default_distance_mm: np.ndarray,
    age_years: np.ndarray,
    diabetes: np.ndarray,
    smoker: np.ndarray,
    height_cm: np.ndarray,
    measured_distance_mm: np.ndarray,
    params: Params,
    rate_override: tuple[np.ndarray, np.ndarray] | None = None,
    front_anchor: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    front_mm: np.ndarray | None = None,
    front_day: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Distribution of the return of sensation, ``T_nerve``, per patient.

    Parameters
    ----------
    default_distance_mm : array
        Catalog default distance of each patient's nerve.
    age_years, diabetes, smoker, height_cm, measured_distance_mm : array
        Patient columns (NaN height or distance = not given).
    params : mapping
        ``{name: {"value": v, "sd_log": s}}`` (see :mod:`regen.catalog.parameters`).
    rate_override : (median, sd_log), optional
        A patient-specific rate distribution replacing the covariate prior.
    front_anchor : (anchor_day, remaining_mm, remaining_sd_log), optional
        Where ``anchor_day`` is not NaN the forecast starts from that day and
        covers only the remaining path (see :func:`regen.mechanism.fronts.update_from_fronts`).
    front_mm, front_day : (n, k) array, optional
        Measured regeneration fronts (NaN-padded); shorthand that computes
        ``rate_override`` and ``front_anchor`` here (do not pass those too).

    Returns
    -------
    dict of array
        ``mu`` and ``sigma`` (log-normal of T_nerve, discrepancy included; after
        a front anchor, the log-normal through the exact median and p90), the
        phase medians ``<phase>_days``, ``distance_mm``, ``rate_mm_per_day``,
        ``age_time_factor``, ``anchor_day`` (0 without a front),
        ``arrival_median_day`` and ``arrival_p10_day`` (axons at the target,
        before maturation: when pain fibres can conduct again at the earliest) and
        ``sensation_return_{median,p10,p90}_day``; with fronts also
        ``front_error``, ``front_warning`` and ``front_covered_fraction``.
    """
    age = np.asarray(age_years, dtype=float)
    n = age.shape[0]
    distance, distance_sd = distance_median_mm(
        default_distance_mm=default_distance_mm,
        height_cm=height_cm,
        measured_distance_mm=measured_distance_mm,
        params=params,
    )
    extra: dict[str, np.ndarray] = {}
    if front_mm is not None:
        if rate_override is not None or front_anchor is not None:
            raise ValueError("pass either front_mm/front_day or rate_override/front_anchor, not both")
        rate_override, front_anchor, upd = _front_inputs(
            params, n, age, diabetes, smoker, distance, distance_sd, front_mm, front_day
        )
        extra = {
            "front_error": upd["error"],
            "front_warning": upd["warning"],
            "front_covered_fraction": upd["covered_fraction"],
            "front_n_used": upd["n_fronts_used"],
        }
    if rate_override is None:
        rate, rate_sd = rate_prior_mm_per_day(age_years=age, diabetes=diabetes, smoker=smoker, params=params)
    else:
        rate, rate_sd = (np.asarray(a, dtype=float) for a in rate_override)
    delay, delay_sd = initial_delay_days(params, n)
    terminal, terminal_sd = terminal_delay_days(age_years=age, diabetes=diabetes, smoker=smoker, params=params)
    anchor, path, path_sd = np.zeros(n), distance, distance_sd
    if front_anchor is not None:
        a_day, rem, rem_sd = (np.asarray(a, dtype=float) for a in front_anchor)
        has = ~np.isnan(a_day)
        anchor, delay = np.where(has, a_day, 0.0), np.where(has, 0.0, delay)
        path, path_sd = np.where(has, rem, distance), np.where(has, rem_sd, distance_sd)
    regrow = regrowth_days(path, rate)
    with np.errstate(invalid="ignore", divide="ignore"):  # rows refused by validation may hold nonsense
        mu_a, sigma_a = lognormal_sum([delay, regrow], [delay_sd, np.sqrt(path_sd**2 + rate_sd**2)])
    sigma_a = np.sqrt(sigma_a**2 + param_value(params, "discrepancy_sd_log") ** 2)
    mu_f, sigma_f = lognormal_sum([delay, regrow, terminal], [delay_sd, np.sqrt(path_sd**2 + rate_sd**2), terminal_sd])
    sigma_f = np.sqrt(sigma_f**2 + param_value(params, "discrepancy_sd_log") ** 2)
    # T = anchor + future: quantiles exact; (mu, sigma) the log-normal through its median and p90
    p10, median, p90 = (anchor + np.exp(mu_f + z * sigma_f) for z in (Z10, 0.0, Z90))
    mu = np.log(median)
    sigma = np.log(p90 / median) / Z90
    return {
        "mu": mu,
        "sigma": sigma,
        "initial_delay_days": delay,
        "regrowth_days": regrow,
        "terminal_delay_days": terminal,
        "distance_mm": distance,
        "rate_mm_per_day": rate,
        "age_time_factor": age_time_factor(age, params)[0],
        "anchor_day": anchor,
        "arrival_median_day": anchor + delay + regrow,
        "arrival_p10_day": anchor + np.exp(mu_a + Z10 * sigma_a),
        "sensation_return_median_day": median,
        "sensation_return_p10_day": p10,
        "sensation_return_p90_day": p90,
        **extra,
    }


def freeze_warnings(probe_temp_c: np.ndarray, params: Params) -> np.ndarray:
    """A warning per patient about the freeze temperature ('' when none).

    Warmer than ``freeze_min_effective_c`` the block is unreliable and short;
    at ``partial_lesion_probe_c`` or warmer, the human series that froze there
    recovered sensation much sooner (``partial_lesion_time_ratio``) than the
    full-lesion forecast; colder than ``freeze_injury_c`` lasting injury is
    possible. The forecast itself always assumes a full lesion.

    Examples
    --------
    >>> import numpy as np
    >>> from regen.catalog.parameters import parameter_values
    >>> w = freeze_warnings(np.array([-10.0, -60.0, -70.0, -120.0]), parameter_values())
    >>> [t.split(":")[0] for t in w]
    ['probe warmer than -20 degC', 'probe at -60 degC or warmer', '', 'probe colder than -100 degC']
    """
    temp = np.asarray(probe_temp_c, dtype=float)
    warm = param_value(params, "freeze_min_effective_c")
    partial = param_value(params, "partial_lesion_probe_c")
    cold = param_value(params, "freeze_injury_c")
    ratio = param_value(params, "partial_lesion_time_ratio")
    out = np.full(temp.shape, "", dtype=object)
    out[(temp >= partial) & (temp <= warm)] = (
        f"probe at {partial:g} degC or warmer: in the human series frozen at {partial:g} degC sensation "
        f"returned about {1 / ratio:.0f}x sooner than this full-lesion forecast (incomplete lesions likely), "
        "so the predicted times may be too long"
    )
    out[temp > warm] = (
        f"probe warmer than {warm:g} degC: the block is unreliable and short, "
        "and the predicted times assume a full lesion and are likely too long"
    )
    out[temp < cold] = (
        f"probe colder than {cold:g} degC: risk of lasting nerve injury "
        "(necrosis), and regrowth may be delayed or incomplete"
    )
    return out
