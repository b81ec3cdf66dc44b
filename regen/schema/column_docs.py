"""What every column means: the accepted input columns and the output columns, as data.

:func:`input_column_docs` lists every column ``regen score``, ``predict``,
``fit`` and ``evaluate`` read, with its type, unit, accepted values and
default (ranges and defaults from :mod:`regen.schema.patients`, so the list cannot
drift from the checks); :func:`output_column_docs` lists every column
``regen score`` writes and every key of ``regen predict --format json``, with
its meaning. ``regen columns`` prints both.

Examples
--------
>>> from regen.schema.column_docs import input_column_docs, output_column_docs
>>> age = next(d for d in input_column_docs() if d["name"] == "age")
>>> age["type"], age["unit"], age["accepted"], age["default"]
('number', 'years', 'from 10 to 100', '50')
>>> output_column_docs()[0]["name"]
'sensation_return_median_day'
"""

from __future__ import annotations

from regen.schema.columns import (
    DETAIL_COLUMNS,
    FOLLOW_UP_COLUMNS,
    FOLLOW_UP_OUTPUT_COLUMNS,
    OUTCOME_COLUMNS,
    OUTPUT_COLUMNS,
    PATIENT_COLUMNS,
)
from regen.schema.dates import YEARS
from regen.schema.patients import ALLOW_ANY_NERVE, DEFAULTS, RANGES

__all__ = ["INPUT_MEANINGS", "OUTPUT_MEANINGS", "input_column_docs", "output_column_docs"]

_YES_NO = "yes/no, true/false, y/n, t/f, 1/0 (any case)"
_LIST = "a number, or several separated by ';' (e.g. 20;41)"

#: Input column -> (type, accepted values when not a numeric range, meaning).
INPUT_MEANINGS: dict[str, tuple[str, str, str]] = {
    "patient_id": ("text", "any", "your identifier, echoed unchanged (none is invented)"),
    "nerve": ("text", "a catalog id or alias (see 'regen nerves'), any case", "the frozen nerve (required)"),
    "indication": (
        "text",
        "a catalog indication of the nerve (see 'regen nerves')",
        "why the nerve was frozen; sets the relief-end law",
    ),
    "age": ("number", "", "age at treatment"),
    "sex": ("text", "female/male (f, w / m), any case", "sex"),
    "height_cm": ("number", "", "body height; scales the catalog distance by height/170"),
    "bmi": ("number", "", "body-mass index"),
    "diabetes": ("yes/no", _YES_NO, "diabetes (slower regrowth)"),
    "smoker": ("yes/no", _YES_NO, "current smoker"),
    "distance_mm": ("number", "", "measured lesion-to-target distance (ultrasound, imaging)"),
    "freeze_cycles": ("whole number", "", "freeze cycles (no effect on timing, rat data)"),
    "freeze_seconds": ("number", "", "seconds per freeze (no effect on timing, rat data)"),
    "probe_temp_c": ("number", "", "probe temperature; warmer than -20 degC gives a warning"),
    "prior_treatments": ("whole number", "", "earlier cryoneurolysis of this nerve"),
    "treated_on": ("date", f"YYYY-MM-DD, years {YEARS[0]} to {YEARS[1]}", "treatment date; adds calendar dates"),
    ALLOW_ANY_NERVE: (
        "yes/no",
        _YES_NO,
        "score a nerve for an indication the catalog does not list for it (a warning instead of an error)",
    ),
    "relief_at_day": ("number", "", "follow-up: still relieved on this day (forecast given that)"),
    "relief_lost_day": (
        "number",
        "",
        "follow-up (score, predict): pain came back on this day; outcome (fit, "
        "evaluate): first follow-up day without relief, blank = still relieved at last contact",
    ),
    "front_mm": ("list of numbers", _LIST, "follow-up: measured regeneration front, mm distal to the lesion"),
    "front_day": ("list of numbers", _LIST, "follow-up: day of each front_mm measurement (same count)"),
    "prior_relief_days": ("list of numbers", _LIST, "follow-up: relief duration of each earlier cycle"),
    "last_contact_on": (
        "date",
        f"YYYY-MM-DD, years {YEARS[0]} to {YEARS[1]}, after treated_on",
        "follow-up as a clinic records it: the date of the last contact (needs treated_on; the next contact is "
        "planned after it). One form per row: these dates or relief_at_day / relief_lost_day",
    ),
    "relieved_at_last_contact": (
        "yes/no",
        f"{_YES_NO}; blank = not asked",
        "follow-up: whether the patient was still relieved at last_contact_on (no without relief_lost_on: lost "
        "by that contact)",
    ),
    "relief_lost_on": (
        "date",
        f"YYYY-MM-DD, years {YEARS[0]} to {YEARS[1]}, after treated_on",
        "follow-up: the date pain came back (as relief_lost_day, as a date)",
    ),
    "relief_last_seen_day": (
        "number",
        "from 0 to 36500",
        "outcome: last follow-up day with relief still present (0 = never confirmed; required by fit and evaluate)",
    ),
    "responded": (
        "yes/no",
        f"{_YES_NO}; blank = inferred",
        "outcome: whether relief started (blank: a row with relief_last_seen_day 0 is a non-responder)",
    ),
    "sensation_last_absent_day": (
        "number",
        "from 0 to 36500",
        "outcome: last day sensation was still absent (checked; not used by the fit yet)",
    ),
    "sensation_returned_day": (
        "number",
        "from 0 to 36500",
        "outcome: first day sensation had returned (checked; not used by the fit yet)",
    ),
    "cycle": (
        "whole number",
        "1, 2, 3, ... up to 1000; blank = not given",
        "outcome: treatment cycle of this nerve (1 = first); with patient_id it links a patient's repeat cycles "
        "(regen fit estimates the patient effect from them)",
    ),
}

