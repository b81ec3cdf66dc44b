"""A synthetic cohort with a known truth, for tests, demos and benchmarks.

Patients get covariates, a nerve and its first indication; the mechanism gives
their nerve time; relief end is drawn from a log-normal AFT on top of it with
known indication and covariate effects; a share never responds; follow-up
visits (about monthly, jittered) turn relief end into intervals, and loss to
follow-up turns it into right-censoring. Synthetic data, no patient.

Examples
--------
>>> from regen.fitting.simulate import simulate_cohort
>>> cohort = simulate_cohort(5, seed=1)
>>> len(cohort), "relief_lost_day" in cohort
(5, True)
>>> cohort.attrs["truth"]["sigma"]
0.35
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_TRUTH", "simulate_cohort"]

#: The data-generating truth: log relief/nerve ratio per indication, covariate
#: effects (per design unit), log-normal sigma and response probability.
DEFAULT_TRUTH = {
    "nerves": {
        "genicular_superolateral": "knee_osteoarthritis",
        "intercostal": "mastectomy",
        "greater_occipital": "occipital_neuralgia",
        "lumbar_medial_branch": "lumbar_facet_syndrome",
    },
    "indication_effect": {
        "knee_osteoarthritis": 0.4,
        "mastectomy": 0.2,
        "occipital_neuralgia": -0.5,
        "lumbar_facet_syndrome": 1.2,
    },
    "coef": {"age": 0.05, "diabetes": 0.3},
    "sigma": 0.35,
    "response_prob": {
        "knee_osteoarthritis": 0.85,
        "mastectomy": 0.9,
        "occipital_neuralgia": 0.65,
        "lumbar_facet_syndrome": 0.75,
    },
    "visit_every_days": 30.0,
    "follow_up_days": (180.0, 720.0),
}


def _visits(rng, n: int, every: float, horizon: np.ndarray) -> np.ndarray:
    """Visit days per patient (n x k, NaN after the end of follow-up)."""
    k = int(np.ceil(horizon.max() / every)) + 1
    gaps = every * rng.uniform(0.75, 1.25, size=(n, k))
    days = np.cumsum(gaps, axis=1)
    return np.where(days <= horizon[:, None], days, np.nan)


def _intervals(visits: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    before = np.where(visits < t[:, None], visits, -np.inf).max(axis=1)
    after = np.where(visits >= t[:, None], visits, np.inf).min(axis=1)
    return np.maximum(before, 0.0), after


def simulate_cohort(n: int, seed: int = 0, truth: dict | None = None, treated_on: str = "2026-01-05"):
    """Simulate ``n`` patients in the outcome schema (a DataFrame; truth in ``.attrs``).

    Parameters
    ----------
    n : int
        Number of patients.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same cohort.
    truth : dict, optional
        Overrides of :data:`DEFAULT_TRUTH`.
    treated_on : str
        Treatment date of every patient (ISO).
    """
    import pandas as pd

    from regen.catalog.parameters import parameter_values
    from regen.model.laws import nerve_times
    from regen.schema.patients import validate_patients

    tr = {**DEFAULT_TRUTH, **(truth or {})}
    rng = np.random.default_rng(seed)
    nerves = np.array(list(tr["nerves"]), dtype=object)
    nerve = nerves[rng.integers(0, len(nerves), n)]
    indication = np.array([tr["nerves"][v] for v in nerve], dtype=object)
    age = np.round(rng.uniform(25, 85, n))
    diabetes = rng.random(n) < 0.2
    frame = pd.DataFrame(
        {
            "patient_id": [f"sim-{seed}-{i + 1}" for i in range(n)],
            "nerve": nerve,
            "indication": indication,
            "age": age,
            "sex": rng.choice(["female", "male"], n),
            "diabetes": np.where(diabetes, "yes", "no"),
            "smoker": "no",
            "treated_on": treated_on,
        }
    )
    cols = validate_patients(frame).columns
    log_nerve = nerve_times(cols, parameter_values())["mu"]
    effect = np.array([tr["indication_effect"][v] for v in indication])
    mu = log_nerve + effect + tr["coef"]["age"] * (age - 50) / 10 + tr["coef"]["diabetes"] * diabetes
    t = np.exp(mu + tr["sigma"] * rng.standard_normal(n))
    responded = rng.random(n) < np.array([tr["response_prob"][v] for v in indication])
    horizon = rng.uniform(*tr["follow_up_days"], n)
    visits = _visits(rng, n, tr["visit_every_days"], horizon)
    lower, upper = _intervals(visits, t)
    first = visits[:, 0]
    lower = np.where(responded, lower, 0.0)
    upper = np.where(responded, upper, first)
    frame["relief_last_seen_day"] = np.round(lower, 1)
    frame["relief_lost_day"] = np.where(np.isfinite(upper), np.round(upper, 1), np.nan)
    frame["responded"] = np.where(responded, "yes", "no")
    frame.attrs["truth"] = tr
    return frame
