"""A self-contained HTML report of a scored cohort, for a clinic.

The cohort by nerve and indication, the distribution of predicted relief end,
and a retreatment calendar: how many reviews and retreatments fall in each
week and month ahead (capacity planning). Figures are embedded as base64 PNG;
every text is HTML-escaped.

Examples
--------
>>> import pandas as pd
>>> from regen import score_frame
>>> from regen.report import build_report
>>> scored = score_frame(pd.DataFrame({"nerve": ["SLGN", "GON"], "treated_on": ["2026-01-05"] * 2}))
>>> html = build_report(scored, today="2026-01-05")
>>> "Retreatment calendar" in html and html.startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np

__all__ = ["build_report"]

_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
th{background:#f0f0f0;white-space:normal;max-width:9em}
td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}.note{color:#555;font-size:90%}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:1.6em}"""


def _table(frame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value) -> str:
    if isinstance(value, float):
        return "" if not np.isfinite(value) else f"{value:,.0f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return f'<img alt="figure" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _cohort_table(ok):
    group = ok.groupby(["nerve", "indication"])
    table = group.agg(patients=("nerve", "size"),
                      sensation=("sensation_return_median_day", "median"),
                      relief=("relief_end_median_day", "median"),
                      p180=("p_relief_180d", "mean")).reset_index()
    table = table.sort_values("patients", ascending=False)
    return table.rename(columns={"sensation": "sensation returns (median of medians, day)",
                                 "relief": "relief ends (median of medians, day)",
                                 "p180": "mean P(relief at 180 d)"})


def _histogram(ok) -> str:
    from regen.plots import _pyplot

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    days = ok["relief_end_median_day"].astype(float)
    ax.hist(days[np.isfinite(days)], bins=30, color="#e6550d", alpha=0.8)
    ax.set_xlabel("predicted median relief end (days after treatment)")
    ax.set_ylabel("patients")
    ax.grid(alpha=0.3)
    return _png(fig)


def _calendar(ok, today, freq: str):
    import pandas as pd

    rows = []
    for label, col in (("reviews", "review_date"), ("retreatments", "retreatment_due_date")):
        if col not in ok:
            continue
        dates = pd.to_datetime(ok[col].replace("", None), errors="coerce").dropna()
        dates = dates[dates >= today]
        rows.append(dates.dt.to_period(freq).value_counts().rename(label))
    if not rows:
        return None
    table = pd.concat(rows, axis=1).fillna(0).astype(int).sort_index()
    table.index = table.index.astype(str)
    return table.reset_index(names="week" if freq == "W-SUN" else "month")


def _calendar_plot(month) -> str:
    from regen.plots import _pyplot

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    x = np.arange(len(month))
    for i, col in enumerate(c for c in ("reviews", "retreatments") if c in month):
        ax.bar(x + 0.4 * i - 0.2, month[col], width=0.4, label=col)
    ax.set_xticks(x, month["month"], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("patients due")
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    return _png(fig)


def build_report(scored, today=None, title: str = "regen cohort report") -> str:
    """Build the HTML page from a scored frame (the output of ``regen score``)."""
    import pandas as pd

    scored = scored.copy()
    for col in ("sensation_return_median_day", "relief_end_median_day", "p_relief_180d"):
        scored[col] = pd.to_numeric(scored[col], errors="coerce")
    errors = scored["error"].fillna("").astype(str)
    ok = scored[errors == ""].copy()
    from regen.schema import validate_patients

    resolved = validate_patients(ok).columns  # catalog ids whatever the input spelling
    ok["nerve"], ok["indication"] = resolved["nerve"], resolved["indication"]
    today = pd.Timestamp(today) if today is not None else pd.Timestamp.today().normalize()
    versions = ", ".join(sorted(set(ok["model_version"].astype(str)))) or "none"
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
             f"<p>{len(scored):,} patients: {len(ok):,} scored, {len(scored) - len(ok):,} not scored "
             f"(see the <code>error</code> column). Model: {html.escape(versions)}. Calendar from "
             f"{today.date()}.</p><p class='note'>Estimates with uncertainty for decision support by "
             "clinicians; not a medical device. Dates are medians of the booking rule.</p>",
             "<h2>Cohort by nerve and indication</h2>", _table(_cohort_table(ok)),
             "<h2>Predicted relief end</h2>", _histogram(ok) if len(ok) else "<p>no scored rows</p>",
             "<h2>Retreatment calendar</h2>"]
    month = _calendar(ok, today, "M")
    week = _calendar(ok, today, "W-SUN")
    if month is None or not len(month):
        parts.append("<p>No treatment dates (treated_on) or no dates ahead: no calendar.</p>")
    else:
        later = month.iloc[24:, 1:].to_numpy().sum()
        month = month.head(24)
        parts += ["<h3>By month (next 24 months)</h3>", _calendar_plot(month), _table(month),
                  f"<p class='note'>{later:,} further bookings fall after these 24 months.</p>",
                  "<h3>By week (next 12 weeks)</h3>", _table(week.head(12))]
    parts.append("</body></html>")
    return "\n".join(parts)
