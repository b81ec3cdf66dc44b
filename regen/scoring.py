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

from regen.columns import OUTPUT_COLUMNS
from regen.model import Model, load_model
from regen.prediction import predict_frame

__all__ = ["OUTPUT_COLUMNS", "resolve_model", "score_frame"]


def resolve_model(model: Model | str | os.PathLike | None) -> Model:
    """A :class:`Model` from a model, a path, ``"mechanism-only"`` or None (the embedded default)."""
    if model is None or isinstance(model, str | os.PathLike):
        return load_model(model)
    if not isinstance(model, Model):
        from regen.errors import InputError

        raise InputError(f"model: {type(model).__name__} is not a regen Model, a path or None")
    return model


def score_frame(frame, model: Model | str | os.PathLike | None = None,
                book_at_risk: float | None = None):
    """Score every row of ``frame``; input columns first, untouched, then the predictions.

    Parameters
    ----------
    frame : pandas.DataFrame
        Patient columns (only ``nerve`` is required; see :mod:`regen.columns`),
        values as strings or typed; any other column passes through unchanged.
    model : Model, path or None
        The model (None = the embedded default).
    book_at_risk : float, optional
        Retreatment booking rule, strictly between 0 and 1 (default: the model's 0.25).

    Returns
    -------
    pandas.DataFrame
        Same rows, same order, same index; the input columns followed by
        :data:`regen.columns.OUTPUT_COLUMNS` (rounded by
        :func:`regen.columns.decimals`). Rows that cannot be scored keep their
        place with empty predictions and the reason in ``error``.

    Raises
    ------
    DataFileError
        If the frame has no ``nerve`` column, repeats a column name, or already
        has prediction columns.
    InputError
        If ``book_at_risk`` is not strictly between 0 and 1.
    """
    return predict_frame(resolve_model(model), frame, book_at_risk)
