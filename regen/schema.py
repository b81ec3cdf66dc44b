"""The patient columns: names, defaults, accepted ranges, validation.

:func:`validate_patients` turns raw columns (a DataFrame or a mapping of
arrays, strings allowed) into typed numpy arrays plus one error message per
row (empty when the row is usable). It never raises for a bad row: batch
scoring reports the row and scores the others; single-patient callers raise
the message themselves.

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

from regen.catalog import load_catalog, resolve_indication, resolve_nerve
from regen.errors import InputError

__all__ = [
    "DEFAULTS",
    "FOLLOW_UP_COLUMNS",
    "LIST_COLUMNS",
    "PATIENT_COLUMNS",
    "RANGES",
    "PatientBatch",
    "column_help",
    "validate_patients",
]

#: The patient columns of design.md, in order.
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

#: Follow-up columns (optional): conditioning, regeneration fronts, history.
#: ``front_mm``, ``front_day`` and ``prior_relief_days`` hold one number or a
#: semicolon-separated list (e.g. ``"20;41"``).
FOLLOW_UP_COLUMNS = (
    "relief_at_day",
    "relief_lost_day",
    "front_mm",
    "front_day",
    "prior_relief_days",
)
LIST_COLUMNS = ("front_mm", "front_day", "prior_relief_days")

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
_INTEGER = {"freeze_cycles", "prior_treatments"}
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}
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
    if name not in raw:
        return None
    values = raw[name]
    values = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    if values.shape != (n,):
        values = np.resize(values, n)
    return values


_LARGE = 2048  # above this many rows, parse with pandas (already loaded by batch callers)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, unique stripped strings) of a column; blanks and NaN become ''."""
    if values.shape[0] > _LARGE:
        import pandas as pd

        codes, uniques = pd.factorize(values, use_na_sentinel=True)  # hash first, strip the few uniques
        keys = ["" if v is None or (isinstance(v, float) and v != v) else str(v).strip() for v in uniques]
        merged, stripped = pd.factorize(np.array([*keys, ""], dtype=object))
        codes = merged[np.where(codes < 0, len(keys), codes)]
        return codes, np.asarray(stripped, dtype=object)
    keys = np.array(["" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
                     for v in values], dtype=object)
    uniques, codes = np.unique(keys, return_inverse=True)
    return codes, uniques


