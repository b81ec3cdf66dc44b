"""Pictures: a patient's timeline and calibration plots (matplotlib, drawn off-screen).

matplotlib is imported inside the functions (Agg backend), so importing this
module costs nothing on the prediction path. Functions take ``ax=None`` and
return the axes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["plot_calibration", "plot_timeline", "save_timeline", "timeline_curve"]

_PHASES = (("degeneration_days", "degeneration", "#d9d9d9"),
           ("initial_delay_days", "initial delay", "#bdbdbd"),
           ("regrowth_days", "regrowth", "#9ecae1"),
           ("terminal_delay_days", "maturation", "#c6dbef"))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def timeline_curve(model, raw: Mapping, days: np.ndarray) -> tuple[np.ndarray, ...]:
    """P(still relieved) over ``days`` for one patient, with an 80 % band.

    The band propagates the mechanism's uncertainty: the relief location is
    shifted by -/+1.28 times the log-scale spread of the nerve time.
    """
    from regen.mechanism import Z90
    from regen.prediction import nerve_times, patient_relief
    from regen.schema import validate_patients

    cols = validate_patients(raw).columns
    mech = nerve_times(cols, model.params)
    dist = patient_relief(model, cols, mech)
    curves = [dist.with_location(dist.mu + shift * mech["sigma"], dist.scale).survival(days)[0]
              for shift in (0.0, -Z90, Z90)]
    return days, curves[0], curves[1], curves[2]


def plot_timeline(row: Mapping, curve=None, ax=None):
    """Draw one patient's timeline: phases as bands, relief curve, key days.

    Parameters
    ----------
    row : mapping
        One prediction (flat keys of ``regen predict --format json``).
    curve : (days, S, S_low, S_high), optional
        Relief survival curve and band (see :func:`timeline_curve`).
    ax : matplotlib Axes, optional
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5.2), dpi=110)
    start = 0.0
    for key, label, color in _PHASES:
        width = float(row[key])
        ax.axvspan(start, start + width, ymin=0.0, ymax=0.06, color=color, lw=0,
                   label=f"phase: {label}, {width:.0f} d (median)")
        start += width
    if curve is not None:
        days, s, lo, hi = curve
        ax.fill_between(days, np.minimum(lo, hi), np.maximum(lo, hi), color="#fdae6b", alpha=0.4,
                        label="relief: 80 % band")
        ax.plot(days, s, color="#e6550d", lw=2, label="P(still relieved)")
    marks = (("relief_onset_day", "relief onset", "#31a354", ":"),
             ("sensation_return_median_day", "sensation returns (median)", "#3182bd", "--"),
             ("review_day", "review", "#756bb1", "-."),
             ("retreatment_due_day", "retreatment due", "#de2d26", "-"))
    for key, label, color, style in marks:
        value = row.get(key)
        if value is not None and np.isfinite(float(value)):
            ax.axvline(float(value), color=color, ls=style, lw=1.5, label=f"{label}: day {float(value):.0f}")
    lo, hi = float(row["sensation_return_p10_day"]), float(row["sensation_return_p90_day"])
    ax.axvspan(lo, hi, ymin=0.06, ymax=0.12, color="#3182bd", alpha=0.35, lw=0,
               label=f"sensation returns, 80 %: day {lo:.0f}-{hi:.0f}")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, max(float(row["relief_end_p90_day"]), hi) * 1.15)
    ax.set_xlabel("days after cryoneurolysis" + _date_suffix(row))
    ax.set_ylabel("probability still relieved")
    ax.set_title(f"{row['nerve']} ({row['indication']}) — model {row['model_version']}\n"
                 "estimates with uncertainty; decision support, not a medical device", fontsize=10)
    ax.legend(loc="upper right", fontsize=7.5, framealpha=0.9, ncol=2)
    ax.grid(alpha=0.3)
    _date_axis(ax, row)
    return ax


def _date_suffix(row: Mapping) -> str:
    return f" (treated {row['treated_on']})" if row.get("treated_on") else ""


def _date_axis(ax, row: Mapping) -> None:
    """Calendar dates on a secondary x axis when the treatment date is known."""
    if not row.get("treated_on"):
        return
    t0 = np.datetime64(str(row["treated_on"])[:10], "D")
    top = ax.secondary_xaxis("top")
    ticks = ax.get_xticks()
    ticks = ticks[(ticks >= 0) & (ticks <= ax.get_xlim()[1])]
    top.set_xticks(ticks)
    top.set_xticklabels([str(t0 + np.timedelta64(int(t), "D")) for t in ticks], fontsize=7)


def save_timeline(model, raw: Mapping, row: Mapping, path: str | os.PathLike) -> Path:
    """Draw the timeline of one predicted patient and save it as a PNG."""
    plt = _pyplot()
    end = max(float(row["relief_end_p90_day"]), float(row["sensation_return_p90_day"])) * 1.15
    curve = timeline_curve(model, raw, np.linspace(1.0, end, 300))
    fig, ax = plt.subplots(figsize=(10, 5.2), dpi=110)
    plot_timeline(row, curve, ax=ax)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def plot_calibration(result: Mapping, directory: str | os.PathLike) -> list[str]:
    """One calibration PNG per day of :func:`regen.evaluation.evaluate`'s result."""
    plt = _pyplot()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for cal in result["calibration"]:
        fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
        pred = [b["predicted"] for b in cal["bins"]]
        obs = [b["observed"] for b in cal["bins"]]
        ax.plot([0, 1], [0, 1], color="grey", ls="--", label="perfect")
        ax.scatter(pred, obs, s=[20 + b["n"] for b in cal["bins"]], color="#e6550d", label="bins")
        ax.set_xlabel(f"predicted P(relief at day {cal['day']})")
        ax.set_ylabel(f"observed P(relief at day {cal['day']}) (Turnbull)")
        ax.set_title(f"calibration at day {cal['day']}: slope {cal['slope']:.2f}, "
                     f"intercept {cal['intercept']:.2f}\n{result['model_version']}", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left")
        path = directory / f"calibration_{cal['day']}d.png"
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
        paths.append(str(path))
    return paths
