"""The patient columns: defaults, accepted ranges, validation.

:func:`validate_patients` turns raw columns (a DataFrame or a mapping of
arrays, strings allowed) into typed numpy arrays plus one error message per
row (empty when the row is usable). It never raises for a bad row: batch
scoring reports the row and scores the others; single-patient callers raise
the message themselves. Column names are in :mod:`regen.schema.columns`; headers
that differ from them only by case, spaces, ``-`` or ``_`` are read as them
(:mod:`regen.schema.headers`). A nerve given with an indication the catalog does
not list for it is a row error, unless ``allow_any_nerve`` says yes (then it
is a row warning).

Plausible ranges (:data:`RANGES`) are input checks chosen for this tool,
not published numbers (interpretation, not from the sources read): height
100-250 cm (a 10-year-old, the youngest accepted age, is taller than 100 cm
unless of very short stature, and almost no adult is taller than 250 cm; a
patient outside gives a measured ``distance_mm`` instead, which needs no
height), BMI 10-100 kg/m2, a measured distance from 1 mm, a probe no colder
than liquid nitrogen (-196 degC), earlier relief cycles up to 10 years.

Examples
--------
>>> from regen.schema.patients import validate_patients
>>> batch = validate_patients({"nerve": ["SLGN", "knee"], "age": [64, 70]})
>>> list(batch.columns["nerve"]), list(batch.errors)[0]
(['genicular_superolateral', ''], '')
>>> list(batch.errors)[1][:22]
"nerve: unknown nerve '"
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from regen.catalog.checks import distance_warnings, join_messages, off_catalog, off_catalog_message
from regen.catalog.nerves import first_indication, resolve_indication, resolve_nerve
from regen.errors import DataFileError, InputError
from regen.schema.columns import FOLLOW_UP_COLUMNS, LIST_COLUMNS, OUTCOME_COLUMNS, PATIENT_COLUMNS
from regen.schema.dates import YEARS, date_texts, parse_date, years_outside
from regen.schema.headers import HeaderMatch, delimiter_hint, match_headers, title_hint
from regen.utils.parsing import CodedText, blank_text, factorize, map_unique, parse_number, to_bool, to_float
from regen.utils.text import clip, quoted

__all__ = [
    "ALLOW_ANY_NERVE",
    "DEFAULTS",
    "INPUT_COLUMNS",
    "RANGES",
    "PatientBatch",
    "check_headers",
    "parse_date",
    "validate_patients",
]

#: The per-row override of the nerve x indication check (yes/no; blank = no).
ALLOW_ANY_NERVE = "allow_any_nerve"
#: Every input column name headers are matched against.
INPUT_COLUMNS = (
    *PATIENT_COLUMNS,
    ALLOW_ANY_NERVE,
    *FOLLOW_UP_COLUMNS,
    *(c for c in OUTCOME_COLUMNS if c not in FOLLOW_UP_COLUMNS),
)

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
    "height_cm": (100.0, 250.0, "cm", True),
    "bmi": (10.0, 100.0, "kg/m2", True),
    "distance_mm": (1.0, 2000.0, "mm", True),
    "freeze_cycles": (1.0, 10.0, "cycles", True),
    "freeze_seconds": (0.0, 3600.0, "s", False),
    "probe_temp_c": (-196.0, 0.0, "degC", True),
    "prior_treatments": (0.0, 100.0, "treatments", True),
    "relief_at_day": (0.0, 3650.0, "days", True),
    "relief_lost_day": (0.0, 3650.0, "days", False),
    "front_mm": (0.0, 2000.0, "mm", False),
    "front_day": (0.0, 3650.0, "days", False),
    "prior_relief_days": (0.0, 3650.0, "days", False),
}
_NUMERIC = (
    "age",
    "height_cm",
    "bmi",
    "distance_mm",
    "freeze_cycles",
    "freeze_seconds",
    "probe_temp_c",
    "prior_treatments",
    "relief_at_day",
    "relief_lost_day",
)
_INTEGER = {"freeze_cycles", "prior_treatments"}
_SEX = {"f": "female", "female": "female", "w": "female", "m": "male", "male": "male"}
#: Columns whose blank or absent value means a stated default (counted in ``PatientBatch.defaults``).
_COUNTED_DEFAULTS = (
    "indication",
    "age",
    "diabetes",
    "smoker",
    "distance_mm",
    "freeze_cycles",
    "freeze_seconds",
    "probe_temp_c",
    "prior_treatments",
)


@dataclass
class PatientBatch:
    """Validated patient columns: typed arrays and an error message per row.

    Attributes
    ----------
    columns : dict of str to array
        Typed columns by contract name, defaults filled in.
    errors : array of str
        One message per row ('' when the row is usable).
    row_warnings : array of str
        One warning per row ('' when none), e.g. a nerve scored for an
        indication the catalog does not list for it (``allow_any_nerve``).
    mapped : dict of str to str
        Input header -> contract column, where the two differ (``Age`` -> ``age``).
    defaults : dict of str to int
        Column -> number of rows where its default was used (blank or column
        absent); columns with no such row are left out.
    warnings : list of str
        File-level warnings (an unknown header that looks like a known column).
    """

    columns: dict[str, np.ndarray]
    errors: np.ndarray
    row_warnings: np.ndarray | None = None
    mapped: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.row_warnings is None:
            self.row_warnings = np.full(self.errors.shape, "", dtype=object)

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
    if isinstance(values, CodedText):
        pass  # keep the reader's dictionary encoding (see regen.utils.parsing.CodedText)
    elif hasattr(values, "to_numpy"):
        values = values.to_numpy()
    else:
        values = np.asarray(values, dtype=object)
    if values.ndim == 0:
        return np.full(n, values.item(), dtype=object)
    if values.shape != (n,):
        raise DataFileError(
            f"column {name!r} has shape {values.shape}, expected {n} values (is the column name repeated?)"
        )
    return values


def _blank(values: np.ndarray | None, n: int) -> np.ndarray:
    """Mask of blank (or missing) cells; all True when the column is absent."""
    if values is None:
        return np.ones(n, dtype=bool)
    if values.dtype.kind in "iub":
        return np.zeros(n, dtype=bool)
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind == "M":
        return np.isnat(values)
    codes, uniques = factorize(values)
    return (uniques == "")[codes] if len(uniques) else np.zeros(n, dtype=bool)


def _resolve_nerve_or_blank(key: str) -> str:
    if not key:
        raise InputError("nerve is required (e.g. genicular_superolateral; see 'regen nerves')")
    return resolve_nerve(key)


class _Errors:
    """Error messages per row, joined with '; ' (stored only for rows that have one)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.messages: dict[int, list[str]] = {}

    def add(self, mask: np.ndarray, message) -> None:
        for i in np.flatnonzero(mask):
            self.messages.setdefault(int(i), []).append(message(i) if callable(message) else message)

    def array(self) -> np.ndarray:
        out = np.full(self.n, "", dtype=object)
        for i, found in self.messages.items():
            out[i] = "; ".join(found)
        return out


