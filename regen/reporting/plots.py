"""Pictures: a patient's timeline and calibration plots (matplotlib, drawn off-screen).

The timeline draws the numbers of the prediction table: the relief-end median
and its 80 % interval (among responders whose relief ends), P(still relieved)
at 90/180/365 days (all patients, non-responders included), the return of
sensation, the review and the day to book the retreatment by, and the
follow-up given (still relieved on a day, relief lost on a day, regeneration
fronts). :func:`timeline_curves` computes the curves (all the curve maths);
:func:`plot_timeline` only draws.

matplotlib is imported inside the functions (Agg backend), so importing this
module costs nothing on the prediction path. Drawing functions take
``ax=None`` and return the axes.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from regen.files.write import Outputs, atomic_path
from regen.schema.columns import day_text, whole_day
from regen.schema.dates import MAX_DAYS_AFTER

__all__ = [
    "new_timeline_axes",
    "plot_calibration",
    "plot_timeline",
    "pyplot",
    "save_timeline",
    "timeline_curves",
    "timeline_png",
]

#: Median phases of the regrowth (row key, label, colour): greys and browns,
#: never the blue of the return of sensation.
_PHASES = (
    ("initial_delay_days", "initial delay", "#969696"),
    ("regrowth_days", "axon regrowth", "#dfc27d"),
    ("terminal_delay_days", "maturation", "#a6611a"),
)
_RELIEF, _ALL, _BAND, _SENSATION = "#e6550d", "#7f2704", "#fdd0a2", "#2171b5"
#: Key days drawn across both panels (row key, label, colour, line style).
_KEY_DAYS = (
    ("relief_onset_day", "relief onset (median)", "#238b45", ":"),
    ("next_contact_day", "next contact", "#6a51a3", "-."),
    ("retreatment_due_day", "pre-booking: book by", "#cb181d", "-"),
)
_FOLLOW_UP_KEYS = ("relief_at_day", "relief_lost_day", "front_mm", "front_day")


def pyplot():
    """matplotlib.pyplot on the off-screen Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# -- the curves (all curve maths lives here) ---------------------------------------
def timeline_curves(model, forecast, days: np.ndarray) -> dict[str, np.ndarray]:
    """The relief curves of a patient's forecast over ``days``, from the laws the forecast was made with.

    ``forecast`` is :func:`regen.model.prediction.patient_forecast`'s result for ``model``.

    Returns
    -------
    dict
        ``days``; ``responders``: P(still relieved) among responders whose relief
        ends (its 10/50/90 % crossings are the table's ``relief_end_p10/median/p90_day``);
        ``all_patients``: P(still relieved), non-responders and long responders
        included (the table's ``p_relief_*``); ``band_low``/``band_high``: the
        lowest and highest all-patients curve as the nerve time moves over its
        80 % interval (the mechanism's uncertainty, ``sensation_return_p10/p90_day``).
        Given relief at ``relief_at_day`` the curves are conditional on it;
        given ``relief_lost_day`` they are the observation (1 before it, 0 after).
    """
    from dataclasses import replace

    from regen.mechanism.regrowth import Z90
    from regen.model.laws import next_cycle_relief, patient_relief

    cols, mech, dist = forecast.laws.columns, forecast.laws.mechanism, forecast.laws.relief
    days = np.asarray(days, float)
    given = cols["relief_at_day"]

    def law(z: float):
        return patient_relief(model, cols, {**mech, "mu": mech["mu"] + z * mech["sigma"]})

    # the band is the envelope over the nerve time's 80 % interval: conditional curves need not be
    # monotone in it, so the end points alone would not do
    spread = np.array([law(z).survival(days, given)[0] for z in np.linspace(-Z90, Z90, 9)])
    ends = replace(dist, long=np.zeros_like(dist.long))  # responders whose relief ends
    out = {
        "days": days,
        "responders": ends.responder_survival(days, given)[0],
        "all_patients": dist.survival(days, given)[0],
        "band_low": spread.min(axis=0),
        "band_high": spread.max(axis=0),
    }
    lost = cols["relief_lost_day"][0]
    if np.isfinite(lost):  # observed; the next cycle joins the lost one to the history
        out.update({k: np.where(days < lost, 1.0, 0.0) for k in out if k != "days"})
        nxt = next_cycle_relief(model, cols, mech, cols["relief_lost_day"])
        after = replace(nxt, long=np.zeros_like(nxt.long)).responder_survival(np.maximum(days - lost, 1e-9))[0]
        out["next_cycle"] = np.where(days > lost, after, np.nan)
    return out


