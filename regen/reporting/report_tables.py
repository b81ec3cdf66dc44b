"""The tables of the clinic report: this week, overdue, dates to check, calendars, evidence, cohort.

Used by :mod:`regen.reporting.report`, which only lays them out. Patients are counted
by ``patient_id`` (a repeated id counts once; a blank id counts as its own
patient); every count of "nerves" is a count of rows (one row per treated
nerve).

Examples
--------
>>> import pandas as pd
>>> events = pd.DataFrame({"date": pd.to_datetime(["2026-11-30", "2026-11-30", "2027-03-01"]),
...                        "kind": ["book"] * 3, "patient": ["a", "a", "b"]})
>>> week = week_calendar(events, pd.Timestamp("2026-11-25"))
>>> len(week), week["bookings: patients"].tolist()[:2], week["bookings: nerves"].tolist()[:2]
(12, [0, 1], [0, 2])
>>> escape("<b>\\x1b")
'&lt;b&gt;\\\\x1b'
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from regen.schema.columns import day_text
from regen.schema.dates import MAX_DAYS_AFTER
from regen.utils.text import is_hidden, plural

__all__ = ["Cohort", "check_scored", "escape", "html_table", "month_calendar", "prepare", "week_calendar"]

_NUMERIC = ("sensation_return_median_day", "relief_end_median_day", "p_relief_180d", "retreatment_due_day")
#: The values the report reads, as ``regen score`` writes them (blank is always allowed): column -> range.
_NUMBER_RANGES = {
    "sensation_return_median_day": (0.0, MAX_DAYS_AFTER),
    "relief_end_median_day": (0.0, MAX_DAYS_AFTER),
    "retreatment_due_day": (0.0, MAX_DAYS_AFTER),
    "review_day": (0.0, MAX_DAYS_AFTER),
    "p_relief_90d": (0.0, 1.0),
    "p_relief_180d": (0.0, 1.0),
    "p_relief_365d": (0.0, 1.0),
}
_DATE_COLUMNS = ("review_date", "retreatment_due_date")
_KINDS = (("call", "calls"), ("book", "bookings"))
_LATE_BINS = (0, 7, 28, 91, 182, 365, np.inf)
_LATE_LABELS = ("1-7 days", "8-28 days", "29-91 days", "92-182 days", "183-365 days", "over 365 days")
_TOP = 20


def escape(value) -> str:
    """HTML-escape a value's text; control and bidi characters become visible ``\\xNN``/``\\uNNNN``."""

    text = html.escape(str(value), quote=True)
    if text.isprintable():
        return text
    return "".join(_visible(c) if is_hidden(c) else c for c in text)


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def id_column(frame):
    """The input column holding ``patient_id`` (by the schema's header rule: ``Patient ID`` too), or None."""
    from regen.schema.headers import match_headers

    return match_headers(frame.columns, ["patient_id"]).columns.get("patient_id")


@dataclass
class Cohort:
    """A scored frame made ready for the report.

    Attributes
    ----------
    frame : DataFrame
        The scored rows (index 0..n-1), catalog ids in ``nerve`` and ``indication``.
    ok : Series of bool
        Rows scored without error.
    key : Series of str
        The patient each row belongs to: an integer per ``patient_id``; each row with a blank
        ``patient_id`` is a patient of its own (:func:`regen.reporting.worklist.patient_keys`).
    ids : Series of str
        ``patient_id`` as given ('' where absent).
    has_ids, patients, repeated, blank_ids
        Whether a ``patient_id`` column exists; unique patients; rows repeating an earlier id; rows
        with a blank id (each a patient).
    events : DataFrame
        One row per patient and nerve with a next action and its date:
        ``date``, ``kind`` (``"call"`` / ``"book"``), ``patient``, ``row``.
    work : DataFrame
        The worklist (:func:`regen.reporting.worklist.worklist`): one row per patient and nerve.
    """

    frame: object
    ok: object
    key: object
    ids: object
    has_ids: bool
    patients: int
    repeated: int
    blank_ids: int
    events: object
    work: object


