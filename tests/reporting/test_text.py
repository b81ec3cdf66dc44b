"""The text a prediction is printed as (regen.reporting.text): every echoed field escaped."""

from __future__ import annotations


def test_render_prediction_escapes_every_echoed_field(control_chars):
    from regen.reporting.text import render_prediction

    row = {
        "nerve": "n\x1b[1m",
        "indication": "i\x1b[1m",
        "patient_id": "p\x1b[1m",
        "model_version": "m\x1b[1m",
        "warnings": "w\x1b[1m",
        "follow_up": "f\x1b[1m",
        "evidence": "e\x1b[1m",
    }
    text = render_prediction(row)
    assert not control_chars.search(text)
    for key in ("n", "i", "p", "m", "w", "f", "e"):
        assert f"{key}\\x1b[1m" in text