def follow_up_inputs(forecast) -> dict:
    """The follow-up inputs of a forecast as the picture reads them (not given: left out)."""
    cols = forecast.laws.columns
    out = {}
    for key in _FOLLOW_UP_KEYS:
        values = np.asarray(cols.get(key, [np.nan]), dtype=float).reshape(-1)
        values = values[np.isfinite(values)]
        if len(values):
            out[key] = values.tolist() if key in ("front_mm", "front_day") else float(values[0])
    return out


# -- reading a prediction row -------------------------------------------------------
def _num(row: Mapping, key: str) -> float:
    try:
        value = float(row.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return value


def _numbers(value) -> list[float]:
    """Numbers from a list, a number or a ';'-separated string (as the front columns hold them)."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple | np.ndarray) else str(value).split(";")
    out = []
    for item in items:
        try:
            out.append(float(item))
        except (TypeError, ValueError):
            continue
    return [v for v in out if math.isfinite(v)]


def _pct(p: float) -> str:
    """A probability as a percentage; '<1 %' rather than a misleading '0 %'."""
    if 0 < p < 0.005:
        return "<1 %"
    if 0.995 < p < 1:
        return ">99 %"
    return f"{100 * p:.0f} %"


def _date(row: Mapping, day: float) -> str:
    """The calendar day of ``day``: the day counted whole, half up (:func:`whole_day`, the date columns' rule)."""
    if not row.get("treated_on") or not math.isfinite(day):
        return ""
    return str(np.datetime64(str(row["treated_on"])[:10], "D") + np.timedelta64(whole_day(day), "D"))


def _observable(row: Mapping) -> bool:
    return str(row.get("sensation_observable", "")).strip().lower() not in ("false", "0", "no")


def _title(row: Mapping) -> str:
    who = f"Patient {row['patient_id']}: " if row.get("patient_id") not in (None, "") else ""
    when = f", treated {str(row['treated_on'])[:10]}" if row.get("treated_on") else ", treatment date not given"
    evidence = (
        "\n" + textwrap.fill(f"relief forecast rests on: {row['evidence']}", 130, subsequent_indent="  ")
        if row.get("evidence")
        else ""
    )
    return (
        f"{who}{row['nerve']} ({row['indication']}){when}\n"
        f"model {row['model_version']}; estimates with uncertainty, decision support, not a medical device"
        f"{evidence}"
    )


# -- drawing --------------------------------------------------------------------------
def _draw_curves(ax, row: Mapping, curves: Mapping) -> None:
    days = curves["days"]
    lost = _num(row, "relief_lost_day")
    if math.isfinite(lost):
        ax.plot(days, curves["all_patients"], color="black", lw=2.2, label=f"observed: relief lost on day {_d(lost)}")
        if "next_cycle" in curves:
            ax.plot(
                days,
                curves["next_cycle"],
                color=_RELIEF,
                lw=2.4,
                ls=(0, (5, 2)),
                label=f"next cycle if retreated on day {_d(lost)}:\nresponders whose relief ends",
            )
            n = [_num(row, f"next_cycle_relief_end_{k}_day") for k in ("p10", "median", "p90")]
            _points(
                ax,
                [lost + v for v in n],
                f"next cycle: relief ends {_d(n[1])} days after\nthe retreatment (80 %: {_d(n[0])}-{_d(n[2])})",
            )
        return
    lo, hi = _num(row, "sensation_return_p10_day"), _num(row, "sensation_return_p90_day")
    if np.max(curves["band_high"] - curves["band_low"]) > 1e-3:  # none when relief does not follow regrowth
        ax.fill_between(
            days,
            curves["band_low"],
            curves["band_high"],
            color=_BAND,
            lw=0,
            label=f"band: all patients, with regrowth anywhere in\nits 80 % interval (sensation day {_d(lo)}-{_d(hi)})",
        )
    response, long = _num(row, "p_response"), _num(row, "long_responder_fraction")
    detail = [
        f"{_pct(1 - response)} no relief" if math.isfinite(response) and response < 1 else "",
        f"{_pct(long)} long relief" if math.isfinite(long) else "",
    ]
    table = ", ".join(
        f"{_pct(_num(row, f'p_relief_{d}d'))} at {d} d"
        for d in (90, 180, 365)
        if math.isfinite(_num(row, f"p_relief_{d}d"))
    )
    detail = ", ".join(d for d in detail if d)
    ax.plot(
        days,
        curves["all_patients"],
        color=_ALL,
        lw=2,
        ls="--",
        label=f"all patients{f' ({detail})' if detail else ''}\n= the table's P(still relieved):\n{table}",
    )
    ax.plot(
        days,
        curves["responders"],
        color=_RELIEF,
        lw=2.4,
        label="responders whose relief ends\n= the table's relief end (median, 80 %)",
    )
    _draw_table_points(ax, row)


def _draw_table_points(ax, row: Mapping) -> None:
    """The table's numbers as points: relief-end p10/median/p90 and P(relief) at fixed days."""
    q = [_num(row, f"relief_end_{k}_day") for k in ("p10", "median", "p90")]
    _points(ax, q, f"relief ends: median day {_d(q[1])}\n80 %: day {_d(q[0])}-{_d(q[2])}")
    right = ax.get_xlim()[1]
    for day in (90, 180, 365):
        p = _num(row, f"p_relief_{day}d")
        if math.isfinite(p) and day <= right:
            ax.plot([day], [p], "s", color=_ALL, mec="white", ms=6, zorder=5)


def _points(ax, q: list[float], text: str) -> None:
    """p10, median, p90 as points at 90 %, 50 %, 10 % of a responders' curve, the median labelled. A day capped at
    100 years (a forecast past it) is no point on the curve: it is left out of the points, said in the label."""
    if all(map(math.isfinite, q)):
        kept = [(x, y) for x, y in zip(q, (0.9, 0.5, 0.1), strict=True) if x < MAX_DAYS_AFTER]
        if kept:
            ax.plot(*zip(*kept, strict=True), "o", color=_RELIEF, mec="black", ms=6, zorder=5)
        if q[1] < MAX_DAYS_AFTER:
            ax.annotate(
                text, (q[1], 0.5), xytext=(16, 6), textcoords="offset points", fontsize=9, color=_ALL, fontweight="bold"
            )


def _draw_key_days(axes, row: Mapping) -> None:
    for key, label, color, style in _KEY_DAYS:
        day = _num(row, key)
        if not math.isfinite(day):
            continue
        date = _date(row, day)
        for i, ax in enumerate(axes):
            ax.axvline(
                day,
                color=color,
                ls=style,
                lw=1.6,
                zorder=4,
                label=f"{label}: day {_d(day)}" + (f" ({date})" if date else "") if i == 0 else None,
            )


def _d(day: float) -> str:
    """A day as the table prints it (whole, half up; '36500+' when capped at 100 years); '-' when not finite."""
    return day_text(day) if math.isfinite(day) else "-"


def _lane_bar(ax, y: float, lo: float, mid: float, hi: float, color: str, text: str) -> None:
    if not all(map(math.isfinite, (lo, mid, hi))):
        return
    ax.barh(y, hi - lo, left=lo, height=0.42, color=color, alpha=0.4, lw=0)
    ax.plot([mid, mid], [y - 0.3, y + 0.3], color=color, lw=3)
    ax.text(
        max(lo, 0.0),
        y - 0.3,
        text,
        ha="left",
        va="bottom",
        fontsize=8.5,
        color="black",  # not over the names
        bbox={"facecolor": "white", "alpha": 0.75, "lw": 0, "pad": 1},
    )


def _draw_lanes(ax, row: Mapping) -> None:
    """Regrowth phases, return of sensation and relief end as bars on their own rows."""
    start = _num(row, "anchor_day")
    anchored = math.isfinite(start) and start >= 0.5  # a regrowth front anchors the forecast
    start = start if anchored else 0.0
    if anchored:
        ax.barh(
            0,
            start,
            left=0,
            height=0.42,
            color="white",
            hatch="///",
            edgecolor="#969696",
            lw=0.5,
            label=f"measured (up to the last front): {_d(start)} d",
        )
    for key, label, color in _PHASES:
        width = _num(row, key)
        if anchored and not width >= 0.5:  # the initial delay is behind an anchoring front
            continue
        ax.barh(
            0,
            width,
            left=start,
            height=0.42,
            color=color,
            lw=0.5,
            edgecolor="white",
            label=f"{label}{' still to go' if anchored and key == 'regrowth_days' else ''}: {_d(width)} d",
        )
        start += width
    fronts = list(zip(_numbers(row.get("front_day")), _numbers(row.get("front_mm")), strict=False))
    for day, _mm in fronts:
        ax.plot([day], [0], "D", color="black", ms=6, zorder=5)
    if fronts:  # one label: labels of fronts a few days apart would overprint each other
        text = "fronts: " + ", ".join(f"{_d(mm)} mm (day {_d(day)})" for day, mm in fronts)
        ax.text(
            fronts[-1][0],
            -0.3,
            text,
            fontsize=8,
            ha="left",
            va="bottom",
            bbox={"facecolor": "white", "alpha": 0.75, "lw": 0, "pad": 1},
        )
    s = [_num(row, f"sensation_return_{k}_day") for k in ("p10", "median", "p90")]
    _lane_bar(ax, 1, s[0], s[1], s[2], _SENSATION, f"day {_d(s[1])} ({_d(s[0])}-{_d(s[2])})")
    labels = [
        "regrowth",
        "sensation returns" if _observable(row) else "nerve recovered\n(no skin to test)",
        "relief ends",
    ]
    lost = _num(row, "relief_lost_day")
    r = [_num(row, f"relief_end_{k}_day") for k in ("p10", "median", "p90")]
    if math.isfinite(lost):
        ax.plot([lost], [2], "D", color="black", ms=6)
        ax.text(lost, 1.7, f" lost on day {_d(lost)} (observed)", ha="left", va="bottom", fontsize=8.5)
        n = [_num(row, f"next_cycle_relief_end_{k}_day") for k in ("p10", "median", "p90")]
        _lane_bar(
            ax,
            3,
            lost + n[0],
            lost + n[1],
            lost + n[2],
            _RELIEF,
            f"{_d(n[1])} ({_d(n[0])}-{_d(n[2])}) days after retreatment",
        )
        labels.append("next cycle")
    else:
        _lane_bar(ax, 2, r[0], r[1], r[2], _RELIEF, f"day {_d(r[1])} ({_d(r[0])}-{_d(r[2])}), responders")
    ax.set_yticks(range(len(labels)), labels, fontsize=8.5)
    ax.set_ylim(-0.75, len(labels) - 0.4)
    ax.invert_yaxis()


def _draw_follow_up(ax, row: Mapping) -> None:
    given = _num(row, "relief_at_day")
    if math.isfinite(given) and not math.isfinite(_num(row, "relief_lost_day")):
        ax.axvspan(
            0,
            given,
            color="#bdbdbd",
            alpha=0.25,
            lw=0,
            label=f"follow-up: still relieved on day {_d(given)}\n(curves and table conditional on it)",
        )


def _x_end(row: Mapping) -> float:
    """The days drawn: past every key day, but a very long relief p90 (years) is cut at 2.5 x the median."""
    keys = ("sensation_return_p90_day", "retreatment_due_day", "next_contact_day", "relief_end_median_day")
    end = max([_num(row, k) for k in keys if math.isfinite(_num(row, k))] or [100.0])
    p90 = _num(row, "relief_end_p90_day")
    if math.isfinite(p90):
        end = max(end, min(p90, 2.5 * max(end, 1.0)))
    lost, nxt = _num(row, "relief_lost_day"), _num(row, "next_cycle_relief_end_p90_day")
    if math.isfinite(lost) and math.isfinite(nxt):
        end = max(end, lost + nxt)
    return end * 1.12


def new_timeline_axes():
    """A 1100 x 640 px figure with room for the phase panel below and the legends to the right."""
    fig, ax = pyplot().subplots(figsize=(11, 6.4), dpi=100)
    fig.subplots_adjust(left=0.13, right=0.66, top=0.83, bottom=0.40)  # room for a 4-line title
    return ax


def plot_timeline(row: Mapping, curves: Mapping | None = None, ax=None):
    """Draw one patient's timeline from a prediction and its curves.

    Parameters
    ----------
    row : mapping
        One prediction (flat keys of ``regen predict --format json``), with
        ``treated_on`` and, where given, the follow-up inputs
        ``relief_at_day``, ``relief_lost_day``, ``front_mm``, ``front_day``.
    curves : mapping, optional
        :func:`timeline_curves` of the same patient.
    ax : matplotlib Axes, optional
        The axes of the curves; the phase/interval panel is added below it.
        Default: a new 11 x 6.4 inch figure.

    Returns
    -------
    (Axes, Axes)
        The curve axes and the phase/interval axes.
    """
    if ax is None:
        ax = new_timeline_axes()
    fig = ax.figure
    lanes = ax.inset_axes([0.0, -0.55, 1.0, 0.40], sharex=ax)
    ax.set_xlim(0, _x_end(row))
    _draw_follow_up(ax, row)
    if curves is not None:
        _draw_curves(ax, row, curves)
    _draw_lanes(lanes, row)
    _draw_key_days((ax, lanes), row)
    ax.set_ylim(-0.02, 1.04)
    ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f} %")
    ax.set_ylabel("P(still relieved)")
    ax.grid(alpha=0.3)
    ax.tick_params(labelbottom=False)
    lanes.grid(alpha=0.3, axis="x")
    lanes.set_xlabel("days after cryoneurolysis" + _date_suffix(row))
    ax.set_title(_title(row), fontsize=10.5, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False, borderaxespad=0)
    lanes.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8.5,
        frameon=False,
        title="regrowth phases (medians)",
        title_fontsize=8.5,
        borderaxespad=0,
    )
    _warning_text(fig, row)
    _date_axis(ax, row)
    return ax, lanes


