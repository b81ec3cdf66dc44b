"""Follow-up updates: relief still there or lost, a patient's own earlier cycles, the next cycle after a
retreatment."""

from __future__ import annotations

import numpy as np
import pytest

from regen import InputError
from regen.planning.rules import shrink_to_history


def test_still_relieved_moves_every_relief_output_later(predict):
    base = predict(nerve="intercostal", indication="intercostal_neuralgia", age=60)
    later = predict(nerve="intercostal", indication="intercostal_neuralgia", age=60, relief_at_day=200)
    for key in (
        "relief_end_median_day",
        "relief_end_p10_day",
        "relief_end_p90_day",
        "retreatment_due_day",
        "p_relief_365d",
    ):
        assert later[key] > base[key], key
    assert later["relief_end_p10_day"] >= 200 and later["review_day"] >= 200
    assert later["p_relief_180d"] == 1.0  # relieved at 200 means relieved at 180


def test_relief_lost_means_retreatment_now_and_a_next_cycle(predict):
    out = predict(nerve="genicular_superomedial", relief_lost_day=75, treated_on="2026-01-10")
    assert out["retreatment_due_day"] == 75 and out["retreatment_due_date"] == "2026-03-26"
    assert out["next_cycle_relief_end_p10_day"] < out["next_cycle_relief_end_median_day"]
    assert out["next_cycle_relief_end_median_day"] < out["next_cycle_relief_end_p90_day"]
    assert "retreatment due now" in out["follow_up"]


def test_relief_lost_on_a_day_means_relieved_before_it(predict):
    out = predict(nerve="intercostal", indication="intercostal_neuralgia", relief_lost_day=150)
    assert out["p_relief_90d"] == 1.0 and out["p_relief_180d"] == 0.0 and out["p_relief_365d"] == 0.0
    assert out["retreatment_due_day"] == 150 and "retreatment due now" in out["follow_up"]


def test_relief_lost_before_relief_seen_is_an_error(predict):
    with pytest.raises(InputError, match=r"^relief_lost_day: 60 is not after relief_at_day 90$"):
        predict(nerve="SLGN", relief_at_day=90, relief_lost_day=60)


def test_history_shrinks_toward_own_cycles_more_with_more_cycles():
    mu, sigma = np.array([np.log(100.0)]), np.array([0.6])
    one = shrink_to_history("lognormal", mu, sigma, np.array([np.log(200.0)]), np.array([1]), 0.5)
    three = shrink_to_history("lognormal", mu, sigma, np.array([np.log(200.0)]), np.array([3]), 0.5)
    none = shrink_to_history("lognormal", mu, sigma, np.array([0.0]), np.array([0]), 0.5)
    assert none[0][0] == pytest.approx(mu[0]) and none[1][0] == pytest.approx(sigma[0])
    assert np.exp(one[0][0]) == pytest.approx(100 * 2**0.5)
    assert np.exp(mu[0]) < np.exp(one[0][0]) < np.exp(three[0][0]) < 200
    assert three[1][0] < one[1][0] < sigma[0]


def test_scored_follow_up_rows_carry_the_next_cycle_counted_from_the_retreatment(model):
    import pandas as pd

    from regen.schema.columns import FOLLOW_UP_OUTPUT_COLUMNS, OUTPUT_COLUMNS

    frame = pd.DataFrame(
        {
            "nerve": ["GON", "GON"],
            "indication": ["occipital_neuralgia"] * 2,
            "treated_on": ["2026-01-10", "2026-01-10"],
            "relief_lost_day": ["70", ""],
        }
    )
    out = model.predict(frame)
    assert list(out.columns) == [*frame.columns, *OUTPUT_COLUMNS, *FOLLOW_UP_OUTPUT_COLUMNS]
    median = out.loc[0, "next_cycle_relief_end_median_day"]
    expected = np.datetime64("2026-01-10") + np.timedelta64(70 + int(np.floor(median + 0.5)), "D")
    assert out.loc[0, "next_cycle_relief_end_median_date"] == str(expected)
    assert np.isnan(out.loc[1, "next_cycle_relief_end_median_day"]) and out.loc[1, "follow_up"] == ""
    plain = model.predict(frame.drop(columns=["relief_lost_day"]))
    assert list(plain.columns) == [*frame.columns[:3], *OUTPUT_COLUMNS]
