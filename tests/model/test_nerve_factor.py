"""The relief forecast says how far the patient's nerve regrowth time moved it (issue 18).

The evidence model puts the mechanism in the relief law (a slope of log relief on log nerve time per pain class),
so age, diabetes, distance and fronts move the relief forecast. Each prediction carries that move as
``relief_end_nerve_factor`` = exp(m1 (x - x_ref)), and the one-patient text says it in a line when it is at least
25 % (``NERVE_FACTOR_SHOWN``), so a longer forecast for an older or diabetic patient is explained where it is shown.
A forecast drawn toward the patient's own earlier cycles, or an observed loss, is not the evidence's move alone: blank.
"""

from __future__ import annotations

import math

import numpy as np

import regen
from regen.model.prediction import patient_forecast
from regen.reporting.text import NERVE_FACTOR_SHOWN, render_prediction


def _row(**columns):
    return patient_forecast(regen.load_model("default"), **columns).row


def test_the_factor_is_the_ratio_of_medians_between_two_patients_of_one_entry():
    young = _row(nerve="genicular_superolateral", age=50)
    old = _row(nerve="genicular_superolateral", age=80, diabetes=True)
    # one entry: the medians differ by about the ratio of the factors (the spread V(x) and the onset move them a little)
    ratio = old["relief_end_nerve_factor"] / young["relief_end_nerve_factor"]
    assert ratio > 1.5
    assert math.isclose(old["relief_end_median_day"] / young["relief_end_median_day"], ratio, rel_tol=0.05)


def test_the_text_explains_a_moved_forecast_and_is_silent_near_the_reference():
    old = _row(nerve="genicular_superolateral", age=80, diabetes=True)
    text = render_prediction(old)
    assert f"Relief end x{old['relief_end_nerve_factor']:.2f} vs the evidence's reference patient" in text
    assert "this nerve regrows slower" in text
    young = _row(nerve="intercostal", indication="intercostal_neuralgia", age=14)
    assert young["relief_end_nerve_factor"] < 1 / NERVE_FACTOR_SHOWN
    assert "this nerve regrows faster" in render_prediction(young)
    near = _row(nerve="genicular_superolateral", age=64)  # the README's patient: x1.12
    assert 1.0 < near["relief_end_nerve_factor"] < NERVE_FACTOR_SHOWN
    assert "Relief end x" not in render_prediction(near)


def test_no_factor_once_relief_was_lost_or_the_patient_has_a_history():
    base = {"nerve": "genicular_superolateral", "age": 80, "diabetes": True}
    for extra in ({"relief_lost_day": 30}, {"prior_relief_days": [40, 45]}):
        row = _row(**base, **extra)
        assert row["relief_end_nerve_factor"] is None, extra
        assert "Relief end x" not in render_prediction(row)


def test_a_model_without_the_slope_leaves_the_factor_blank():
    row = patient_forecast(regen.load_model("mechanism-only"), nerve="genicular_superolateral", age=80).row
    assert row["relief_end_nerve_factor"] is None or not np.isfinite(row["relief_end_nerve_factor"])
    assert "Relief end x" not in render_prediction(row)
