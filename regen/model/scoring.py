"""The public entry points of prediction: one table (:func:`score_frame`) and one patient (:func:`predict_patient`).

Both take any model argument :func:`regen.model.model.resolve_model` takes: a
:class:`regen.Model`, a fitted :class:`regen.ReliefModel`, a path, ``"default"``,
``"mechanism-only"`` or None (the embedded default).

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
from regen.model.prediction import patient_forecast, plan_settings, predict_frame
from regen.schema.columns import OUTPUT_COLUMNS

__all__ = ["OUTPUT_COLUMNS", "predict_patient", "resolve_model", "score_frame"]


def score_frame(
    frame,
    model: Model | str | os.PathLike | None = None,
    book_at_risk: float | None = None,
    *,
    contact_at_risk: float | None = None,
    min_contact_gap: float | None = None,
):
    """Score every row of ``frame``; input columns first, untouched, then the predictions.

    Parameters
    ----------
    frame : pandas.DataFrame or mapping of str to list
        Patient columns (only ``nerve`` is required; see :mod:`regen.schema.columns`),
        values as strings or typed; any other column passes through unchanged.
        A mapping of equal-length columns is read as a DataFrame.
    model : Model, fitted ReliefModel, path, "default", "mechanism-only" or None
        The model (None = the embedded default; see :func:`regen.model.model.resolve_model`).
    book_at_risk : float, optional
        Retreatment booking rule, strictly between 0 and 1 (default: the model's 0.25).
    contact_at_risk : float, optional
        The next contact is on the day this fraction of comparable responders,
        relieved at the last contact, have lost relief (default 0.25; see
        :mod:`regen.planning.contacts`).
    min_contact_gap : float, optional
        Least days between two contacts (default 14).

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
        has prediction columns (under any spelling of their names).
    InputError
        If ``book_at_risk`` is not strictly between 0 and 1.
    TypeError
        If ``frame`` is not a DataFrame or a mapping of columns, or ``model``
        is none of the accepted kinds.
    """
    return predict_frame(
        resolve_model(model), frame, book_at_risk, contact_at_risk=contact_at_risk, min_contact_gap=min_contact_gap
    )


def predict_patient(
    model: Model | str | os.PathLike | None = None,
    book_at_risk: float | None = None,
    *,
    contact_at_risk: float | None = None,
    min_contact_gap: float | None = None,
    **columns: object,
) -> dict:
    """Predict one patient from keyword columns: one flat dict, rounded as ``regen score`` rounds.

    Parameters
    ----------
    model : Model, fitted ReliefModel, path, "default", "mechanism-only" or None
        As :func:`score_frame` takes it.
    book_at_risk, contact_at_risk, min_contact_gap : float, optional
        As :func:`score_frame` takes them.
    **columns
        Patient and follow-up columns by name (``nerve="SLGN", age=64,
        front_mm=[20, 41], front_day=[40, 60]``); None means not given.

    Returns
    -------
    dict
        The output and detail columns as plain Python values (NaN becomes None).

    Raises
    ------
    InputError
        If a value is unusable (the message names the column and the value) or a
        column name is unknown.

    Examples
    --------
    >>> predict_patient("mechanism-only", nerve="SLGN")["model_version"].startswith("mechanism-only@")
    True
    """
    model = resolve_model(model)
    plan = plan_settings(model.params, book_at_risk, contact_at_risk, min_contact_gap)
    return patient_forecast(model, plan, **columns).row