def _dates(frame, name: str):
    import pandas as pd

    if name not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    text = frame[name].fillna("").astype(str).str.strip().str[:10]
    return pd.to_datetime(text.where(text != "", None), errors="coerce", format="%Y-%m-%d")


def _blank(value) -> bool:
    """Blank text (missing values never reach the checks: they are factorized away)."""
    return isinstance(value, str) and value.strip() == ""


def _number_problem(value, low: float, high: float) -> str:
    """Why ``value`` is not a number from ``low`` to ``high`` ('' if it is one, or blank)."""
    from regen.utils.parsing import parse_number

    if _blank(value):
        return ""
    try:
        number = parse_number(str(value)) if not isinstance(value, bool) else np.nan
    except ValueError:
        number = np.nan
    return "" if low <= number <= high else f"is not a number from {low:g} to {high:g} (or blank)"


def _date_problem(value) -> str:
    """Why ``value`` is not a date YYYY-MM-DD in the accepted years ('' if it is one, or blank)."""
    from regen.errors import InputError
    from regen.schema.dates import WRITTEN_DATES, date_texts, parse_date

    if _blank(value):
        return ""
    try:
        parse_date(date_texts(np.array([value], dtype=object))[0], written=True)
    except InputError:
        return f"is not a date YYYY-MM-DD from {WRITTEN_DATES[0]} to {WRITTEN_DATES[1]} (or blank)"
    return ""


def check_scored(frame) -> None:
    """Refuse a scored table whose report columns hold values ``regen score`` never writes.

    Every column checked must be there; days must be finite from 0 to 36500,
    the ``p_relief_*`` from 0 to 1 and dates ``YYYY-MM-DD`` in
    :data:`regen.schema.dates.WRITTEN_DATES` (an accepted treatment date plus up
    to 36500 days); any may be blank. Each distinct value is checked once.

    Raises
    ------
    DataFileError
        Naming the first bad row (its data record number: 1 is the first row
        after the header), the column and the value.
    """
    import pandas as pd

    from regen.errors import DataFileError

    needed = ("error", *_NUMBER_RANGES, *_DATE_COLUMNS)
    missing = [c for c in needed if c not in frame]
    if len(missing) == len(needed):
        raise DataFileError("is not a scored file (none of its columns): run 'regen score' first")
    if missing:
        raise DataFileError(
            f"is not a complete scored file: column(s) {', '.join(missing)} missing (regen score "
            "writes them all): re-score the file"
        )
    checks = [(c, lambda v, r=r: _number_problem(v, *r)) for c, r in _NUMBER_RANGES.items()]
    checks += [(c, _date_problem) for c in _DATE_COLUMNS]
    first = None
    for col, problem in checks:
        codes, uniques = pd.factorize(pd.Series(frame[col].to_numpy(dtype=object)), use_na_sentinel=True)
        reasons = [problem(u) for u in uniques]
        bad = np.flatnonzero([bool(r) for r in reasons])
        rows = np.flatnonzero(np.isin(codes, bad))
        if len(rows) and (first is None or rows[0] < first[0]):
            value = uniques[codes[rows[0]]]
            first = (rows[0], col, value, reasons[codes[rows[0]]])
    if first is not None:
        row, col, value, reason = first
        shown = repr(value if not isinstance(value, np.generic) else value.item())
        raise DataFileError(
            f"data record {row + 1}, column {col}: {shown[:60]} {reason}; regen score never "
            "writes it: re-score the file"
        )


