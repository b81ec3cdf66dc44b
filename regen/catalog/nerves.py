"""The catalogs: nerves (ids, aliases, indications, default distances) and indications.

The nerve catalog is ``data/nerves.csv`` (see ``data/nerves.md``); the
indication catalog, with each indication's pain class, is
``data/indications.csv`` (see ``data/indications.md``). Lookups accept the
id, any alias or abbreviation (``SLGN``, ``GON``, ...), in any case, with
spaces or hyphens for underscores; an unknown name is answered with the closest
known ones.

Examples
--------
>>> from regen.catalog.nerves import resolve_nerve, get_nerve
>>> resolve_nerve("SLGN")
'genicular_superolateral'
>>> get_nerve("greater occipital").id
'greater_occipital'
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from regen.errors import InputError
from regen.utils.resources import data_path

__all__ = [
    "Indication",
    "Nerve",
    "first_indication",
    "get_nerve",
    "indication_ids",
    "load_catalog",
    "load_indication_catalog",
    "pain_class",
    "resolve_indication",
    "resolve_nerve",
]


@dataclass(frozen=True)
class Nerve:
    """One row of the nerve catalog (see ``data/nerves.md`` for the columns)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    indications: tuple[str, ...]
    region: str
    fibre_types: str
    skin_territory: bool
    default_distance_mm: float
    distance_min_mm: float
    distance_max_mm: float
    lesion_site: str
    target: str
    distance_derivation: str
    source: str

    def as_dict(self) -> dict:
        """Return the row as a plain dict (lists for the multi-valued fields)."""
        out = dict(self.__dict__)
        out["aliases"] = list(self.aliases)
        out["indications"] = list(self.indications)
        return out


def _key(name: object) -> str:
    """Normalise a user-typed name: lower case, underscores, no quotes."""
    text = str(name).strip().strip("'\"").lower()
    for ch in (" ", "-", "/", "."):
        text = text.replace(ch, "_")
    while "__" in text:
        text = text.replace("__", "_")
    return text.strip("_")


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (cell or "").split(";") if part.strip())


@lru_cache(maxsize=1)
def load_catalog() -> Mapping[str, Nerve]:
    """Load ``data/nerves.csv`` once and return ``{id: Nerve}`` in file order, read-only.

    Every prediction reads this mapping: it cannot be changed in place (a
    caller's edit would change later predictions under the same model version).
    Copy it (``dict(load_catalog())``) to build on it.
    """
    nerves: dict[str, Nerve] = {}
    with data_path("nerves.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            nerve = Nerve(
                id=row["id"].strip(),
                name=row["name"].strip(),
                aliases=_split(row["aliases"]),
                indications=_split(row["indications"]),
                region=row["region"].strip(),
                fibre_types=row["fibre_types"].strip(),
                skin_territory=row["skin_territory"].strip().lower() == "yes",
                default_distance_mm=float(row["default_distance_mm"]),
                distance_min_mm=float(row["distance_min_mm"]),
                distance_max_mm=float(row["distance_max_mm"]),
                lesion_site=row["lesion_site"].strip(),
                target=row["target"].strip(),
                distance_derivation=row["distance_derivation"].strip(),
                source=row["source"].strip(),
            )
            nerves[nerve.id] = nerve
    return MappingProxyType(nerves)


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for nerve in load_catalog().values():
        for name in (nerve.id, nerve.name, *nerve.aliases):
            index.setdefault(_key(name), nerve.id)
    return index


@dataclass(frozen=True)
class Indication:
    """One row of the indication catalog (see ``data/indications.md``)."""

    id: str
    name: str
    pain_class: str
    self_limiting: bool
    description: str
    source: str


@lru_cache(maxsize=1)
def load_indication_catalog() -> Mapping[str, Indication]:
    """Load ``data/indications.csv`` once and return ``{id: Indication}`` in file order, read-only."""
    out: dict[str, Indication] = {}
    with data_path("indications.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ind = Indication(
                id=row["id"].strip(),
                name=row["name"].strip(),
                pain_class=row["pain_class"].strip(),
                self_limiting=row["self_limiting"].strip().lower() == "yes",
                description=row["description"].strip(),
                source=row["source"].strip(),
            )
            out[ind.id] = ind
    return MappingProxyType(out)


