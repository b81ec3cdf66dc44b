"""From patient columns to every prediction column: the one prediction path.

Behind ``regen predict``, ``regen score``, :func:`regen.score_frame`,
:meth:`regen.Model.predict` and :func:`patient_forecast`:

1. :func:`regen.schema.patients.validate_patients` types the columns and finds bad rows;
2. :func:`regen.model.laws.nerve_times`: the mechanism gives T_nerve (return of
   sensation), narrowed by measured regeneration fronts where given;
3. :func:`regen.model.laws.patient_relief`: the relief-end law on top of it
   (:func:`regen.model.relief.relief_distribution`), shrunk toward the patient's own
   earlier cycles where given;
4. follow-up (still relieved on day D conditions the law; relief lost on day D
   makes retreatment due now and forecasts the next cycle) and the booking
   rule give the review and retreatment days and dates;
5. :func:`regen.schema.columns.round_outputs` rounds by the output contract.

``model`` is anything with ``bundle``, ``params`` and ``version`` (a
:class:`regen.Model`).

Examples
--------
>>> from regen import load_model
>>> from regen.model.prediction import patient_forecast
>>> row = patient_forecast(load_model(), nerve="GON", age=45).row
>>> row["nerve"], row["sensation_return_p10_day"] < row["sensation_return_median_day"]
('greater_occipital', True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from regen.catalog.checks import join_messages
from regen.catalog.nerves import load_indication_catalog
from regen.catalog.parameters import param_value
from regen.errors import InputError
from regen.mechanism.regrowth import freeze_warnings, onset_time
from regen.model.laws import follow_up_survival, history, nerve_times, next_cycle_relief, patient_relief
from regen.planning.contacts import next_actions, next_contact_days
from regen.planning.rules import retreatment_days
from regen.schema.columns import (
    DETAIL_COLUMNS,
    FOLLOW_UP_COLUMNS,
    FOLLOW_UP_OUTPUT_COLUMNS,
    OUTPUT_COLUMNS,
    RELIEF_DAYS,
    round_outputs,
)
from regen.schema.dates import MAX_DAYS_AFTER
from regen.schema.headers import header_key
from regen.schema.patients import ALLOW_ANY_NERVE, PatientBatch, check_headers, validate_patients
from regen.utils.parsing import LARGE, CodedText, factorize, is_missing
from regen.utils.text import json_safe

__all__ = [
    "Forecast",
    "Laws",
    "Scoring",
    "add_days",
    "check_book_at_risk",
    "check_frame",
    "check_model",
    "output_columns",
    "patient_columns",
    "patient_forecast",
    "predict_batch",
    "predict_columns",
    "predict_frame",
    "prepare_scoring",
]


@dataclass(frozen=True)
class Laws:
    """The laws behind a prediction: validated columns, the mechanism's output and the relief law."""

    columns: Mapping
    mechanism: Mapping
    relief: object


@dataclass(frozen=True)
class Forecast:
    """One patient's prediction (:attr:`row`, as :func:`regen.predict_patient` returns it) and its :class:`Laws`."""

    row: dict
    laws: Laws


@dataclass(frozen=True)
class Scoring:
    """What a scoring run checks once, before its first row: see :func:`prepare_scoring`."""

    model: object
    header: object
    columns: tuple
    plan: PlanSettings
    allow_any_nerve: bool

    @property
    def book_at_risk(self) -> float:
        """The booking fraction of :attr:`plan`."""
        return self.plan.book_at_risk


