"""The combined model: a validated, read-only bundle and the predictions made from it.

A :class:`Model` holds a bundle (see :mod:`regen.model.bundle`): the mechanism's
parameters and the relief-end law (see :mod:`regen.model.relief`). Its methods are
thin: every prediction goes through :mod:`regen.model.prediction`.

Examples
--------
>>> from regen import load_model
>>> model = load_model()
>>> out = model.predict_columns({"nerve": ["genicular_superolateral"], "age": [64]})
>>> bool(out["sensation_return_p10_day"][0] < out["sensation_return_median_day"][0])
True
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from regen._version import __version__
from regen.catalog.parameters import parameter_values
from regen.errors import InputError
from regen.model.bundle import FORMAT, FORMAT_VERSION, read_bundle, validate_bundle
from regen.model.laws import follow_up_survival, patient_relief
from regen.model.prediction import predict_batch, predict_columns, predict_frame
from regen.model.relief import ReliefDistribution
from regen.schema.dates import MAX_DAYS_AFTER
from regen.schema.patients import validate_patients
from regen.utils.resources import model_path
from regen.utils.text import short_repr

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_FILE",
    "MAX_DAY",
    "MECHANISM_ONLY",
    "Model",
    "check_times",
    "load_model",
    "mechanism_bundle",
    "resolve_model",
    "thaw",
]

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
    entry = {
        "location": 0.0,
        "location_sd": 0.0,
        "offset_coef": 1.0,
        "response_prob": 1.0,
        "long_responder_fraction": 0.0,
        "studies": 0,
        "patients": 0,
    }
    return validate_bundle(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": MECHANISM_ONLY,
            "version": __version__,
            "description": "relief end = return of sensation (mechanism), no outcome data",
            "parameters": params,
            "relief": {
                "family": "lognormal",
                "sigma": params["relief_sd_log"]["value"],
                "setting_sd": 0.0,
                "indications": {},
                "classes": {},
                "default": entry,
            },
        }
    )


class Model:
    """A loaded regen model (mechanism parameters + relief-end law); read-only.

    Parameters
    ----------
    bundle : mapping
        A model bundle (see :mod:`regen.model.bundle`); validated and frozen here, so
        a model shared by several callers cannot be changed by one of them.
    """

    __slots__ = ("_bundle",)

    def __init__(self, bundle: Mapping) -> None:
        self._bundle = _freeze(validate_bundle(bundle if isinstance(bundle, dict) else thaw(bundle)))

    @classmethod
    def _validated(cls, bundle: dict) -> Model:
        """A model of a bundle :func:`regen.model.bundle.read_bundle` has just validated (not checked twice)."""
        model = cls.__new__(cls)
        model._bundle = _freeze(bundle)
        return model

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

    def __reduce__(self):
        """Pickled as its bundle (plain data; validated again when unpickled)."""
        return (Model, (thaw(self.bundle),))

    def predict_columns(self, raw: Mapping, book_at_risk: float | None = None) -> dict[str, np.ndarray]:
        """Every prediction column for patient columns; numpy in, numpy out (no pandas).

        See :func:`regen.model.prediction.predict_columns`.
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

    def predict_median(self, frame, book_at_risk: float | None = None) -> np.ndarray:
        """Median relief-end day per patient among responders whose relief ends (``relief_end_median_day``).

        Follow-up columns apply as in :meth:`predict` (given relief on day D, the
        median given that). A row that cannot be scored raises (see
        :meth:`predict_survival_function`).

        Examples
        --------
        >>> from regen import load_model
        >>> load_model().predict_median({"nerve": ["GON", "SLGN"]}).shape
        (2,)
        """
        return self.predict_percentile(frame, 0.5)

    def predict_percentile(self, frame, p: float = 0.5) -> np.ndarray:
        """The day by which responders' P(still relieved) falls to ``p``, per patient (lifelines' convention).

        As lifelines' ``predict_percentile``: the time ``t`` where the survival
        function of relief, among responders whose relief ends, equals ``p``. So
        ``p=0.5`` is ``relief_end_median_day``, ``p=0.9`` the early
        ``relief_end_p10_day`` (10 % have lost relief) and ``p=0.1`` the late
        ``relief_end_p90_day``. Not rounded.

        Raises
        ------
        InputError
            If ``p`` is not strictly between 0 and 1, or a row cannot be scored.
        """
        if not isinstance(p, int | float) or isinstance(p, bool) or not 0.0 < float(p) < 1.0:
            raise InputError(f"p: {p!r} is not a fraction strictly between 0 and 1 (S(t) = p, lifelines' convention)")
        batch = validate_patients(frame)
        _refuse_bad_rows(predict_batch(self, batch)["error"], getattr(frame, "index", None))
        cols = batch.columns
        lost = np.asarray(cols["relief_lost_day"], float)
        day = patient_relief(self, cols).quantile(1.0 - float(p), cols["relief_at_day"])
        return np.where(np.isnan(lost), day, lost)

    def relief(self, frame) -> tuple[ReliefDistribution, np.ndarray]:
        """The relief-end law of each row, and the mask of rows that could be validated."""
        batch = validate_patients(frame)
        return patient_relief(self, batch.columns), batch.ok

    def predict_survival_function(self, frame, times: Sequence[float] | float):
        """P(still relieved) at ``times`` per patient: DataFrame indexed by day, one column per row.

        All patients: non-response and long responders included, and the
        follow-up columns (``relief_at_day``, ``relief_lost_day``) applied, as
        in ``p_relief_*``.

        Parameters
        ----------
        frame : DataFrame or mapping of str to array-like
            Patient columns (see :mod:`regen.schema.columns`).
        times : array-like of float, or float
            Days after the treatment: finite, from 0 to 36500 (see :func:`check_times`).

        Raises
        ------
        InputError
            If ``times`` is not such days, or a row cannot be scored: the
            message names the first such row (its index label) and the text
            its ``error`` column would have in :meth:`predict`.

        Examples
        --------
        >>> import pandas as pd
        >>> from regen import load_model
        >>> sf = load_model().predict_survival_function(pd.DataFrame({"nerve": ["GON"]}), [30, 90])
        >>> sf.shape, bool(sf.iloc[0, 0] >= sf.iloc[1, 0])
        ((2, 1), True)
        """
        import pandas as pd

        days = check_times(times)
        batch = validate_patients(frame)
        _refuse_bad_rows(predict_batch(self, batch)["error"], getattr(frame, "index", None))
        cols = batch.columns
        surv = follow_up_survival(patient_relief(self, cols), days, cols["relief_at_day"], cols["relief_lost_day"])
        return pd.DataFrame(surv.T, index=pd.Index(days, name="day"), columns=getattr(frame, "index", None))


