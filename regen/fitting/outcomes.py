"""Outcome data: relief end known exactly, between two visits, or not yet.

Columns beside the patient columns (:data:`regen.schema.columns.OUTCOME_COLUMNS`):

- ``relief_last_seen_day``: last follow-up day with relief still present
  (0 = relief never confirmed);
- ``relief_lost_day``: first follow-up day without relief; blank = still
  relieved at last contact (right-censored); equal to ``relief_last_seen_day``
  for an exactly known day;
- ``responded`` (optional, yes/no): whether relief ever started. Blank means
  *inferred*: a row with ``relief_last_seen_day`` 0 is a **non-responder**
  (relief never confirmed), any other row a responder;
- ``sensation_last_absent_day`` / ``sensation_returned_day`` (optional): the
  same pair for return of sensation;
- ``cycle`` (optional, a whole number from 1): the treatment cycle of this
  nerve; with ``patient_id`` it links a patient's repeat cycles (one row per
  patient, nerve and cycle: :func:`check_cycles`).

:func:`load_outcomes` validates every row; bad rows are listed with their
1-based row number and reason, and the others are kept.

Examples
--------
>>> import pandas as pd
>>> from regen.fitting.outcomes import load_outcomes
>>> frame = pd.DataFrame({"nerve": ["GON", "GON", "GON", "GON"],
...                       "relief_last_seen_day": ["30", "0", "56", "40"],
...                       "relief_lost_day": ["56", "7", "", "20"]})
>>> data = load_outcomes(frame)
>>> data.lower.tolist(), data.upper.tolist(), data.responded.tolist()
([30.0, 0.0, 56.0], [56.0, 7.0, inf], [True, False, True])
>>> data.bad
[(4, 'relief_lost_day: 20 is before relief_last_seen_day 40')]
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

import numpy as np

from regen.errors import DataFileError
from regen.files.read import read_table
from regen.schema.columns import FOLLOW_UP_COLUMNS, OUTCOME_COLUMNS
from regen.schema.headers import delimiter_hint, match_headers
from regen.schema.patients import INPUT_COLUMNS, validate_patients
from regen.utils.parsing import to_bool, to_float
from regen.utils.text import clip, plural, printable

__all__ = ["OUTCOME_COLUMNS", "OutcomeData", "check_cycles", "event_times", "load_outcomes", "require_observed"]

_EPS_DAYS = 0.5  # lower bound used for a responder whose relief was never confirmed
#: Largest accepted outcome day (100 years): beyond it a day is a typo or a timestamp, not follow-up.
MAX_OUTCOME_DAY = 36500.0
#: Largest accepted treatment cycle.
MAX_CYCLE = 1000


@dataclass
class OutcomeData:
    """Validated outcome rows (only the usable ones) and the list of bad rows.

    Attributes
    ----------
    columns : dict of array
        Typed patient columns of the usable rows (see :func:`regen.schema.patients.validate_patients`).
    lower, upper : array
        Relief end lies in ``(lower, upper]`` days; ``upper`` is ``inf`` when
        still relieved at last contact; ``lower == upper`` for an exact day.
    responded : array of bool
        Whether relief started.
    rows : array of int
        1-based row numbers of the usable rows in the input.
    bad : list of (int, str)
        Row number and reason of every row left out.
    sha256 : str
        Hash of the input values (stored in a model file instead of the rows).
    mapped : dict of str to str
        Input header -> column, where they differ (``Age`` -> ``age``).
    warnings : list of str
        Unknown headers that look like a known column.
    has_lost_column : bool
        Whether the table has a ``relief_lost_day`` column at all.
    cycle : array, optional
        The treatment cycle of each row (NaN where not given); None when the table has no ``cycle`` column.
    """

    columns: dict
    lower: np.ndarray
    upper: np.ndarray
    responded: np.ndarray
    rows: np.ndarray
    bad: list = field(default_factory=list)
    sha256: str = ""
    mapped: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    has_lost_column: bool = True
    cycle: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.lower.shape[0])

    def subset(self, mask: np.ndarray) -> OutcomeData:
        """The rows selected by a boolean mask or an index array (bad-row list and hash kept)."""
        return OutcomeData(
            {k: v[mask] for k, v in self.columns.items()},
            self.lower[mask],
            self.upper[mask],
            self.responded[mask],
            self.rows[mask],
            self.bad,
            self.sha256,
            self.mapped,
            self.warnings,
            self.has_lost_column,
            None if self.cycle is None else self.cycle[mask],
        )

    @property
    def observed(self) -> np.ndarray:
        """Mask of the responders whose relief end is observed (exact day or between two visits)."""
        return self.responded & np.isfinite(self.upper)

    @property
    def censoring_mix(self) -> dict[str, int]:
        """Counts of exact, interval-censored, right-censored and non-responder rows."""
        resp = self.responded
        return {
            "exact": int(np.sum(resp & (self.lower == self.upper))),
            "interval": int(np.sum(resp & (self.lower < self.upper) & np.isfinite(self.upper))),
            "right": int(np.sum(resp & ~np.isfinite(self.upper))),
            "non_responder": int(np.sum(~resp)),
        }


def _hash_frame(frame) -> str:
    import pandas as pd

    digest = hashlib.sha256()
    digest.update(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).values.tobytes())
    return digest.hexdigest()


def _days(frame, name: str, n: int, errors: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Days of one column (NaN where blank or bad) and the mask of cells that are not a number.

    One message per bad cell: a cell that is not a number is not also called missing by the caller.
    """
    if name not in frame:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    values, bad = to_float(np.asarray(frame[name], dtype=object))
    for i in np.flatnonzero(bad):
        errors[i].append(f"{name}: {printable(frame[name].iloc[i])} is not a number of days")
    for i in np.flatnonzero(values < 0):
        errors[i].append(f"{name}: {values[i]:g} is negative")
    for i in np.flatnonzero(values > MAX_OUTCOME_DAY):
        errors[i].append(f"{name}: {values[i]:g} is more than {MAX_OUTCOME_DAY:g} days (100 years)")
    return values, bad


