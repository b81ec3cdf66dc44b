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

import numpy as np

from regen.errors import DataFileError
from regen.model import PREDICTION_COLUMNS, Model, load_model

__all__ = ["OUTPUT_COLUMNS", "score_frame"]

_DAY_DECIMALS, _P_DECIMALS = 1, 3
#: Planning columns added after the contract's columns (used by ``regen report``).
EXTRA_COLUMNS = ("review_day", "review_date")
OUTPUT_COLUMNS = (*PREDICTION_COLUMNS, *EXTRA_COLUMNS)


def _resolve(model) -> Model:
    if model is None or isinstance(model, str | os.PathLike):
        return load_model(model)
    return model


def score_frame(frame, model: Model | str | os.PathLike | None = None,
                book_at_risk: float | None = None):
    """Score every row of ``frame``; input columns first, untouched, then the predictions.

    Parameters
    ----------
    frame : pandas.DataFrame
        Patient columns (only ``nerve`` is required; see design.md), values as
        strings or typed; any other column passes through unchanged.
    model : Model, path or None
        The model (None = the embedded default).
    book_at_risk : float, optional
        Retreatment booking rule (default: the model's 0.25).

    Returns
    -------
    pandas.DataFrame
        Same rows, same order, same index; the input columns followed by
        :data:`regen.PREDICTION_COLUMNS` (days rounded to 0.1, probabilities
        to 0.001), then ``review_day`` and ``review_date``. Rows that cannot be scored keep their place with empty
        predictions and the reason in ``error``.

    Raises
    ------
    DataFileError
        If the frame has no ``nerve`` column or already has prediction columns.
    """
    clash = [c for c in OUTPUT_COLUMNS if c in frame.columns]
    if clash:
        raise DataFileError(f"the input already has prediction columns ({', '.join(clash)}): "
                            "drop them before scoring")
    if "nerve" not in frame.columns:
        raise DataFileError(f"the input has no 'nerve' column (columns: {', '.join(map(str, frame.columns))})")
    model = _resolve(model)
    out = frame.copy()
    if len(frame) == 0:
        for col in OUTPUT_COLUMNS:
            out[col] = np.array([], dtype=object if col.endswith(("_date", "version", "error")) else float)
        return out
    pred = model.predict_columns(frame, book_at_risk)
    for col in OUTPUT_COLUMNS:
        values = pred[col]
        if values.dtype.kind == "f":
            values = np.round(values, _P_DECIMALS if col.startswith("p_") else _DAY_DECIMALS)
        else:
            values = values.astype(object)
        out[col] = values
    out.loc[pred["error"] != "", "model_version"] = ""
    return out
