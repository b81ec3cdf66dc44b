"""Follow-up updates: conditioning, fronts, history, the booking rule."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regen import aft, load_model
from regen.planning import conditional_quantile, shrink_to_history, update_rate_from_front


def predict(**cols):
    raw = {k: [v] for k, v in cols.items()}
    out = load_model().predict_columns(raw)
    assert out["error"][0] == "", out["error"][0]
    return {k: v[0] for k, v in out.items()}


@settings(max_examples=40, deadline=None)
@given(family=st.sampled_from(aft.FAMILIES), mu=st.floats(3.0, 6.0), sigma=st.floats(0.2, 1.2),
       day=st.floats(1.0, 600.0), p=st.floats(0.05, 0.95))
def test_conditional_quantile_never_before_day_and_not_earlier(family, mu, sigma, day, p):
    cond = conditional_quantile(family, np.array([mu]), sigma, np.array([day]), p)[0]
    plain = conditional_quantile(family, np.array([mu]), sigma, np.array([np.nan]), p)[0]
    assert np.isfinite(cond) and cond >= day
    assert cond >= plain - 1e-9 * plain


def test_still_relieved_moves_every_relief_output_later():
    base = predict(nerve="intercostal", age=60)
    later = predict(nerve="intercostal", age=60, relief_at_day=200)
    for key in ("relief_end_median_day", "relief_end_p10_day", "relief_end_p90_day",
                "retreatment_due_day", "p_relief_365d"):
        assert later[key] > base[key], key
    assert later["relief_end_p10_day"] >= 200 and later["review_day"] >= 200
    assert later["p_relief_180d"] == 1.0  # relieved at 200 means relieved at 180


def test_relief_lost_means_retreatment_now_and_a_next_cycle():
    out = predict(nerve="genicular_superomedial", relief_lost_day=75, treated_on="2026-01-10")
    assert out["retreatment_due_day"] == 75 and out["retreatment_due_date"] == "2026-03-26"
    assert out["next_cycle_relief_end_p10_day"] < out["next_cycle_relief_end_median_day"]
    assert out["next_cycle_relief_end_median_day"] < out["next_cycle_relief_end_p90_day"]
    assert "retreatment due now" in out["follow_up"]


def test_relief_lost_before_relief_seen_is_an_error():
    out = load_model().predict_columns({"nerve": ["SLGN"], "relief_at_day": [90],
                                        "relief_lost_day": [60]})
    assert out["error"][0] == "relief_lost_day: 60 is not after relief_at_day 90"


def test_fast_front_is_earlier_slow_front_later_and_more_fronts_narrow():
    base = predict(nerve="intercostal")
    fast = predict(nerve="intercostal", front_mm="60", front_day="40")  # 60 mm in ~31 days
    slow = predict(nerve="intercostal", front_mm="15", front_day="40")
    assert fast["sensation_return_median_day"] < base["sensation_return_median_day"]
    assert slow["sensation_return_median_day"] > base["sensation_return_median_day"]
    assert fast["relief_end_median_day"] < base["relief_end_median_day"]
    two = predict(nerve="intercostal", front_mm="60;100", front_day="40;68")

    def width(o):
        return o["sensation_return_p90_day"] / o["sensation_return_p10_day"]

    assert width(two) < width(fast) < width(base)


def test_rate_update_is_the_conjugate_normal_posterior():
    med, sd = update_rate_from_front(np.array([1.0]), np.array([0.2]), [np.array([80.0])],
                                     [np.array([50.0])], np.array([10.0]), 0.2)
    assert np.log(med[0]) == pytest.approx(0.5 * np.log(2.0))
    assert sd[0] == pytest.approx(0.2 / np.sqrt(2))


def test_history_shrinks_toward_own_cycles_more_with_more_cycles():
    mu, sigma = np.array([np.log(100.0)]), 0.6
    one = shrink_to_history("lognormal", mu, sigma, np.array([np.log(200.0)]), np.array([1]), 0.5)
    three = shrink_to_history("lognormal", mu, sigma, np.array([np.log(200.0)]), np.array([3]), 0.5)
    none = shrink_to_history("lognormal", mu, sigma, np.array([0.0]), np.array([0]), 0.5)
    assert none[0][0] == pytest.approx(mu[0]) and none[1][0] == pytest.approx(sigma)
    assert np.exp(one[0][0]) == pytest.approx(100 * 2**0.5)
    assert np.exp(mu[0]) < np.exp(one[0][0]) < np.exp(three[0][0]) < 200
    assert three[1][0] < one[1][0] < sigma


def test_dates_line_up_with_days():
    out = predict(nerve="GON", treated_on="2026-12-20")
    for day_key, date_key in (("retreatment_due_day", "retreatment_due_date"),
                              ("review_day", "review_date")):
        expected = np.datetime64("2026-12-20") + np.timedelta64(round(out[day_key]), "D")
        assert out[date_key] == str(expected)
    assert out["review_day"] <= out["retreatment_due_day"]
    assert out["retreatment_due_day"] >= out["sensation_return_p10_day"]


def test_book_at_risk_moves_the_booking():
    model = load_model()
    early = model.predict_columns({"nerve": ["GON"]}, book_at_risk=0.1)["retreatment_due_day"][0]
    late = model.predict_columns({"nerve": ["GON"]}, book_at_risk=0.5)["retreatment_due_day"][0]
    assert early <= late
