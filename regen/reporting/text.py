"""Plain-text rendering of one prediction (the table of ``regen predict``).

The retreatment day reads "Book retreatment by" (a booking deadline, not the
day to treat). Every echoed value (patient id, nerve, model name, warnings)
has its terminal control characters escaped; no patient id is invented.

Examples
--------
>>> from regen import load_model
>>> from regen.reporting.text import render_prediction
>>> out = load_model().predict_columns({"nerve": ["intercostal"], "age": [58]})
>>> text = render_prediction({k: v[0] for k, v in out.items()})
>>> "Return of sensation" in text and "model" in text
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from regen.schema.columns import day_text
from regen.schema.columns import whole_day as _whole
from regen.schema.dates import MAX_DAYS_AFTER
from regen.utils.text import printable

__all__ = ["render_prediction"]

#: Width of the interval column: "day 1234 to 36500" (a p90 of up to 100 years) and a space before the date.
_SPAN = 19
#: The text names a nerve-time move of the relief end from this factor (or its inverse) on: every relief interval's
#: p90/p10 is 7.5 or more, so a smaller move is small beside the interval (the number is in the JSON either way).
NERVE_FACTOR_SHOWN = 1.25


def _num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _day(value: object) -> str:
    v = _num(value)
    return "-" if not math.isfinite(v) else f"day {day_text(v)}"


def _date(treated_on: object, value: object) -> str:
    v = _num(value)
    if not treated_on or not math.isfinite(v):
        return ""
    return _on_or_after(str(np.datetime64(str(treated_on)[:10], "D") + np.timedelta64(_whole(v), "D")), v)


def _on_or_after(date: str, day: object) -> str:
    """The date of a forecast day; 'after <date>' for a day capped at 100 years (a forecast past it)."""
    return f"after {date}" if date and _num(day) >= MAX_DAYS_AFTER else date


def _pct(value: object) -> str:
    v = _num(value)
    return "-" if not math.isfinite(v) else f"{100 * v:.0f} %"


def _int(value: float) -> str:
    """A number of days or mm as a whole number, half up; '-' when not finite."""
    return str(_whole(value)) if math.isfinite(value) else "-"


def _timeline(row: Mapping) -> str:
    """The phases' medians; with a regeneration front, counted from the last front's day."""
    delay, regrow = _num(row.get("initial_delay_days")), _num(row.get("regrowth_days"))
    rate = _num(row.get("rate_mm_per_day"))
    anchor = _num(row.get("anchor_day"))  # > 0 only when a front anchors the forecast
    tail = f"maturation {_int(_num(row.get('terminal_delay_days')))} d"
    if math.isfinite(anchor) and anchor >= 0.5:
        return (
            f"Timeline (medians): last regrowth front on day {_int(anchor)} -> regrowth {_int(regrow)} d more "
            f"({_int(regrow * rate)} mm still to go at {rate:.2f} mm/day) -> {tail}"
        )
    return (
        f"Timeline (medians): initial delay {_int(delay)} d -> regrowth {_int(regrow)} d "
        f"({_int(_num(row.get('distance_mm')))} mm at {rate:.2f} mm/day) -> {tail}"
    )


def render_prediction(row: Mapping) -> str:
    """Render one prediction row (flat keys of ``predict``) as readable text."""
    t0 = row.get("treated_on") or ""
    lines = [
        f"regen prediction: {printable(row['nerve'])} ({printable(row['indication'])})"
        + (f", patient {printable(row['patient_id'])}" if row.get("patient_id") else ""),
        f"model {printable(row['model_version'])}; medians with 80 % intervals (p10-p90).",
        "Decision support, not a medical device.",
        "",
        f"{'':26}{'median':>10}  {'80 % interval':<{_SPAN}}{'date (median)' if t0 else ''}",
    ]

    def line(label: str, key: str, interval: tuple[str, str] | None, date_key: str | None = None) -> None:
        span = ""
        if interval:
            high = _num(row.get(interval[1]))
            span = f"{_day(row.get(interval[0]))} to {day_text(high) if math.isfinite(high) else '-'}"
        if date_key == "-":
            date = ""
        elif date_key:
            date = _on_or_after(printable(row.get(date_key) or ""), row.get(key))
        else:
            date = _date(t0, row.get(key))
        lines.append(f"{label:<26}{_day(row.get(key)):>10}  {span:<{_SPAN}}{' ' if len(span) >= _SPAN else ''}{date}")

    line(
        "Relief onset",
        "relief_onset_day",
        ("relief_onset_p10_day", "relief_onset_p90_day") if "relief_onset_p10_day" in row else None,
    )
    observable = row.get("sensation_observable", "yes") != "no"
    line(
        "Return of sensation" if observable else "Nerve function back *",
        "sensation_return_median_day",
        ("sensation_return_p10_day", "sensation_return_p90_day"),
    )
    line("Relief end (responders)", "relief_end_median_day", ("relief_end_p10_day", "relief_end_p90_day"))
    action = printable(row.get("next_action") or "")
    booking = action == "book retreatment"
    key, date_key = (
        ("retreatment_due_day", "retreatment_due_date") if booking else ("next_contact_day", "next_contact_date")
    )
    when = _on_or_after(printable(row.get(date_key) or ""), row.get(key))
    what = action + (" (now)" if booking else "")
    lines.append(f"{'Next step':<26}{_day(row.get(key)):>10}  {what:<{_SPAN}}{' ' if len(what) >= _SPAN else ''}{when}")
    line("(pre-booking) book by", "retreatment_due_day", None)
    if row.get("next_cycle_relief_end_median_day") not in (None, "") and math.isfinite(
        _num(row.get("next_cycle_relief_end_median_day"))
    ):
        line(
            "Next cycle: relief end **",
            "next_cycle_relief_end_median_day",
            ("next_cycle_relief_end_p10_day", "next_cycle_relief_end_p90_day"),
            "next_cycle_relief_end_median_date",
        )
    if math.isfinite(_num(row.get("next_cycle_sensation_return_median_day"))):
        line(
            "Next cycle: sensation **",
            "next_cycle_sensation_return_median_day",
            ("next_cycle_sensation_return_p10_day", "next_cycle_sensation_return_p90_day"),
            "-",
        )
    if any(text.startswith("Next cycle") for text in lines):
        lines.append(
            f"{'':26}** days after a retreatment on the day relief was lost (a fresh freeze); the date is "
            "that day + the median"
        )
    lines.append(
        f"{'P(still relieved)':<26}90 d: {_pct(row.get('p_relief_90d'))}   "
        f"180 d: {_pct(row.get('p_relief_180d'))}   365 d: {_pct(row.get('p_relief_365d'))}"
    )
    p_resp, long = _num(row.get("p_response")), _num(row.get("long_responder_fraction"))
    if math.isfinite(p_resp) and (p_resp < 1 or long > 0):
        lines.append(
            f"{'':26}P(response) {_pct(p_resp)}; long responders (relief that never ends, "
            f"outside the interval above) {_pct(long)}"
        )
    lines += ["", _timeline(row)]
    if not observable:
        lines.append(
            f"* This nerve has no skin territory: no clinical test shows its recovery. The line is the "
            f"model's time to recovered function: axons reach the target around "
            f"{_day(row.get('arrival_median_day'))}, then the maturation measured on skin nerves "
            "(assumed the same here). A model estimate only."
        )
    if row.get("evidence"):
        lines.append(f"Relief forecast rests on: {printable(row['evidence'])}")
    factor = _num(row.get("relief_end_nerve_factor"))
    if math.isfinite(factor) and abs(math.log(max(factor, 1e-9))) >= math.log(NERVE_FACTOR_SHOWN):
        lines.append(
            f"Relief end x{factor:.2f} vs the evidence's reference patient: this nerve regrows "
            f"{'slower' if factor > 1 else 'faster'} (the slope of relief on regrowth time, uncertain)"
        )
    if row.get("follow_up"):
        lines.append(f"Follow-up: {printable(row['follow_up'])}")
    if row.get("warnings"):
        lines.append(f"Warning: {printable(row['warnings'])}")
    return "\n".join(lines)
