"""The worklist: whom to contact, who is overdue, and how sure each date is (the report's and ``regen serve``'s).

One row per patient and nerve (the latest treatment of that nerve; earlier
cycles of it are counted, not listed), with:

- ``next_action`` and its ``due_date`` (the next contact, or the day relief
  was lost for a retreatment to book) and ``days_late`` against ``today``;
- the relief forecast behind it: ``relief_end_median_day`` with its 80 %
  interval, ``p_relief_today`` (P(still relieved today), given what is known
  since: relieved at the last contact, or relief lost), the ``evidence`` label
  and the ``model_version``;
- ``check``: dates that cannot be right on ``today`` (a treatment date after
  it, a contact or a pain-back date after it): such rows have no action until
  the date is fixed.

A patient contacted since the planned contact is not overdue: the contact
moves the plan (:mod:`regen.planning.contacts`). The forecast is made again
from the input columns by the model that scored the table (a scored file from
another model is refused), so ``p_relief_today`` is computed for ``today``.

Examples
--------
>>> import pandas as pd
>>> from regen.reporting.worklist import worklist
>>> frame = pd.DataFrame({"patient_id": ["a"], "nerve": ["GON"], "treated_on": ["2026-01-05"]})
>>> row = worklist(frame, today="2026-03-01").iloc[0]
>>> row["next_action"], row["due_date"] < "2026-03-01", bool(0 <= row["p_relief_today"] <= 1)
('call', True, True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["WORKLIST_COLUMNS", "patient_keys", "plan_table", "worklist"]

#: The columns of :func:`worklist`, in order.
WORKLIST_COLUMNS = (
    "row",
    "patient_id",
    "nerve",
    "indication",
    "treated_on",
    "next_action",
    "due_date",
    "days_late",
    "relief_end_median_day",
    "relief_end_p10_day",
    "relief_end_p90_day",
    "p_relief_today",
    "evidence",
    "earlier_rows",
    "check",
    "model_version",
    "error",
)


def _regen_columns() -> tuple[str, ...]:
    from regen.schema.columns import FOLLOW_UP_OUTPUT_COLUMNS, OUTPUT_COLUMNS

    return (*OUTPUT_COLUMNS, *FOLLOW_UP_OUTPUT_COLUMNS)


def _patients(frame, model):
    """The input columns of a (scored) table, after checking it was scored by ``model``."""
    from regen.errors import DataFileError

    if "model_version" in frame.columns:
        used = {str(v) for v in frame["model_version"].fillna("").astype(str) if str(v).strip()}
        other = sorted(used - {model.version})
        if other:
            raise DataFileError(
                f"the table was scored by {', '.join(other)}, not by {model.version}: give the model that "
                "scored it (--model FILE), so the plan is the one the table carries"
            )
    own = set(_regen_columns())
    return frame[[c for c in frame.columns if c not in own]]


def _today(today):
    import datetime

    if today is None:
        return np.datetime64(datetime.date.today(), "D")
    return np.datetime64(str(today)[:10], "D")


def worklist(
    frame,
    model=None,
    today=None,
    *,
    book_at_risk: float | None = None,
    contact_at_risk: float | None = None,
    min_contact_gap: float | None = None,
    allow_any_nerve: bool = False,
):
    """One row per patient and nerve: see :func:`plan_table` (its first result)."""
    return plan_table(
        frame,
        model,
        today,
        book_at_risk=book_at_risk,
        contact_at_risk=contact_at_risk,
        min_contact_gap=min_contact_gap,
        allow_any_nerve=allow_any_nerve,
    )[0]


def plan_table(
    frame,
    model=None,
    today=None,
    *,
    book_at_risk: float | None = None,
    contact_at_risk: float | None = None,
    min_contact_gap: float | None = None,
    allow_any_nerve: bool = False,
):
    """The worklist and the scored table it was made from.

    One row per patient and nerve: the next action, its date, how late, and how sure (see the module notes).

    Parameters
    ----------
    frame : pandas.DataFrame
        Patient columns with follow-up (a clinic export), or a table ``regen
        score`` wrote (its prediction columns are made again).
    model : Model, path, "default" or None
        The model (it must be the one that scored ``frame``, when it was scored).
    today : str or date, optional
        ``YYYY-MM-DD`` (default: today's date).
    book_at_risk, contact_at_risk, min_contact_gap : float, optional
        The planning rules (see :func:`regen.score_frame`).
    allow_any_nerve : bool
        Forecast a nerve for an indication the catalog does not list for it (a warning, not an error), as
        ``regen score --allow-any-nerve`` scored it; the column ``allow_any_nerve`` does the same row by row.

    Returns
    -------
    work : pandas.DataFrame
        :data:`WORKLIST_COLUMNS`; ``row`` is the input row (0-based); rows that
        cannot be scored keep their ``error`` and have no action.
    scored : pandas.DataFrame
        Every input row: its input columns, then the prediction columns (as
        :func:`regen.score_frame` writes them).

    Raises
    ------
    DataFileError
        If ``frame`` cannot be scored as a whole, or was scored by another model.
    """
    import pandas as pd

    from regen.model.laws import follow_up_survival
    from regen.model.model import resolve_model
    from regen.model.prediction import check_frame, predict_batch, prepare_scoring
    from regen.schema.patients import validate_patients

    model = resolve_model(model)
    frame = check_frame(frame).reset_index(drop=True)
    patients = _patients(frame, model)
    scoring = prepare_scoring(patients.columns, model, book_at_risk, allow_any_nerve, contact_at_risk, min_contact_gap)
    batch = validate_patients(patients, allow_any_nerve=allow_any_nerve, header=scoring.header)
    laws: list = []
    out = predict_batch(model, batch, scoring.plan, laws)
    cols, dist = laws[0].columns, laws[0].relief
    day = _today(today)
    treated = np.asarray(cols["treated_on"], dtype="datetime64[D]")
    elapsed = (day - treated).astype(float)
    elapsed[np.isnat(treated)] = np.nan
    with np.errstate(invalid="ignore"):
        p_today = follow_up_survival(
            dist, np.fmax(elapsed, 0.0)[:, None], cols["relief_at_day"], cols["relief_lost_day"]
        )[:, 0]
    p_today = np.where(np.isnan(elapsed) | (elapsed < 0) | (out["error"] != ""), np.nan, p_today)
    action = np.asarray(out["next_action"], dtype=object)
    booking = action == "book retreatment"
    due_day = np.where(booking, out["retreatment_due_day"], out["next_contact_day"])
    due = _add(treated, due_day)
    check = _checks(cols, elapsed, treated, day, patients)
    late = (day - due).astype(float)
    late[np.isnat(due)] = np.nan
    work = pd.DataFrame(
        {
            "row": np.arange(len(frame)),
            "patient_id": np.asarray(cols["patient_id"], dtype=object),
            "nerve": np.asarray(out["nerve"], dtype=object),
            "indication": np.asarray(out["indication"], dtype=object),
            "treated_on": _text(treated),
            "next_action": np.where(check != "", "", action),
            "due_date": np.where(check != "", "", _text(due)),
            "days_late": np.where((check != "") | np.isnan(late), np.nan, np.where(late > 0, late, 0.0)),
            "relief_end_median_day": out["relief_end_median_day"],
            "relief_end_p10_day": out["relief_end_p10_day"],
            "relief_end_p90_day": out["relief_end_p90_day"],
            "p_relief_today": np.round(p_today, 3),
            "evidence": np.asarray(out["evidence"], dtype=object),
            "check": check,
            "model_version": np.asarray(out["model_version"], dtype=object),
            "error": np.asarray(out["error"], dtype=object),
        }
    )
    scored = patients.copy()
    for col in scoring.columns:
        scored[col] = out[col] if out[col].dtype.kind == "f" else np.asarray(out[col], dtype=object)
    return _latest_per_nerve(work)[list(WORKLIST_COLUMNS)], scored


def _add(dates: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Each date plus its days (rounded half up), NaT where either is missing."""
    days = np.asarray(days, float)
    out = np.full(dates.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnat(dates) & np.isfinite(days)
    out[ok] = dates[ok] + np.floor(days[ok] + 0.5).astype("timedelta64[D]")
    return out


def _text(dates: np.ndarray) -> np.ndarray:
    out = np.datetime_as_string(dates, unit="D").astype(object)
    out[np.isnat(dates)] = ""
    return out


def _checks(cols, elapsed, treated, day, patients) -> np.ndarray:
    """Dates that cannot be right on ``day``: a treatment, contact or pain-back after it ('' when fine)."""
    n = len(elapsed)
    notes = [[] for _ in range(n)]
    for i in np.flatnonzero(~np.isnat(treated) & (treated > day)):
        notes[i].append(f"treated_on {treated[i]} is after today")
    for name in ("relief_at_day", "relief_lost_day", "last_contact_day"):
        values = np.asarray(cols.get(name, np.full(n, np.nan)), float)
        with np.errstate(invalid="ignore"):
            after = values > elapsed
        for i in np.flatnonzero(after & ~(treated > day)):
            what = {"relief_at_day": "still relieved", "relief_lost_day": "relief lost"}.get(name, "last contact")
            notes[i].append(f"{what} on day {values[i]:g}, after today (day {elapsed[i]:g})")
    return np.array(["; ".join(n) for n in notes], dtype=object)


def patient_keys(ids, *more) -> np.ndarray:
    """An integer key per row: equal for rows with the same ``patient_id`` (and the same values in ``more``).

    Each row with a blank ``patient_id`` is a patient of its own. Keys are
    compared by Python (exactly: pandas' hash tables end a text at a NUL, so
    ``'P\\0a'`` and ``'P\\0b'`` would be one patient).

    Examples
    --------
    >>> patient_keys(["", " ", "A", "A"]).tolist()
    [0, 1, 2, 2]
    """
    index: dict = {}
    keys = []
    for i, parts in enumerate(zip(ids, *more, strict=True) if more else ((v,) for v in ids)):
        given = str(parts[0]).strip()
        keys.append(index.setdefault((given, *parts[1:]) if given else (None, i), len(index)))
    return np.asarray(keys, dtype=np.int64)


def _latest_per_nerve(work):
    """One row per patient and nerve: the latest treatment; the others counted in ``earlier_rows``."""
    key = patient_keys(work["patient_id"].astype(str), work["nerve"].astype(str))
    work = work.assign(_key=key, _when=work["treated_on"].replace("", "0000-00-00"))
    order = work.sort_values(["_key", "_when", "row"], kind="stable")
    counts = order.groupby("_key")["row"].transform("size") - 1
    latest = order.assign(earlier_rows=counts).drop_duplicates("_key", keep="last")
    return latest.sort_values("row", kind="stable").drop(columns=["_key", "_when"]).reset_index(drop=True)
