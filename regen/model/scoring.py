"""Score a table of patients: the one pure function behind ``regen score``.

Examples
--------
>>> import pandas as pd
>>> from regen import score_frame
>>> frame = pd.DataFrame({"patient_id": ["a", "b"], "nerve": ["SLGN", "kneecap"], "site": ["x", "y"]})
>>> out = score_frame(frame)
>>> list(out.columns[:3]), out["error"].tolist()[0], out["relief_end_median_day"].isna().tolist()
(['patient_id', 'nerve', 'site'], '', [False, True])
>>> list(score_frame(frame.iloc[:0]).columns) == list(out.columns)
True
"""

from __future__ import annotations

import os

from regen.model.model import Model, resolve_model
from regen.model.prediction import predict_frame
from regen.model.prediction import predict_patient as _predict_patient
from regen.schema.columns import OUTPUT_COLUMNS

__all__ = ["OUTPUT_COLUMNS", "predict_patient", "resolve_model", "score_frame"]


def score_frame(frame, model: Model | str | os.PathLike | None = None, book_at_risk: float | None = None):
    """Score every row of ``frame``; input columns first, untouched, then the predictions.

    Parameters
    ----------
    frame : pandas.DataFrame or mapping of str to list
        Patient columns (only ``nerve`` is required; see :mod:`regen.schema.columns`),
        values as strings or typed; any other column passes through unchanged.
        A mapping of equal-length columns is read as a DataFrame.
    model : Model, path, "default", "mechanism-only" or None
        The model (None = the embedded default; see :func:`regen.model.model.resolve_model`).
    book_at_risk : float, optional
        Retreatment booking rule, strictly between 0 and 1 (default: the model's 0.25).

    Returns
    -------
    pandas.DataFrame
        Same rows, same order, same index; the input columns followed by
        :data:`regen.schema.columns.OUTPUT_COLUMNS` (rounded by
        :func:`regen.schema.columns.decimals`). Rows that cannot be scored keep their
        place with empty predictions and the reason in ``error``.

    Raises
    ------
    DataFileError
        If the frame has no ``nerve`` column, repeats a column name, or already
        has prediction columns.
    InputError
        If ``book_at_risk`` is not strictly between 0 and 1.
    TypeError
        If ``frame`` is not a DataFrame or a mapping of columns, or ``model``
        is none of the accepted kinds.
    """
    return predict_frame(resolve_model(model), frame, book_at_risk)


def predict_patient(
    model: Model | str | os.PathLike | None = None, book_at_risk: float | None = None, **columns: object
) -> dict:
    """Predict one patient from keyword columns: :func:`regen.model.prediction.predict_patient`, any model argument.

    ``model`` is what :func:`score_frame` takes (a Model, a path, ``"default"``,
    ``"mechanism-only"`` or None for the embedded default).

    Examples
    --------
    >>> predict_patient("mechanism-only", nerve="SLGN")["model_version"].startswith("mechanism-only@")
    True
    """
    return _predict_patient(resolve_model(model), book_at_risk, **columns)