def prepare_scoring(
    names,
    model,
    book_at_risk: float | None = None,
    allow_any_nerve: bool = False,
    contact_at_risk: float | None = None,
    min_contact_gap: float | None = None,
) -> Scoring:
    """Check a table's headers, the model and the booking rule once, for every chunk of a run.

    Parameters
    ----------
    names : sequence of str
        The table's column headers.
    model : Model
    book_at_risk : float, optional
        See :func:`predict_columns`.
    allow_any_nerve : bool
        See :func:`regen.schema.patients.validate_patients`.

    Returns
    -------
    Scoring
        The model, the header match (:class:`regen.schema.headers.HeaderMatch`),
        the prediction columns appended (:func:`output_columns`), the booking
        fraction and ``allow_any_nerve``.

    Raises
    ------
    DataFileError
        If the headers cannot be scored (see :func:`output_columns`).
    InputError
        If ``book_at_risk`` is not a fraction strictly between 0 and 1.
    TypeError
        If ``model`` is not a loaded model.
    """
    check_model(model)
    plan = plan_settings(model.params, book_at_risk, contact_at_risk, min_contact_gap)
    names = [str(n) for n in names]
    header = check_headers(names)
    return Scoring(model, header, output_columns(names, header), plan, bool(allow_any_nerve))


def check_book_at_risk(book_at_risk: float | None, params: Mapping) -> float:
    """The booking fraction to use: the model's default, or a given value strictly inside (0, 1)."""
    if book_at_risk is None:
        return param_value(params, "retreatment_risk")
    value = (
        float(book_at_risk)
        if isinstance(book_at_risk, int | float) and not isinstance(book_at_risk, bool)
        else math.nan
    )
    if not 0.0 < value < 1.0:
        raise InputError(f"book_at_risk: {book_at_risk!r} is not a fraction strictly between 0 and 1 (e.g. 0.25)")
    return value


@dataclass(frozen=True)
class PlanSettings:
    """The planning rules of a run: booking, contact and gap (see :mod:`regen.planning.contacts`)."""

    book_at_risk: float
    contact_at_risk: float
    min_contact_gap_days: float


def plan_settings(
    params: Mapping,
    book_at_risk: float | None = None,
    contact_at_risk: float | None = None,
    min_contact_gap: float | None = None,
) -> PlanSettings:
    """The planning rules to use: each given value checked, the others the shipped defaults.

    Raises
    ------
    InputError
        If a fraction is not strictly between 0 and 1, or the gap is not a number of days from 0 to 365.
    """
    from regen.catalog.parameters import parameter_table

    table = parameter_table()
    contact = table["contact_risk"].value if contact_at_risk is None else _fraction("contact_at_risk", contact_at_risk)
    gap = table["min_contact_gap_days"].value if min_contact_gap is None else min_contact_gap
    if isinstance(gap, bool) or not isinstance(gap, int | float) or not 0.0 <= float(gap) <= 365.0:
        raise InputError(f"min_contact_gap: {min_contact_gap!r} is not a number of days from 0 to 365 (e.g. 14)")
    return PlanSettings(check_book_at_risk(book_at_risk, params), float(contact), float(gap))


def _fraction(name: str, value: object) -> float:
    number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    if not 0.0 < number < 1.0:
        raise InputError(f"{name}: {value!r} is not a fraction strictly between 0 and 1 (e.g. 0.25)")
    return number


def check_model(model: object) -> None:
    """Refuse a model argument that is not a loaded model (a name or path must be resolved first).

    Raises
    ------
    TypeError
        Naming the type given and where a name or path is accepted.
    """
    if not all(hasattr(model, key) for key in ("bundle", "params", "version")):
        raise TypeError(
            f"model must be a regen Model here; got {type(model).__name__} (regen.predict_patient "
            "and regen.score_frame also take a path, 'default' or 'mechanism-only')"
        )


def check_frame(frame: object):
    """A DataFrame of patients: ``frame`` itself, or a mapping of equal-length columns read as one.

    Raises
    ------
    TypeError
        If ``frame`` is neither a DataFrame nor a mapping (the message names what is accepted).
    InputError
        If a mapping's columns are not lists of one length.
    """
    import pandas as pd

    if isinstance(frame, pd.DataFrame):
        return frame
    if not isinstance(frame, Mapping):
        raise TypeError(
            f"frame must be a pandas DataFrame or a mapping of column name to values; got {type(frame).__name__}"
        )
    try:
        return pd.DataFrame(
            {key: list(values) if isinstance(values, tuple) else values for key, values in frame.items()}
        )
    except (TypeError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"frame: the mapping's columns must be lists of one length ({reason})") from None


