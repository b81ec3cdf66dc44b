"""The booking and review rules: dates from days, the booking fraction, post-operative windows, and no
contradiction for any nerve and indication."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import regen
from regen import InputError


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


@pytest.mark.parametrize("lost_day", [60, 64])
def test_post_operative_relief_lost_books_nothing_and_forecasts_no_next_cycle(predict, lost_day):
    """Post-operative pain ends by itself: relief lost ends the analgesic window; it is no cue to retreat."""
    out = predict(nerve="intercostal", indication="thoracotomy", relief_lost_day=lost_day)
    assert out["retreatment_due_day"] is None and out["next_cycle_relief_end_median_day"] is None
    assert "due now" not in out["follow_up"] and "analgesic window has ended" in out["follow_up"]


def test_slower_regrowth_never_books_earlier(model):
    from regen.catalog.nerves import load_catalog, load_indication_catalog

    window = {i for i, ind in load_indication_catalog().items() if ind.self_limiting}
    pairs = [(n.id, i) for n in load_catalog().values() for i in n.indications if i not in window]
    raw = {"nerve": [n for n, _ in pairs], "indication": [i for _, i in pairs], "age": [55] * len(pairs)}
    plain = model.predict_columns(raw)["retreatment_due_day"]
    slow = model.predict_columns({**raw, "diabetes": ["yes"] * len(pairs)})["retreatment_due_day"]
    assert np.all(slow >= plain - 1e-9), [p for p, a, b in zip(pairs, plain, slow, strict=True) if b < a]


def test_every_catalog_pair_predicts_without_contradiction(model):
    """Every nerve x indication at ages 15, 50 and 80: onset <= relief end, intervals ordered, P(still relieved)
    non-increasing, booking <= median relief end, a contact not before relief can be judged, evidence said."""
    from regen.catalog.nerves import load_catalog

    pairs = [(n.id, ind) for n in load_catalog().values() for ind in n.indications]
    ages = (15, 50, 80)
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
    ):
        assert np.isfinite(out[key]).all(), key
    assert (out["relief_onset_day"] <= out["relief_end_p10_day"]).all()
    assert (out["relief_end_p10_day"] <= out["relief_end_median_day"]).all()
    assert (out["relief_end_median_day"] <= out["relief_end_p90_day"]).all()
    assert (out["sensation_return_p10_day"] <= out["sensation_return_median_day"]).all()
    assert (out["sensation_return_median_day"] <= out["sensation_return_p90_day"]).all()
    assert (out["p_relief_90d"] >= out["p_relief_180d"]).all() and (out["p_relief_180d"] >= out["p_relief_365d"]).all()
    booked = ~np.isnan(out["retreatment_due_day"])
    assert (out["retreatment_due_day"][booked] <= out["relief_end_median_day"][booked]).all()
    calls = out["next_action"] == "call"
    assert np.isfinite(out["next_contact_day"][calls]).all()
    assert (out["next_contact_day"][calls] >= out["relief_onset_p90_day"][calls] - 0.05).all()
    assert all(out["evidence"]) and all(w.startswith("post-operative") for w in out["warnings"][~booked])


def test_book_at_risk_moves_the_booking(model):
    early = model.predict_columns({"nerve": ["GON"]}, book_at_risk=0.1)["retreatment_due_day"][0]
    late = model.predict_columns({"nerve": ["GON"]}, book_at_risk=0.5)["retreatment_due_day"][0]
    assert early <= late


@pytest.mark.parametrize("value", [0, 1, 5, -0.1, -0.25, float("nan"), float("inf"), "0.25", True])
@pytest.mark.parametrize("entry", ["predict_columns", "score_frame"])
def test_book_at_risk_outside_0_1_is_refused_by_the_library(model, entry, value):
    call = {
        "predict_columns": lambda: model.predict_columns({"nerve": ["GON"]}, book_at_risk=value),
        "score_frame": lambda: regen.score_frame(pd.DataFrame({"nerve": ["GON"]}), book_at_risk=value),
    }[entry]
    with pytest.raises(InputError, match=r"^book_at_risk: .* is not a fraction strictly between 0 and 1"):
        call()