def pain_class(indication: str) -> str:
    """The pain class of an indication id ('' when the id is not in the catalog)."""
    found = load_indication_catalog().get(indication)
    return found.pain_class if found is not None else ""


@lru_cache(maxsize=1)
def indication_ids() -> tuple[str, ...]:
    """Return every indication id of the catalogs, sorted."""
    found = {ind for nerve in load_catalog().values() for ind in nerve.indications}
    return tuple(sorted(found | set(load_indication_catalog())))


def _closest(key: str, choices: list[str] | dict[str, str]) -> str:
    """The closest ids to a typed name; ``choices`` maps names (ids and aliases) to ids, or lists ids."""
    import difflib  # only for an unknown name: kept off the prediction path

    index = choices if isinstance(choices, dict) else {c: c for c in choices}
    cutoff = 0.6 if isinstance(choices, dict) else 0.5  # short aliases match anything at 0.5 ('knee' ~ 'ii_nerve')
    near = difflib.get_close_matches(key, list(index), n=6, cutoff=cutoff)
    if not near:
        near = [c for c in index if key and (key in c or c in key)]
    ids = list(dict.fromkeys(index[c] for c in near))[:3]  # an alias close to the name names its id
    return ", ".join(ids) if ids else "none close"


def resolve_nerve(name: object) -> str:
    """Return the catalog id for a nerve id, alias or abbreviation.

    Raises
    ------
    InputError
        If the name is unknown; the message lists the closest ids.
    """
    key = _key(name)
    found = _alias_index().get(key)
    if found is None:
        raise InputError(
            f"unknown nerve {str(name)!r}; closest: {_closest(key, _alias_index())} (run 'regen nerves' for the list)"
        )
    return found


def get_nerve(name: object) -> Nerve:
    """Return the :class:`Nerve` for an id or alias."""
    return load_catalog()[resolve_nerve(name)]


def first_indication(nerve_id: str) -> str:
    """The default indication of a catalog nerve (its first listed), '' if unknown."""
    nerve = load_catalog().get(nerve_id)
    return nerve.indications[0] if nerve is not None and nerve.indications else ""


@lru_cache(maxsize=1)
def indication_aliases() -> Mapping[str, tuple[str, str]]:
    """``data/indication_aliases.csv``: a clinic's spelling (normalised) -> (indication id or '', note).

    An alias without an id names a condition the catalog does not hold; its
    note says why and what to give instead.
    """
    out: dict[str, tuple[str, str]] = {}
    with data_path("indication_aliases.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    notes = {_key(r["alias"]): r["note"].strip() for r in rows}
    for row in rows:
        note = row["note"].strip()
        if note.startswith("see ") and _key(note[4:]) in notes:  # "see PMPS": that row's note
            note = notes[_key(note[4:])]
        out[_key(row["alias"])] = (row["indication"].strip(), note)
    return MappingProxyType(out)


def resolve_indication(name: object) -> str:
    """Return the indication id for a typed indication name, id or clinic spelling (``Knee OA``).

    Raises
    ------
    InputError
        If the indication is not in the catalog; the message lists the closest
        ids and spellings, or says why a known spelling has no id.
    """
    key = _key(name)
    ids = indication_ids()
    if key in ids:
        return key
    aliases = indication_aliases()
    if key in aliases:
        found, note = aliases[key]
        if found:
            return found
        raise InputError(f"{str(name)!r}: {note}")
    choices = {**{i: i for i in ids}, **{a: v[0] for a, v in aliases.items() if v[0]}}
    raise InputError(
        f"unknown indication {str(name)!r}; closest: {_closest(key, choices)} "
        "(run 'regen nerves' to see the indications)"
    )