def add_days(dates: np.ndarray, days: np.ndarray) -> np.ndarray:
    """ISO date ``days`` after each date, the day rounded half up to whole days; '' where either is missing."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    days = np.asarray(days, dtype=float)
    valid = ~np.isnat(dates) & np.isfinite(days)
    if not valid.any():
        return np.full(dates.shape, "", dtype=object)
    shifted = (dates[valid] + np.floor(days[valid] + 0.5).astype("timedelta64[D]")).astype(np.int64)
    if shifted.shape[0] > LARGE:  # 1,000,000 dates: pandas' hash 0.01 s, np.unique's sort 0.21 s (same codes)
        import pandas as pd

        inverse, uniques = pd.factorize(shifted)
    else:
        uniques, inverse = np.unique(shifted, return_inverse=True)
    text = np.datetime_as_string(np.asarray(uniques).astype("datetime64[D]"), unit="D").astype(object)
    codes = np.full(dates.shape, len(text), dtype=np.intp)  # the last word: ''
    codes[valid] = np.asarray(inverse).reshape(-1)
    return CodedText.from_codes(codes, np.array([*text, ""], dtype=object))


def _front_text(mech) -> np.ndarray:
    """Where measured regeneration fronts narrowed the forecast: how many, and the day it is counted from."""
    n = len(mech["sensation_return_median_day"])
    used = np.asarray(mech.get("front_n_used", np.zeros(n)), dtype=int)
    out = np.full(n, "", dtype=object)
    rows = np.flatnonzero(used > 0)
    out[rows] = [
        f"{used[i]} regrowth front(s) used: functional rate {mech['rate_mm_per_day'][i]:.2f} mm/day, "
        f"forecast counted from the last front (day {mech['anchor_day'][i]:g})"
        for i in rows
    ]
    return out


def _follow_up_text(given, lost, count, window, non_response) -> np.ndarray:
    out = np.full(given.shape, "", dtype=object)
    still, is_lost = ~np.isnan(given), ~np.isnan(lost)
    out[still] = [f"still relieved on day {d:g}: remaining relief given that" for d in given[still]]
    due = is_lost & ~window & ~non_response
    out[due] = [f"relief lost on day {d:g}: retreatment due now, next cycle forecast" for d in lost[due]]
    early = is_lost & non_response
    out[early] = [f"relief lost on day {d:g}: probable non-response, review" for d in lost[early]]
    ended = is_lost & window
    out[ended] = [
        f"relief lost on day {d:g}: the analgesic window has ended (post-operative pain: no retreatment booked)"
        for d in lost[ended]
    ]
    hist = count > 0
    out[hist] = [f"{t}; " if t else "" for t in out[hist]]
    out[hist] = out[hist] + [f"shrunk toward {c} earlier cycle(s)" for c in count[hist]]
    return out


def _next_cycle(model, cols, mech, lost) -> dict[str, np.ndarray]:
    """The next cycle where relief was lost: relief end and return of sensation, in days after the retreatment.

    The retreatment freezes the nerve again: its return of sensation is a fresh
    forecast (fronts mapped in the cycle that ended do not carry over).
    """
    keys = [f"next_cycle_relief_end_{k}_day" for k in ("median", "p10", "p90")]
    sensation = [f"next_cycle_sensation_return_{k}_day" for k in ("median", "p10", "p90")]
    is_lost = ~np.isnan(lost)
    if not is_lost.any():
        return {key: np.full(lost.shape, np.nan) for key in (*keys, *sensation)}
    nxt = next_cycle_relief(model, cols, mech, lost)
    out = {key: np.where(is_lost, nxt.quantile(p), np.nan) for key, p in zip(keys, (0.5, 0.1, 0.9), strict=True)}
    fresh = mech
    if np.any(np.asarray(mech.get("anchor_day", 0.0)) > 0):
        blank = np.full(np.shape(cols["front_mm"]), np.nan)
        fresh = nerve_times({**cols, "front_mm": blank, "front_day": blank}, model.params)
    for key, name in zip(sensation, ("median", "p10", "p90"), strict=True):
        out[key] = np.where(is_lost, fresh[f"sensation_return_{name}_day"], np.nan)
    return out


def _self_limiting(indication: np.ndarray) -> np.ndarray:
    """True where the indication's pain ends by itself (post-operative): an analgesic window."""
    catalog = load_indication_catalog()
    codes, uniques = factorize(indication)
    flags = np.array([u in catalog and catalog[u].self_limiting for u in uniques], dtype=bool)
    return flags[codes]


