"""Matching a file's column headers to the contract's column names.

A header that differs from a known column only by case, surrounding spaces
or ``-`` / ``_`` / space (``Age``, `` Treated_On``, ``Height-cm``,
``PatientID``) is read as that column; the input keeps its own header. An
unknown header that looks like a known column (close by :mod:`difflib`, e.g.
``diabtes``, or a known name cut short, e.g. ``height`` for ``height_cm``)
is not read, and gets a warning naming the closest column; so does a header
one of whose words, or runs of words, names a column not found otherwise
(``Age (years)``, ``AgeMonths``, ``Smoking``, ``treatment_date``): the unit or
coding in such a header may differ from the contract's, so it is never read
silently. Where the likeness is strong (close, a cut, or the column's own
name as a word) and the column is missing, :attr:`HeaderMatch.unread` names
it (:func:`regen.schema.patients.check_headers` then refuses the file). Two headers
naming the same column (``age`` and ``Age``) are refused, like a repeated
name.

Examples
--------
>>> from regen.schema.headers import match_headers
>>> found = match_headers(["Patient ID", "NERVE", "age", "diabtes", "clinic"],
...                       ["patient_id", "nerve", "age", "diabetes"])
>>> found.columns
{'patient_id': 'Patient ID', 'nerve': 'NERVE', 'age': 'age'}
>>> found.mapped
{'Patient ID': 'patient_id', 'NERVE': 'nerve'}
>>> found.warnings
["column 'diabtes' is not read: did you mean 'diabetes'? (rename it to use it)"]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from regen.catalog.synonyms import header_synonyms, word_synonyms
from regen.errors import DataFileError
from regen.utils.text import header_key, printable

__all__ = ["HeaderMatch", "delimiter_hint", "header_key", "match_headers"]

_MIN_PREFIX = 4  # a known name cut short to at least this many letters still looks like it
#: A header looks like a column when difflib finds it similar (2 x matching letters / all letters at
#: least this) and it differs by one typo (a letter changed, two swapped, or up to two added or dropped):
#: ``diabtes``, ``agee``, ``heigth_cm``; not ``relief_onset_day`` for ``relief_lost_day``.
_CLOSE = 0.75
_MAX_GUESSES = 1000  # unknown headers looked at for a near miss (a file of 100,000 columns stays fast)


@dataclass
class HeaderMatch:
    """The outcome of :func:`match_headers`.

    Attributes
    ----------
    columns : dict of str to str
        Known column -> the input header holding it (every known column found).
    mapped : dict of str to str
        Input header -> known column, only where the two differ.
    warnings : list of str
        Unknown headers that look like a known column (not read).
    unread : dict of str to str
        Unknown header -> the known column it most likely holds, where that
        column is not in the input and the likeness is strong (close by difflib
        distance, a cut-short name, or one of its words is the column's name):
        every row would silently get the column's default.
    """

    columns: dict[str, str] = field(default_factory=dict)
    mapped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    unread: dict[str, str] = field(default_factory=dict)


def _looks_like(key: str, known: dict[str, str]) -> str | None:
    """The known column an unknown header key most likely meant, or None."""
    if not key:
        return None
    import difflib  # loaded only for a header that matches no column

    for close in difflib.get_close_matches(key, sorted(known), n=3, cutoff=_CLOSE):
        matched = sum(b.size for b in difflib.SequenceMatcher(None, key, close).get_matching_blocks())
        if len(key) + len(close) - 2 * matched <= 2:  # one letter changed, two swapped, or two added or dropped
            return known[close]
    cut = sorted(k for k in known if len(key) >= _MIN_PREFIX and k.startswith(key))
    return known[cut[0]] if cut else None


def _named_in_words(name: object, known: dict[str, str], found: dict[str, str]) -> tuple[str | None, bool]:
    """A column not found yet that a word of the header names (``Age (years)``, ``Smoking``, ``Sex (M/F)``).

    Returns the column (or None) and whether the word is the column's own name
    (strong) rather than a synonym (``Smoking`` for ``smoker``: weak).
    """
    text = unicodedata.normalize("NFKC", str(name))
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", text)][:12]  # AgeMonths: age
    for i in range(len(words)):  # runs of words too: relief_lost_day(s), prior treatments (n)
        for j in range(i + 1, len(words) + 1):
            run = "".join(words[i:j])
            key = header_key(word_synonyms().get(run, run))
            if key in known and known[key] not in found:
                return known[key], key == run
    return None, False


def match_headers(names: Iterable[object], known: Iterable[str]) -> HeaderMatch:
    """Match input headers to known column names (see the module docstring).

    Parameters
    ----------
    names : iterable
        The input's headers, in order (non-strings are compared by their text).
    known : iterable of str
        The contract's column names.

    Raises
    ------
    DataFileError
        If two headers name the same known column.
    """
    names, known = tuple(names), tuple(known)
    if all(isinstance(n, str) for n in names):  # every chunk of a file has the same headers: match them once
        cached = _match_cached(names, known)
        return HeaderMatch(
            columns=dict(cached.columns),
            mapped=dict(cached.mapped),
            warnings=list(cached.warnings),
            unread=dict(cached.unread),
        )
    return _match(names, known)


@lru_cache(maxsize=64)
def _match_cached(names: tuple[str, ...], known: tuple[str, ...]) -> HeaderMatch:
    return _match(names, known)


def _match(names: tuple, known: tuple) -> HeaderMatch:
    by_key = {header_key(k): k for k in known}
    found: dict[str, list[object]] = {}
    match = HeaderMatch()
    for name in names:
        column = by_key.get(header_key(name))
        if column is not None:
            found.setdefault(column, []).append(name)
    for column, headers in found.items():
        if len(headers) > 1:
            shown = " and ".join(repr(str(h)) for h in headers)
            raise DataFileError(f"columns {shown} both name the column {column!r}; keep one of them")
        match.columns[column] = headers[0]
        if headers[0] != column:
            match.mapped[str(headers[0])] = column
    unknown = [name for name in names if header_key(name) not in by_key]
    for name in unknown[:_MAX_GUESSES]:
        synonym = header_synonyms().get(header_key(name))
        if synonym in known:  # a clinic's name for a column (data/header_synonyms.csv)
            if synonym in match.columns:
                match.warnings.append(
                    f"column {str(name)!r} is not read: it names {synonym!r}, which the file has already"
                )
            else:
                match.unread[str(name)] = synonym
                match.warnings.append(f"column {str(name)!r} is not read: rename it to {synonym!r} to use it")
            continue
        guess, strong = _looks_like(header_key(name), by_key), True
        if guess is None:
            guess, strong = _named_in_words(name, by_key, match.columns)
        if guess is not None and strong and guess not in match.columns:
            match.unread[str(name)] = guess
        if guess is not None:
            match.warnings.append(f"column {str(name)!r} is not read: did you mean {guess!r}? (rename it to use it)")
    return match


def title_hint(names: Iterable[object], line: int | None = None) -> str:
    """A hint when the line read as the header looks like a title above it ('' otherwise).

    Exports often start with a title (``# Clinic export``, ``Report generated,,``)
    or Excel's ``sep=,`` line: one filled cell, or a first cell starting with
    ``#`` or ``sep=``. The hint asks to remove that line (``line``: its number in the file, when known).
    """
    cells = [str(n).strip() for n in names]
    filled = [c for c in cells if c]
    if not filled:
        return ""
    first = filled[0]
    if first.startswith("#") or first.lower().startswith("sep=") or (len(cells) > 1 and len(filled) == 1):
        shown = printable(",".join(cells))
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        where = f"line {line}" if line else "the line read as the header"
        return f" ({where}, '{shown}', looks like a title line above the header: remove it)"
    return ""


def delimiter_hint(names: Iterable[object]) -> str:
    """A hint when one header holds several names joined by ``;`` or a tab ('' otherwise).

    A file separated by semicolons or tabs read as a comma-separated file has
    one column whose name is the whole header line.
    """
    for name in names:
        text = str(name)
        for sep, label in ((";", "semicolons"), ("\t", "tabs")):
            if text.count(sep) >= 1 and len([p for p in text.split(sep) if p.strip()]) >= 2:
                return f" (the header {text[:60]!r} looks separated by {label}: save the file as comma-separated CSV)"
    return ""
