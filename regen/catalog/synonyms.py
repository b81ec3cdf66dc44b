"""Header synonyms: what clinic exports call the contract's columns (``data/header_synonyms.csv``).

Two kinds, a closed list each:

- ``header``: a whole header (``Treatment Date``, ``Smoking``) that names a
  column in other words. When the file lacks that column the file is refused
  with the rename to make (its unit or coding may differ, so it is never read
  silently); when the file has it, the synonym passes through with a warning;
- ``word``: a word inside a longer header (``Height of patient``) that only
  earns a warning.

Examples
--------
>>> header_synonyms()["treatmentdate"]
'treated_on'
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from regen.utils.resources import data_path
from regen.utils.text import header_key

__all__ = ["header_synonyms", "word_synonyms"]


@lru_cache(maxsize=1)
def _table() -> tuple[Mapping[str, str], Mapping[str, str]]:
    headers, words = {}, {}
    with data_path("header_synonyms.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            target = headers if row["kind"].strip() == "header" else words
            target[header_key(row["synonym"])] = row["column"].strip()
    return MappingProxyType(headers), MappingProxyType(words)


def header_synonyms() -> Mapping[str, str]:
    """Whole headers (keys as :func:`regen.utils.text.header_key` makes them) -> the column they name."""
    return _table()[0]


def word_synonyms() -> Mapping[str, str]:
    """Words of a header -> the column they name (a warning only)."""
    return _table()[1]
