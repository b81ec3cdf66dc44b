"""The column contract: input and output names, their order, and how numbers are rounded and written.

Other programs read these names; change them only with a
deprecation path. ``regen score``, ``regen predict --format json`` and
:func:`regen.score_frame` all take their output names, order and rounding
from here, so the same patient gets the same numbers everywhere.

**The number rule** (one rule for every output): a prediction number is
rounded half to even to :func:`decimals` places (days 0.1, probabilities and
fractions 0.001), then written as the shortest decimal text that reads back
as exactly that number, with at least one decimal: ``120.0``, ``87.4``,
``0.25``, ``0.0``. That is Python's ``repr`` of the rounded float, so the
JSON of ``regen predict`` (floats) and the CSV of ``regen score``
(:func:`format_numbers`) print the same characters. A missing or non-finite
number is written as an empty cell (``null`` in JSON).

Examples
--------
>>> from regen.schema.columns import OUTPUT_COLUMNS, decimals, format_number
>>> OUTPUT_COLUMNS[0], decimals("p_relief_90d"), decimals("relief_end_median_day")
('sensation_return_median_day', 3, 1)
>>> format_number("p_relief_90d", 0.2500001), format_number("relief_end_median_day", 120)
('0.25', '120.0')
>>> format_number("relief_end_median_day", float("nan"))
''
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from regen.schema.dates import MAX_DAYS_AFTER

__all__ = [
    "DETAIL_COLUMNS",
    "FOLLOW_UP_COLUMNS",
    "FOLLOW_UP_OUTPUT_COLUMNS",
    "LIST_COLUMNS",
    "OUTCOME_COLUMNS",
    "OUTPUT_COLUMNS",
    "PATIENT_COLUMNS",
    "PREDICTION_COLUMNS",
    "RELIEF_DAYS",
    "decimals",
    "format_number",
    "format_numbers",
    "round_outputs",
    "whole_day",
]

#: The patient columns (input of predict and score), in order.
PATIENT_COLUMNS = (
    "patient_id",
    "nerve",
    "indication",
    "age",
    "sex",
    "height_cm",
    "bmi",
    "diabetes",
    "smoker",
    "distance_mm",
    "freeze_cycles",
    "freeze_seconds",
    "probe_temp_c",
    "prior_treatments",
    "treated_on",
)

#: Follow-up columns (optional): still relieved on a day, relief lost on a day,
#: regeneration fronts, earlier cycles. ``front_mm``, ``front_day`` and
#: ``prior_relief_days`` hold one number or a ';'-separated list (``"20;41"``).
FOLLOW_UP_COLUMNS = (
    "relief_at_day",
    "relief_lost_day",
    "front_mm",
    "front_day",
    "prior_relief_days",
    "last_contact_on",
    "relieved_at_last_contact",
    "relief_lost_on",
)
#: The follow-up as a clinic records it (dates); the same information as ``relief_at_day`` /
#: ``relief_lost_day`` (days since the treatment): one form per row.
CONTACT_COLUMNS = ("last_contact_on", "relieved_at_last_contact", "relief_lost_on")
LIST_COLUMNS = ("front_mm", "front_day", "prior_relief_days")

#: Outcome columns (input of fit and evaluate), beside the patient columns.
OUTCOME_COLUMNS = (
    "relief_last_seen_day",
    "relief_lost_day",
    "responded",
    "sensation_last_absent_day",
    "sensation_returned_day",
    "cycle",
)

#: Days at which the probability of still being relieved is reported.
RELIEF_DAYS = (90, 180, 365)

#: The prediction columns every consumer relies on, in order (``error`` last).
PREDICTION_COLUMNS = (
    "sensation_return_median_day",
    "sensation_return_p10_day",
    "sensation_return_p90_day",
    "relief_onset_day",
    "relief_end_median_day",
    "relief_end_p10_day",
    "relief_end_p90_day",
    *(f"p_relief_{d}d" for d in RELIEF_DAYS),
    "retreatment_due_day",
    "retreatment_due_date",
    "model_version",
    "error",
)

#: What ``regen score`` appends after the input columns, in order: the
#: contract's columns, then the review (planning) and the additions.
OUTPUT_COLUMNS = (
    *PREDICTION_COLUMNS,
    "next_contact_day",
    "next_contact_date",
    "next_action",
    "review_day",
    "review_date",
    "evidence",
    "warnings",
    "p_response",
    "long_responder_fraction",
    "sensation_observable",
)

#: Appended by ``regen score`` after :data:`OUTPUT_COLUMNS` when the input has
#: follow-up columns: the next cycle after a retreatment on ``relief_lost_day``
#: (days counted from that retreatment; the date is the median's calendar day).
FOLLOW_UP_OUTPUT_COLUMNS = (
    "next_cycle_relief_end_median_day",
    "next_cycle_relief_end_p10_day",
    "next_cycle_relief_end_p90_day",
    "next_cycle_relief_end_median_date",
    "next_cycle_sensation_return_median_day",
    "next_cycle_sensation_return_p10_day",
    "next_cycle_sensation_return_p90_day",
    "follow_up",
)

#: Further keys of one patient's prediction (``regen predict --format json``).
DETAIL_COLUMNS = (
    "patient_id",
    "nerve",
    "indication",
    "relief_onset_p10_day",
    "relief_onset_p90_day",
    "distance_mm",
    "rate_mm_per_day",
    "initial_delay_days",
    "regrowth_days",
    "terminal_delay_days",
    "arrival_median_day",
    "arrival_p10_day",
    "anchor_day",
    "relief_end_nerve_factor",
    *FOLLOW_UP_OUTPUT_COLUMNS,
)

_DAY_DECIMALS, _FRACTION_DECIMALS, _RATE_DECIMALS = 1, 3, 3


def decimals(name: str) -> int | None:
    """Decimals a numeric output column is rounded to (None: not a rounded number).

    Days (``*_day``, ``*_days``, ``distance_mm``) to 0.1; probabilities and
    fractions (``p_*``, ``*_fraction``), factors (``*_factor``) and the rate (mm/day) to 0.001.
    """
    if name.startswith("p_") or name.endswith(("_fraction", "_factor")):
        return _FRACTION_DECIMALS
    if name == "rate_mm_per_day":
        return _RATE_DECIMALS
    if name.endswith(("_day", "_days", "_mm")):
        return _DAY_DECIMALS
    return None


def round_outputs(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Round every numeric column by :func:`decimals` (other columns unchanged)."""
    out = {}
    for name, values in columns.items():
        places = decimals(name)
        arr = np.asarray(values)
        out[name] = np.round(arr, places) if places is not None and arr.dtype.kind == "f" else values
    return out


