"""The combined model: mechanism + relief-end survival model, and its predictions.

A :class:`Model` wraps a validated bundle (see :mod:`regen.persistence`).
``log T_relief = offset_coef * log T_nerve + x'beta + sigma * eps`` among
responders; a fraction ``1 - response_prob`` never gets relief, and a
fraction ``long_responder_fraction`` of responders keeps it far beyond the
model's horizon (reported, never turned into an infinite median).

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

import numpy as np

from regen import aft
from regen._resources import model_path
from regen._version import __version__
from regen.design import design_matrix
from regen.parameters import parameter_values
from regen.persistence import FORMAT, FORMAT_VERSION, read_bundle, validate_bundle

__all__ = [
    "DEFAULT_MODEL_FILE",
    "PREDICTION_COLUMNS",
    "Model",
    "load_model",
    "mechanism_bundle",
]

DEFAULT_MODEL_FILE = "default.json"
MECHANISM_ONLY = "mechanism-only"

#: The prediction columns of design.md, in order (``error`` last).
PREDICTION_COLUMNS = (
    "sensation_return_median_day",
    "sensation_return_p10_day",
    "sensation_return_p90_day",
    "relief_onset_day",
    "relief_end_median_day",
    "relief_end_p10_day",
    "relief_end_p90_day",
    "p_relief_90d",
    "p_relief_180d",
    "p_relief_365d",
    "retreatment_due_day",
    "retreatment_due_date",
    "model_version",
    "error",
)



def mechanism_bundle() -> dict:
    """The mechanism-only model: relief end centred on the nerve time.

    Used where no fitted model is wanted; its spread is ``relief_sd_log``.
    """
    params = parameter_values()
    return validate_bundle(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": "mechanism-only",
            "version": __version__,
            "description": "relief end = return of sensation (mechanism), no outcome data",
            "family": "lognormal",
            "sigma": params["relief_sd_log"]["value"],
            "offset_coef": 1.0,
            "coef": {"intercept": 0.0},
            "design": {"indications": [], "numeric": {}, "binary": []},
            "response_prob": {"default": 1.0},
            "long_responder_fraction": {"default": 0.0},
            "parameters": params,
        }
    )


def _per_indication(table: Mapping[str, float], indication: np.ndarray) -> np.ndarray:
    from regen.schema import _factorize

    default = float(table.get("default", 0.0))
    codes, uniques = _factorize(np.asarray(indication, dtype=object))
    return np.array([float(table.get(u, default)) for u in uniques])[codes]


class Model:
    """A loaded regen model (mechanism parameters + relief-end model).

    Parameters
    ----------
    bundle : mapping
        A model bundle (see :mod:`regen.persistence`); validated here.
    """

    def __init__(self, bundle: Mapping) -> None:
        self.bundle = validate_bundle(bundle)

    @property
    def version(self) -> str:
        """``name@version``, carried by every prediction."""
        return f"{self.bundle['name']}@{self.bundle['version']}"

    @property
    def params(self) -> Mapping:
        """The mechanism parameters this model was built with."""
        return self.bundle["parameters"]

    def __repr__(self) -> str:
        return f"Model({self.version!r}, family={self.bundle['family']!r})"

    # -- the pieces ---------------------------------------------------------
    def relief_location(self, cols: Mapping, log_nerve_days: np.ndarray) -> np.ndarray:
        """``mu`` of log relief end per patient (offset + covariates)."""
        X, names = design_matrix(cols, self.bundle["design"])
        beta = np.array([self.bundle["coef"].get(name, 0.0) for name in names])
        return self.bundle["offset_coef"] * log_nerve_days + X @ beta

    def relief_survival(self, mu: np.ndarray, indication: np.ndarray,
                        times: Sequence[float] | np.ndarray) -> np.ndarray:
        """P(still relieved at each time): ``n x len(times)``, non-response included."""
        t = np.asarray(times, dtype=float)
        response = _per_indication(self.bundle["response_prob"], indication)[:, None]
        long = _per_indication(self.bundle["long_responder_fraction"], indication)[:, None]
        with np.errstate(divide="ignore"):
            s = aft.survival(self.bundle["family"], np.log(t)[None, :], mu[:, None],
                             self.bundle["sigma"])
        return response * (long + (1.0 - long) * s)

    def per_indication(self, key: str, indication: np.ndarray) -> np.ndarray:
        """Look up a per-indication table of the bundle (``default`` elsewhere)."""
        return _per_indication(self.bundle[key], np.asarray(indication))

    # -- predictions --------------------------------------------------------
    def predict_columns(self, raw: Mapping, book_at_risk: float | None = None) -> dict[str, np.ndarray]:
        """Predict from patient columns; numpy in, numpy out (no pandas).

        Parameters
        ----------
        raw : DataFrame or mapping of str to array-like
            Patient columns (and optional follow-up columns, see :mod:`regen.schema`).
        book_at_risk : float, optional
            Book retreatment by the day this fraction of comparable patients have
            lost relief (default: the model's ``retreatment_risk``, 0.25).

        Returns
        -------
        dict of array
            Every column of :data:`PREDICTION_COLUMNS` and the details, one entry
            per input row; rows that cannot be scored get NaN / '' and their
            reason in ``error``.
        """
        from regen.predict import predict_arrays

        return predict_arrays(self, raw, book_at_risk)

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
        from regen.scoring import score_frame

        return score_frame(frame, self, book_at_risk)

    def predict_survival_function(self, frame, times):
        """P(still relieved) at ``times`` per patient: DataFrame indexed by day, one column per row.

        Non-response and long responders are included (as in ``p_relief_*``);
        rows that cannot be scored give NaN columns.

        Examples
        --------
        >>> import pandas as pd
        >>> from regen import load_model
        >>> sf = load_model().predict_survival_function(pd.DataFrame({"nerve": ["GON"]}), [30, 90])
        >>> sf.shape, bool(sf.iloc[0, 0] >= sf.iloc[1, 0])
        ((2, 1), True)
        """
        import pandas as pd

        from regen.predict import _mechanism
        from regen.schema import validate_patients

        batch = validate_patients(frame)
        mu = self.relief_location(batch.columns, _mechanism(batch.columns, self.params)["mu"])
        surv = self.relief_survival(mu, batch.columns["indication"], np.asarray(times, float))
        surv[~batch.ok] = np.nan
        index = pd.Index(np.asarray(times, float), name="day")
        return pd.DataFrame(surv.T, index=index, columns=getattr(frame, "index", None))


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Model:
    return Model(read_bundle(path))


def load_model(path: str | os.PathLike | None = None) -> Model:
    """Load a model file; ``None`` loads the embedded default model.

    The name ``"mechanism-only"`` gives the model without outcome data (relief
    end centred on the return of sensation, spread ``relief_sd_log``).

    Raises
    ------
    ModelFileError
        If the file is missing, not a regen model, or of an unknown format version.
    """
    if path is not None and os.fspath(path) == MECHANISM_ONLY:
        return Model(mechanism_bundle())
    target = model_path(DEFAULT_MODEL_FILE) if path is None else os.fspath(path)
    target = os.fspath(target)
    mtime = os.stat(target).st_mtime if os.path.isfile(target) else 0.0
    return _load_cached(target, mtime)