#: Latest day a survival function is asked for (100 years, as the output contract's day columns).
MAX_DAY = float(MAX_DAYS_AFTER)


def check_times(times: object) -> np.ndarray:
    """``times`` as a 1-D float array of days from 0 to :data:`MAX_DAY` (a single number is one day).

    Raises
    ------
    InputError
        If ``times`` is text, empty, not 1-D, or holds a value that is not a
        finite number from 0 to :data:`MAX_DAY`.

    Examples
    --------
    >>> check_times(30).tolist(), check_times([0, 90.5]).tolist()
    ([30.0], [0.0, 90.5])
    """
    hint = f"give days after the treatment as finite numbers from 0 to {MAX_DAY:g}, e.g. [30, 90, 180]"
    values = np.asarray(times, dtype=object)
    if isinstance(times, str | bytes) or values.ndim > 1 or values.size == 0:
        raise InputError(f"times: {short_repr(times)} is not a day or a list of days; {hint}")
    for value in values.reshape(-1):
        if (
            isinstance(value, bool | np.bool_)
            or not isinstance(value, numbers.Real)
            or not 0.0 <= float(value) <= MAX_DAY
        ):  # NaN fails the comparison
            raise InputError(f"times: {short_repr(value)} is not a day; {hint}")
    return values.reshape(-1).astype(float)


def _refuse_bad_rows(errors: np.ndarray, index) -> None:
    """Raise the first row's error (named by its index label, else its position) if any row has one."""
    bad = np.flatnonzero(np.asarray(errors, dtype=object) != "")
    if len(bad):
        first = bad[0]
        label = index[first] if index is not None else int(first)
        label = label.item() if isinstance(label, np.generic) else label
        more = f" ({len(bad) - 1} more row(s) cannot be scored)" if len(bad) > 1 else ""
        raise InputError(f"row {label!r}: {errors[first]}{more}")


@lru_cache(maxsize=8)
def _read_cached(path: str, mtime_ns: int, ctime_ns: int, inode: int, size: int) -> Model:
    return Model._validated(read_bundle(path))


def load_model(path: str | os.PathLike | None = None) -> Model:
    """Load a model file; ``None`` or ``"default"`` loads the embedded default model.

    The name ``"mechanism-only"`` gives the model without outcome data (relief
    end centred on the return of sensation, spread ``relief_sd_log``); a file
    literally called ``default`` is named ``./default``. Models are read-only
    and cached by path, modification and change times, inode and size, so a
    rewritten or replaced file is read again.

    Raises
    ------
    ModelFileError
        If the file is missing, not a regen model, or of an unknown format version.
    TypeError
        If ``path`` is not None, a text path or an ``os.PathLike`` giving one.
    """
    target = _model_target(path)
    if target == MECHANISM_ONLY:
        return Model(mechanism_bundle())
    try:
        stat = os.stat(target)
    except OSError:
        return Model._validated(read_bundle(target))  # raises the one-line error
    return _read_cached(target, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_size)


#: The name of the embedded default model (as ``--model`` takes it).
DEFAULT_MODEL = "default"
_ACCEPTED = f"model must be a path, {DEFAULT_MODEL!r}, {MECHANISM_ONLY!r} or a Model"


def _model_target(path: object) -> str:
    """The file to read for a model argument (:data:`MECHANISM_ONLY` stays as it is)."""
    if path is None:
        return os.fspath(model_path(DEFAULT_MODEL_FILE))
    text = path if isinstance(path, str) else os.fspath(path) if isinstance(path, os.PathLike) else None
    if not isinstance(text, str):
        raise TypeError(f"{_ACCEPTED}; got {type(path).__name__}")
    return os.fspath(model_path(DEFAULT_MODEL_FILE)) if text == DEFAULT_MODEL else text


def resolve_model(model: object) -> Model:
    """A :class:`Model` from a model, a fitted estimator (its ``to_model()``), a path, ``"default"``,
    ``"mechanism-only"`` or None (the default).

    The one resolver behind :func:`regen.score_frame`, :func:`regen.predict_patient`
    and ``regen score``.

    Raises
    ------
    TypeError
        If ``model`` is none of these (the message names what is accepted).
    ModelFileError
        If the file cannot be read as a regen model.
    """
    if isinstance(model, Model):
        return model
    if hasattr(model, "to_model"):  # a fitted estimator, e.g. regen.ReliefModel
        return model.to_model()
    return load_model(model)