def format_numbers(name: str, values):
    """Write a numeric column as text by the number rule (vectorised; a pyarrow string array).

    Rounds by :func:`decimals` (no rounding for other names), then writes each
    distinct value once: the shortest round-trip decimal with at least one
    decimal ('' for NaN and infinities).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = np.asarray(values, dtype=float)
    places = decimals(name)
    if places is not None:
        arr = np.round(arr, places)
    arr = np.where(np.isfinite(arr), arr, np.nan) + 0.0  # -0.0 -> 0.0
    codes, uniques = _distinct(arr)
    text = pc.cast(pa.array(uniques), pa.string())
    text = pc.if_else(pc.match_substring_regex(text, r"[.en]"), text, pc.binary_join_element_wise(text, ".0", ""))
    text = pa.concat_arrays([text, pa.array([""], type=pa.string())])  # the last entry: missing values
    return pc.take(text, pa.array(codes))


def _distinct(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the distinct finite values of a float array; NaN gets the code ``len(uniques)``."""
    if arr.shape[0] > 2048:
        import pandas as pd

        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        return np.where(codes < 0, len(uniques), codes), np.asarray(uniques, dtype=float)
    finite = ~np.isnan(arr)
    uniques, inverse = np.unique(arr[finite], return_inverse=True)
    codes = np.full(arr.shape[0], len(uniques))
    codes[finite] = inverse.reshape(-1)
    return codes, uniques


def whole_day(value: float) -> int:
    """A day shown as a whole day, half up (as the date columns count it), e.g. 1588.5 -> 1589."""
    return math.floor(value + 0.5)


def day_text(value: float, thousands: bool = False) -> str:
    """A forecast day as text: whole, half up (:func:`whole_day`); a day capped at 100 years (a forecast past
    :data:`regen.schema.dates.MAX_DAYS_AFTER`, said in the row's warnings) as '36500+'."""
    day = min(whole_day(value), MAX_DAYS_AFTER)
    text = f"{day:,}" if thousands else str(day)
    return f"{text}+" if value >= MAX_DAYS_AFTER else text


def format_number(name: str, value: float) -> str:
    """One number as text by the number rule (see :func:`format_numbers`)."""
    return format_numbers(name, [value])[0].as_py()
