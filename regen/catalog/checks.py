"""Checks of patient values against the nerve catalog: indication and distance.

- :func:`off_catalog`: a nerve given with an indication the catalog
  (``data/nerves.csv``, column ``indications``) does not list for it. It is a
  row error in :func:`regen.schema.patients.validate_patients`, or a row warning where
  ``allow_any_nerve`` says yes (:func:`off_catalog_message` words both);
- :func:`distance_warnings`: a measured ``distance_mm`` below half the
  nerve's catalog minimum or above twice its maximum (a unit mistake, cm for
  mm, is the usual cause): a row warning.

Vectorised over rows; the catalog is consulted once per distinct value.

Examples
--------
>>> import numpy as np
>>> from regen.catalog.checks import off_catalog, distance_warnings
>>> nerve = np.array(["greater_occipital", "greater_occipital"], dtype=object)
>>> off_catalog(nerve, np.array(["occipital_neuralgia", "mastectomy"], dtype=object)).tolist()
['', 'occipital_neuralgia']
>>> distance_warnings(nerve, np.array([np.nan, 1100.0]))[1][:40]
'distance_mm 1100 is far outside the cata'
"""

from __future__ import annotations

import numpy as np

from regen.catalog.nerves import load_catalog
from regen.utils.parsing import factorize

__all__ = ["distance_warnings", "join_messages", "off_catalog", "off_catalog_message"]


def off_catalog(nerve: np.ndarray, indication: np.ndarray) -> np.ndarray:
    """Per row: the nerve's catalog indications (joined) when ``indication`` is not one of them, else ''.

    Blank indications and nerves not in the catalog give ''.
    """
    catalog = load_catalog()
    n_codes, n_uniques = factorize(nerve)
    i_codes, i_uniques = factorize(indication)
    if len(n_codes) == 0:
        return np.zeros(0, dtype=object)
    pair = n_codes * len(i_uniques) + i_codes
    distinct, inverse = np.unique(pair, return_inverse=True)
    accepted = np.full(len(distinct), "", dtype=object)
    for j, code in enumerate(distinct):
        known, ind = catalog.get(n_uniques[code // len(i_uniques)]), i_uniques[code % len(i_uniques)]
        if known is not None and ind and ind not in known.indications:
            accepted[j] = ", ".join(known.indications)
    return accepted[inverse.reshape(-1)]


def off_catalog_message(nerve: str, indication: str, allowed: bool = False) -> str:
    """The row error (or, when allowed, the row warning) for an indication off the nerve's catalog list."""
    listed = ", ".join(load_catalog()[nerve].indications)
    if allowed:
        return (
            f"indication {indication} is not a catalog indication of nerve {nerve} (catalog: {listed}), "
            "scored as asked (allow_any_nerve)"
        )
    return (
        f"indication: {indication} is not a catalog indication of nerve {nerve} (accepted: {listed}): "
        "check both, or set allow_any_nerve to yes (column, or --allow-any-nerve) to score it anyway"
    )


def distance_warnings(nerve: np.ndarray, distance_mm: np.ndarray) -> np.ndarray:
    """Per row: a warning when the measured distance is far outside the nerve's catalog range, else ''."""
    catalog = load_catalog()
    codes, uniques = factorize(nerve)
    bounds = np.array(
        [
            (catalog[u].distance_min_mm, catalog[u].distance_max_mm) if u in catalog else (np.nan, np.nan)
            for u in uniques
        ],
        dtype=float,
    ).reshape(-1, 2)[codes]
    measured = np.asarray(distance_mm, dtype=float)
    far = (measured < bounds[:, 0] / 2) | (measured > bounds[:, 1] * 2)
    out = np.full(measured.shape, "", dtype=object)
    out[far] = [
        f"distance_mm {measured[i]:g} is far outside the catalog range of {nerve[i]} "
        f"({bounds[i, 0]:g}-{bounds[i, 1]:g} mm): check the value and its unit"
        for i in np.flatnonzero(far)
    ]
    return out


def join_messages(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two per-row message arrays joined with '; ' where both have one.

    Where only one of them has any message, that one is returned as given: a coded column
    (:class:`regen.utils.parsing.CodedText`) keeps its encoding, so a note of most rows is written once per
    distinct text, not hashed row by row.
    """
    given = (first, second)
    first, second = np.asarray(first, dtype=object), np.asarray(second, dtype=object)
    has_second = second != ""
    if not has_second.any():
        return given[0] if isinstance(given[0], np.ndarray) and given[0].dtype == object else first
    has_first = first != ""
    if not has_first.any():
        return given[1] if isinstance(given[1], np.ndarray) and given[1].dtype == object else second
    out = np.where(has_first, first, second).astype(object)
    both = np.flatnonzero(has_first & has_second)
    out[both] = [f"{first[i]}; {second[i]}" for i in both]
    return out
