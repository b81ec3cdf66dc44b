"""The timeline plot (regen.reporting.plots) draws the numbers the table prints, with its legend outside the data."""

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from regen.model.prediction import patient_forecast
from regen.reporting.plots import plot_timeline, pyplot
from regen.reporting.plots import timeline_curves as _curves
from regen.schema.columns import whole_day

PATIENTS = {
    "knee": {"nerve": ["SLGN"], "age": [71], "treated_on": ["2026-03-14"]},
    "occipital": {"nerve": ["GON"], "treated_on": ["2026-01-05"]},
    "intercostal": {"nerve": ["intercostal"], "indication": ["thoracotomy"], "age": [58]},
    "still relieved + front": {"nerve": ["GON"], "relief_at_day": ["90"], "front_mm": ["40"], "front_day": ["45"]},
    "earlier cycles": {"nerve": ["intercostal"], "prior_relief_days": ["120;200"]},
}


def _row(model, raw: dict) -> dict:
    """The flat prediction row (as ``regen predict --format json``) plus the inputs drawn."""
    out = model.predict_columns(raw)
    assert out["error"][0] == ""
    row = {k: (v[0].item() if hasattr(v[0], "item") else v[0]) for k, v in out.items()}
    if "patient_id" not in raw:
        row.pop("patient_id")  # the JSON row carries no invented id
    return {**row, **{k: v[0] for k, v in raw.items() if k not in row}}


def timeline_curves(model, raw: dict, days):
    """The curves of the patient of ``raw`` (one-row columns), through the forecast the CLI makes."""
    return _curves(model, patient_forecast(model, **{k: v[0] for k, v in raw.items()}), days)


def _crossing(days, curve, level: float) -> float:
    """First day the (non-increasing) curve falls to ``level``, interpolated."""
    i = int(np.argmax(curve <= level))
    return float(np.interp(level, [curve[i], curve[i - 1]], [days[i], days[i - 1]]))


@pytest.mark.parametrize("name", list(PATIENTS))
def test_curves_agree_with_the_table(name, model):
    row = _row(model, PATIENTS[name])
    end = row["relief_end_p90_day"] * 1.3
    days = np.unique(np.concatenate([np.linspace(0, max(end, 400), 4000), [90, 180, 365]]))
    c = timeline_curves(model, PATIENTS[name], days)
    for key in ("responders", "all_patients", "band_low", "band_high"):
        assert np.all(np.diff(c[key]) <= 1e-12) and np.all((c[key] >= 0) & (c[key] <= 1)), key
    assert np.all(c["band_low"] <= c["all_patients"] + 1e-12) and np.all(c["all_patients"] <= c["band_high"] + 1e-12)
    for level, key in ((0.9, "p10"), (0.5, "median"), (0.1, "p90")):
        expected = row[f"relief_end_{key}_day"]  # rounded to 0.1 day
        assert _crossing(days, c["responders"], level) == pytest.approx(expected, rel=2e-3, abs=0.06)
    for day in (90, 180, 365):
        assert c["all_patients"][days == day][0] == pytest.approx(row[f"p_relief_{day}d"], abs=2e-3)
    assert c["all_patients"][0] == pytest.approx(row["p_response"], abs=5e-4)  # the row is rounded to 0.001


def test_relief_lost_gives_the_observation_and_the_next_cycle(model):
    raw = {"nerve": ["GON"], "relief_lost_day": ["70"], "prior_relief_days": ["60"]}
    row = _row(model, raw)
    days = np.linspace(0, 400, 4001)
    c = timeline_curves(model, raw, days)
    assert np.array_equal(c["all_patients"], np.where(days < 70, 1.0, 0.0))
    assert np.isnan(c["next_cycle"][days <= 70]).all()
    after = days > 70
    assert _crossing(days[after], c["next_cycle"][after], 0.5) == pytest.approx(
        70 + row["next_cycle_relief_end_median_day"], rel=2e-3, abs=0.06
    )


def _texts(ax) -> str:
    legend = " | ".join(t.get_text() for t in ax.get_legend().get_texts())
    return legend + " | " + " | ".join(t.get_text() for t in ax.texts)