def _fmt(value: object) -> str:
    """A value for a message: a whole float as ``64``, anything else escaped and cut (:func:`clip`)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return clip(f"{float(value):g}")
    return clip(value)


def _as_float(value: object) -> float:
    """A number as a float; an integer too large for a float (``10**400``) raises ValueError, not OverflowError."""
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{clip(value)} is too large") from None


def _element(value: object) -> float:
    if isinstance(value, str):
        return parse_number(value)
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ValueError(value)
    return _as_float(value)


def _cell_numbers(value: object) -> list[float]:
    """One cell of a list column: a number, a ';'-separated text, or a sequence of numbers."""
    if isinstance(value, list | tuple | np.ndarray):
        return [_element(v) for v in value]
    if isinstance(value, int | float | np.number) and not isinstance(value, bool):
        return [] if value != value else [_as_float(value)]
    text = blank_text(value)
    items = text.split(";") if text else []
    if any(not x.strip() for x in items):  # "40;;80" or ";40": an empty slot would shift the pairs
        raise ValueError(f"{text!r} has an empty item")
    return [parse_number(x) for x in items]


def _recedes(front_mm: np.ndarray, front_day: np.ndarray) -> np.ndarray:
    """Rows whose fronts, ordered by day, do not move away from the lesion."""
    out = np.zeros(front_mm.shape[0], dtype=bool)
    several = np.flatnonzero((~np.isnan(front_mm)).sum(axis=1) > 1)
    for i in several:
        keep = ~np.isnan(front_mm[i]) & ~np.isnan(front_day[i])
        order = np.argsort(front_day[i][keep], kind="stable")
        out[i] = bool(np.any(np.diff(front_mm[i][keep][order]) < 0))
    return out


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
            shown = clip(blank_text(value))
            errors.add(np.arange(n) == i, f"{name}: '{shown}' is not a number or a ';'-separated list of numbers")
        if not all(np.isfinite(numbers)):
            shown = clip(blank_text(value))
            errors.add(np.arange(n) == i, f"{name}: '{shown}' holds a value that is not a finite number")
            numbers = []
        parsed.append(numbers)
    width = max([1, *(len(p) for p in parsed)])
    out = np.full((n, width), np.nan)
    for i, p in enumerate(parsed):
        out[i, : len(p)] = p
    low, high, unit, _ = RANGES[name]
    bad = np.any(~np.isnan(out) & ((out <= low) | (out > high)), axis=1)
    errors.add(
        bad,
        lambda i: (
            f"{name}: {';'.join(f'{v:g}' for v in out[i] if v == v)} has a value "
            f"outside the accepted range (above {low:g} to {high:g} {unit})"
        ),
    )
    return out


def _numeric(raw: Mapping, name: str, n: int, errors: _Errors) -> tuple[np.ndarray, np.ndarray]:
    """A numeric column parsed, range-checked and filled with its default; and the mask of blank rows."""
    default = DEFAULTS.get(name)
    fill = float(default) if isinstance(default, int | float) and not isinstance(default, bool) else np.nan
    values = _column(raw, name, n)
    if values is None:
        return np.full(n, fill), np.ones(n, dtype=bool)
    parsed, bad = to_float(values)
    errors.add(bad, lambda i: f"{name}: {_fmt(values[i])} is not a number")
    low, high, unit, inclusive = RANGES[name]
    given = ~np.isnan(parsed)
    below = parsed < low if inclusive else parsed <= low
    out = given & (below | (parsed > high))
    accepted = f"{'from' if inclusive else 'above'} {low:g} to {high:g} {unit}"
    if name in _INTEGER:
        out |= given & (parsed != np.round(parsed))
        accepted = f"a whole number {accepted}"
    errors.add(out, lambda i: f"{name}: {_shown(values[i], parsed[i])} is outside the accepted range ({accepted})")
    return np.where(given, parsed, fill), ~given & ~bad


def _shown(raw: object, parsed: float) -> str:
    """A value as the file wrote it (``1e-400``, not the 0 it parses to); typed values by their number."""
    return clip(raw.strip()) if isinstance(raw, str) else _fmt(parsed)


def _yes_no(raw: Mapping, name: str, n: int, errors: _Errors) -> tuple[np.ndarray, np.ndarray]:
    """A yes/no column (blank = no); and the mask of blank rows."""
    values = _column(raw, name, n)
    if values is None:
        return np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    truth, bad = to_bool(values)
    errors.add(bad, lambda i: f"{name}: {_fmt(values[i])} is not yes/no (use true/false, yes/no or 1/0)")
    return truth, _blank(values, n)


def _sex(key: str) -> str:
    k = key.lower()
    if k and k not in _SEX:
        raise InputError(f"{str(key)!r} is not a sex; use female/male (f/m) or leave blank")
    return _SEX.get(k, "")


def _texts(raw: Mapping, name: str, n: int, errors: _Errors, parse) -> np.ndarray:
    """A text column mapped value by value through ``parse`` (blank stays blank)."""
    values = _column(raw, name, n)
    if values is None:
        return np.full(n, "", dtype=object)
    result, msg = map_unique(values, parse)
    errors.add(msg != "", lambda i: f"{name}: {msg[i]}")
    return result


def _coded(values: np.ndarray) -> np.ndarray:
    """A text column that carries its dictionary encoding, so that later steps do not hash it again."""
    return CodedText.from_codes(*factorize(values))


def _dates(raw: Mapping, n: int, errors: _Errors, name: str = "treated_on") -> np.ndarray:
    values = _column(raw, name, n)
    if values is None:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if values.dtype.kind == "M":
        days = values.astype("datetime64[D]")
        outside = years_outside(days)
        errors.add(outside, lambda i: f"{name}: {days[i]} is outside the years {YEARS[0]} to {YEARS[1]}")
        return np.where(outside, np.datetime64("NaT"), days)
    codes, uniques = factorize(date_texts(values))
    parsed = np.full(len(uniques), np.datetime64("NaT"), dtype="datetime64[D]")
    message = np.full(len(uniques), "", dtype=object)
    for j, text in enumerate(uniques):
        try:
            parsed[j] = parse_date(text)
        except InputError as exc:
            message[j] = f"{name}: {exc}"
    errors.add(message[codes] != "", lambda i: message[codes[i]])
    return parsed[codes]


def _contacts(raw: Mapping, cols: dict, n: int, errors: _Errors) -> None:
    """The follow-up as dates (``last_contact_on``, ``relieved_at_last_contact``, ``relief_lost_on``) as day counts.

    Sets ``relief_at_day`` / ``relief_lost_day`` where the dates give them (one
    form per row: both forms in one row are refused), ``last_contact_day`` (the
    day of the last contact, from either form; NaN without one) and
    ``lost_by_contact`` (pain back by the last contact, its date not given).
    """
    contact = _dates(raw, n, errors, "last_contact_on")
    lost_on = _dates(raw, n, errors, "relief_lost_on")
    values = _column(raw, "relieved_at_last_contact", n)
    blank = _blank(values, n)
    relieved, bad = to_bool(values) if values is not None else (np.zeros(n, bool), np.zeros(n, bool))
    errors.add(bad, lambda i: f"relieved_at_last_contact: {_fmt(values[i])} is not yes/no (blank: not asked)")
    yes, no = ~blank & ~bad & relieved, ~blank & ~bad & ~relieved
    treated = cols["treated_on"]
    has_contact, has_lost = ~np.isnat(contact), ~np.isnat(lost_on)
    dated = has_contact | has_lost | ~blank
    errors.add(
        dated & np.isnat(treated),
        "treated_on: needed with last_contact_on / relieved_at_last_contact / relief_lost_on (their days are "
        "counted from it)",
    )
    errors.add(~blank & ~has_contact, "relieved_at_last_contact: give the date of that contact in last_contact_on")
    with np.errstate(invalid="ignore"):
        contact_day = (contact - treated).astype(float)
        lost_day = (lost_on - treated).astype(float)
    contact_day[np.isnat(contact) | np.isnat(treated)] = np.nan
    lost_day[np.isnat(lost_on) | np.isnat(treated)] = np.nan
    for name, day in (("last_contact_on", contact_day), ("relief_lost_on", lost_day)):
        errors.add(day < 0, lambda i, name=name: f"{name}: {_date_text(raw, name, i)} is before treated_on")
        errors.add(day == 0, lambda i, name=name: f"{name}: {_date_text(raw, name, i)} is the treatment day itself")
        limit = RANGES["relief_at_day"][1]  # the follow-up in dates reaches as far as the follow-up in days
        errors.add(
            day > limit,
            lambda i, name=name, day=day, limit=limit: (
                f"{name}: {_date_text(raw, name, i)} is {day[i]:.0f} days "
                f"after treated_on (follow-up up to {limit:.0f} days, 10 years, is accepted)"
            ),
        )
    both = dated & (~np.isnan(cols["relief_at_day"]) | ~np.isnan(cols["relief_lost_day"]))
    errors.add(
        both,
        "give the follow-up in one form per row: relief_at_day / relief_lost_day (days) or last_contact_on / "
        "relieved_at_last_contact / relief_lost_on (dates), not both",
    )
    with np.errstate(invalid="ignore"):
        errors.add(
            yes & has_lost & (lost_day <= contact_day),
            lambda i: "relieved_at_last_contact: yes, but relief_lost_on is not after last_contact_on",
        )
        errors.add(
            no & has_lost & (lost_day > contact_day),
            lambda i: (
                "relieved_at_last_contact: no, but relief_lost_on is after last_contact_on (pain came back "
                "after that contact: the patient was still relieved at it)"
            ),
        )
    take = dated & ~both
    cols["relief_at_day"] = np.where(take & yes, contact_day, cols["relief_at_day"])
    cols["lost_by_contact"] = take & no & ~has_lost
    cols["relief_lost_day"] = np.where(
        take & has_lost, lost_day, np.where(cols["lost_by_contact"], contact_day, cols["relief_lost_day"])
    )
    cols["last_contact_day"] = np.fmax(np.where(has_contact, contact_day, np.nan), cols["relief_at_day"])


def _date_text(raw: Mapping, name: str, i: int) -> str:
    return str(np.asarray(raw[name], dtype=object)[i]).strip()


def _follow_up(raw: Mapping, cols: dict, n: int, errors: _Errors) -> None:
    for name in LIST_COLUMNS:
        cols[name] = _list_column(_column(raw, name, n), name, n, errors)
    both = ~np.isnan(cols["relief_at_day"]) & ~np.isnan(cols["relief_lost_day"])
    errors.add(
        both & (cols["relief_lost_day"] <= cols["relief_at_day"]),
        lambda i: (
            f"relief_lost_day: {_fmt(cols['relief_lost_day'][i])} is not after "
            f"relief_at_day {_fmt(cols['relief_at_day'][i])}"
        ),
    )
    width = max(cols["front_mm"].shape[1], cols["front_day"].shape[1])
    for name in ("front_mm", "front_day"):  # same width, so observations pair up
        cols[name] = np.hstack([cols[name], np.full((n, width - cols[name].shape[1]), np.nan)])
    mismatch = np.isnan(cols["front_mm"]).sum(axis=1) != np.isnan(cols["front_day"]).sum(axis=1)
    receding = _recedes(cols["front_mm"], cols["front_day"])
    errors.add(
        receding & ~mismatch,
        "front_mm/front_day: a later front is not farther from the lesion (a front advances; check the pairs)",
    )
    errors.add(mismatch, "front_mm/front_day: give one day per front distance (same count)")


def check_headers(names: list) -> HeaderMatch:
    """Match a table's headers to the input columns; refuse a table that cannot be scored as a whole.

    Raises
    ------
    DataFileError
        If a name repeats, two headers name one column, no header is ``nerve``
        (with a hint when the file looks semicolon- or tab-separated), or a
        header that is not read looks strongly like a column the file lacks
        (``Age (years)`` without ``age``: every row would get the default).
    """
    names = list(names)
    repeated = sorted({str(c) for c, n in Counter(names).items() if n > 1})
    if repeated:
        raise DataFileError(
            f"column names repeat: {', '.join(repr(str(r)) for r in repeated)}; each column must appear once"
        )
    match = match_headers(names, INPUT_COLUMNS)
    if "nerve" not in match.columns:
        hint = delimiter_hint(names) or title_hint(names)
        raise DataFileError("the column 'nerve' is required (e.g. genicular_superolateral)" + hint)
    if match.unread:
        renames = [f"{quoted(header)} -> {column!r}" for header, column in match.unread.items()]
        if len(renames) == 1:
            header, column = next(iter(match.unread.items()))
            raise DataFileError(
                f"column {quoted(header)} is not read but looks like {column!r}, which the file "
                f"lacks: every row would get {column}'s default; rename it to {column!r} (check its "
                "unit and coding, see 'regen columns') or remove it"
            )
        raise DataFileError(
            f"{len(renames)} columns are not read but look like columns the file lacks (every row would get "
            f"their defaults): rename {', '.join(renames)} (check units and codings, see 'regen columns') or "
            "remove them"
        )
    return match


def _view(raw: Mapping, header: HeaderMatch | None = None) -> tuple[dict, object]:
    """The known columns of ``raw`` under their contract names, and the header match (given, or made here)."""
    match = check_headers(list(getattr(raw, "columns", raw))) if header is None else header
    return {name: raw[header] for name, header in match.columns.items()}, match


def _typed(view: Mapping, n: int, errors: _Errors, allow_any_nerve: bool) -> tuple[dict, dict, np.ndarray]:
    """Every typed column, the mask of defaulted rows per column, and the row warnings."""
    blank: dict[str, np.ndarray] = {}
    cols: dict[str, np.ndarray] = {"nerve": _texts(view, "nerve", n, errors, _resolve_nerve_or_blank)}
    indication = _texts(view, "indication", n, errors, lambda k: resolve_indication(k) if k else "")
    blank["indication"] = _blank(_column(view, "indication", n), n)
    given = indication != ""
    codes, uniques = factorize(cols["nerve"])
    firsts = np.array([first_indication(v) for v in uniques], dtype=object)
    indication = np.where(given, indication, firsts[codes] if len(uniques) else indication).astype(object)
    cols["indication"] = _coded(indication)
    for name in _NUMERIC:
        cols[name], blank[name] = _numeric(view, name, n, errors)
    for name in ("diabetes", "smoker", ALLOW_ANY_NERVE):
        cols[name], blank[name] = _yes_no(view, name, n, errors)
    cols["sex"] = _texts(view, "sex", n, errors, _sex)
    cols["treated_on"] = _dates(view, n, errors)
    _follow_up(view, cols, n, errors)
    _contacts(view, cols, n, errors)
    allow = cols.pop(ALLOW_ANY_NERVE) | bool(allow_any_nerve)
    off = given & (off_catalog(cols["nerve"], cols["indication"]) != "")
    errors.add(off & ~allow, lambda i: off_catalog_message(cols["nerve"][i], cols["indication"][i]))
    warned = np.full(n, "", dtype=object)
    warned[off & allow] = [
        off_catalog_message(cols["nerve"][i], cols["indication"][i], allowed=True) for i in np.flatnonzero(off & allow)
    ]
    row_warnings = join_messages(warned, distance_warnings(cols["nerve"], cols["distance_mm"]))
    pid = _column(view, "patient_id", n)
    cols["patient_id"] = np.full(n, "", dtype=object) if pid is None else pid
    return cols, blank, row_warnings


def validate_patients(
    raw: Mapping, *, allow_any_nerve: bool = False, header: HeaderMatch | None = None
) -> PatientBatch:
    """Validate patient columns; never raises for a bad row.

    Parameters
    ----------
    raw : DataFrame or mapping of str to array-like
        Patient columns (see :data:`regen.schema.columns.PATIENT_COLUMNS`) and optional
        follow-up columns; only ``nerve`` is required. Values may be strings
        (as read from a CSV) or typed; list columns also take sequences.
        Headers are matched to the column names ignoring case, surrounding
        spaces and ``-``/``_``/space (see :mod:`regen.schema.headers`).
    allow_any_nerve : bool
        Score a nerve with an indication the catalog does not list for it
        (a row warning instead of a row error) in every row; the column
        ``allow_any_nerve`` (yes/no) does the same row by row.
    header : HeaderMatch, optional
        The match of ``raw``'s headers by :func:`check_headers`, when a caller
        made it once for many chunks of one table.

    Returns
    -------
    PatientBatch
        Typed columns (defaults filled in), one error and one warning per row,
        the headers that were mapped, the defaults used and file-level warnings.

    Raises
    ------
    DataFileError
        If the ``nerve`` column is missing, a column name is repeated, or two
        headers name the same column (``age`` and ``Age``).
    """
    view, match = _view(raw, header)
    n = 1 if np.ndim(view["nerve"]) == 0 else len(view["nerve"])  # a scalar nerve ("SLGN") is one patient
    errors = _Errors(n)
    cols, blank, row_warnings = _typed(view, n, errors, allow_any_nerve)
    defaults = {name: int(blank[name].sum()) for name in _COUNTED_DEFAULTS if blank[name].any()}
    return PatientBatch(
        columns=cols,
        errors=errors.array(),
        row_warnings=row_warnings,
        mapped=match.mapped,
        defaults=defaults,
        warnings=match.warnings,
    )
