"""Regeneration fronts: the update of the rate, the anchor, the refusals, and what a front does to a prediction."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regen.catalog.parameters import parameter_values
from regen.mechanism import regrowth as m
from regen.mechanism.fronts import update_from_fronts

P = parameter_values()
NAN = np.nan


def _update(mm, day, prior=(1.4, 0.3), distance=(220.0, 0.25), latency=(5.0, 0.3), params=P):
    mm, day = np.atleast_2d(np.asarray(mm, float)), np.atleast_2d(np.asarray(day, float))
    n = mm.shape[0]
    full = lambda v: np.full(n, float(v))  # noqa: E731
    return update_from_fronts(
        rate_median=full(prior[0]),
        rate_sd_log=full(prior[1]),
        front_mm=mm,
        front_day=day,
        distance_mm=full(distance[0]),
        distance_sd_log=full(distance[1]),
        latency_median_day=full(latency[0]),
        latency_sd_log=full(latency[1]),
        params=params,
    )


def _exact(**changes):
    return {**P, **{k: {**P[k], **v} for k, v in changes.items()}}


def test_no_front_leaves_the_prior():
    out = _update([[NAN, NAN]], [[NAN, NAN]])
    assert out["rate_median_mm_per_day"][0] == pytest.approx(1.4)
    assert out["rate_sd_log"][0] == pytest.approx(0.3)
    assert np.isnan(out["anchor_day"][0]) and out["error"][0] == "" and out["n_fronts_used"][0] == 0


def test_one_front_is_the_conjugate_update_when_start_and_ratio_are_known():
    params = _exact(tinel_functional_rate_ratio={"sd_log": 0.0})
    out = _update([[60.0]], [[45.0]], latency=(5.0, 0.0), params=params)
    ratio, meas = P["tinel_functional_rate_ratio"]["value"], P["front_measurement_sd_log"]["value"]
    y = np.log(60.0 / 40.0 * ratio)
    prec = 1 / 0.3**2 + 1 / meas**2
    assert np.log(out["rate_median_mm_per_day"][0]) == pytest.approx((np.log(1.4) / 0.09 + y / meas**2) / prec)
    assert out["rate_sd_log"][0] == pytest.approx(prec**-0.5)


def test_tinel_front_is_read_as_a_slower_functional_rate():
    out = _update([[80.0]], [[45.0]], prior=(2.0, 3.0))  # nearly flat prior
    tinel = 80.0 / 40.0
    assert out["rate_median_mm_per_day"][0] == pytest.approx(
        tinel * P["tinel_functional_rate_ratio"]["value"], rel=0.05
    )


def test_two_fronts_beat_one_and_their_slope_ignores_the_start_day():
    one = _update([[40.0, NAN]], [[30.0, NAN]], latency=(5.0, 0.8))
    two = _update([[40.0, 100.0]], [[30.0, 70.0]], latency=(5.0, 0.8))
    assert two["rate_sd_log"][0] < one["rate_sd_log"][0]
    early, late = (_update([[40.0, 100.0]], [[30.0, 70.0]], latency=(s, 0.8)) for s in (3.0, 8.0))
    single = [_update([[40.0]], [[30.0]], latency=(s, 0.8))["rate_median_mm_per_day"][0] for s in (3.0, 8.0)]
    shift_two = abs(np.log(late["rate_median_mm_per_day"][0] / early["rate_median_mm_per_day"][0]))
    assert shift_two < abs(np.log(single[1] / single[0]))


def test_nan_padding_and_order_do_not_matter():
    a = _update([[60.0, NAN, 90.0]], [[40.0, NAN, 60.0]])
    b = _update([[90.0, 60.0]], [[60.0, 40.0]])
    for key in ("rate_median_mm_per_day", "rate_sd_log", "anchor_day", "remaining_mm"):
        assert a[key][0] == pytest.approx(b[key][0])
    assert a["anchor_day"][0] == 60.0


@pytest.mark.parametrize(
    ("mm", "day", "match"),
    [
        (300.0, 150.0, "beyond the lesion-to-target distance"),
        (150.0, 20.0, "faster than any measured regrowth"),
        (2.0, 200.0, "not an advancing regeneration front"),
    ],
)
def test_impossible_fronts_are_refused_with_one_line(mm, day, match):
    out = _update([[20.0, mm]], [[30.0, day]])
    assert match in out["error"][0] and "\n" not in out["error"][0]
    assert out["rate_median_mm_per_day"][0] == pytest.approx(1.4) and np.isnan(out["anchor_day"][0])


def test_front_before_regrowth_starts_is_ignored_with_a_warning():
    out = _update([[1.0, 40.0]], [[3.0, 35.0]])
    assert "before regrowth can start" in out["warning"][0]
    assert out["n_fronts_used"][0] == 1 and out["error"][0] == ""


def test_posterior_interval_covers_the_true_rate_in_simulation():
    rng = np.random.default_rng(11)
    n, prior_sd = 4000, 0.3
    true = np.log(1.4) + prior_sd * rng.standard_normal(n)
    start = 5.0 * np.exp(0.3 * rng.standard_normal(n))
    ratio = P["tinel_functional_rate_ratio"]
    tinel = np.exp(true) / (ratio["value"] * np.exp(ratio["sd_log"] * rng.standard_normal(n)))
    days = np.array([40.0, 80.0])
    noise = np.exp(P["front_measurement_sd_log"]["value"] * rng.standard_normal((n, 2)))
    mm = tinel[:, None] * (days[None, :] - start[:, None]) * noise
    out = _update(mm, np.broadcast_to(days, (n, 2)), prior=(1.4, prior_sd), distance=(1e4, 0.25))
    z = (true - np.log(out["rate_median_mm_per_day"])) / out["rate_sd_log"]
    assert np.mean(np.abs(z) < m.Z90) == pytest.approx(0.80, abs=0.03)


def test_a_front_near_the_target_narrows_the_forecast():
    cols = {
        "default_distance_mm": np.array([220.0]),
        "age_years": np.array([50.0]),
        "diabetes": np.array([False]),
        "smoker": np.array([False]),
        "height_cm": np.array([np.nan]),
        "measured_distance_mm": np.array([220.0]),
        "params": P,
    }
    before = m.nerve_time(**cols)
    after = m.nerve_time(**cols, front_mm=np.array([[240.0 * 0.85]]), front_day=np.array([[130.0]]))
    width = lambda o: np.log(o["sensation_return_p90_day"][0] / o["sensation_return_p10_day"][0])  # noqa: E731
    assert after["front_error"][0] == "" and after["front_covered_fraction"][0] > 0.7
    assert width(after) < width(before)
    assert after["sensation_return_p10_day"][0] > 130.0


def test_remaining_path_with_a_sure_distance_is_distance_minus_covered():
    out = _update([[100.0]], [[80.0]], distance=(200.0, 1e-4))
    covered = 100.0 * P["tinel_functional_rate_ratio"]["value"]
    assert out["remaining_mm"][0] == pytest.approx(200.0 - covered, rel=0.2)
    assert out["covered_fraction"][0] == pytest.approx(covered / 200.0)


@settings(max_examples=60, deadline=None)
@given(
    mm=st.floats(1.0, 200.0), day=st.floats(10.0, 400.0), distance=st.floats(20.0, 400.0), age=st.floats(10.0, 100.0)
)
def test_fronts_keep_the_forecast_finite_and_ordered(mm, day, distance, age):
    cols = {
        "default_distance_mm": np.array([distance]),
        "age_years": np.array([age]),
        "diabetes": np.array([False]),
        "smoker": np.array([False]),
        "height_cm": np.array([np.nan]),
        "measured_distance_mm": np.array([np.nan]),
        "params": P,
    }
    out = m.nerve_time(**cols, front_mm=np.array([[mm]]), front_day=np.array([[day]]))
    vals = [out[f"sensation_return_{k}_day"][0] for k in ("p10", "median", "p90")]
    assert all(np.isfinite(vals)) and vals[0] < vals[1] < vals[2]
    if out["front_error"][0] == "" and out["anchor_day"][0] > 0:
        assert vals[0] > out["anchor_day"][0]


def test_fast_front_is_earlier_slow_front_later_and_more_fronts_narrow():
    import regen

    mech = regen.load_model("mechanism-only")  # relief = return of sensation: it moves with the front

    def predict(**cols):
        return regen.predict_patient(mech, nerve="intercostal", indication="intercostal_neuralgia", **cols)

    base = predict()
    fast = predict(front_mm=[90], front_day=[40])  # 90 mm on day 40: faster than the prior rate
    slow = predict(front_mm="15", front_day="40")
    assert fast["sensation_return_median_day"] < base["sensation_return_median_day"]
    assert slow["sensation_return_median_day"] > base["sensation_return_median_day"]
    assert fast["relief_end_median_day"] < base["relief_end_median_day"]
    two = predict(front_mm=[90, 130], front_day=[40, 68])
    assert two == predict(front_mm="90;130", front_day="40;68")

    def width(o):
        return o["sensation_return_p90_day"] / o["sensation_return_p10_day"]

    assert width(two) < width(fast) < width(base)


@pytest.mark.parametrize(
    ("mm", "day", "message"),
    [("40;;80", "45;60;90", "is not a number or a ';'-separated"), ("40;80", "90;45", "a later front is not farther")],
)
def test_fronts_with_gaps_or_receding_are_refused(predict, mm, day, message):
    from regen.errors import InputError

    with pytest.raises(InputError, match=message):
        predict(nerve="intercostal", indication="intercostal_neuralgia", front_mm=mm, front_day=day)


def test_an_impossible_front_is_a_row_error_and_the_others_are_scored(model):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "nerve": ["SLGN", "intercostal", "intercostal"],
            "front_mm": ["80", "100", "60"],
            "front_day": ["60", "12", "80"],
        }
    )
    out = model.predict(frame)
    assert out.loc[0, "error"].startswith(
        "front_mm: front 80 mm on day 60 is beyond the lesion-to-target distance (35 mm)"
    )
    assert "faster than any measured regrowth" in out.loc[1, "error"]
    assert out.loc[2, "error"] == "" and np.isfinite(out.loc[2, "sensation_return_median_day"])
    assert out.loc[[0, 1], "sensation_return_median_day"].isna().all() and out.loc[0, "model_version"] == ""
