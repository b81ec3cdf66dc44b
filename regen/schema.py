"""The patient columns: defaults, accepted ranges, validation.

:func:`validate_patients` turns raw columns (a DataFrame or a mapping of
arrays, strings allowed) into typed numpy arrays plus one error message per
row (empty when the row is usable). It never raises for a bad row: batch
scoring reports the row and scores the others; single-patient callers raise
the message themselves. Column names are in :mod:`regen.columns`.

Examples
--------
>>> from regen.schema import validate_patients
>>> batch = validate_patients({"nerve": ["SLGN", "knee"], "age": [64, 70]})
>>> list(batch.columns["nerve"]), list(batch.errors)[0]
(['genicular_superolateral', ''], '')
>>> list(batch.errors)[1][:22]
"nerve: unknown nerve '"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from regen.catalog import first_indication, resolve_indication, resolve_nerve
from regen.columns import LIST_COLUMNS
from regen.errors import DataFileError, InputError
from regen.parsing import blank_text, map_unique, to_bool, to_float

__all__ = [
    "DEFAULTS",
    "RANGES",
    "PatientBatch",
    "column_help",
    "parse_date",
    "validate_patients",
]

#: What a missing value means (None = not known; the model handles it).
DEFAULTS: dict[str, object] = {
    "indication": "the nerve's first catalog indication",
    "age": 50.0,
    "sex": "",
    "height_cm": None,
    "bmi": None,
    "diabetes": False,
    "smoker": False,
    "distance_mm": "catalog default, scaled by height_cm/170 when given",
    "freeze_cycles": 2,
    "freeze_seconds": 120.0,
    "probe_temp_c": -70.0,
    "prior_treatments": 0,
    "treated_on": None,
}

#: Accepted numeric ranges: (low, high, unit, low_inclusive).
RANGES: dict[str, tuple[float, float, str, bool]] = {
    "age": (10.0, 100.0, "years", True),
    "height_cm": (0.0, 250.0, "cm", False),
    "bmi": (0.0, 100.0, "kg/m2", False),
    "distance_mm": (0.0, 2000.0, "mm", False),
    "freeze_cycles": (1.0, 10.0, "cycles", True),
    "freeze_seconds": (0.0, 3600.0, "s", False),
    "probe_temp_c": (-273.15, 0.0, "degC", True),
    "prior_treatments": (0.0, 100.0, "treatments", True),
    "relief_at_day": (0.0, 3650.0, "days", True),
    "relief_lost_day": (0.0, 3650.0, "days", False),
    "front_mm": (0.0, 2000.0, "mm", False),
    "front_day": (0.0, 3650.0, "days", False),
    "prior_relief_days": (0.0, 36500.0, "days", False),
}
_NUMERIC = ("age", "height_cm", "bmi", "distance_mm", "freeze_cycles", "freeze_seconds",
            "probe_temp_c", "prior_treatments", "relief_at_day", "relief_lost_day")
_INTEGER = {"freeze_cycles", "prior_treatments"}
_SEX = {"f": "female", "female": "female", "w": "female", "m": "male", "male": "male"}


def column_help(name: str) -> str:
    """One line describing a column's default and accepted values (for --help)."""
    parts = []
    if name in RANGES:
        low, high, unit, inclusive = RANGES[name]
        bound = "from" if inclusive else "above"
        parts.append(f"{bound} {low:g} to {high:g} {unit}")
    default = DEFAULTS.get(name)
    if default is not None and default != "":
        parts.append(f"default: {default}")
    return "; ".join(parts)