def prepare(table, model=None, today=None, **plan) -> Cohort:
    """The worklist, the scored rows, patient keys and the action dates of a table.

    ``table`` is a scored file (its prediction columns are checked, then made
    again by ``model``, which must be the model that scored it) or a clinic
    export (patient and follow-up columns). ``plan``: the planning rules of
    :func:`regen.reporting.worklist.worklist`.

    Raises
    ------
    DataFileError
        If a prediction column holds a value ``regen score`` never writes
        (see :func:`check_scored`), or the table was scored by another model.
    """
    import pandas as pd

    from regen.reporting.worklist import patient_keys, plan_table

    if any(c in table for c in ("error", *_NUMBER_RANGES, *_DATE_COLUMNS)):
        check_scored(table)
    work, frame = plan_table(table, model, today, **plan)
    frame = frame.reset_index(drop=True)
    for col in _NUMERIC:
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    ok = frame["error"].fillna("").astype(str).str.strip() == ""
    resolved = work.set_index("row")
    for col in ("nerve", "indication"):  # catalog ids whatever the input spelling
        frame[col] = np.where(ok, resolved[col].reindex(frame.index).fillna(""), frame[col] if col in frame else "")
    id_col = id_column(frame)
    ids = frame[id_col].fillna("").astype(str).str.strip() if id_col is not None else pd.Series("", index=frame.index)
    key = pd.Series(patient_keys(ids), index=frame.index)  # a blank patient_id: a patient of its own
    dated = work[(work["due_date"] != "") & (work["check"] == "") & (work["error"] == "")]
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(dated["due_date"], format="%Y-%m-%d"),
            "kind": np.where(dated["next_action"] == "book retreatment", "book", "call"),
            "patient": key.to_numpy()[dated["row"].to_numpy()],
            "row": dated["row"].to_numpy(),
        }
    )
    return Cohort(
        frame=frame,
        ok=ok,
        key=key,
        ids=ids,
        has_ids=id_col is not None,
        patients=int(key.nunique()),
        repeated=int(key[ids != ""].duplicated().sum()),
        blank_ids=int((ids == "").sum()) if id_col is not None else 0,
        events=events.reset_index(drop=True),
        work=work,
    )


# -- HTML tables ---------------------------------------------------------------
def _cell(value) -> str:
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return ""
        return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    return escape(value)


def html_table(frame, *, wrap=frozenset(), zero_rows: bool = False, table_id: str = "") -> str:
    """A table in a horizontally scrolling box; text columns left-aligned, ``wrap`` columns wrapped.

    ``zero_rows`` greys out rows whose numbers are all zero; ``table_id`` names the table.
    """
    text = [frame[c].dtype.kind not in "iuf" for c in frame.columns]
    cls = [" class='w'" if c in wrap else " class='t'" if t else "" for c, t in zip(frame.columns, text, strict=True)]
    head = "".join(f"<th{k if t else ''}>{escape(c)}</th>" for c, k, t in zip(frame.columns, cls, text, strict=True))
    numeric = [i for i, t in enumerate(text) if not t]
    rows = []
    for row in frame.itertuples(index=False):
        empty = zero_rows and numeric and all(row[i] == 0 for i in numeric)
        cells = "".join(f"<td{k}>{_cell(v)}</td>" for v, k in zip(row, cls, strict=True))
        rows.append(f"<tr class='zero'>{cells}</tr>" if empty else f"<tr>{cells}</tr>")
    name = f" id='{escape(table_id)}'" if table_id else ""
    return f"<div class='scroll'><table{name}><tr>{head}</tr>{''.join(rows)}</table></div>"


# -- overdue -------------------------------------------------------------------
def _late(events, today):
    return events.assign(days_late=(today - events["date"]).dt.days)


def overdue_summary(overdue, today) -> str:
    """How many patients are overdue, for what, how late (an HTML list)."""
    ev = _late(overdue, today)
    items = []
    for kind, what, unit in (("call", "Call (check on relief)", "nerve"), ("book", "Book a retreatment", "nerve")):
        sub = ev[ev["kind"] == kind]
        if len(sub):
            items.append(
                f"<li><b>{what}</b>: {plural(sub['patient'].nunique(), 'patient')} "
                f"({plural(len(sub), unit)}), median {sub['days_late'].median():.0f} days late, "
                f"at most {sub['days_late'].max():,}.</li>"
            )
    total = plural(ev["patient"].nunique(), "patient is", "patients are")
    return f"<p><b>{total} overdue</b> on {today.date()}:</p><ul>{''.join(items)}</ul>"