def _to_float(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parse to float; return (floats with NaN for blank/bad, bad mask)."""
    if values.dtype.kind in "iufb":
        return values.astype(float), np.zeros(values.shape, dtype=bool)
    codes, uniques = _factorize(values)
    parsed = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    for i, text in enumerate(uniques):
        if text:
            try:
                parsed[i] = float(text)
            except ValueError:
                bad[i] = True
            else:
                bad[i] = not np.isfinite(parsed[i])
    return parsed[codes], bad[codes]


def _to_bool(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if values.dtype.kind == "b":
        return values.astype(bool), np.zeros(values.shape, dtype=bool)
    if values.dtype.kind in "iuf":
        nan = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
        vals = np.where(nan, 0, values)
        return vals != 0, ~nan & ~np.isin(vals, (0, 1))
    codes, uniques = _factorize(values)
    lowered = [u.lower() for u in uniques]
    truth = np.array([u in _TRUE for u in lowered], dtype=bool)
    bad = np.array([u not in _TRUE and u not in _FALSE for u in lowered], dtype=bool)
    return truth[codes], bad[codes]


def _map_unique(values: np.ndarray, func) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``func`` to each distinct string; return (results, error messages)."""
    codes, uniques = _factorize(values)
    results = np.empty(len(uniques), dtype=object)
    messages = np.empty(len(uniques), dtype=object)
    for i, key in enumerate(uniques):
        try:
            results[i], messages[i] = func(key), ""
        except InputError as exc:
            results[i], messages[i] = "", str(exc)
    return results[codes], messages[codes]


def _resolve_nerve_or_blank(key: str) -> str:
    if not key.strip():
        raise InputError("nerve is required (e.g. genicular_superolateral; see 'regen nerves')")
    return resolve_nerve(key)


def _parse_date(key: str) -> object:
    if not key.strip():
        return np.datetime64("NaT")
    try:
        return np.datetime64(key.strip()[:10], "D") if len(key.strip()) >= 10 else _bad_date(key)
    except ValueError:
        return _bad_date(key)


def _bad_date(key: str):
    raise InputError(f"{key!r} is not a date; use the ISO form YYYY-MM-DD, e.g. 2026-03-14")


class _Errors:
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


def _list_column(values: np.ndarray | None, name: str, n: int, errors: _Errors) -> np.ndarray:
    """Parse a number or a ';'-separated list per row into an n x k array (NaN padded)."""
    if values is None:
        return np.full((n, 1), np.nan)
    if values.dtype.kind in "iuf":
        parsed = [[float(v)] if v == v else [] for v in values]
    else:
        parsed = []
        for i, v in enumerate(values):
            text = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
            try:
                parsed.append([float(x) for x in text.split(";") if x.strip()])
            except ValueError:
                errors.add(np.arange(n) == i, f"{name}: {text!r} is not a number or a "
                           "';'-separated list of numbers")
                parsed.append([])
    width = max([1, *(len(p) for p in parsed)])
    out = np.full((n, width), np.nan)
    for i, p in enumerate(parsed):
        out[i, : len(p)] = p
    low, high, unit, _ = RANGES[name]
    bad = np.any(~np.isnan(out) & ((out <= low) | (out > high)), axis=1)
    errors.add(bad, lambda i: f"{name}: {';'.join(f'{v:g}' for v in out[i] if v == v)} has a value "
               f"outside the accepted range (above {low:g} to {high:g} {unit})")
    return out


def validate_patients(raw: Mapping) -> PatientBatch:
    """Validate patient columns; never raises for a bad row.

    Parameters
    ----------
    raw : DataFrame or mapping of str to array-like
        Patient columns (see :data:`PATIENT_COLUMNS`); only ``nerve`` is required.
        Values may be strings (as read from a CSV) or typed.

    Returns
    -------
    PatientBatch
        Typed columns (defaults filled in) and one error message per row.

    Raises
    ------
    InputError
        If the ``nerve`` column is missing altogether.
    """
    if "nerve" not in raw:
        raise InputError("the column 'nerve' is required (e.g. genicular_superolateral)")
    nerve_raw = _column(raw, "nerve", len(raw["nerve"]))
    n = nerve_raw.shape[0]
    errors = _Errors(n)
    cols: dict[str, np.ndarray] = {}

    nerve, msg = _map_unique(nerve_raw, _resolve_nerve_or_blank)
    errors.add(msg != "", lambda i: f"nerve: {msg[i]}")
    cols["nerve"] = nerve

    catalog = load_catalog()
    ind_raw = _column(raw, "indication", n)
    if ind_raw is None:
        ind_raw = np.full(n, "", dtype=object)
    indication, msg = _map_unique(ind_raw, lambda k: resolve_indication(k) if k.strip() else "")
    errors.add(msg != "", lambda i: f"indication: {msg[i]}")
    blank = indication == ""
    first = {nid: (nv.indications[0] if nv.indications else "") for nid, nv in catalog.items()}
    indication[blank] = [first.get(v, "") for v in nerve[blank]]
    cols["indication"] = indication

    for name in ("age", "height_cm", "bmi", "distance_mm", "freeze_cycles", "freeze_seconds",
                 "probe_temp_c", "prior_treatments", "relief_at_day", "relief_lost_day"):
        values = _column(raw, name, n)
        default = DEFAULTS.get(name)
        fill = float(default) if isinstance(default, int | float) and not isinstance(default, bool) else np.nan
        if values is None:
            cols[name] = np.full(n, fill)
            continue
        parsed, bad = _to_float(values)
        errors.add(bad, lambda i, v=values, c=name: f"{c}: {_fmt(v[i])!s} is not a number")
        low, high, unit, inclusive = RANGES[name]
        given = ~np.isnan(parsed)
        below = parsed < low if inclusive else parsed <= low
        out = given & (below | (parsed > high))
        if name in _INTEGER:
            out |= given & (parsed != np.round(parsed))
        accepted = f"{'from' if inclusive else 'above'} {low:g} to {high:g} {unit}"
        if name in _INTEGER:
            accepted = f"a whole number {accepted}"
        errors.add(out, lambda i, p=parsed, c=name, a=accepted:
                   f"{c}: {_fmt(p[i])} is outside the accepted range ({a})")
        cols[name] = np.where(given, parsed, fill)

    for name in ("diabetes", "smoker"):
        values = _column(raw, name, n)
        if values is None:
            cols[name] = np.zeros(n, dtype=bool)
            continue
        truth, bad = _to_bool(values)
        errors.add(bad, lambda i, v=values, c=name: f"{c}: {v[i]!s} is not yes/no (use true/false, yes/no or 1/0)")
        cols[name] = truth

    sex_raw = _column(raw, "sex", n)
    if sex_raw is None:
        cols["sex"] = np.full(n, "", dtype=object)
    else:
        def _sex(key: str) -> str:
            k = key.strip().lower()
            if not k:
                return ""
            if k not in _SEX:
                raise InputError(f"{key!r} is not a sex; use female/male (f/m) or leave blank")
            return _SEX[k]
        sex, msg = _map_unique(sex_raw, _sex)
        errors.add(msg != "", lambda i: f"sex: {msg[i]}")
        cols["sex"] = sex

    date_raw = _column(raw, "treated_on", n)
    if date_raw is None:
        cols["treated_on"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    else:
        if date_raw.dtype.kind == "M":
            dates, msg = date_raw.astype("datetime64[D]"), np.full(n, "", dtype=object)
        else:
            parsed_dates, msg = _map_unique(date_raw, _parse_date)
            dates = np.array([d if isinstance(d, np.datetime64) else np.datetime64("NaT")
                              for d in parsed_dates], dtype="datetime64[D]")
        errors.add(msg != "", lambda i: f"treated_on: {msg[i]}")
        cols["treated_on"] = dates

    for name in LIST_COLUMNS:
        cols[name] = _list_column(_column(raw, name, n), name, n, errors)
    both = ~np.isnan(cols["relief_at_day"]) & ~np.isnan(cols["relief_lost_day"])
    errors.add(both & (cols["relief_lost_day"] <= cols["relief_at_day"]),
               lambda i: f"relief_lost_day: {_fmt(cols['relief_lost_day'][i])} is not after "
               f"relief_at_day {_fmt(cols['relief_at_day'][i])}")
    width = max(cols["front_mm"].shape[1], cols["front_day"].shape[1])
    for name in ("front_mm", "front_day"):  # same width, so observations pair up
        pad = np.full((n, width - cols[name].shape[1]), np.nan)
        cols[name] = np.hstack([cols[name], pad])
    mismatch = np.isnan(cols["front_mm"]).sum(axis=1) != np.isnan(cols["front_day"]).sum(axis=1)
    errors.add(mismatch, "front_mm/front_day: give one day per front distance (same count)")

    pid = _column(raw, "patient_id", n)
    cols["patient_id"] = pid if pid is not None else np.array([str(i + 1) for i in range(n)], dtype=object)
    return PatientBatch(columns=cols, errors=errors.array())
