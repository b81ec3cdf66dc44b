"""Follow-up updates: conditioning, fronts, history, the booking rule."""

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


def test_relief_lost_before_relief_seen_is_an_error(predict):
    with pytest.raises(InputError, match=r"^relief_lost_day: 60 is not after relief_at_day 90$"):
        predict(nerve="SLGN", relief_at_day=90, relief_lost_day=60)


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


def test_history_shrinks_toward_own_cycles_more_with_more_cycles():
    mu, sigma = np.array([np.log(100.0)]), np.array([0.6])
    one = shrink_to_history("lognormal", mu, sigma, np.array([np.log(200.0)]), np.array([1]), 0.5)
    three = shrink_to_history("lognormal", mu, sigma, np.array([np.log(200.0)]), np.array([3]), 0.5)
    none = shrink_to_history("lognormal", mu, sigma, np.array([0.0]), np.array([0]), 0.5)
    assert none[0][0] == pytest.approx(mu[0]) and none[1][0] == pytest.approx(sigma[0])
    assert np.exp(one[0][0]) == pytest.approx(100 * 2**0.5)
    assert np.exp(mu[0]) < np.exp(one[0][0]) < np.exp(three[0][0]) < 200
    assert three[1][0] < one[1][0] < sigma[0]


def test_dates_line_up_with_days(predict):
    out = predict(nerve="GON", treated_on="2026-12-20")
    for day_key, date_key in (("retreatment_due_day", "retreatment_due_date"), ("review_day", "review_date")):
        expected = np.datetime64("2026-12-20") + np.timedelta64(int(np.floor(out[day_key] + 0.5)), "D")
        assert out[date_key] == str(expected)
    assert out["review_day"] <= out["retreatment_due_day"] <= out["relief_end_median_day"]
    booked_by_relief = "before the regrowing axons can have reached" in out["warnings"]
    assert booked_by_relief == (out["retreatment_due_day"] < out["arrival_p10_day"])
    assert out["arrival_p10_day"] < out["arrival_median_day"] < out["sensation_return_median_day"]


def test_post_operative_pain_is_an_analgesic_window_without_retreatment(predict):
    out = predict(nerve="intercostal", indication="thoracotomy", treated_on="2026-01-05")
    assert out["retreatment_due_day"] is None and out["retreatment_due_date"] == ""
    assert "analgesic window" in out["warnings"] and out["review_day"] is not None
    chronic = predict(nerve="intercostal", indication="intercostal_neuralgia", treated_on="2026-01-05")
    assert chronic["retreatment_due_date"] != "" and "analgesic window" not in chronic["warnings"]


def test_every_catalog_pair_predicts_without_contradiction(model):
    """Onset <= relief end, booking <= median relief end, finite numbers, evidence said: every nerve x indication."""
    from regen.catalog.nerves import load_catalog

    pairs = [(n.id, ind) for n in load_catalog().values() for ind in n.indications]
    ages = (15, 50, 75)
    raw = {
        "nerve": [n for n, _ in pairs for _ in ages],
        "indication": [i for _, i in pairs for _ in ages],
        "age": [a for _ in pairs for a in ages],
    }
    out = model.predict_columns(raw)
    assert (out["error"] == "").all(), out["error"][out["error"] != ""][:3]
    for key in (
        "sensation_return_p10_day",
        "sensation_return_median_day",
        "relief_end_p10_day",
        "relief_end_median_day",
        "relief_end_p90_day",
        "p_relief_90d",
        "review_day",
    ):
        assert np.isfinite(out[key]).all(), key
    assert (out["relief_onset_day"] <= out["relief_end_p10_day"]).all()
    assert (out["relief_end_p10_day"] <= out["relief_end_median_day"]).all()
    booked = ~np.isnan(out["retreatment_due_day"])
    assert (out["retreatment_due_day"][booked] <= out["relief_end_median_day"][booked]).all()
    assert (out["review_day"][booked] <= out["retreatment_due_day"][booked]).all()
    assert all(out["evidence"]) and all(w.startswith("post-operative") for w in out["warnings"][~booked])


def test_book_at_risk_moves_the_booking(model):
    early = model.predict_columns({"nerve": ["GON"]}, book_at_risk=0.1)["retreatment_due_day"][0]
    late = model.predict_columns({"nerve": ["GON"]}, book_at_risk=0.5)["retreatment_due_day"][0]
    assert early <= late


@pytest.mark.parametrize("value", [0, 1, 5, -0.1, float("nan"), "0.25", True])
def test_book_at_risk_outside_0_1_is_refused_by_the_library(model, value):
    import regen

    with pytest.raises(InputError, match="book_at_risk"):
        model.predict_columns({"nerve": ["GON"]}, book_at_risk=value)
    with pytest.raises(InputError, match="book_at_risk"):
        regen.score_frame(__import__("pandas").DataFrame({"nerve": ["GON"]}), book_at_risk=value)


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
    assert out.loc[0, "error"].startswith("front 80 mm on day 60 is beyond the lesion-to-target distance (35 mm)")
    assert "faster than any measured regrowth" in out.loc[1, "error"]
    assert out.loc[2, "error"] == "" and np.isfinite(out.loc[2, "sensation_return_median_day"])
    assert out.loc[[0, 1], "sensation_return_median_day"].isna().all() and out.loc[0, "model_version"] == ""


def test_nerves_without_skin_territory_say_their_sensation_cannot_be_observed(predict, cli):
    knee, scalp = predict(nerve="SLGN"), predict(nerve="GON")
    assert knee["sensation_observable"] == "no" and scalp["sensation_observable"] == "yes"
    assert np.isfinite(knee["sensation_return_median_day"])
    text = cli("predict", "--nerve", "lumbar_medial_branch").stdout
    assert "no clinical test shows its recovery" in text and "Nerve function back *" in text