_BLANK = {
    "height_cm": "not given (no scaling)",
    "bmi": "not given",
    "sex": "not given",
    "treated_on": "not given (no dates)",
    "patient_id": "blank",
    ALLOW_ANY_NERVE: "no",
    "diabetes": "no",
    "smoker": "no",
}

#: Output column -> meaning. Days count from the treatment (day 0).
OUTPUT_MEANINGS: dict[str, str] = {
    "sensation_return_median_day": "median day sensation returns (the nerve has regrown: the mechanism)",
    "sensation_return_p10_day": "10th percentile of the return of sensation (80 % interval, low end)",
    "sensation_return_p90_day": "90th percentile of the return of sensation (80 % interval, high end)",
    "relief_onset_day": "median day the patient notices relief (the block itself acts at once; procedural "
    "soreness masks it for a few days)",
    "relief_end_median_day": "median day relief ends, among responders whose relief ends (given relief_at_day: "
    "given relief then; given relief_lost_day: that day)",
    "relief_end_p10_day": "10th percentile of the relief end (80 % interval, low end)",
    "relief_end_p90_day": "90th percentile of the relief end (80 % interval, high end)",
    "p_relief_90d": "probability of still being relieved on day 90 (all patients: non-responders count as not "
    "relieved, long responders as relieved)",
    "p_relief_180d": "probability of still being relieved on day 180 (as p_relief_90d)",
    "p_relief_365d": "probability of still being relieved on day 365 (as p_relief_90d)",
    "retreatment_due_day": "for clinics that pre-book: book retreatment by this day (relief lost: that day, "
    "due now): the day by which the booking fraction (default 0.25, "
    "--book-at-risk) of comparable patients have lost relief, not before the axons can have "
    "reached their target unless relief ends first (said in warnings); blank for "
    "post-operative pain (an analgesic window)",
    "retreatment_due_date": "retreatment_due_day as a date (YYYY-MM-DD; blank without treated_on)",
    "model_version": "the model that made the row's predictions (name@version)",
    "error": "why the row was not scored (blank when it was); its prediction columns are then blank",
    "next_contact_day": "the day to check on relief: the day by which the contact fraction (default 0.25, "
    "--contact-at-risk) of comparable responders relieved at the last contact (at onset for the first) have lost "
    "relief; never before relief can be judged (onset p90) nor within --min-contact-gap days (14) of the last "
    "contact; blank when relief is lost (book instead) or for an analgesic window without outcome data",
    "next_contact_date": "next_contact_day as a date (YYYY-MM-DD; blank without treated_on)",
    "next_action": "what to do next: call; book retreatment (relief lost); review: probable non-response "
    "(relief lost before it is usually noticed); call at the window's end / none: analgesic window "
    "(post-operative pain)",
    "review_day": "the same as next_contact_day (the first contact replaced the review visit; kept for one release)",
    "review_date": "the same as next_contact_date (kept for one release)",
    "evidence": "what stands behind the relief forecast: studies of the indication, of its pain class only, or "
    "the mechanism only",
    "warnings": "warnings about the row (e.g. a warm probe, a nerve outside its catalog indications, a p90 past "
    "the longest published follow-up behind the forecast), several joined by '; '; blank if none",
    "p_response": "probability relief starts at all (1 when follow-up shows relief)",
    "long_responder_fraction": "fraction of responders whose relief outlasts the model's horizon (not in the "
    "relief-end quantiles)",
    "sensation_observable": "yes when the nerve has a skin territory where the return of sensation can be "
    "observed; no (genicular, lumbar medial branch, suprascapular): the sensation columns "
    "are the time to recovered function (arrival_median_day plus the maturation measured "
    "on skin nerves), a model estimate only",
    "patient_id": "the input patient_id (blank when not given)",
    "nerve": "the catalog id the nerve was resolved to",
    "indication": "the indication used (given, or the nerve's first catalog indication)",
    "relief_onset_p10_day": "10th percentile of relief onset",
    "relief_onset_p90_day": "90th percentile of relief onset",
    "distance_mm": "lesion-to-target distance used (measured, or catalog default scaled by height)",
    "rate_mm_per_day": "median regrowth rate used (age, diabetes, smoking; updated by measured fronts)",
    "initial_delay_days": "median days from the freeze until sprouts advance past the lesion (includes "
    "Wallerian degeneration)",
    "regrowth_days": "median days to regrow the distance at the rate",
    "arrival_median_day": "median day the regrowing axons reach their target (before maturation)",
    "anchor_day": "day the regrowth forecast is counted from: the last measured regeneration front's day (0 "
    "without a front; the timeline's phases then start there)",
    "relief_end_nerve_factor": "how far this patient's nerve regrowth time (age, diabetes, distance, fronts) moves "
    "the median relief end from the evidence's reference patient: exp(slope x (x - x_ref)), 1 = no move; blank "
    "for a model without the evidence's slope, once relief was lost, or when earlier cycles (prior_relief_days) "
    "draw the forecast toward them",
    "arrival_p10_day": "10th percentile of the axons' arrival: the earliest the pain fibres can conduct again; "
    "retreatment is not booked before it",
    "terminal_delay_days": "median days of sensory reinnervation and maturation before the skin feels again "
    "(months in humans)",
    "next_cycle_relief_end_median_day": "given relief_lost_day: median relief end of the next cycle, counted "
    "from the retreatment",
    "next_cycle_relief_end_p10_day": "given relief_lost_day: 10th percentile of the next cycle's relief end",
    "next_cycle_relief_end_p90_day": "given relief_lost_day: 90th percentile of the next cycle's relief end",
    "next_cycle_relief_end_median_date": "given relief_lost_day and treated_on: the calendar date of the next "
    "cycle's median relief end (retreatment day + median)",
    "next_cycle_sensation_return_median_day": "given relief_lost_day: median return of sensation after the "
    "retreatment (a fresh freeze), counted from the retreatment",
    "next_cycle_sensation_return_p10_day": "given relief_lost_day: 10th percentile of the next cycle's return of "
    "sensation",
    "next_cycle_sensation_return_p90_day": "given relief_lost_day: 90th percentile of the next cycle's return of "
    "sensation",
    "follow_up": "what the follow-up columns changed (still relieved on day D, relief lost on day D, history)",
}


