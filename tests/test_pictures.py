"""Timeline PNG, calibration PNGs and the HTML report exist and carry their content."""

import base64
import re

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from regen import score_frame
from regen.cli import app
from regen.report import build_report

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"


def test_predict_plot_writes_a_readable_png(tmp_path):
    path = tmp_path / "timeline.png"
    res = runner.invoke(app, ["predict", "--nerve", "intercostal", "--age", "58",
                              "--treated-on", "2026-01-05", "--plot", str(path)])
    assert res.exit_code == 0, res.output
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 30_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 572)


def test_timeline_axes_have_labels_units_and_key_days():
    from regen import load_model
    from regen.plots import plot_timeline, timeline_curve

    model = load_model()
    raw = {"nerve": ["GON"], "treated_on": ["2026-01-05"]}
    out = model.predict_columns(raw)
    row = {k: v[0] for k, v in out.items()}
    row["treated_on"] = "2026-01-05"
    days = np.linspace(1, 200, 50)
    curve = timeline_curve(model, raw, days)
    assert np.all(np.diff(curve[1]) <= 1e-12) and np.all(curve[2] <= curve[3] + 1e-12)
    ax = plot_timeline(row, curve)
    assert "days after cryoneurolysis" in ax.get_xlabel() and "2026-01-05" in ax.get_xlabel()
    labels = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    for text in ("regrowth", "maturation", "retreatment due", "review", "sensation returns",
                 "relief onset", "80 % band"):
        assert text in labels


def test_report_has_sections_calendar_and_embedded_figures(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "patient_id": [f"p{i}" for i in range(60)],
        "nerve": rng.choice(["SLGN", "GON", "intercostal"], 60),
        "treated_on": [str(np.datetime64("2026-10-01") + int(d)) for d in rng.integers(0, 60, 60)],
    })
    frame.loc[0, "nerve"] = "<script>"
    scored = score_frame(frame)
    page = build_report(scored, today="2026-10-01")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for marker in ("Cohort by nerve and indication", "Predicted relief end", "Retreatment calendar",
                   "By month (next 24 months)", "By week", "genicular_superolateral", "59 scored, 1 not scored",
                   "not a medical device"):
        assert marker in page, marker
    assert "<script>" not in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(PNG) for i in images)
    counts = re.findall(r"<tr><td>(\d{4}-\d{2})</td><td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert sum(int(r) for _, _, r in counts) == 59  # every scored patient has a retreatment month


def test_report_cli(tmp_path):
    src, scored, out = tmp_path / "in.csv", tmp_path / "scored.csv", tmp_path / "r.html"
    pd.DataFrame({"nerve": ["SLGN", "GON"], "treated_on": ["2026-01-05", "2026-02-01"]}).to_csv(src, index=False)
    assert runner.invoke(app, ["score", str(src), "-o", str(scored)]).exit_code == 0
    res = runner.invoke(app, ["report", str(scored), "-o", str(out), "--today", "2026-01-01"])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 10_000 and "Retreatment calendar" in out.read_text()
    res = runner.invoke(app, ["report", str(src), "-o", str(out)])
    assert res.exit_code == 1 and "is not a scored file" in res.stderr
