"""The shipped tables as DataFrames, one documented loader per file (as ``lifelines.datasets``).

Every table is published summaries or anatomy, never patient data; each has a
card beside it in ``data/`` (``<name>.md``) with its sources.

Examples
--------
>>> from regen.catalog.datasets import load_nerves, load_parameters
>>> nerves = load_nerves()
>>> "genicular_superolateral" in set(nerves["id"]), "rate_mm_per_day" in set(load_parameters()["name"])
(True, True)
"""

from __future__ import annotations

from regen.utils.resources import data_path

__all__ = ["load_human_sensation", "load_indications", "load_nerves", "load_parameters", "load_studies"]


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


def load_studies():
    """Published relief outcomes, one row per reported number, ``data/studies.csv`` (card: ``data/studies.md``).

    Columns: ``study``, ``citation``, ``indication``, ``nerves``, ``design``,
    ``arm``, ``n``, ``day``, ``kind`` (e.g. ``proportion_relieved``,
    ``median_duration_days``), ``value``, ``count``, ``low``, ``high``,
    ``reported`` (what the source says), ``where_read``, ``used`` (yes/no),
    ``reason`` and ``interpretation`` (a reading beyond the literal text).
    The default model's relief law is fitted on the used rows.
    """
    return _load("studies.csv")


def load_human_sensation():
    """Human return-of-sensation observations, ``data/human_sensation.csv`` (card: ``data/human_sensation.md``).

    One row per published finding the mechanism is calibrated on or checked
    against: source, setting, freeze, nerve and distance, ages, n, endpoint,
    finding, how it enters the likelihood, interpretation and tolerance.
    """
    return _load("human_sensation.csv")