def _interval(frame, n: int, errors: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    seen, seen_bad = _days(frame, "relief_last_seen_day", n, errors)
    lost, lost_bad = _days(frame, "relief_lost_day", n, errors)
    for i in np.flatnonzero(np.isnan(seen) & ~seen_bad):
        errors[i].append("relief_last_seen_day: required (0 if relief was never confirmed)")
    for i in np.flatnonzero(lost < seen):
        errors[i].append(f"relief_lost_day: {lost[i]:g} is before relief_last_seen_day {seen[i]:g}")
    if "responded" in frame:
        answer, bad = to_bool(np.asarray(frame["responded"], dtype=object))
        blank = np.array([str(v).strip() == "" for v in frame["responded"]], dtype=bool)
        for i in np.flatnonzero(bad):
            errors[i].append(f"responded: {printable(frame['responded'].iloc[i])} is not yes/no")
    else:
        answer, blank, bad = np.zeros(n, bool), np.ones(n, bool), np.zeros(n, bool)
    responded = np.where(blank, seen > 0, answer)
    for i in np.flatnonzero(~blank & ~answer & ~bad & (seen > 0)):
        errors[i].append(f"responded: no, but relief_last_seen_day {seen[i]:g} says relief was seen (fix one)")
    for i in np.flatnonzero(blank & np.isnan(lost) & ~lost_bad & (seen == 0)):
        errors[i].append("no follow-up: relief never confirmed and no day it was found absent (or say responded: no)")
    _sensation(frame, n, errors)
    upper = np.where(np.isnan(lost), np.inf, lost)
    return np.where(np.isnan(seen), 0.0, seen), upper, responded


def _cycle(frame, n: int, errors: list[list[str]]) -> np.ndarray | None:
    """The ``cycle`` column: a whole number from 1 per row, NaN where blank; None without the column."""
    if "cycle" not in frame:
        return None
    values, bad = to_float(np.asarray(frame["cycle"], dtype=object))
    wrong = ~bad & ~np.isnan(values) & ((values < 1) | (values > MAX_CYCLE) | (values != np.round(values)))
    for i in np.flatnonzero(bad | wrong):
        errors[i].append(f"cycle: {printable(frame['cycle'].iloc[i])} is not a whole number from 1 to {MAX_CYCLE}")
    return np.where(bad | wrong, np.nan, values)


def _sensation(frame, n: int, errors: list[list[str]]) -> None:
    """Check the optional return-of-sensation pair (validated and kept in the data; the fit does not use it)."""
    absent, _ = _days(frame, "sensation_last_absent_day", n, errors)
    back, _ = _days(frame, "sensation_returned_day", n, errors)
    for i in np.flatnonzero(back < absent):
        errors[i].append(f"sensation_returned_day: {back[i]:g} is before sensation_last_absent_day {absent[i]:g}")


def load_outcomes(source) -> OutcomeData:
    """Validate an outcome table (a path or a DataFrame).

    Raises
    ------
    DataFileError
        If the file cannot be read, lacks a required column, or has no usable row.
    """
    frame = read_table(source) if isinstance(source, str | os.PathLike) else source
    match = match_headers(list(frame.columns), INPUT_COLUMNS)
    frame = frame.reset_index(drop=True).rename(columns={h: c for c, h in match.columns.items()})
    for name in ("nerve", "relief_last_seen_day"):
        if name not in frame.columns:
            shown = ", ".join(printable(c) for c in frame.columns)
            raise DataFileError(
                f"the outcome table has no column {name!r} (columns: {shown})" + delimiter_hint(frame.columns)
            )
    n = len(frame)
    # in an outcome table relief_lost_day is the outcome, not follow-up conditioning
    batch = validate_patients(frame.drop(columns=[c for c in FOLLOW_UP_COLUMNS if c in frame.columns]))
    errors = [[e] if e else [] for e in batch.errors]
    lower, upper, responded = _interval(frame, n, errors)
    cycle = _cycle(frame, n, errors)
    ok = np.array([not e for e in errors], dtype=bool)
    bad = [(i + 1, "; ".join(e)) for i, e in enumerate(errors) if e]
    if n == 0:
        raise DataFileError("the outcome file has no rows (only a header): nothing to fit or evaluate")
    if not ok.any():
        first = f" (row {bad[0][0]}: {bad[0][1]})" if bad else ""
        raise DataFileError(f"no usable outcome rows: {len(bad)} of {n} rows are invalid{first}")
    columns = {k: v[ok] for k, v in batch.columns.items()}
    return OutcomeData(
        columns=columns,
        lower=lower[ok],
        upper=upper[ok],
        responded=responded[ok],
        rows=np.flatnonzero(ok) + 1,
        bad=bad,
        sha256=_hash_frame(frame),
        mapped=match.mapped,
        warnings=match.warnings,
        has_lost_column="relief_lost_day" in frame.columns,
        cycle=None if cycle is None else cycle[ok],
    )


def check_cycles(data: OutcomeData) -> None:
    """Refuse, in one line, two rows of one patient, nerve and cycle (a repeat cycle is a row of its own).

    Rows without a ``patient_id`` or a ``cycle`` are not compared.

    Raises
    ------
    DataFileError
        Naming both rows, the patient, the nerve and the cycle.
    """
    if data.cycle is None:
        return
    seen: dict[tuple, int] = {}
    pid, nerve = data.columns["patient_id"], data.columns["nerve"]
    for k in range(len(data)):
        if str(pid[k]).strip() == "" or np.isnan(data.cycle[k]):
            continue
        key = (str(pid[k]).strip(), str(nerve[k]), int(data.cycle[k]))  # an id as the patient grouping reads it
        if key in seen:
            raise DataFileError(
                f"rows {data.rows[seen[key]]} and {data.rows[k]}: patient_id {clip(key[0], 40)}, "
                f"nerve {key[1]}, cycle {key[2]} appear twice (one row per patient, nerve and cycle)"
            )
        seen[key] = k


def require_observed(data: OutcomeData, need: int, purpose: str, mask: np.ndarray | None = None) -> None:
    """Refuse, in one line, data with fewer than ``need`` observed relief ends.

    Parameters
    ----------
    data : OutcomeData
    need : int
        The least number of responders whose relief end is observed.
    purpose : str
        What needs them (starts the message, e.g. ``"fitting 3 coefficients"``).
    mask : array of bool, optional
        Count only these rows (default: all).

    Raises
    ------
    DataFileError
        Saying how many there are, what the other rows are, and what to add.
    """
    mask = np.ones(len(data), dtype=bool) if mask is None else mask
    have = int((data.observed & mask).sum())
    if have >= need:
        return
    mix = data.censoring_mix
    outside = int((data.observed & ~mask).sum())
    parts = [f"{mix['right']} still relieved at last contact", plural(mix["non_responder"], "non-responder")]
    if outside:
        parts.insert(
            0,
            f"{outside} observed but left out of this fit (an indication without enough ends, or "
            "relief beyond the long-responder day)",
        )
    if data.bad:
        parts.append(f"{plural(len(data.bad), 'row')} left out as invalid")
    hint = "" if data.has_lost_column else "; the table has no relief_lost_day column"
    read = len(data) + len(data.bad)
    raise DataFileError(
        f"{purpose}: need at least {plural(need, 'row')} whose relief end is observed (a "
        f"responder with relief_lost_day given); of the {plural(read, 'row')} read, {have} "
        f"{'has' if have == 1 else 'have'} one, and {', '.join(parts)}{hint}"
    )


def event_times(data: OutcomeData) -> tuple[np.ndarray, np.ndarray]:
    """One time per row for concordance: exact day, interval midpoint, or censoring day; and the event flag."""
    finite = np.isfinite(data.upper)
    time = np.where(finite, (data.lower + np.where(finite, data.upper, 0.0)) / 2.0, data.lower)
    return np.maximum(time, _EPS_DAYS), finite