def _warning_text(fig, row: Mapping) -> None:
    """The follow-up used (grey) and the warnings (red) under the picture."""
    lines = [(f"Follow-up: {row['follow_up']}", "#404040")] if row.get("follow_up") else []
    lines += [(f"Warning: {row['warnings']}", "#a50f15")] if row.get("warnings") else []
    text = "\n".join(textwrap.fill(t, 170) for t, _ in lines)
    if lines:
        fig.text(0.01, 0.008, text, fontsize=8.5, color=lines[-1][1], va="bottom")


def _date_suffix(row: Mapping) -> str:
    return f" (treated {str(row['treated_on'])[:10]}; dates on the top axis)" if row.get("treated_on") else ""


def _date_axis(ax, row: Mapping) -> None:
    """Calendar dates on a secondary x axis when the treatment date is known."""
    if not row.get("treated_on"):
        return
    t0 = np.datetime64(str(row["treated_on"])[:10], "D")
    top = ax.secondary_xaxis("top")
    ticks = ax.get_xticks()
    ticks = ticks[(ticks >= 0) & (ticks <= ax.get_xlim()[1])]
    top.set_xticks(ticks)
    top.set_xticklabels([str(t0 + np.timedelta64(int(t), "D")) for t in ticks], fontsize=7.5)


