"""Text that may be stored: no control characters, valid Unicode (what a form or an API body may carry).

A value with NUL or another control character, a lone surrogate (text that was
never valid UTF-8, or ``"\\ud800"`` in JSON) or the replacement character
U+FFFD (what a decoder puts where the bytes were not UTF-8) is refused, so that
nothing is stored that differs from what the clinic typed or that a database
driver cannot encode. Format characters (zero-width space, bidi marks) are
allowed: pages and messages show them escaped (:func:`regen.utils.text.printable`).

Examples
--------
>>> text_refusal("P-001") is None
True
>>> text_refusal("A" + chr(0) + "B")
'holds a control character (\\\\x00)'
>>> text_refusal("A" + chr(0xD800) + "B")
'is not valid UTF-8 text (a lone surrogate, \\\\ud800)'
>>> text_refusals({"patient_id": "A" + chr(0xFFFD), "nerve": "SLGN"})
{'patient_id': 'is not valid UTF-8 text (bytes that are not UTF-8 were replaced by U+FFFD)'}
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

__all__ = ["text_refusal", "text_refusals"]

#: Control characters allowed in free text (a note may hold a tab or a line break).
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def text_refusal(value: str, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can.

    Parameters
    ----------
    value : str
        The text.
    multiline : bool
        Whether tabs and line breaks are allowed (free text such as a note).
    """
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            return f"is not valid UTF-8 text (a lone surrogate, \\u{ord(char):04x})"
        if char == "\ufffd":
            return "is not valid UTF-8 text (bytes that are not UTF-8 were replaced by U+FFFD)"
        if category == "Cc" and not (multiline and char in _ALLOWED_CONTROLS):
            return f"holds a control character ({char.encode('unicode_escape').decode('ascii')})"
    return None


def text_refusals(values: Mapping[str, object], multiline: tuple[str, ...] = ()) -> dict[str, str]:
    """The refusal of every text value in ``values`` (field → message); others are ignored.

    Lists and tuples are looked into (a field may carry several values).

    Parameters
    ----------
    values : mapping
        Field name → value.
    multiline : tuple of str
        Fields allowed tabs and line breaks.
    """
    out = {}
    for name, value in values.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str):
                found = text_refusal(item, multiline=name in multiline)
                if found:
                    out[str(name)] = found
                    break
    return out