def _kind(name: str) -> str:
    kinds = []
    if name in PATIENT_COLUMNS or name == ALLOW_ANY_NERVE:
        kinds.append("patient")
    if name in FOLLOW_UP_COLUMNS:
        kinds.append("follow-up")
    if name in OUTCOME_COLUMNS:
        kinds.append("outcome")
    return ", ".join(kinds)


def _accepted(name: str, kind_of: str, given: str) -> tuple[str, str]:
    """(unit, accepted values) of an input column."""
    if name not in RANGES:
        return ("days" if name.endswith("_day") else ""), given
    low, high, unit, inclusive = RANGES[name]
    span = f"{'from' if inclusive else 'above'} {low:g} to {high:g}"
    if kind_of == "list of numbers":
        return unit, f"{given}; each {span}"
    return unit, f"whole number {span}" if kind_of == "whole number" else span


def _default(name: str) -> str:
    if name == "nerve":
        return "required"
    value = DEFAULTS.get(name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return _BLANK.get(name, "blank")
    return f"{value:g}" if isinstance(value, float) else str(value)


def input_column_docs() -> list[dict[str, str]]:
    """Every accepted input column: name, kind, type, unit, accepted values, default, meaning."""
    names = [
        *PATIENT_COLUMNS,
        ALLOW_ANY_NERVE,
        *FOLLOW_UP_COLUMNS,
        *(c for c in OUTCOME_COLUMNS if c not in FOLLOW_UP_COLUMNS),
    ]
    rows = []
    for name in names:
        kind_of, given, meaning = INPUT_MEANINGS[name]
        unit, accepted = _accepted(name, kind_of, given)
        default = _default(name) if name in PATIENT_COLUMNS or name == ALLOW_ANY_NERVE else "not given"
        rows.append(
            {
                "name": name,
                "kind": _kind(name),
                "type": kind_of,
                "unit": unit,
                "accepted": accepted,
                "default": default,
                "meaning": meaning,
            }
        )
    return rows


def output_column_docs() -> list[dict[str, str]]:
    """Every output column of ``regen score`` and key of ``regen predict --format json``, with its meaning."""
    rows = [{"name": n, "in": "score, predict", "meaning": OUTPUT_MEANINGS[n]} for n in OUTPUT_COLUMNS]
    rows += [
        {"name": n, "in": "score (with follow-up columns), predict", "meaning": OUTPUT_MEANINGS[n]}
        for n in FOLLOW_UP_OUTPUT_COLUMNS
    ]
    rows += [
        {"name": n, "in": "predict", "meaning": OUTPUT_MEANINGS[n]}
        for n in DETAIL_COLUMNS
        if n not in OUTPUT_COLUMNS and n not in FOLLOW_UP_OUTPUT_COLUMNS
    ]
    return rows