_NO_OUTCOME_DATA = (
    "this model has no relief outcome data for this indication or its class: relief is assumed "
    "to end as the nerve recovers (mechanism only, response not known); a model built on "
    "published studies (--model default) may rest on more"
)
_WINDOW = (
    "post-operative pain ends by itself: the forecast is an analgesic window and no retreatment is "
    "booked (for chronic pain of this nerve, give a chronic indication)"
)


def _relief_first(median_day: np.ndarray, floor_day: np.ndarray) -> list[str]:
    return [
        f"for comparable patients relief is expected to end (median day {m:.0f}) before the regrowing axons "
        f"can have reached their target (day {f:.0f} at the earliest): relief in this setting often ends for "
        "reasons other than regrowth (a partial lesion, another pain generator), so the booking follows the "
        "relief forecast"
        for m, f in zip(median_day, floor_day, strict=True)
    ]


def _non_response(lost_day: np.ndarray, onset_median_day: np.ndarray) -> list[str]:
    return [
        f"relief lost on day {d:g}, before relief is usually noticed (day {o:.0f}): probable non-response, not "
        "relief that ended; the forecast of relief does not apply: review before a retreatment"
        for d, o in zip(lost_day, onset_median_day, strict=True)
    ]


_LOST_BY_CONTACT = "pain was back by the last contact (relief_lost_on not given): counted as lost on that contact's day"


