"""The mechanism: analytic checks of each phase and properties of the whole."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regen import mechanism as m
from regen.parameters import parameter_values

P = parameter_values()


def _time(distance=30.0, age=50.0, diabetes=False, smoker=False, height=np.nan, measured=np.nan):
    arr = lambda v, dt=float: np.array([v], dtype=dt)  # noqa: E731
    return m.nerve_time(arr(distance), arr(age), arr(diabetes, bool), arr(smoker, bool),
                        arr(height), arr(measured), P)


def test_regrowth_is_distance_over_rate():
    assert m.regrowth_days(np.array([150.0]), np.array([1.5]))[0] == pytest.approx(100.0)


def test_age_factor_is_one_until_knee_then_falls_to_floor():
    f = m.age_rate_factor(np.array([20.0, 50.0, 70.0, 300.0]), 50.0, 0.05)
    assert f.tolist() == pytest.approx([1.0, 1.0, 0.9, 0.5])


def test_rate_modifiers_multiply():
    base = P["rate_mm_per_day"]["value"]
    r = m.rate_median_mm_per_day(np.array([40.0]), np.array([True]), np.array([True]), P)[0]
    expected = base * P["diabetes_rate_factor"]["value"] * P["smoker_rate_factor"]["value"]
    assert r == pytest.approx(expected)


def test_measured_distance_replaces_default_and_height_scales_it():
    d, sd = m.distance_median_mm(np.array([100.0, 100.0]), np.array([200.0, 200.0]),
                                 np.array([np.nan, 42.0]), P)
    ref = P["height_reference_cm"]["value"]
    assert d.tolist() == pytest.approx([100.0 * 200.0 / ref, 42.0])
    assert sd[1] == P["measured_distance_sd_log"]["value"] < sd[0]


def test_lognormal_sum_matches_moments_of_monte_carlo():
    rng = np.random.default_rng(1)
    med, sd = [np.array([4.0]), np.array([20.0]), np.array([17.0])], [np.array([0.35]),
                                                                      np.array([0.3]),
                                                                      np.array([0.35])]
    draws = sum(mi * np.exp(si * rng.standard_normal(400_000)) for mi, si in zip(med, sd, strict=True))
    mu, sigma = m.lognormal_sum(med, sd)
    approx_mean = np.exp(mu + sigma**2 / 2)[0]
    assert approx_mean == pytest.approx(draws.mean(), rel=0.01)
    # the log-normal approximation of the sum puts its median near the sampled one
    assert np.exp(mu)[0] == pytest.approx(np.median(draws), rel=0.03)


def test_phases_add_up_for_a_single_patient():
    out = _time(distance=70.0, age=40.0)
    phases = sum(out[f"{p}_days"][0] for p in m.PHASES)
    # the median of the sum lies within a few days of the sum of the medians
    assert out["sensation_return_median_day"][0] == pytest.approx(phases, rel=0.1)
    assert out["regrowth_days"][0] == pytest.approx(70.0 / P["rate_mm_per_day"]["value"])


def test_children_mature_faster():
    child, adult = _time(age=12.0), _time(age=30.0)
    assert child["terminal_delay_days"][0] < adult["terminal_delay_days"][0]


def test_freeze_warnings_cover_both_ends():
    w = m.freeze_warnings(np.array([-10.0, -70.0, -120.0]), P)
    assert "unreliable" in w[0] and w[1] == "" and "lasting" in w[2]


@settings(max_examples=60, deadline=None)
@given(
    d1=st.floats(1.0, 1500.0), extra=st.floats(0.5, 500.0), age=st.floats(10.0, 100.0),
    older=st.floats(0.0, 60.0), diabetes=st.booleans(), smoker=st.booleans(),
)
def test_properties(d1, extra, age, older, diabetes, smoker):
    base = _time(distance=d1, age=age, diabetes=diabetes, smoker=smoker)
    keys = ("sensation_return_p10_day", "sensation_return_median_day", "sensation_return_p90_day")
    vals = [base[k][0] for k in keys]
    assert all(np.isfinite(vals)) and vals[0] < vals[1] < vals[2]
    farther = _time(distance=d1 + extra, age=age, diabetes=diabetes, smoker=smoker)
    aged = _time(distance=d1, age=min(age + older, 100.0), diabetes=diabetes, smoker=smoker)
    sick = _time(distance=d1, age=age, diabetes=True, smoker=True)
    for k in keys[1:2]:
        assert farther[k][0] > base[k][0]
        assert aged[k][0] >= base[k][0] - 1e-9
        assert sick[k][0] >= base[k][0] - 1e-9


def test_deterministic():
    assert _time()["sensation_return_p90_day"][0] == _time()["sensation_return_p90_day"][0]


@pytest.mark.parametrize("distance", [20.0, 110.0, 400.0])
def test_closed_form_quantiles_match_monte_carlo_of_the_phases(distance):
    rng = np.random.default_rng(7)
    k = 300_000

    def draw(name, scale=1.0):
        return P[name]["value"] * scale * np.exp(P[name]["sd_log"] * rng.standard_normal(k))

    distance_draw = distance * np.exp(P["distance_sd_log"]["value"] * rng.standard_normal(k))
    t = (draw("degeneration_days") + draw("initial_delay_days") + draw("terminal_delay_days")
         + distance_draw / draw("rate_mm_per_day"))
    out = _time(distance=distance)
    for q, key in ((0.1, "p10"), (0.5, "median"), (0.9, "p90")):
        assert out[f"sensation_return_{key}_day"][0] == pytest.approx(np.quantile(t, q), rel=0.02)
