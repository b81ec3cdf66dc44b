"""The combined model: a validated, read-only bundle and the predictions made from it.

A :class:`Model` holds a bundle (see :mod:`regen.bundle`): the mechanism's
parameters and the relief-end law (see :mod:`regen.relief`). Its methods are
thin: every prediction goes through :mod:`regen.prediction`.

Examples
--------
>>> from regen import load_model
>>> model = load_model()
>>> out = model.predict_columns({"nerve": ["genicular_superolateral"], "age": [64]})
>>> bool(out["sensation_return_p10_day"][0] < out["sensation_return_median_day"][0])
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from regen._version import __version__
from regen.bundle import FORMAT, FORMAT_VERSION, read_bundle, validate_bundle
from regen.laws import follow_up_survival, patient_relief
from regen.parameters import parameter_values
from regen.prediction import predict_columns, predict_frame
from regen.relief import ReliefDistribution
from regen.resources import model_path
from regen.schema import validate_patients

__all__ = ["DEFAULT_MODEL_FILE", "MECHANISM_ONLY", "Model", "load_model", "mechanism_bundle", "thaw"]

DEFAULT_MODEL_FILE = "default.json"
MECHANISM_ONLY = "mechanism-only"


def _freeze(value: object) -> object:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: object) -> object:
    """A plain, JSON-writable copy of a (frozen) bundle: dicts and lists."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value


def mechanism_bundle() -> dict:
    """The mechanism-only model: relief end centred on the return of sensation.

    No outcome data: every indication gets the ``default`` entry (location 0,
    offset coefficient 1) with spread ``relief_sd_log``.
    """
    params = parameter_values()
    entry = {"location": 0.0, "location_sd": 0.0, "offset_coef": 1.0, "response_prob": 1.0,
             "long_responder_fraction": 0.0, "studies": 0, "patients": 0}
    return validate_bundle({
        "format": FORMAT, "format_version": FORMAT_VERSION, "name": MECHANISM_ONLY, "version": __version__,
        "description": "relief end = return of sensation (mechanism), no outcome data",
        "parameters": params,
        "relief": {"family": "lognormal", "sigma": params["relief_sd_log"]["value"], "setting_sd": 0.0,
                   "indications": {}, "classes": {}, "default": entry},
    })


class Model:
    """A loaded regen model (mechanism parameters + relief-end law); read-only.

    Parameters
    ----------
    bundle : mapping
        A model bundle (see :mod:`regen.bundle`); validated and frozen here, so
        a model shared by several callers cannot be changed by one of them.
    """

    __slots__ = ("_bundle",)

    def __init__(self, bundle: Mapping) -> None:
        self._bundle = _freeze(validate_bundle(bundle if isinstance(bundle, dict) else thaw(bundle)))

    @property
    def bundle(self) -> Mapping:
        """The validated bundle, read-only (a shared cached model cannot be changed for everyone)."""
        return self._bundle

    @property
    def version(self) -> str:
        """``name@version``, carried by every prediction."""
        return f"{self.bundle['name']}@{self.bundle['version']}"

    @property
    def params(self) -> Mapping:
        """The mechanism parameters this model was built with."""
        return self.bundle["parameters"]

    def __repr__(self) -> str:
        return f"Model({self.version!r}, family={self.bundle['relief']['family']!r})"

    def predict_columns(self, raw: Mapping, book_at_risk: float | None = None) -> dict[str, np.ndarray]:
        """Every prediction column for patient columns; numpy in, numpy out (no pandas).

        See :func:`regen.prediction.predict_columns`.
        """
        return predict_columns(self, raw, book_at_risk)

    def predict(self, frame, book_at_risk: float | None = None):
        """Prediction frame for a DataFrame of patients (see :func:`regen.score_frame`).

        Examples
        --------
        >>> import pandas as pd
        >>> from regen import load_model
        >>> out = load_model().predict(pd.DataFrame({"nerve": ["SLGN", "GON"], "age": [64, 45]}))
        >>> list(out.columns[:2]), len(out)
        (['nerve', 'age'], 2)
        """
        return predict_frame(self, frame, book_at_risk)

    def relief(self, frame) -> tuple[ReliefDistribution, np.ndarray]:
        """The relief-end law of each row, and the mask of rows that could be validated."""
        batch = validate_patients(frame)
        return patient_relief(self, batch.columns), batch.ok

    def _follow_up(self, frame):
        batch = validate_patients(frame)
        cols = batch.columns
        return patient_relief(self, cols), cols["relief_at_day"], cols["relief_lost_day"], batch.ok

    def predict_survival_function(self, frame, times: Sequence[float]):
        """P(still relieved) at ``times`` per patient: DataFrame indexed by day, one column per row.

        All patients: non-response and long responders included, and the
        follow-up columns (``relief_at_day``, ``relief_lost_day``) applied, as
        in ``p_relief_*``; rows that cannot be scored give NaN columns.

        Examples
        --------
        >>> import pandas as pd
        >>> from regen import load_model
        >>> sf = load_model().predict_survival_function(pd.DataFrame({"nerve": ["GON"]}), [30, 90])
        >>> sf.shape, bool(sf.iloc[0, 0] >= sf.iloc[1, 0])
        ((2, 1), True)
        """
        import pandas as pd

        dist, given, lost, ok = self._follow_up(frame)
        surv = follow_up_survival(dist, np.asarray(times, float), given, lost)
        surv[~ok] = np.nan
        index = pd.Index(np.asarray(times, float), name="day")
        return pd.DataFrame(surv.T, index=index, columns=getattr(frame, "index", None))


@lru_cache(maxsize=8)
def _read_cached(path: str, mtime_ns: int, ctime_ns: int, inode: int, size: int) -> Model:
    return Model(read_bundle(path))


def load_model(path: str | os.PathLike | None = None) -> Model:
    """Load a model file; ``None`` loads the embedded default model.

    The name ``"mechanism-only"`` gives the model without outcome data (relief
    end centred on the return of sensation, spread ``relief_sd_log``). Models
    are read-only and cached by path, modification and change times, inode
    and size, so a rewritten or replaced file is read again.

    Raises
    ------
    ModelFileError
        If the file is missing, not a regen model, or of an unknown format version.
    """
    if path is not None and os.fspath(path) == MECHANISM_ONLY:
        return Model(mechanism_bundle())
    target = os.fspath(model_path(DEFAULT_MODEL_FILE) if path is None else path)
    try:
        stat = os.stat(target)
    except OSError:
        return Model(read_bundle(target))  # raises the one-line error
    return _read_cached(target, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_size)