def _relief_columns(model, cols, mech, onset, plan: PlanSettings) -> dict[str, np.ndarray]:
    """Relief-end quantiles, P(relief) at fixed days, the contact plan, booking, follow-up, plan notes."""
    dist = patient_relief(model, cols, mech)
    given, lost = cols["relief_at_day"], cols["relief_lost_day"]
    is_lost = ~np.isnan(lost)
    non_response = is_lost & (lost < onset["relief_onset_day"])  # lost before relief is usually noticed
    quantiles = {k: dist.quantile(p, given) for k, p in (("median", 0.5), ("p10", 0.1), ("p90", 0.9))}
    out = {
        f"relief_end_{k}_day": np.where(non_response, np.nan, np.where(is_lost, lost, q)) for k, q in quantiles.items()
    }
    surv = follow_up_survival(dist, RELIEF_DAYS, given, lost)
    for j, day in enumerate(RELIEF_DAYS):
        out[f"p_relief_{day}d"] = surv[:, j]
    floor = mech["arrival_p10_day"]  # pain fibres can conduct again once axons reach the target
    due, relief_first = retreatment_days(dist.quantile(plan.book_at_risk, given), quantiles["median"], floor)
    window = _self_limiting(cols["indication"])
    due = np.where(window | non_response, np.nan, np.where(is_lost, lost, due))
    contact = next_contact_days(
        quantile_day=dist.quantile(plan.contact_at_risk, given),
        onset_floor_day=onset["relief_onset_p90_day"],
        last_contact_day=cols.get("last_contact_day", given),
        min_gap_days=plan.min_contact_gap_days,
    )
    evidence = np.asarray(dist.level) != "mechanism"
    contact = np.where(window, np.where(evidence, quantiles["p90"], np.nan), contact)  # the window's end
    contact = np.where(is_lost, np.where(non_response, lost, np.nan), contact)
    out["retreatment_due_day"] = due
    out["next_contact_day"] = contact
    out["review_day"] = contact  # the first contact replaced the review visit: an alias for one release
    out["next_action"] = _coded(
        next_actions(lost=is_lost, non_response=non_response, window=window, window_evidence=evidence)
    )
    out.update(_next_cycle(model, cols, mech, np.where(window | non_response, np.nan, lost)))
    out["p_response"] = np.where(non_response, 0.0, np.where(~np.isnan(given) | is_lost, 1.0, dist.response))
    out["long_responder_fraction"] = dist.long
    out["evidence"] = dist.evidence
    factor = dist.nerve_factor if dist.nerve_factor is not None else np.full(len(dist), np.nan)
    out["relief_end_nerve_factor"] = np.where(is_lost, np.nan, factor)  # an observed loss is not moved by it
    out["follow_up"] = _join(
        _front_text(mech), _follow_up_text(given, lost, history(cols["prior_relief_days"])[1], window, non_response)
    )
    notes = np.full(len(dist), "", dtype=object)
    notes[np.asarray(dist.level) == "mechanism"] = _NO_OUTCOME_DATA
    notes[window] = _join(notes[window], np.full(int(window.sum()), _WINDOW, dtype=object))
    early = relief_first & ~window & ~is_lost
    notes[early] = _relief_first(quantiles["median"][early], floor[early])
    notes[non_response] = _non_response(lost[non_response], onset["relief_onset_day"][non_response])
    by_contact = cols.get("lost_by_contact", np.zeros(len(dist), bool)) & ~non_response
    notes[by_contact] = _join(notes[by_contact], np.full(int(by_contact.sum()), _LOST_BY_CONTACT, dtype=object))
    # a p90 past the longest published follow-up behind the entry: an extrapolation (the forecast's, or the next
    # cycle's where relief was lost; an observed loss day is not one)
    beyond = dist.beyond_evidence(
        np.where(is_lost, np.nan, out["relief_end_p90_day"]), out["next_cycle_relief_end_p90_day"]
    )
    out["_plan_notes"] = _join(notes, beyond)
    out["_law"] = dist
    return out


def _coded(values: np.ndarray) -> np.ndarray:
    """A text column with its few distinct values encoded once."""
    codes, uniques = factorize(values)
    return CodedText.from_codes(codes, uniques)


def _join(*notes: np.ndarray) -> np.ndarray:
    """Join per-row notes with '; ', skipping blanks (Python work only for rows with two or more)."""
    out = np.asarray(notes[0], dtype=object)
    for more in notes[1:]:
        out = join_messages(out, more)
    return out


def _blank_bad_rows(out: dict[str, np.ndarray], ok: np.ndarray) -> dict[str, np.ndarray]:
    if ok.all():
        return out
    for key, values in out.items():
        if values.dtype.kind == "f":
            values = values.copy()
            values[~ok] = np.nan
        else:
            values = values.astype(object)
            values[~ok] = ""
        out[key] = values
    return out


def predict_columns(
    model, raw: Mapping, book_at_risk: float | None = None, allow_any_nerve: bool = False
) -> dict[str, np.ndarray]:
    """Every prediction column for the patient columns ``raw`` (numpy in, numpy out).

    Parameters
    ----------
    model : Model
    raw : DataFrame or mapping of str to array-like
        Patient columns and optional follow-up columns (see :mod:`regen.schema.columns`).
    book_at_risk : float, optional
        Book retreatment by the day this fraction of comparable patients have
        lost relief; strictly between 0 and 1 (default: the model's 0.25).
    allow_any_nerve : bool
        Score a nerve for an indication the catalog does not list for it, with
        a warning (see :func:`regen.schema.patients.validate_patients`).

    Returns
    -------
    dict of array
        Every column of :data:`regen.schema.columns.OUTPUT_COLUMNS` and
        :data:`regen.schema.columns.DETAIL_COLUMNS`, rounded by the output contract;
        rows that cannot be scored get NaN / '' and their reason in ``error``.
    """
    return predict_batch(model, validate_patients(raw, allow_any_nerve=allow_any_nerve), book_at_risk)


