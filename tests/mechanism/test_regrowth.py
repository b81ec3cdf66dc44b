"""The mechanism: analytic checks of each phase and properties of the whole."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regen.catalog.parameters import parameter_values
from regen.mechanism import regrowth as m

P = parameter_values()


def _time(distance=30.0, age=50.0, diabetes=False, smoker=False, height=np.nan, measured=np.nan, params=P, **kw):
    arr = lambda v, dt=float: np.array([v], dtype=dt)  # noqa: E731
    return m.nerve_time(
        default_distance_mm=arr(distance),
        age_years=arr(age),
        diabetes=arr(diabetes, bool),
        smoker=arr(smoker, bool),
        height_cm=arr(height),
        measured_distance_mm=arr(measured),
        params=params,
        **kw,
    )


def _with(**changes):
    return {**P, **{k: {**P[k], **v} for k, v in changes.items()}}


def test_regrowth_is_distance_over_rate():
    assert m.regrowth_days(np.array([150.0]), np.array([1.5]))[0] == pytest.approx(100.0)


def test_age_curve_is_monotone_bounded_and_one_for_adults():
    ages = np.linspace(0.0, 120.0, 241)
    f, sd = m.age_time_factor(ages, P)
    assert np.all(np.diff(f) >= -1e-12)
    assert f.min() == pytest.approx(P["age_child_time_ratio"]["value"])
    assert f.max() == pytest.approx(P["age_old_time_ratio"]["value"])
    adult = (ages >= P["age_adult_years"]["value"]) & (ages <= P["age_older_years"]["value"])
    assert np.allclose(f[adult], 1.0) and np.allclose(sd[adult], 0.0)
    assert f.min() < 1.0 < f.max()  # children faster, the old slower


def test_rate_and_maturation_modifiers():
    age, yes = np.array([40.0]), np.array([True])
    rate, _ = m.rate_prior_mm_per_day(age_years=age, diabetes=yes, smoker=yes, params=P)
    factor = P["diabetes_rate_factor"]["value"] * P["smoker_rate_factor"]["value"]
    assert rate[0] == pytest.approx(P["rate_mm_per_day"]["value"] * factor)
    mat, _ = m.terminal_delay_days(age_years=age, diabetes=yes, smoker=yes, params=P)
    assert mat[0] == pytest.approx(P["terminal_delay_days"]["value"] / factor)


def test_measured_distance_replaces_default_and_height_scales_it():
    d, sd = m.distance_median_mm(
        default_distance_mm=np.array([100.0, 100.0]),
        height_cm=np.array([200.0, 200.0]),
        measured_distance_mm=np.array([np.nan, 42.0]),
        params=P,
    )
    ref = P["height_reference_cm"]["value"]
    assert d.tolist() == pytest.approx([100.0 * 200.0 / ref, 42.0])
    assert sd[1] == P["measured_distance_sd_log"]["value"] < sd[0]


def test_lognormal_sum_matches_moments_of_monte_carlo():
    rng = np.random.default_rng(1)
    med, sd = (
        [np.array([4.0]), np.array([20.0]), np.array([170.0])],
        [np.array([0.6]), np.array([0.37]), np.array([0.29])],
    )
    draws = sum(mi * np.exp(si * rng.standard_normal(400_000)) for mi, si in zip(med, sd, strict=True))
    mu, sigma = m.lognormal_sum(med, sd)
    assert np.exp(mu + sigma**2 / 2)[0] == pytest.approx(draws.mean(), rel=0.01)
    assert np.exp(mu)[0] == pytest.approx(np.median(draws), rel=0.03)


def test_degeneration_is_not_counted_again():
    assert "degeneration" not in m.PHASES
    slow = _with(degeneration_days={"value": 40.0})
    assert _time(params=slow)["sensation_return_median_day"][0] == _time()["sensation_return_median_day"][0]


def test_phases_add_up_and_arrival_precedes_maturation():
    out = _time(distance=70.0, age=40.0)
    phases = sum(out[f"{p}_days"][0] for p in m.PHASES)
    assert out["sensation_return_median_day"][0] == pytest.approx(phases, rel=0.1)
    assert out["arrival_median_day"][0] == pytest.approx(out["initial_delay_days"][0] + out["regrowth_days"][0])
    assert out["terminal_delay_days"][0] > out["arrival_median_day"][0]  # human maturation dominates short paths


def test_discrepancy_widens_the_interval_not_the_median():
    wide, narrow = _time(), _time(params=_with(discrepancy_sd_log={"value": 0.0}))
    assert wide["mu"][0] == pytest.approx(narrow["mu"][0])
    assert wide["sigma"][0] ** 2 == pytest.approx(narrow["sigma"][0] ** 2 + P["discrepancy_sd_log"]["value"] ** 2)


def test_children_faster_and_the_old_slower():
    child, adult, old = _time(age=12.0), _time(age=30.0), _time(age=85.0)
    key = "sensation_return_median_day"
    assert child[key][0] < adult[key][0] < old[key][0]


def test_front_anchor_starts_the_forecast_at_the_front_day():
    anchored = _time(
        distance=200.0, measured=200.0, front_anchor=(np.array([150.0]), np.array([10.0]), np.array([0.5]))
    )
    assert anchored["anchor_day"][0] == 150.0 and anchored["initial_delay_days"][0] == 0.0
    assert anchored["sensation_return_p10_day"][0] > 150.0
    none = _time(front_anchor=(np.array([np.nan]), np.array([np.nan]), np.array([np.nan])))
    assert none["sensation_return_median_day"][0] == pytest.approx(_time()["sensation_return_median_day"][0])


def test_front_arrays_and_overrides_are_exclusive():
    with pytest.raises(ValueError, match="not both"):
        _time(
            front_mm=np.array([[10.0]]), front_day=np.array([[30.0]]), rate_override=(np.array([1.0]), np.array([0.1]))
        )


def test_onset_is_noticed_relief_and_the_block_is_immediate():
    out = m.onset_time(P, 3)
    assert np.all(out["conduction_block_day"] == 0.0)
    # Caporusso: relief at once (p10 about a day); brief: within about three weeks (p90)
    assert out["relief_onset_p10_day"][0] == pytest.approx(1.0, abs=0.2)
    assert out["relief_onset_p90_day"][0] == pytest.approx(21.0, rel=0.05)


def test_freeze_warnings_cover_every_band():
    w = m.freeze_warnings(np.array([-10.0, -60.0, -70.0, -120.0]), P)
    assert "unreliable" in w[0] and "sooner" in w[1] and w[2] == "" and "lasting" in w[3]


@settings(max_examples=80, deadline=None)
@given(
    d1=st.floats(1.0, 1500.0),
    extra=st.floats(0.5, 500.0),
    age=st.floats(10.0, 100.0),
    older=st.floats(0.0, 60.0),
    diabetes=st.booleans(),
    smoker=st.booleans(),
    height=st.one_of(st.just(np.nan), st.floats(100.0, 220.0)),
    measured=st.booleans(),
)
def test_properties(d1, extra, age, older, diabetes, smoker, height, measured):
    kw = {"diabetes": diabetes, "smoker": smoker, "height": height}
    if measured:
        base, farther = _time(d1, age, measured=d1, **kw), _time(d1, age, measured=d1 + extra, **kw)
    else:
        base, farther = _time(d1, age, **kw), _time(d1 + extra, age, **kw)
    keys = ("sensation_return_p10_day", "sensation_return_median_day", "sensation_return_p90_day")
    vals = [base[k][0] for k in keys]
    assert all(np.isfinite(vals)) and vals[0] < vals[1] < vals[2]
    aged = _time(d1, min(age + older, 100.0), measured=d1 if measured else np.nan, **kw)
    sick = _time(d1, age, diabetes=True, smoker=True, height=height, measured=d1 if measured else np.nan)
    for k in keys:
        assert farther[k][0] > base[k][0]
        assert aged[k][0] >= base[k][0] * (1 - 1e-9)
        assert sick[k][0] >= base[k][0] * (1 - 1e-9)


def test_deterministic():
    assert _time()["sensation_return_p90_day"][0] == _time()["sensation_return_p90_day"][0]


@pytest.mark.parametrize("distance", [20.0, 110.0, 400.0])
def test_closed_form_quantiles_match_monte_carlo_of_the_phases(distance):
    rng = np.random.default_rng(7)
    k = 300_000

    def draw(name):
        return P[name]["value"] * np.exp(P[name]["sd_log"] * rng.standard_normal(k))

    distance_draw = distance * np.exp(P["distance_sd_log"]["value"] * rng.standard_normal(k))
    setting = np.exp(P["discrepancy_sd_log"]["value"] * rng.standard_normal(k))
    t = setting * (draw("initial_delay_days") + draw("terminal_delay_days") + distance_draw / draw("rate_mm_per_day"))
    out = _time(distance=distance, age=40.0)  # adult reference: age multiplier 1
    # Fenton-Wilkinson (one log-normal with the sum's mean and variance) is what the evidence model fits
    # through, so the predictor keeps it. Measured against these draws with the shipped parameters (wide
    # maturation, sd_log 0.89): median and p90 within 3.5 %; the p10 up to 15 % early, never late (the
    # interval errs wider at its lower end, where the heavy maturation term is skewed). Stated on the card.
    for q, key in ((0.5, "median"), (0.9, "p90")):
        assert out[f"sensation_return_{key}_day"][0] == pytest.approx(np.quantile(t, q), rel=0.035)
    p10, exact = out["sensation_return_p10_day"][0], np.quantile(t, 0.1)
    assert 0.84 * exact <= p10 <= exact * 1.01
