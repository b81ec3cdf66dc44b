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


def test_a_five_digit_p90_does_not_run_into_the_date_column(cli):
    """Phantom limb pain still relieved on day 1,000: "day 1231 to 33875", then a space, then the date (the
    interval column held 17 characters: the date ran on from the p90)."""
    text = cli(
        "predict",
        "--nerve",
        "sciatic",
        "--indication",
        "phantom_limb_pain",
        "--relief-at-day",
        "1000",
        "--treated-on",
        "2026-01-01",
    ).stdout
    lines = text.splitlines()
    header = next(t for t in lines if "date (median)" in t)
    line = next(t for t in lines if t.startswith("Relief end (responders)"))
    at = header.index("80 % interval")
    span = line[at : header.index("date (median)")]
    assert span.endswith(" ") and len(span.split()) == 4, line
    assert len(span.split()[1]) == 4 and len(span.split()[3]) == 5, line
    assert line[header.index("date (median)") :].startswith("20"), line
    assert "Warning: p90 extrapolated: no published follow-up past day 913" in text
