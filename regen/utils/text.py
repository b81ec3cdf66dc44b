"""Text for people and programs: printable messages, counts with their noun, strict JSON.

- :func:`printable`: every non-printing and format character (Unicode
  categories Cc, Cf, Zl, Zp and lone surrogates) escaped, so a message shows
  what a cell really holds (a zero-width space in ``'64\\u200b'`` is not hidden)
  and nothing in it can move a terminal's cursor or reorder its text;
- :func:`plural`: ``1 row``, ``1,000 rows``;
- :func:`json_safe` / :func:`json_text`: values for strict JSON (NaN and
  infinities as null) and JSON text with the same characters escaped.

Examples
--------
>>> print(printable("P1" + chr(27) + "[2J" + chr(10)))
P1\\x1b[2J\\n
>>> printable("64" + chr(0x200B))
'64\\\\u200b'
>>> plural(1, "row"), plural(1000, "row"), plural(2, "row repeats", "rows repeat")
('1 row', '1,000 rows', '2 rows repeat')
>>> json_text({"a": float("nan"), "b": chr(0x202E)})
'{"a": null, "b": "\\\\u202e"}'
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping

__all__ = ["clip", "header_key", "json_safe", "json_text", "plural", "printable", "quoted", "short_repr"]

#: The characters escaped in messages: controls, format characters (zero-width, bidi), line and
#: paragraph separators, and lone surrogates.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def is_hidden(char: str) -> bool:
    """Whether a character is escaped by :func:`printable` (see :data:`HIDDEN_CATEGORIES`)."""
    return unicodedata.category(char) in HIDDEN_CATEGORIES


def printable(text: object) -> str:
    """``text`` with every hidden character escaped (``\\x1b``, ``\\n``, ``\\u200b``, ``\\ud800``)."""
    text = str(text)
    if text.isprintable():  # fast path: no character of a hidden category
        return text
    return "".join(c.encode("unicode_escape", "backslashreplace").decode("ascii") if is_hidden(c) else c for c in text)


def quoted(text: object) -> str:
    """``text`` in quotes for a message, every hidden character escaped once (``'a\\u200bge'``, not ``'a\\\\u200bge'``).

    ``repr(printable(x))`` escapes twice (the backslash of ``\\n`` doubled); this is ``printable(repr(str(x)))``.

    Examples
    --------
    >>> print(quoted("Patient" + chr(10) + "ID"), quoted("a" + chr(0x200B) + "ge"))
    'Patient\\nID' 'a\\u200bge'
    """
    return printable(repr(str(text)))


#: The characters of a value shown in a message before it is cut (a 400-digit number is named, not printed).
CLIP = 20


def clip(text: object, limit: int = CLIP) -> str:
    """:func:`printable` ``text`` cut to its first ``limit`` characters and "…" (a value named in a message).

    Examples
    --------
    >>> clip("1" * 400)
    '11111111111111111111…'
    """
    text = printable(text)
    return text if len(text) <= limit else text[:limit] + "…"


def short_repr(value: object, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters (with '...'), for naming a bad value in one line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plural(n: int, one: str, many: str | None = None) -> str:
    """A count with its noun in the right number: ``1 row``, ``1,000 rows``."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def json_safe(value: object) -> object:
    """A copy of ``value`` for strict JSON: NaN and infinities become None, numpy numbers plain numbers."""
    if isinstance(value, Mapping):  # dicts, and a model's read-only views
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # numpy arrays and scalars
        return json_safe(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_text(value: object, **kwargs) -> str:
    """Strict JSON of :func:`json_safe` ``(value)`` (non-ASCII kept readable, hidden characters escaped)."""
    import json

    text = json.dumps(json_safe(value), ensure_ascii=False, allow_nan=False, **kwargs)  # C0 already escaped
    if text.isprintable():
        return text
    return "".join(json.dumps(c)[1:-1] if c not in "\n " and is_hidden(c) else c for c in text)


def header_key(name: object) -> str:
    """The comparison key of a column header: NFKC (full-width ``ａｇｅ`` is ``age``), lower case, without
    spaces, ``-``, ``_``, tabs and a byte order mark.

    Examples
    --------
    >>> header_key(" Treated_On "), header_key("Patient ID")
    ('treatedon', 'patientid')
    """
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    for ch in (" ", "-", "_", "\t", "\ufeff"):
        text = text.replace(ch, "")
    return text