def predict_batch(
    model, batch: PatientBatch, book_at_risk: float | PlanSettings | None = None, laws: list | None = None
) -> dict[str, np.ndarray]:
    """:func:`predict_columns` for patients already validated (:func:`regen.schema.patients.validate_patients`).

    ``book_at_risk`` is the booking fraction or the run's :class:`PlanSettings`
    (:func:`plan_settings`); ``laws``, a list, receives the :class:`Laws` the
    prediction was made from (for a picture of them).
    """
    check_model(model)
    params = model.params
    plan = book_at_risk if isinstance(book_at_risk, PlanSettings) else plan_settings(params, book_at_risk)
    cols = batch.columns
    mech = nerve_times(cols, params)
    errors = _join(batch.errors, np.asarray(mech["front_error"], dtype=object))
    onset = onset_time(params, len(batch))
    relief = _relief_columns(model, cols, mech, onset, plan)
    if laws is not None:
        laws.append(Laws(cols, mech, relief.pop("_law")))
    else:
        relief.pop("_law")
    out = {
        **{
            k: mech[k]
            for k in (
                "sensation_return_median_day",
                "sensation_return_p10_day",
                "sensation_return_p90_day",
                "sensation_observable",
                "distance_mm",
                "rate_mm_per_day",
                "initial_delay_days",
                "regrowth_days",
                "terminal_delay_days",
                "arrival_median_day",
                "arrival_p10_day",
                "anchor_day",
            )
        },
        **onset,
        **relief,
        "nerve": cols["nerve"],
        "indication": cols["indication"],
        "warnings": _join(
            batch.row_warnings if batch.row_warnings is not None else np.full(len(batch), ""),
            freeze_warnings(cols["probe_temp_c"], params),
            mech["front_warning"],
            relief.pop("_plan_notes"),
        ),
    }
    out["warnings"] = _join(out["warnings"], _cap_far_days(out))
    out["review_day"] = out["next_contact_day"]  # the alias stays the capped array (see _relief_columns)
    errors = _join(errors, np.where(errors == "", _implausible(out, model.version), ""))
    ok = errors == ""
    out = round_outputs(_blank_bad_rows(out, ok))
    for kind in ("retreatment_due", "next_contact", "review"):  # dates from the days as shown
        out[f"{kind}_date"] = add_days(cols["treated_on"], out[f"{kind}_day"])
    nxt = np.floor(cols["relief_lost_day"] + 0.5) + out["next_cycle_relief_end_median_day"]  # from the retreatment
    nxt = np.minimum(nxt, MAX_DAYS_AFTER)  # a date regen can write (the median itself is capped, and said, above)
    out["next_cycle_relief_end_median_date"] = (
        add_days(cols["treated_on"], nxt) if np.isfinite(nxt).any() else np.full(len(batch), "", dtype=object)
    )
    out["model_version"] = CodedText.from_codes(ok.astype(np.intp), np.array(["", model.version], dtype=object))
    out["patient_id"] = cols["patient_id"]

    out["error"] = errors
    return out


#: Columns that must be finite days between 0 and 100 years for a row to count as scored.
_PLAUSIBLE_DAYS = (
    "sensation_return_median_day",
    "sensation_return_p10_day",
    "sensation_return_p90_day",
    "relief_onset_day",
)
#: Days that may be blank (no relief end after a probable non-response, no contact after relief is lost)
#: but, when given, must be finite days within 100 years.
_OPTIONAL_DAYS = (
    "relief_end_median_day",
    "relief_end_p10_day",
    "relief_end_p90_day",
    "retreatment_due_day",
    "next_contact_day",
)


