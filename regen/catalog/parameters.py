"""The mechanistic parameters: ``data/parameters.csv`` (see ``data/parameters.md``).

Each parameter has a value (the median for a log-normal one), a unit, the
standard deviation of its natural log across patients (``sd_log``; 0 for a
fixed value), the species or setting it comes from and its source.

Examples
--------
>>> from regen.catalog.parameters import parameter_table
>>> p = parameter_table()
>>> p["rate_mm_per_day"].unit
'mm/day'
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from regen.utils.resources import data_path

__all__ = ["REQUIRED", "Parameter", "param_sd_log", "param_value", "parameter_table", "parameter_values"]

#: Parameters the maths reads (mechanism, fronts, relief planning); the table must define
#: each of them, and a model file must carry each of them.
REQUIRED = (
    "relief_noticed_days",
    "initial_delay_days",
    "rate_mm_per_day",
    "terminal_delay_days",
    "discrepancy_sd_log",
    "distance_sd_log",
    "measured_distance_sd_log",
    "height_reference_cm",
    "age_child_years",
    "age_adult_years",
    "age_older_years",
    "age_old_years",
    "age_child_time_ratio",
    "age_old_time_ratio",
    "diabetes_rate_factor",
    "smoker_rate_factor",
    "freeze_min_effective_c",
    "freeze_injury_c",
    "partial_lesion_probe_c",
    "partial_lesion_time_ratio",
    "tinel_functional_rate_ratio",
    "front_measurement_sd_log",
    "front_rate_max_mm_per_day",
    "front_rate_min_mm_per_day",
    "relief_sd_log",
    "retreatment_risk",
    "history_icc",
)


@dataclass(frozen=True)
class Parameter:
    """One row of the parameter table."""

    name: str
    value: float
    unit: str
    distribution: str
    sd_log: float
    species: str
    setting: str
    source: str
    note: str


@lru_cache(maxsize=1)
def parameter_table() -> Mapping[str, Parameter]:
    """Load ``data/parameters.csv`` once and return ``{name: Parameter}``, read-only."""
    out: dict[str, Parameter] = {}
    with data_path("parameters.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            sd = (row.get("sd_log") or "").strip()
            out[row["name"].strip()] = Parameter(
                name=row["name"].strip(),
                value=float(row["value"]),
                unit=row["unit"].strip(),
                distribution=row["distribution"].strip(),
                sd_log=float(sd) if sd else 0.0,
                species=row["species"].strip(),
                setting=row["setting"].strip(),
                source=row["source"].strip(),
                note=row["note"].strip(),
            )
    missing = [name for name in REQUIRED if name not in out]
    if missing:  # pragma: no cover - guards the shipped table
        raise RuntimeError(f"data/parameters.csv lacks {', '.join(missing)}")
    return MappingProxyType(out)


#: Planning settings of the table: defaults of the contact plan's options, read from the table (not stored
#: in a model: a clinic's rule, not a property of the model).
PLANNING = ("contact_risk", "min_contact_gap_days")


def parameter_values() -> dict[str, dict[str, float]]:
    """Return ``{name: {"value": v, "sd_log": s}}``: the numbers a model stores (every row but :data:`PLANNING`)."""
    return {
        name: {"value": p.value, "sd_log": p.sd_log} for name, p in parameter_table().items() if name not in PLANNING
    }


def param_value(params: Mapping, name: str) -> float:
    """The value of parameter ``name`` in a model's ``{name: {"value": v, "sd_log": s}}`` mapping."""
    return float(params[name]["value"])


def param_sd_log(params: Mapping, name: str) -> float:
    """The ``sd_log`` of parameter ``name`` (0 for a fixed value)."""
    return float(params[name].get("sd_log", 0.0) or 0.0)