def _period_counts(events, codes, n: int) -> dict:
    out = {}
    for kind, name in _KINDS:
        m = (events["kind"] == kind).to_numpy()
        group = events["patient"][m].groupby(codes[m])
        out[f"{name}: patients"] = group.nunique().reindex(range(n), fill_value=0).to_numpy(int)
        out[f"{name}: nerves"] = group.size().reindex(range(n), fill_value=0).to_numpy(int)
    return out


def lateness_table(overdue, today):
    """Overdue patients per band of days late (every band listed).

    A patient is counted once per kind, in the band of their most overdue
    item, so the patients of the bands add up to the overdue patients; the
    nerves column counts every overdue booking.
    """
    import pandas as pd

    def bands(events):
        return np.searchsorted(np.asarray(_LATE_BINS), events["days_late"].to_numpy(), side="left") - 1

    ev = _late(overdue, today)
    once = ev.sort_values("days_late", kind="stable").drop_duplicates(["kind", "patient"], keep="last")
    counts = _period_counts(once, bands(once), len(_LATE_LABELS))
    every = _period_counts(ev, bands(ev), len(_LATE_LABELS))
    for _, name in _KINDS:
        counts[f"{name}: nerves"] = every[f"{name}: nerves"]
    return pd.DataFrame({"days late": list(_LATE_LABELS), **counts})


def _level(c: Cohort):
    if "evidence" not in c.frame:  # regen's own columns by their exact names (clashes are refused by score)
        return None
    text = c.frame["evidence"].fillna("").astype(str).str.strip()
    return text.str.split(":", n=1).str[0].str.strip().str.lower().where(text != "", "not stated")


def action_list(c: Cohort, rows, today):
    """One row per patient and nerve: id, what to do, when, how late, how sure (the relief forecast), evidence.

    The id and the dates come first: on a phone the table scrolls sideways.
    """
    import pandas as pd

    work = c.work.set_index("row").loc[list(rows)]
    late = work["days_late"].to_numpy(dtype=float)

    def days(name):
        return work[name].to_numpy(dtype=float)

    median, low, high = days("relief_end_median_day"), days("relief_end_p10_day"), days("relief_end_p90_day")
    forecast = [
        "" if not np.isfinite(m) else f"day {day_text(m)} ({day_text(lo)}-{day_text(hi)})"
        for m, lo, hi in zip(median, low, high, strict=True)
    ]
    level = work["evidence"].astype(str).str.split(":", n=1).str[0].str.strip()
    return pd.DataFrame(
        {
            "patient_id": c.ids.to_numpy()[work.index.to_numpy()],
            "next": work["next_action"].to_numpy(),
            "date": work["due_date"].to_numpy(),
            "days late": np.where(late > 0, late, np.nan),
            "relief ends (median, 80 %)": forecast,
            "P(relieved today)": work["p_relief_today"].to_numpy(dtype=float),
            "evidence": level.to_numpy(),
            "nerve": work["nerve"].to_numpy(),
            "indication": work["indication"].to_numpy(),
        }
    )


def overdue_list(overdue, c: Cohort, today):
    """Who is overdue, most overdue first (:func:`action_list`)."""
    order = _late(overdue, today).sort_values(["days_late", "kind"], ascending=[False, True])
    return action_list(c, order["row"].to_numpy(), today)


def week_list(c: Cohort, today):
    """The actions due from today to six days on, soonest first (:func:`action_list`)."""
    import pandas as pd

    ev = c.events[(c.events["date"] >= today) & (c.events["date"] < today + pd.Timedelta(days=7))]
    return action_list(c, ev.sort_values(["date", "kind"])["row"].to_numpy(), today)