#: Forecast days past 100 years are shown as 100 years, with a warning naming them: a patient still relieved
#: long after treatment under a heavy-tailed relief law has a p90 (or more) past any date regen writes.
_FAR_DAYS = (
    *_OPTIONAL_DAYS,
    "next_cycle_relief_end_p10_day",
    "next_cycle_relief_end_median_day",
    "next_cycle_relief_end_p90_day",
)


def _cap_far_days(out: dict) -> np.ndarray:
    """Cap forecast days past :data:`MAX_DAYS_AFTER` at it, in place; the per-row warning naming the columns."""
    notes = np.full(len(out["nerve"]), "", dtype=object)
    far = {}
    for key in _FAR_DAYS:
        if key in out:
            values = np.asarray(out[key], dtype=float)
            with np.errstate(invalid="ignore"):
                hit = values > MAX_DAYS_AFTER
            if hit.any():
                out[key] = np.where(hit, float(MAX_DAYS_AFTER), values)
                far[key] = hit
    if far:
        rows = np.flatnonzero(np.any(np.column_stack(list(far.values())), axis=1))
        for i in rows:
            names = ", ".join(k.removesuffix("_day").replace("_", " ") for k, hit in far.items() if hit[i])
            notes[i] = f"{names} beyond 100 years: shown as day {MAX_DAYS_AFTER}"
    return notes


def _implausible(out: Mapping, version: str) -> np.ndarray:
    """An error for rows whose predictions are not finite days within 100 years (never reported as scored)."""
    days = np.column_stack([out[k] for k in _PLAUSIBLE_DAYS])
    optional = np.column_stack([np.asarray(out[k], float) for k in _OPTIONAL_DAYS])
    probs = np.column_stack([out[f"p_relief_{d}d"] for d in RELIEF_DAYS])
    with np.errstate(invalid="ignore"):
        good = (
            np.isfinite(days).all(1)
            & (days >= 0).all(1)
            & (days <= 36500).all(1)
            & (np.isnan(optional) | ((optional >= 0) & (optional <= 36500))).all(1)
            & ((probs >= 0) & (probs <= 1)).all(1)
        )
    out = np.full(good.shape, "", dtype=object)
    out[~good] = (
        f"no plausible prediction from model {version} (a day not finite or beyond 100 years): "
        "check the distance and follow-up values"
    )
    return out


def output_columns(input_names, header=None) -> tuple[str, ...]:
    """The prediction columns appended to a table with these headers (follow-up ones when it has any).

    Raises
    ------
    DataFileError
        If the headers cannot be scored (see :func:`regen.schema.patients.check_headers`)
        or already hold prediction columns.
    """
    from regen.errors import DataFileError

    names = [str(n) for n in input_names]
    header = check_headers(names) if header is None else header
    follow_up = [c for c in FOLLOW_UP_COLUMNS if c in header.columns]
    columns = (*OUTPUT_COLUMNS, *(FOLLOW_UP_OUTPUT_COLUMNS if follow_up else ()))
    written = {header_key(c): c for c in columns}
    clash = [(n, written[header_key(n)]) for n in names if header_key(n) in written]
    if clash:  # a reader of the scored file could take the input's column for regen's
        shown = ", ".join(repr(n) if n == c else f"{n!r} (as {c})" for n, c in clash)
        raise DataFileError(f"the input already has prediction columns ({shown}): drop or rename them before scoring")
    return columns


