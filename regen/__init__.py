"""regen: when a frozen nerve regrows, when pain relief ends, when to retreat.

Decision support for clinicians and researchers, not a medical device: every
output is an estimate with its interval and the model version.

The public API is listed in ``__all__``; the heavier parts (pandas,
scikit-learn, lifelines) load only when first used, so ``import regen`` stays
fast for the one-patient command line.

Examples
--------
>>> import regen
>>> model = regen.load_model()
>>> out = model.predict_columns({"nerve": ["GON"], "age": [45]})
>>> out["nerve"][0]
'greater_occipital'
"""

from __future__ import annotations

from importlib import import_module

from regen._version import __version__
from regen.catalog.nerves import Nerve, get_nerve, load_catalog, resolve_indication, resolve_nerve
from regen.errors import DataFileError, InputError, ModelFileError, RegenError
from regen.model.model import Model, load_model
from regen.model.scoring import predict_patient
from regen.schema.columns import OUTPUT_COLUMNS, PREDICTION_COLUMNS

_LAZY = {
    "ReliefModel": "regen.fitting.relief_model",
    "score_frame": "regen.model.scoring",
    "simulate_cohort": "regen.fitting.simulate",
    "load_outcomes": "regen.fitting.outcomes",
    "load_nerves": "regen.catalog.datasets",
    "load_indications": "regen.catalog.datasets",
    "load_parameters": "regen.catalog.datasets",
    "load_studies": "regen.catalog.datasets",
    "load_human_sensation": "regen.catalog.datasets",
}

__all__ = [
    "OUTPUT_COLUMNS",
    "PREDICTION_COLUMNS",
    "DataFileError",
    "InputError",
    "Model",
    "ModelFileError",
    "Nerve",
    "RegenError",
    "ReliefModel",
    "__version__",
    "get_nerve",
    "load_catalog",
    "load_human_sensation",
    "load_indications",
    "load_model",
    "load_nerves",
    "load_outcomes",
    "load_parameters",
    "load_studies",
    "predict_patient",
    "resolve_indication",
    "resolve_nerve",
    "score_frame",
    "simulate_cohort",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'regen' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