def test_timeline_draws_the_headline_numbers_with_legend_outside(model):
    raw = {**PATIENTS["occipital"], "patient_id": ["P-007"]}
    row = _row(model, raw)
    ax, lanes = plot_timeline(row, timeline_curves(model, raw, np.linspace(0, 200, 300)))
    title, text = ax.get_title(loc="left"), _texts(ax)
    assert "Patient P-007" in title and "treated 2026-01-05" in title
    median, p10, p90 = (row[f"relief_end_{k}_day"] for k in ("median", "p10", "p90"))
    d = whole_day  # the table's rounding (half up), not Python's round-half-even
    assert f"relief ends: median day {d(median)}\n80 %: day {d(p10)}-{d(p90)}" in text
    points = [line for line in ax.lines if len(line.get_xdata()) == 3]
    assert any(
        np.allclose(p.get_xdata(), [p10, median, p90]) and np.allclose(p.get_ydata(), [0.9, 0.5, 0.1]) for p in points
    )
    no_relief = f"all patients ({100 * (1 - row['p_response']):.0f} % no relief"
    curves = timeline_curves(model, raw, np.linspace(0, 200, 300))
    has_band = np.max(curves["band_high"] - curves["band_low"]) > 1e-3
    assert ("band: all patients" in text) == has_band  # drawn and explained only when it has a width
    for phrase in (
        "responders whose relief ends",
        no_relief,
        f"{100 * row['p_relief_90d']:.0f} % at 90 d",
        "pre-booking: book by: day",
        "next contact: day",
        "relief onset",
    ):
        assert phrase in text, phrase
    assert "days after cryoneurolysis" in lanes.get_xlabel()
    fig = ax.figure
    fig.canvas.draw()
    box, legend = ax.get_window_extent(), ax.get_legend().get_window_extent()
    assert legend.x0 >= box.x1  # the legend sits right of the data
    regrowth = next(c.patches[0] for c in lanes.containers if c.get_label().startswith("axon regrowth"))
    sensation = next(p for p in lanes.patches if abs(p.get_y() + p.get_height() / 2 - 1) < 1e-9)
    distance = np.linalg.norm(np.subtract(to_rgb(regrowth.get_facecolor()), to_rgb(sensation.get_facecolor())))
    assert distance > 0.4
    pyplot().close(fig)


def test_timeline_reflects_follow_up_and_leaves_out_an_absent_id(model):
    raw = PATIENTS["still relieved + front"]
    ax, lanes = plot_timeline(_row(model, raw), timeline_curves(model, raw, np.linspace(0, 250, 200)))
    assert "follow-up: still relieved on day 90" in _texts(ax)
    assert "fronts: 40 mm (day 45)" in " ".join(t.get_text() for t in lanes.texts)
    bars = {
        t.get_text().split(":")[0]: p
        for t, p in zip(lanes.get_legend().get_texts(), lanes.get_legend().legend_handles, strict=True)
    }
    assert "measured (up to the last front)" in bars  # the phases start at the anchoring front, not at day 0
    starts = sorted(rect.get_x() for rect in lanes.patches if rect.get_y() < 0.5 and rect.get_width() > 1)
    assert starts[0] == 0 and starts[1] == pytest.approx(45, abs=0.5)
    assert "Patient" not in ax.get_title(loc="left") and "treatment date not given" in ax.get_title(loc="left")
    pyplot().close(ax.figure)
    raw = {"nerve": ["GON"], "relief_lost_day": ["70"], "treated_on": ["2026-01-05"]}
    ax, lanes = plot_timeline(_row(model, raw), timeline_curves(model, raw, np.linspace(0, 250, 200)))
    text = _texts(ax)
    assert "observed: relief lost on day 70" in text and "next cycle if retreated on day 70" in text
    assert "next cycle" in [t.get_text() for t in lanes.get_yticklabels()]
    pyplot().close(ax.figure)


def test_without_a_front_no_phase_is_said_to_be_still_to_go(model):
    raw = {"nerve": ["SLGN"], "relief_lost_day": ["150"]}
    ax, lanes = plot_timeline(_row(model, raw), timeline_curves(model, raw, np.linspace(0, 400, 100)))
    labels = [t.get_text() for t in lanes.get_legend().get_texts()]
    assert any(t.startswith("axon regrowth: ") for t in labels)
    assert not [t for t in labels if "still to go" in t or "measured" in t]
    assert all(t.get_position()[0] >= 0 and t.get_ha() == "left" for t in lanes.texts)  # never over lane names
    pyplot().close(ax.figure)