def predict_frame(
    model,
    frame,
    book_at_risk: float | None = None,
    allow_any_nerve: bool = False,
    *,
    contact_at_risk: float | None = None,
    min_contact_gap: float | None = None,
):
    """Score a DataFrame: the input columns untouched, then :data:`regen.schema.columns.OUTPUT_COLUMNS`
    (and :data:`regen.schema.columns.FOLLOW_UP_OUTPUT_COLUMNS` when the input has follow-up columns).

    The frame's ``attrs`` carry the file-level notes: ``columns_read_as``
    (input header -> column), ``defaults_used`` (column -> rows) and ``file_warnings``.

    See :func:`regen.score_frame` (which also resolves the model).
    """
    frame = check_frame(frame)
    scoring = prepare_scoring(frame.columns, model, book_at_risk, allow_any_nerve, contact_at_risk, min_contact_gap)
    out = frame.copy()
    batch = validate_patients(frame, allow_any_nerve=allow_any_nerve, header=scoring.header)
    pred = predict_batch(model, batch, scoring.plan)
    for col in scoring.columns:
        out[col] = pred[col] if pred[col].dtype.kind == "f" else pred[col].astype(object)
    out.attrs.update(columns_read_as=batch.mapped, defaults_used=batch.defaults, file_warnings=batch.warnings)
    return out


def _scalar(name: str, value: object) -> object:
    """One keyword of :func:`predict_patient` as a one-row column value (None = not given)."""
    if value is None or (is_missing(value) and not isinstance(value, float)):  # pd.NA, pd.NaT: not given
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{name}: {value!r} is not a number")
    if isinstance(value, list | tuple | np.ndarray):
        bad = [v for v in value if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            raise InputError(f"{name}: {bad[0]!r} is not a number")
        return list(value)
    return value


def patient_columns(**columns: object) -> dict[str, np.ndarray]:
    """One patient's keyword columns as one-row columns (what :func:`predict_columns` takes).

    Raises
    ------
    InputError
        If a column name is unknown, ``nerve`` is missing, or a number is NaN or infinite.
    """
    from regen.schema.columns import PATIENT_COLUMNS

    accepted = (*PATIENT_COLUMNS, ALLOW_ANY_NERVE, *FOLLOW_UP_COLUMNS)
    unknown = sorted(set(columns) - set(accepted))
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(unknown)}; accepted: {', '.join(accepted)}")
    raw = {}
    for name, value in columns.items():
        if value is not None:
            raw[name] = np.empty(1, dtype=object)
            raw[name][0] = _scalar(name, value)
    if "nerve" not in raw:
        raise InputError("nerve is required (e.g. genicular_superolateral; see 'regen nerves')")
    return raw


def patient_forecast(model, book_at_risk: float | PlanSettings | None = None, **columns: object) -> Forecast:
    """Predict one patient from keyword columns: the flat row (rounded as ``regen score`` rounds) and its laws.

    Parameters
    ----------
    model : Model
        A loaded model (:func:`regen.predict_patient` also takes a path,
        ``"default"`` or ``"mechanism-only"``).
    book_at_risk : float, optional
        See :func:`predict_columns`.
    **columns
        Patient and follow-up columns by name (``nerve="SLGN", age=64,
        front_mm=[20, 41], front_day=[40, 60]``); None means not given.

    Returns
    -------
    Forecast
        ``row``: the output and detail columns as plain Python values (NaN
        becomes None); ``laws``: what they were computed from.

    Raises
    ------
    InputError
        If a value is unusable (the message names the column and the value) or a
        column name is unknown.
    TypeError
        If ``model`` is not a loaded model.
    """
    check_model(model)
    batch = validate_patients(patient_columns(**columns))  # an allow_any_nerve column is read row by row
    laws: list = []
    out = predict_batch(model, batch, book_at_risk, laws)
    if out["error"][0]:
        raise InputError(out["error"][0])
    row = json_safe({key: values[0] for key, values in out.items() if key != "error"})
    row["treated_on"] = add_days(batch.columns["treated_on"], np.zeros(1))[0]  # as read: YYYY-MM-DD or ''
    row = {key: row[key] for key in (*OUTPUT_COLUMNS, *DETAIL_COLUMNS, "treated_on") if key in row}
    return Forecast(row, laws[0])