@dataclass
class PatientBatch:
    """Validated patient columns: typed arrays and an error message per row."""

    columns: dict[str, np.ndarray]
    errors: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of the rows that can be scored."""
        return self.errors == ""

    def __len__(self) -> int:
        return int(self.errors.shape[0])


def _column(raw: Mapping, name: str, n: int) -> np.ndarray | None:
    """One raw column as a 1-d array of ``n`` values (a scalar is repeated); None when absent."""
    if name not in raw:
        return None
    values = raw[name]
    values = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values, dtype=object)
    if values.ndim == 0:
        return np.full(n, values.item(), dtype=object)
    if values.shape != (n,):
        raise DataFileError(f"column {name!r} has shape {values.shape}, expected {n} values "
                            "(is the column name repeated?)")
    return values


def _resolve_nerve_or_blank(key: str) -> str:
    if not key:
        raise InputError("nerve is required (e.g. genicular_superolateral; see 'regen nerves')")
    return resolve_nerve(key)


def parse_date(text: str) -> np.datetime64:
    """Parse an ISO date ``YYYY-MM-DD`` ('' gives NaT).

    Raises
    ------
    InputError
        If the text is not a valid ISO date.
    """
    key = text.strip()
    if not key:
        return np.datetime64("NaT")
    try:
        if len(key) < 10:
            raise ValueError(key)
        return np.datetime64(key[:10], "D")
    except ValueError:
        raise InputError(f"{text!r} is not a date; use the ISO form YYYY-MM-DD, e.g. 2026-03-14") from None


class _Errors:
    """Error messages per row, joined with '; '."""

    def __init__(self, n: int) -> None:
        self.messages: list[list[str]] = [[] for _ in range(n)]

    def add(self, mask: np.ndarray, message) -> None:
        for i in np.flatnonzero(mask):
            self.messages[i].append(message(i) if callable(message) else message)

    def array(self) -> np.ndarray:
        return np.array(["; ".join(m) for m in self.messages], dtype=object)


def _fmt(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return f"{float(value):g}"
    return str(value)


def _cell_numbers(value: object) -> list[float]:
    """One cell of a list column: a number, a ';'-separated text, or a sequence of numbers."""
    if isinstance(value, list | tuple | np.ndarray):
        return [float(v) for v in value]
    if isinstance(value, int | float | np.number) and not isinstance(value, bool):
        return [] if value != value else [float(value)]
    return [float(x) for x in blank_text(value).split(";") if x.strip()]


def _list_column(values: np.ndarray | None, name: str, n: int, errors: _Errors) -> np.ndarray:
    """Parse a number or a list per row into an n x k array (NaN padded)."""
    if values is None:
        return np.full((n, 1), np.nan)
    parsed = []
    for i, value in enumerate(values):
        try:
            numbers = _cell_numbers(value)
        except (TypeError, ValueError):
            numbers = []
            errors.add(np.arange(n) == i, f"{name}: {blank_text(value)!r} is not a number or a "
                       "';'-separated list of numbers")
        if not all(np.isfinite(numbers)):
            errors.add(np.arange(n) == i, f"{name}: {blank_text(value)!r} holds a value that is not a "
                       "finite number")
            numbers = []
        parsed.append(numbers)
    width = max([1, *(len(p) for p in parsed)])
    out = np.full((n, width), np.nan)
    for i, p in enumerate(parsed):
        out[i, : len(p)] = p
    low, high, unit, _ = RANGES[name]
    bad = np.any(~np.isnan(out) & ((out <= low) | (out > high)), axis=1)
    errors.add(bad, lambda i: f"{name}: {';'.join(f'{v:g}' for v in out[i] if v == v)} has a value "
               f"outside the accepted range (above {low:g} to {high:g} {unit})")
    return out


def _numeric(raw: Mapping, name: str, n: int, errors: _Errors) -> np.ndarray:
    """A numeric column parsed, range-checked and filled with its default."""
    default = DEFAULTS.get(name)
    fill = float(default) if isinstance(default, int | float) and not isinstance(default, bool) else np.nan
    values = _column(raw, name, n)
    if values is None:
        return np.full(n, fill)
    parsed, bad = to_float(values)
    errors.add(bad, lambda i: f"{name}: {_fmt(values[i])!s} is not a number")
    low, high, unit, inclusive = RANGES[name]
    given = ~np.isnan(parsed)
    below = parsed < low if inclusive else parsed <= low
    out = given & (below | (parsed > high))
    accepted = f"{'from' if inclusive else 'above'} {low:g} to {high:g} {unit}"
    if name in _INTEGER:
        out |= given & (parsed != np.round(parsed))
        accepted = f"a whole number {accepted}"
    errors.add(out, lambda i: f"{name}: {_fmt(parsed[i])} is outside the accepted range ({accepted})")
    return np.where(given, parsed, fill)


def _yes_no(raw: Mapping, name: str, n: int, errors: _Errors) -> np.ndarray:
    values = _column(raw, name, n)
    if values is None:
        return np.zeros(n, dtype=bool)
    truth, bad = to_bool(values)
    errors.add(bad, lambda i: f"{name}: {values[i]!s} is not yes/no (use true/false, yes/no or 1/0)")
    return truth


def _sex(key: str) -> str:
    k = key.lower()
    if k and k not in _SEX:
        raise InputError(f"{key!r} is not a sex; use female/male (f/m) or leave blank")
    return _SEX.get(k, "")


def _texts(raw: Mapping, name: str, n: int, errors: _Errors, parse) -> np.ndarray:
    """A text column mapped value by value through ``parse`` (blank stays blank)."""
    values = _column(raw, name, n)
    if values is None:
        return np.full(n, "", dtype=object)
    result, msg = map_unique(values, parse)
    errors.add(msg != "", lambda i: f"{name}: {msg[i]}")
    return result


def _dates(raw: Mapping, n: int, errors: _Errors) -> np.ndarray:
    values = _column(raw, "treated_on", n)
    if values is None:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if values.dtype.kind == "M":
        return values.astype("datetime64[D]")
    parsed, msg = map_unique(values, parse_date)
    errors.add(msg != "", lambda i: f"treated_on: {msg[i]}")
    return np.array([d if isinstance(d, np.datetime64) else np.datetime64("NaT") for d in parsed],
                    dtype="datetime64[D]")


def _follow_up(raw: Mapping, cols: dict, n: int, errors: _Errors) -> None:
    for name in LIST_COLUMNS:
        cols[name] = _list_column(_column(raw, name, n), name, n, errors)
    both = ~np.isnan(cols["relief_at_day"]) & ~np.isnan(cols["relief_lost_day"])
    errors.add(both & (cols["relief_lost_day"] <= cols["relief_at_day"]),
               lambda i: f"relief_lost_day: {_fmt(cols['relief_lost_day'][i])} is not after "
               f"relief_at_day {_fmt(cols['relief_at_day'][i])}")
    width = max(cols["front_mm"].shape[1], cols["front_day"].shape[1])
    for name in ("front_mm", "front_day"):  # same width, so observations pair up
        cols[name] = np.hstack([cols[name], np.full((n, width - cols[name].shape[1]), np.nan)])
    mismatch = np.isnan(cols["front_mm"]).sum(axis=1) != np.isnan(cols["front_day"]).sum(axis=1)
    errors.add(mismatch, "front_mm/front_day: give one day per front distance (same count)")


def validate_patients(raw: Mapping) -> PatientBatch:
    """Validate patient columns; never raises for a bad row.

    Parameters
    ----------
    raw : DataFrame or mapping of str to array-like
        Patient columns (see :data:`regen.columns.PATIENT_COLUMNS`) and optional
        follow-up columns; only ``nerve`` is required. Values may be strings
        (as read from a CSV) or typed; list columns also take sequences.

    Returns
    -------
    PatientBatch
        Typed columns (defaults filled in) and one error message per row.

    Raises
    ------
    DataFileError
        If the ``nerve`` column is missing, or a column name is repeated.
    """
    names = list(getattr(raw, "columns", raw))
    repeated = sorted({str(c) for c in names if names.count(c) > 1})
    if repeated:
        raise DataFileError(f"column names repeat: {', '.join(map(repr, repeated))}; each column must appear once")
    if "nerve" not in raw:
        raise DataFileError("the column 'nerve' is required (e.g. genicular_superolateral)")
    n = len(raw["nerve"])
    errors = _Errors(n)
    cols: dict[str, np.ndarray] = {"nerve": _texts(raw, "nerve", n, errors, _resolve_nerve_or_blank)}
    indication = _texts(raw, "indication", n, errors, lambda k: resolve_indication(k) if k else "")
    blank = indication == ""
    indication[blank] = [first_indication(v) for v in cols["nerve"][blank]]
    cols["indication"] = indication
    for name in _NUMERIC:
        cols[name] = _numeric(raw, name, n, errors)
    for name in ("diabetes", "smoker"):
        cols[name] = _yes_no(raw, name, n, errors)
    cols["sex"] = _texts(raw, "sex", n, errors, _sex)
    cols["treated_on"] = _dates(raw, n, errors)
    _follow_up(raw, cols, n, errors)
    pid = _column(raw, "patient_id", n)
    cols["patient_id"] = np.full(n, "", dtype=object) if pid is None else pid
    return PatientBatch(columns=cols, errors=errors.array())