def timeline_png(model, forecast) -> bytes:
    """The timeline of one patient's forecast as PNG bytes (1100 x 640 px); see :func:`save_timeline`."""
    import io

    plt = pyplot()
    row = {**forecast.row, **follow_up_inputs(forecast)}
    curves = timeline_curves(model, forecast, np.linspace(0.0, _x_end(row), 400))
    ax, _ = plot_timeline(row, curves)
    fig = ax.figure
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def save_timeline(model, forecast, path: str | os.PathLike) -> Path:
    """Draw the timeline of one patient's forecast and save it as a PNG (1100 x 640 px).

    ``forecast`` is :func:`regen.model.prediction.patient_forecast`'s result for
    ``model`` (the table's numbers and the laws behind them: nothing is predicted
    again); its follow-up inputs (``relief_at_day``, ``relief_lost_day``,
    ``front_mm``, ``front_day``) are drawn as well.
    """
    data = timeline_png(model, forecast)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


#: The days of the calibration plots (one PNG each), as :func:`regen.fitting.evaluation.evaluate` computes them.
CALIBRATION_DAYS = (90, 180, 365)


def calibration_paths(directory: str | os.PathLike, days=CALIBRATION_DAYS) -> list[Path]:
    """The PNG files :func:`plot_calibration` writes into ``directory``."""
    return [Path(directory) / f"calibration_{day}d.png" for day in days]