def check_list(c: Cohort):
    """Rows whose dates cannot be right today (a treatment or follow-up after today): id, what, nerve."""
    import pandas as pd

    work = c.work[c.work["check"] != ""]
    return pd.DataFrame(
        {
            "patient_id": c.ids.to_numpy()[work["row"].to_numpy()],
            "what to check": work["check"].to_numpy(),
            "nerve": work["nerve"].to_numpy(),
            "indication": work["indication"].to_numpy(),
        }
    )


# -- calendars -----------------------------------------------------------------
def week_calendar(events, today):
    """The next 12 calendar weeks (Monday-Sunday), the first one starting today; empty weeks listed."""
    import pandas as pd

    start = today - pd.Timedelta(days=today.weekday())
    n = 12
    mondays = start + pd.to_timedelta(np.arange(n) * 7, unit="D")
    ev = events[(events["date"] >= today) & (events["date"] < start + pd.Timedelta(days=7 * n))]
    codes = ((ev["date"] - start).dt.days // 7).to_numpy()
    label = [f"{max(m, today):%Y-%m-%d} to {m + pd.Timedelta(days=6):%Y-%m-%d}" for m in mondays]
    iso = [f"W{m.isocalendar()[1]:02d}" for m in mondays]
    return pd.DataFrame({"week": label, "ISO week": iso, **_period_counts(ev, codes, n)})


def month_calendar(events, today, months: int = 24):
    """The next ``months`` calendar months, the first one starting today; empty months listed."""
    import pandas as pd

    first = today.to_period("M")
    periods = pd.period_range(first, periods=months, freq="M")
    ev = events[(events["date"] >= today) & (events["date"] < (first + months).start_time)]
    codes = ((ev["date"].dt.year - today.year) * 12 + ev["date"].dt.month - today.month).to_numpy(int)
    return pd.DataFrame({"month": periods.strftime("%Y-%m"), **_period_counts(ev, codes, months)})


def after_window_sentence(events, today, months: int = 24) -> str:
    """What falls after the month calendar."""
    end = (today.to_period("M") + months).start_time
    later = events[events["date"] >= end]
    book, call = later[later["kind"] == "book"], later[later["kind"] == "call"]
    return (
        f"After these {months} months: {plural(len(call), 'call')} "
        f"({plural(call['patient'].nunique(), 'patient')}) and {plural(len(book), 'booking')}."
    )


def no_date_sentence(c: Cohort) -> str:
    """Scored rows that have no action date (no ``treated_on``, or none planned)."""
    work = c.work[(c.work["error"] == "") & (c.work["check"] == "")]
    undated = work[work["due_date"] == ""]
    if not len(undated):
        return "Every scored patient and nerve has a next date."
    return (
        f"{plural(len(undated), 'patient and nerve has', 'patients and nerves have')} no next date (no "
        "<code>treated_on</code>, or nothing planned, e.g. an analgesic window without outcome data): "
        "not in the calendars or the overdue list."
    )


def evidence_levels(c: Cohort):
    """The evidence level of each scored row (text before ':'), or None without the column."""
    level = _level(c)
    return None if level is None else level[c.ok]


def evidence_sentence(levels) -> str:
    """How many predictions rest on class-level or mechanism-only evidence."""
    n = len(levels)
    weak = levels.isin(["class only", "mechanism only"])
    share = f" ({100 * weak.mean():.0f} %)" if n else ""
    return (
        f"<b>{int(weak.sum()):,} of {plural(n, 'scored prediction')}{share} rest on class-level or "
        f"mechanism-only evidence</b>: {int((levels == 'class only').sum()):,} class only, "
        f"{int((levels == 'mechanism only').sum()):,} mechanism only: read their dates with more caution."
    )


def evidence_table(c: Cohort, levels, meaning: dict):
    """Predictions and patients per evidence level, with what the level means."""
    import pandas as pd

    order = [k for k in meaning if k != "not stated"]
    order += sorted(set(levels) - set(order))
    keys = c.key[levels.index]
    table = pd.DataFrame(
        {
            "evidence": order,
            "predictions": [int((levels == k).sum()) for k in order],
            "patients": [int(keys[levels == k].nunique()) for k in order],
            "what it means": [meaning.get(k, "as stated by the model") for k in order],
        }
    )
    return table[(table["predictions"] > 0) | table["evidence"].isin(meaning)]


def text_counts(c: Cohort, name: str, split: str | None = None, rows=None):
    """Distinct texts of a column with rows and patients (the most frequent first)."""
    import pandas as pd

    col = name if name in c.frame else None  # regen's own column, by its exact name
    if col is None:
        return None
    mask = c.ok if rows is None else rows
    text = c.frame.loc[mask, col].fillna("").astype(str).str.strip()
    frame = pd.DataFrame({name: text, "patient": c.key[mask]})
    if split:
        frame = frame.assign(**{name: text.str.split(split)}).explode(name)
    frame = frame[frame[name].str.strip() != ""]
    out = frame.groupby(name).agg(rows=(name, "size"), patients=("patient", "nunique")).reset_index()
    return out.sort_values(["rows", name], ascending=[False, True]).head(_TOP)


def refused_columns(c: Cohort):
    """Rows not scored, by the input columns their errors name: no cell value, no reason text (a shareable page).

    An error of ``regen score`` is ``column: what was wrong`` (several joined by ``; ``); only the
    column names (the contract's) are kept.
    """
    import pandas as pd

    from regen.schema.patients import INPUT_COLUMNS

    known = {*INPUT_COLUMNS, "front_mm/front_day"}
    text = c.frame.loc[~c.ok, "error"].fillna("").astype(str) if "error" in c.frame else pd.Series(dtype=str)
    named = text.str.findall(r"(?:^|; )([a-z_/]+):").map(lambda found: sorted({n for n in found if n in known}))
    frame = pd.DataFrame({"columns refused": named.map(lambda n: ", ".join(n) or "other"), "patient": c.key[~c.ok]})
    if frame.empty:
        return None
    out = frame.groupby("columns refused").agg(rows=("patient", "size"), patients=("patient", "nunique"))
    return out.reset_index().sort_values(["rows", "columns refused"], ascending=[False, True]).head(_TOP)


def no_booking_sentence(c: Cohort) -> str:
    """Scored rows without a booking day (e.g. post-operative pain that ends by itself)."""
    n = int((c.ok & c.frame["retreatment_due_day"].isna()).sum())
    if not n:
        return ""
    return (
        f"{plural(n, 'scored row has', 'scored rows have')} no booking day; the reason is in "
        "<code>warnings</code> (listed above)."
    )


# -- cohort and working list ---------------------------------------------------
def cohort_table(c: Cohort):
    """Scored rows by nerve and indication: patients, nerves, median predictions."""
    level = _level(c)
    ok = c.frame[c.ok].assign(patient=c.key[c.ok], level="" if level is None else level[c.ok])
    table = (
        ok.groupby(["nerve", "indication"])
        .agg(
            patients=("patient", "nunique"),
            nerves=("patient", "size"),
            sensation=("sensation_return_median_day", "median"),
            relief=("relief_end_median_day", "median"),
            p180=("p_relief_180d", "mean"),
            evidence=("level", lambda v: ", ".join(sorted(set(v)))),
        )
        .reset_index()
    )
    if level is None:
        table = table.drop(columns="evidence")
    return table.sort_values(["patients", "nerve"], ascending=[False, True]).rename(
        columns={"sensation": "sensation returns (day)", "relief": "relief ends (day)", "p180": "relieved at 180 d"}
    )


def working_list(c: Cohort, today):
    """Every patient and nerve with a next date, soonest first (:func:`action_list`)."""
    return action_list(c, c.events.sort_values(["date", "kind"])["row"].to_numpy(), today)
