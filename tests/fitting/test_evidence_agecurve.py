"""The age curve: smooth, monotone, bounded; the numpy and jax versions agree."""

import numpy as np

from regen.fitting.evidence.agecurve import age_log_factor, log_nerve_median_days, lognormal_sum_np
from regen.fitting.evidence.priors import AGE_KNOTS, FIXED_SD


def test_monotone_bounded_and_flat_in_the_adult_band():
    ages = np.linspace(5, 100, 2000)
    f = age_log_factor(ages, 1.2, 0.3, AGE_KNOTS)
    assert np.all(np.diff(f) >= -1e-12)
    assert f.min() == -1.2 and f.max() == 0.3
    assert np.all(f[(ages >= 25) & (ages <= 50)] == 0)
    step = np.abs(np.diff(f)).max()
    assert step < 1.2 * 1.5 / 14 * (ages[1] - ages[0]) * 1.01  # slope of the smoothstep at most 1.5 / span


def test_a_fifteen_year_old_does_not_get_the_full_child_effect():
    f15 = age_log_factor(np.array([15.0]), 1.0, 0.0, AGE_KNOTS)[0]
    assert -1.0 < f15 < -0.5


def test_log_nerve_median_matches_a_direct_fenton_wilkinson_sum():
    p = {
        "initial_delay_days": 5.0,
        "rate_mm_per_day": 1.4,
        "terminal_delay_days": 100.0,
        "terminal_sd_log": 0.3,
        "child_log_ratio": 1.0,
        "old_log_ratio": 0.15,
    }
    x = log_nerve_median_days(np.array([220.0, 25.0]), np.array([50.0, 50.0]), p, AGE_KNOTS, FIXED_SD)
    mu, _ = lognormal_sum_np([5.0, 220 / 1.4, 100.0], [0.3, np.hypot(0.25, 0.2), 0.3])
    assert x[0] == mu
    assert x[1] < x[0]