def check_plot_dir(directory: str | os.PathLike, inputs: tuple = ()) -> None:
    """Check a plot folder and the files it will get against the inputs, before any work.

    Raises
    ------
    PathClashError
        If ``directory`` is an existing file, its parent does not exist, or a
        plot to be written is (or links to) an input or not a regular file.
    """
    from regen.files.paths import PathClashError, check_folder, check_paths

    folder = Path(directory)
    check_folder("--plot-dir", folder)
    if folder.exists() and not folder.is_dir():
        raise PathClashError(f"--plot-dir: {folder} is a file, not a folder; name a folder (it is created)")
    if not folder.exists() and not folder.parent.is_dir():
        raise PathClashError(f"--plot-dir: the folder {folder.parent} does not exist; create it first")
    for path in calibration_paths(folder):
        if path.is_symlink() or path.exists():
            check_paths({"--plot-dir": path}, inputs, suffix=".png", regular=True)


def plot_calibration(result: Mapping, directory: str | os.PathLike) -> list[str]:
    """One calibration PNG per day of :func:`regen.fitting.evaluation.evaluate`'s result."""
    plt = pyplot()
    directory = Path(directory)
    made = not directory.exists()
    directory.mkdir(exist_ok=True)  # the folder itself; a missing parent is an error (a typo creates nothing)
    paths = []
    try:
        with Outputs() as outputs:  # every plot or none
            for cal in result["calibration"]:
                paths.append(_calibration_png(plt, result, cal, directory, outputs))
    except BaseException:
        if made and not any(directory.iterdir()):
            directory.rmdir()  # a run that fails leaves none of its outputs, the folder it made included
        raise
    return paths


def _calibration_png(plt, result: Mapping, cal: Mapping, directory: Path, outputs: Outputs) -> str:
    """One calibration plot written into ``outputs``; its final path."""
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    pred = [b["predicted"] for b in cal["bins"]]
    obs = [b["observed"] for b in cal["bins"]]
    ax.plot([0, 1], [0, 1], color="grey", ls="--", label="perfect")
    ax.scatter(pred, obs, s=[20 + b["n"] for b in cal["bins"]], color="#e6550d", label="bins")
    ax.set_xlabel(f"predicted P(relief at day {cal['day']})")
    ax.set_ylabel(f"observed P(relief at day {cal['day']}) (Turnbull)")
    ax.set_title(
        f"calibration at day {cal['day']}: slope {cal['slope']:.2f}, "
        f"intercept {cal['intercept']:.2f}\n{result['model_version']}",
        fontsize=9,
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    path = calibration_paths(directory, [cal["day"]])[0]
    fig.tight_layout()
    fig.savefig(outputs.path(path), format="png")
    plt.close(fig)
    return str(path)
