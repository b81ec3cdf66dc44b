"""The Turnbull estimator: Kaplan-Meier on exact data, the textbook self-consistency algorithm on intervals."""

from __future__ import annotations

import numpy as np
import pytest


def test_turnbull_equals_kaplan_meier_on_exact_and_right_censored_data():
    from lifelines import KaplanMeierFitter

    from regen.stats.turnbull import turnbull

    rng = np.random.default_rng(4)
    t = np.round(rng.exponential(100, 300), 1)
    censored = rng.random(300) < 0.3
    upper = np.where(censored, np.inf, t)
    days = [20, 50, 100, 200]
    km = KaplanMeierFitter().fit(t, ~censored).survival_function_at_times(days).to_numpy()
    np.testing.assert_allclose(turnbull(t, upper, days), km, atol=2e-3)


@pytest.mark.slow
def test_turnbull_equals_the_plain_self_consistency_algorithm_on_interval_data():
    """The fast run-based EM gives what the textbook EM on every gap between bounds gives."""
    from regen.stats.turnbull import turnbull

    rng = np.random.default_rng(8)
    n = 300
    t = rng.lognormal(4.5, 0.7, n)
    visits = np.cumsum(rng.uniform(20, 40, (n, 20)), axis=1)
    lower = np.maximum(np.where(visits < t[:, None], visits, -np.inf).max(1), 0.0)
    upper = np.where(visits >= t[:, None], visits, np.inf).min(1)
    censored = rng.random(n) < 0.3
    upper, lower = np.where(censored, np.inf, upper), np.where(censored, np.minimum(lower, 150), lower)
    points = np.unique(np.concatenate([lower, upper, [0.0]]))
    gap_left, gap_right = points[:-1], points[1:]
    cover = (gap_left[None, :] >= lower[:, None]) & (gap_right[None, :] <= upper[:, None])
    mass = np.full(len(gap_left), 1 / len(gap_left))
    for _ in range(5000):
        share = cover * mass
        share /= share.sum(axis=1, keepdims=True)
        mass = share.mean(axis=0)
    days = [30, 90, 180, 365]
    dense = [1 - mass[gap_right <= d].sum() for d in days]
    np.testing.assert_allclose(turnbull(lower, upper, days, iterations=5000), dense, atol=2e-4)
