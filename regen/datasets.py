"""The shipped tables as DataFrames, one documented loader per file (as ``lifelines.datasets``).

Every table is published summaries or anatomy, never patient data; each has a
card beside it in ``data/`` (``<name>.md``) with its sources.

Examples
--------
>>> from regen.datasets import load_nerves, load_parameters
>>> nerves = load_nerves()
>>> "genicular_superolateral" in set(nerves["id"]), "rate_mm_per_day" in set(load_parameters()["name"])
(True, True)
"""

from __future__ import annotations

from regen.resources import data_path

__all__ = ["load_indications", "load_nerves", "load_parameters", "load_published_outcomes"]


def _load(name: str):
    import pandas as pd

    return pd.read_csv(data_path(name), keep_default_na=False, na_values=[""])


def load_nerves():
    """The nerve catalog, ``data/nerves.csv`` (card: ``data/nerves.md``).

    One row per nerve (about 20): ``id``, ``name``, ``aliases`` and
    ``indications`` (';'-separated), ``region``, ``fibre_types``,
    ``default_distance_mm`` with ``distance_min_mm``/``distance_max_mm``
    (lesion to target, mm, for a 170 cm adult), ``lesion_site``, ``target``,
    ``distance_derivation`` and ``source``.
    """
    return _load("nerves.csv")


def load_indications():
    """The indication catalog, ``data/indications.csv`` (card: ``data/indications.md``).

    One row per indication: ``id``, ``name``, ``pain_class`` (own_territory,
    joint, post_operative, residual_limb), ``self_limiting`` (yes for pain that
    ends by itself), ``description`` and ``source``.
    """
    return _load("indications.csv")


def load_parameters():
    """The mechanism's parameters, ``data/parameters.csv`` (card: ``data/parameters.md``).

    One row per parameter: ``name``, ``value`` (the median for a log-normal
    one), ``unit``, ``distribution``, ``sd_log`` (between-patient spread of the
    natural log), ``species``, ``setting``, ``source`` and ``note``.
    """
    return _load("parameters.csv")


def load_published_outcomes():
    """Published study summaries as pseudo-patient rows, ``data/published_outcomes.csv``.

    Outcome schema (``relief_last_seen_day``, ``relief_lost_day``,
    ``responded``) plus ``source`` and ``pseudo_row_note``; no covariates.
    """
    return _load("published_outcomes.csv")
