"""Calendar dates: one strict form, ``YYYY-MM-DD``, in a plausible range of years.

Text is accepted only as ``YYYY-MM-DD`` (ISO 8601, zero-padded): no time
part, no trailing text, no Unix timestamps, no other orders. Typed dates
(``datetime.date``, ``datetime.datetime``, pandas ``Timestamp``,
``numpy.datetime64``) are taken at their calendar day. Every date must fall in
the years :data:`YEARS` (1970-2100): a treatment date before the first
clinical series of peripheral-nerve cryoanalgesia (Lloyd, Barnard & Glynn,
Lancet 1976) or after 2100 is a typo, not a patient (a range chosen for input
checking, not a published number).

Examples
--------
>>> from regen.schema.dates import parse_date
>>> parse_date("2026-03-14")
np.datetime64('2026-03-14')
>>> parse_date("9999-12-31")
Traceback (most recent call last):
...
regen.errors.InputError: '9999-12-31' is outside the years 1970 to 2100 (a typo?); use YYYY-MM-DD, e.g. 2026-03-14
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np

from regen.errors import InputError
from regen.utils.parsing import LARGE, CodedText

__all__ = ["MAX_DAYS_AFTER", "WRITTEN_DATES", "YEARS", "date_texts", "parse_date", "years_outside"]

#: Accepted years (inclusive).
YEARS = (1970, 2100)
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: A timestamp at 00:00, with or without its UTC offset (``+0100``, ``+01:00``, ``Z``): the date of that day.
_MIDNIGHT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?")
_LOW = np.datetime64(f"{YEARS[0]:04d}-01-01", "D")
_HIGH = np.datetime64(f"{YEARS[1]:04d}-12-31", "D")
#: The most days after a date that regen adds to it (a predicted day is at most this; ``MAX_DAY`` of the model).
MAX_DAYS_AFTER = 36500
#: The first and last date regen writes (``retreatment_due_date``, ``review_date``): an accepted date
#: plus 0 to :data:`MAX_DAYS_AFTER` days. ``regen score`` writes dates in it and ``regen report`` reads them.
WRITTEN_DATES = (_LOW, _HIGH + np.timedelta64(MAX_DAYS_AFTER, "D"))


def years_outside(dates: np.ndarray) -> np.ndarray:
    """Mask of the dates (``datetime64[D]``) outside :data:`YEARS` (NaT is not outside)."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    return ~np.isnat(dates) & ((dates < _LOW) | (dates > _HIGH))


def parse_date(text: object, written: bool = False) -> np.datetime64:
    """Parse a date ``YYYY-MM-DD`` (blank gives NaT).

    ``written``: a date regen wrote (in :data:`WRITTEN_DATES`), not one it reads in :data:`YEARS`.

    A timestamp at midnight (``2026-03-14 00:00:00``, ``2026-03-14T00:00``,
    also with its UTC offset: ``2026-03-14 00:00:00+0100``), the form in which
    many hospital systems export a date, is that date; any other time of day
    written as text is refused (the day would be a guess). Typed timestamps
    (a DataFrame's, a Parquet column's) are taken at their calendar day in
    their own time zone.

    Raises
    ------
    InputError
        If the text is not ``YYYY-MM-DD`` (or a midnight timestamp), not a
        calendar date, or outside the years :data:`YEARS`.
    """
    key = str(text).strip()
    if not key:
        return np.datetime64("NaT")
    shown = str(text)
    midnight = _MIDNIGHT.fullmatch(key)  # a date exported as a timestamp at 00:00 is that date
    key = midnight.group(1) if midnight else key
    try:
        if not _ISO.fullmatch(key):
            raise ValueError(key)
        day = np.datetime64(key, "D")
    except ValueError:
        if _ISO.match(key) and key[10:11] in (" ", "T"):
            raise InputError(
                f"{shown!r} has a time of day; give the treatment date alone (YYYY-MM-DD): the "
                "day of a time is a guess across time zones (only 00:00 is read as a date)"
            ) from None
        raise InputError(f"{shown!r} is not a date; use the ISO form YYYY-MM-DD, e.g. 2026-03-14") from None
    if written:
        if not WRITTEN_DATES[0] <= day <= WRITTEN_DATES[1]:
            raise InputError(f"{shown!r} is outside the dates regen writes ({WRITTEN_DATES[0]} to {WRITTEN_DATES[1]})")
        return day
    if years_outside(np.array([day]))[0]:
        raise InputError(
            f"{shown!r} is outside the years {YEARS[0]} to {YEARS[1]} (a typo?); use YYYY-MM-DD, e.g. 2026-03-14"
        )
    return day


def _typed_text(value: object) -> object:
    """A typed date as its ``YYYY-MM-DD`` text ('' for NaT); anything else unchanged."""
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value.astype("datetime64[D]"))
    if isinstance(value, _dt.date):
        text = value.isoformat()
        return "" if text == "NaT" else text[:10]
    return value


def date_texts(values: np.ndarray) -> np.ndarray:
    """An object column with its typed dates turned into ``YYYY-MM-DD`` texts (strings unchanged)."""
    if isinstance(values, CodedText):
        return CodedText.from_codes(values.codes, np.array([_typed_text(w) for w in values.words], dtype=object))
    values = np.asarray(values, dtype=object)
    if values.shape[0] > LARGE:  # see regen.utils.parsing.LARGE
        import pandas as pd

        try:
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
        except TypeError:  # an unhashable cell: converted one by one, as below
            codes = None
        if codes is not None:
            converted = np.array([*(_typed_text(u) for u in uniques), ""], dtype=object)
            return converted[np.where(codes < 0, len(uniques), codes)]
    out = np.empty(values.shape[0], dtype=object)
    out[:] = [_typed_text(v) for v in values]
    return out
