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
    """Phantom limb pain still relieved on day 500: "day 720 to 24224", then a space, then the date (the
    interval column held 17 characters: the date ran on from the p90)."""
    text = cli(
        "predict",
        "--nerve",
        "sciatic",
        "--indication",
        "phantom_limb_pain",
        "--relief-at-day",
        "500",
        "--treated-on",
        "2026-01-01",
    ).stdout
    lines = text.splitlines()
    header = next(t for t in lines if "date (median)" in t)
    line = next(t for t in lines if t.startswith("Relief end (responders)"))
    at = header.index("80 % interval")
    span = line[at : header.index("date (median)")]
    assert span.endswith(" ") and len(span.split()) == 4, line
    assert len(span.split()[1]) in (3, 4) and len(span.split()[3]) == 5, line
    assert line[header.index("date (median)") :].startswith("20"), line
    assert "Warning: p90 extrapolated: no published follow-up past day 913" in text


def test_a_day_capped_at_100_years_reads_as_at_least_and_its_date_as_after(cli):
    """Still relieved on day 2,000 with a contact at 99 % risk: the p90 and the next contact lie past 100 years;
    the text shows '36500+' and 'after <date>', never a plain day 36500 that reads as a forecast."""
    text = cli(
        "predict", "--nerve", "sciatic", "--indication", "phantom_limb_pain", "--relief-at-day", "2000",
        "--treated-on", "2026-01-01", "--contact-at-risk", "0.99",
    ).stdout  # fmt: skip
    relief = next(t for t in text.splitlines() if t.startswith("Relief end (responders)"))
    step = next(t for t in text.splitlines() if t.startswith("Next step"))
    assert " to 36500+ " in relief and not relief.rstrip().endswith("36500+"), relief
    assert "day 36500+" in step and "after 2125-12-08" in step, step
    assert "beyond 100 years: shown as day 36500" in text
