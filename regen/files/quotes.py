"""The strict CSV check: RFC 4180 quoting, checked as the bytes of a file pass.

A lenient reader reads a misplaced quote somehow (a quote never closed on its
line swallows the records after it into one cell, silently); regen refuses
the file instead, naming the line (:func:`quote_error`).
"""

from __future__ import annotations

from regen.errors import DataFileError

__all__ = ["Quotes", "quote_error"]

_QUOTE, _COMMA, _LF, _CR = 34, 44, 10, 13


class Quotes:
    """RFC 4180 quoting checked as the bytes pass, one vectorised step per block.

    Every '"' opens or closes a quoted cell in turn (a doubled '""' inside one
    closes and reopens it). An opening quote must start a cell (after a comma,
    a line break or the start of the file); a closing quote must end it (be
    followed by a comma, a line break, the end of the file, or the quote that
    doubles it). A lenient reader reads anything else somehow: a quote never
    closed on its line swallows the records after it into one cell until the
    next quote, silently. :meth:`check` returns the first break of the rule.
    """

    def __init__(self) -> None:
        self.inside = False  # inside a quoted cell after the bytes checked so far
        self.prev: int | None = None  # the last byte checked (None: the start of the file)
        self.close_at_end = False  # the last byte closed a cell: its follower comes in the next block
        self.open_line = 0  # line of the last opening quote

    def check(self, data: bytes, offset: int, line: int) -> tuple[str, int, int] | None:
        """The first misplaced quote in ``data`` (which starts at byte ``offset``, on line ``line``).

        Returns None, or (kind, index in ``data``, line of the cell's opening quote);
        kind is 'opens' (a quote inside a cell that is not quoted) or 'closes'
        (text right after a closing quote).
        """
        import numpy as np

        if not data:
            return None
        arr = np.frombuffer(data, dtype=np.uint8)
        if self.close_at_end and arr[0] not in (_QUOTE, _COMMA, _LF, _CR):
            return "closes", 0, self.open_line
        q = np.flatnonzero(arr == _QUOTE)
        closing = (np.arange(len(q)) + self.inside) % 2 == 1
        opens, closes = q[~closing], q[closing]
        before = np.where(
            opens > 0, arr[np.maximum(opens - 1, 0)].astype(np.int16), np.int16(-1 if self.prev is None else self.prev)
        )
        bom = (offset + opens == 3) & (before == 0xBF)  # right after a UTF-8 BOM
        bad_open = opens[~(np.isin(before, (-1, _QUOTE, _COMMA, _LF, _CR)) | bom)]
        inner = closes[closes + 1 < len(arr)]
        bad_close = inner[~np.isin(arr[inner + 1], (_QUOTE, _COMMA, _LF, _CR))]
        first = min(
            (int(bad_open[0]), "opens") if len(bad_open) else (len(arr), ""),
            (int(bad_close[0]), "closes") if len(bad_close) else (len(arr), ""),
        )
        if first[1]:
            earlier = opens[opens < first[0]]
            start = line + data.count(b"\n", 0, int(earlier[-1])) if len(earlier) else self.open_line
            return first[1], first[0], start
        if len(opens):
            self.open_line = line + data.count(b"\n", 0, int(opens[-1]))
        self.inside = bool((self.inside + len(q)) % 2)
        self.close_at_end = bool(len(closes)) and int(closes[-1]) == len(arr) - 1
        self.prev = int(arr[-1])
        return None


def quote_error(name: str, data: bytes, found: tuple[str, int, int], line: int) -> DataFileError:
    from regen.utils.text import printable

    kind, at, opened = found
    where = line + data.count(b"\n", 0, at)
    around = printable(data[max(at - 25, 0) : at + 25].decode("utf-8", errors="replace"))
    if kind == "opens":
        return DataFileError(
            f"{name}: line {where}: a '\"' inside a cell that is not in quotes (near {around!r}); "
            'a cell holding \'"\' must be in quotes with the \'"\' doubled ("5"" scar"); '
            "the file was refused"
        )
    return DataFileError(
        f"{name}: line {where}: text right after a closing '\"' (near {around!r}); the quoted "
        f"cell began on line {opened}: a '\"' is missing or stray there (cells or whole records "
        "would be misread); the file was refused"
    )
