"""What a prediction says beside its numbers: one message per warning, sensation that cannot be observed, the
evidence behind the relief law."""

from __future__ import annotations

import numpy as np

import regen


def test_one_warning_never_holds_the_separator_of_two(model):
    """'; ' separates warnings (and follow-up notes): no single message contains it, so a report splits right.

    Each row triggers exactly one kind of warning besides the note of a p90 past the published follow-up
    (tests/model/test_beyond_evidence.py), which most rows here carry too.
    """
    raw = {
        "nerve": ["GON", "GON", "GON", "GON", "intercostal", "intercostal", "intercostal"],
        "indication": [
            "",
            "",
            "",
            "trigeminal_neuralgia",
            "intercostal_neuralgia",
            "thoracotomy",
            "intercostal_neuralgia",
        ],
        "probe_temp_c": ["-10", "-60", "-120", "", "", "", ""],
        "distance_mm": ["", "", "", "", "30", "", ""],
        "allow_any_nerve": ["", "", "", "yes", "", "", ""],
        "relief_lost_day": ["", "", "", "", "", "", "90"],
    }
    out = model.predict_columns(raw)
    beyond = "extrapolated: no published follow-up"
    # at most one such note a row (trigeminal neuralgia's p90 lies within its 4,383 days of follow-up: none)
    assert all(w.count(beyond) <= 1 for w in out["warnings"]), out["warnings"]
    warnings = [w for w in out["warnings"] if w]
    others = ["; ".join(m for m in w.split("; ") if beyond not in m) for w in warnings]
    assert len([w for w in others if w]) == 6, out["warnings"]  # each row triggers exactly one other kind
    assert not [w for w in others if "; " in w]
    assert "; " not in out["follow_up"][-1] and out["follow_up"][-1]


def test_nerves_without_skin_territory_say_their_sensation_cannot_be_observed(predict, cli):
    knee, scalp = predict(nerve="SLGN"), predict(nerve="GON")
    assert knee["sensation_observable"] == "no" and scalp["sensation_observable"] == "yes"
    assert np.isfinite(knee["sensation_return_median_day"])
    text = cli("predict", "--nerve", "lumbar_medial_branch").stdout
    assert "no clinical test shows its recovery" in text and "Nerve function back *" in text


def test_mechanism_only_model_has_no_outcome_data():
    out = regen.predict_patient(regen.load_model("mechanism-only"), nerve="GON")
    assert out["model_version"].startswith("mechanism-only@")
    assert out["relief_end_median_day"] == out["sensation_return_median_day"]
    assert out["evidence"].startswith("mechanism only")


def test_a_forecast_without_outcome_data_says_so(model):
    from regen import load_model

    out = load_model("mechanism-only").predict_columns({"nerve": ["GON"]})
    assert "no relief outcome data for this indication or its class" in out["warnings"][0]
    assert "no relief outcome data" not in model.predict_columns({"nerve": ["GON"]})["warnings"][0]
