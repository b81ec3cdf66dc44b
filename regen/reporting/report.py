"""A self-contained HTML page for a clinic: whom to call this week, who is overdue, and how sure each date is.

The page is made from a scored file (or a clinic export with its follow-up:
``last_contact_on``, ``relieved_at_last_contact``, ``relief_lost_on``) and
the model that scored it, for one ``today``. One row per patient and nerve
(:func:`regen.reporting.worklist.worklist`): the next action (call to check
on relief, book a retreatment when relief was lost, review a probable
non-response), its date, how late, the relief forecast behind it (median with
its 80 % interval, P(still relieved today)) and the evidence label. A patient
contacted since the planned date is not overdue: the contact moves the plan.
Dates that cannot be right today (a treatment or a follow-up after it) get a
section of their own. Then continuous calendars of the next 12 calendar weeks
and 24 months (empty periods included), the evidence behind the predictions
and the cohort. Patients are counted by ``patient_id``. Patient identifiers
appear only with ``list_patients=True``, so a page made with the defaults can
be shared. Everything is inline (figures as base64 PNG, no script, a
Content-Security-Policy that forbids any fetch); every text is HTML-escaped.

Examples
--------
>>> import pandas as pd
>>> from regen import score_frame
>>> from regen.reporting.report import build_report
>>> scored = score_frame(pd.DataFrame({"nerve": ["SLGN", "GON"], "treated_on": ["2026-01-05"] * 2}))
>>> page = build_report(scored, today="2026-01-05")
>>> page.startswith("<!DOCTYPE html>") and page.index("id='this-week'") < page.index("id='weeks'")
True
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import numpy as np

from regen.reporting import report_tables as tables
from regen.reporting.report_tables import escape
from regen.utils.text import plural

__all__ = ["build_report", "escape"]

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_CSS = """html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,sans-serif;margin:0 auto;padding:0 12px 2em;max-width:1000px;
color:#222;line-height:1.45}
h1{font-size:1.5em;margin:.8em 0 .3em}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:1.6em}
h3{font-size:1.05em;margin-top:1.2em}p,li{overflow-wrap:anywhere}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.6em 0 1em;max-width:100%}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;white-space:nowrap;vertical-align:top}
th{background:#f2f2f2;white-space:normal;min-width:4.5em}
td.t,th.t,td.w,th.w{text-align:left}td.w{white-space:normal;min-width:12em;max-width:30em}
tr.zero td{color:#999}img{max-width:100%;height:auto}
.note{color:#555;font-size:90%}.late{color:#a50f15;font-weight:600}
.box{background:#fff5f0;border-left:4px solid #cb181d;padding:.4em .8em}
nav{font-size:90%}nav a{margin-right:.8em;white-space:nowrap}
@media (max-width:600px){body{font-size:15px}h1{font-size:1.25em}td,th{padding:3px 5px}}"""

_NAV = (
    ("this-week", "This week"),
    ("overdue", "Overdue"),
    ("check", "Dates to check"),
    ("weeks", "Next 12 weeks"),
    ("months", "Next 24 months"),
    ("evidence", "Evidence"),
    ("cohort", "Cohort"),
)
_LEVEL_MEANING = {
    "indication": "studies of this indication stand behind the relief forecast",
    "class only": "no study of this indication: its pain class's forecast, with the spread between indications added",
    "mechanism only": "no outcome study of this indication or its class: relief end anchored on the "
    "nerve's regrowth alone",
    "not stated": "the evidence column is empty for these rows",
}


def _p(text: str, cls: str = "") -> str:
    return f"<p class='{cls}'>{text}</p>" if cls else f"<p>{text}</p>"


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="figure" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _histogram(ok) -> str:
    from regen.reporting.plots import pyplot

    days = ok["relief_end_median_day"].to_numpy(dtype=float)
    days = days[np.isfinite(days) & (days > 0)]
    if not len(days):
        return _p("No relief-end prediction to draw.", "note")
    fig, ax = pyplot().subplots(figsize=(8, 3))
    bins = np.geomspace(max(days.min() * 0.9, 1.0), days.max() * 1.1, 30)
    ax.hist(days, bins=bins, color="#e6550d", alpha=0.85)
    ax.set_xscale("log")
    ticks = [t for t in (7, 14, 30, 60, 90, 180, 365, 730, 1460) if bins[0] <= t <= bins[-1]]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("predicted median relief end among responders (days after treatment, log scale)")
    ax.set_ylabel("predictions (nerves)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    return _png(fig)


def _calendar_plot(month) -> str:
    from regen.reporting.plots import pyplot

    fig, ax = pyplot().subplots(figsize=(8, 3.2))
    x = np.arange(len(month))
    ax.bar(x - 0.2, month["calls: patients"], width=0.4, color="#756bb1", label="calls (patients)")
    ax.bar(x + 0.2, month["bookings: patients"], width=0.4, color="#cb181d", label="bookings (patients)")
    ax.set_xticks(x, month["month"], rotation=60, ha="right", fontsize=8)
    ax.set_xlim(-0.6, len(month) - 0.4)
    ax.set_ylabel("patients due")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, ncol=2, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
    ax.grid(alpha=0.3, axis="y")
    return _png(fig)


def _head(title: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
    )


def _summary(c: tables.Cohort, today) -> str:
    n, ok = len(c.frame), int(c.ok.sum())
    versions = ", ".join(sorted(set(c.frame.loc[c.ok, "model_version"].astype(str)))) or "none"
    if c.has_ids:
        who = (
            f"{plural(c.patients, 'patient')} (by <code>patient_id</code>; "
            f"{plural(c.repeated, 'row repeats', 'rows repeat')} an earlier id"
            + (
                f"; {plural(c.blank_ids, 'row has', 'rows have')} no id, each counted as a patient of its own"
                if c.blank_ids
                else ""
            )
            + ")"
        )
    else:
        who = "no <code>patient_id</code> column: each row counted as one patient"
    return (
        _p(
            f"{plural(n, 'row')} (one per treated nerve), {who}: {ok:,} scored, "
            f"{n - ok:,} not scored. Model: {escape(versions)}. Today: <b>{today.date()}</b>."
        )
        + _p(
            "Estimates with uncertainty for decision support by clinicians; not a medical device. "
            "<b>Call</b>: check on relief on the day a quarter of comparable responders, relieved at the "
            "last contact, have lost relief (never before relief can be judged, nor within two weeks of "
            "the last contact). <b>Book</b>: relief was lost: book the retreatment. A contact recorded in "
            "the file (<code>last_contact_on</code>) moves the plan, so a patient called since is not "
            "overdue. Each date comes with the relief forecast it rests on and how sure it is.",
            "note",
        )
        + "<nav>"
        + " ".join(f"<a href='#{k}'>{v}</a>" for k, v in _NAV)
        + "</nav>"
    )


def _week_section(c: tables.Cohort, today, list_patients: bool) -> list[str]:
    import pandas as pd

    ev = c.events[(c.events["date"] >= today) & (c.events["date"] < today + pd.Timedelta(days=7))]
    parts = ["<h2 id='this-week'>This week: whom to contact</h2>"]
    if not len(ev):
        return [*parts, _p(f"Nothing due from {today.date()} to {(today + pd.Timedelta(days=6)).date()}.")]
    calls, books = ev[ev["kind"] == "call"], ev[ev["kind"] == "book"]
    parts.append(
        _p(
            f"From {today.date()} to {(today + pd.Timedelta(days=6)).date()}: "
            f"<b>{plural(calls['patient'].nunique(), 'patient')} to call</b> and "
            f"<b>{plural(books['patient'].nunique(), 'patient')} to book</b>."
        )
    )
    if list_patients:
        parts.append(tables.html_table(tables.week_list(c, today), wrap={"next"}, table_id="week-list"))
    else:
        parts.append(_NO_IDS)
    return parts


_NO_IDS = _p(
    "Patient identifiers are left out of this page. Make it with <code>--list-patients</code> for the lists "
    "(the page then carries identifiers: do not share it).",
    "note",
)


def _overdue_section(c: tables.Cohort, today, list_patients: bool) -> list[str]:
    ev = c.events[c.events["date"] < today]
    parts = ["<h2 id='overdue'>Overdue: due before today</h2>"]
    if not len(ev):
        return [*parts, _p(f"Nothing overdue: no call or booking falls before {today.date()}.")]
    parts.append(f"<div class='box'>{tables.overdue_summary(ev, today)}</div>")
    parts.append(
        _p(
            "Overdue = the date is before today and no later contact is recorded in the file (a contact "
            "recorded in <code>last_contact_on</code> moves the plan).",
            "note",
        )
    )
    parts.append(
        "<h3>How late</h3>" + tables.html_table(tables.lateness_table(ev, today), zero_rows=True, table_id="lateness")
    )
    if list_patients:
        parts.append(
            "<h3>Who (most overdue first)</h3>"
            + tables.html_table(tables.overdue_list(ev, c, today), wrap={"next"}, table_id="overdue-list")
        )
    else:
        parts.append(_NO_IDS)
    return parts


def _check_section(c: tables.Cohort, list_patients: bool) -> list[str]:
    checks = c.work[c.work["check"] != ""]
    parts = ["<h2 id='check'>Dates to check</h2>"]
    if not len(checks):
        return [*parts, _p("No treatment or follow-up date after today.")]
    after = checks["check"].str.contains("treated_on").sum()
    parts.append(
        _p(
            f"{plural(len(checks), 'patient and nerve has', 'patients and nerves have')} a date after today "
            f"({after} a treatment date, {len(checks) - after} a follow-up date): no plan is made for them "
            "until the date is corrected."
        )
    )
    parts.append(
        tables.html_table(tables.check_list(c), wrap={"what to check"}, table_id="check-list")
        if list_patients
        else _NO_IDS
    )
    return parts


def _calendar_sections(c: tables.Cohort, today) -> list[str]:
    week = tables.week_calendar(c.events, today)
    month = tables.month_calendar(c.events, today)
    later = tables.after_window_sentence(c.events, today)
    nodate = tables.no_date_sentence(c)
    return [
        "<h2 id='weeks'>Next 12 weeks</h2>",
        _p(
            "Calendar weeks, Monday to Sunday; the first starts today. Every week is listed, "
            "empty ones included. Counts are patients (a repeated <code>patient_id</code> counts "
            "once per week, a row without one is a patient of its own); <i>nerves</i> counts the treated "
            "nerves to book.",
            "note",
        ),
        tables.html_table(week, zero_rows=True, table_id="week-table"),
        "<h2 id='months'>Next 24 months</h2>",
        _p("Calendar months; the first starts today. Every month is listed, empty ones included.", "note"),
        _calendar_plot(month),
        tables.html_table(month, zero_rows=True, table_id="month-table"),
        _p(later + " " + nodate, "note"),
    ]


def _evidence_section(c: tables.Cohort) -> list[str]:
    parts = ["<h2 id='evidence'>Evidence behind the predictions</h2>"]
    levels = tables.evidence_levels(c)
    if levels is None:
        parts.append(
            _p(
                "This scored file has no <code>evidence</code> column (scored by an older regen): "
                "how many predictions rest on class-level or mechanism-only evidence is not known. "
                "Re-score with the current regen to see it."
            )
        )
    else:
        parts.append(_p(tables.evidence_sentence(levels)))
        parts.append(
            tables.html_table(
                tables.evidence_table(c, levels, _LEVEL_MEANING), wrap={"what it means"}, table_id="evidence-levels"
            )
        )
        parts.append(
            "<h3>As stated per prediction</h3>"
            + tables.html_table(tables.text_counts(c, "evidence"), wrap={"evidence"})
        )
    warn = tables.text_counts(c, "warnings", split="; ")
    if warn is not None and len(warn):
        parts.append("<h3>Warnings</h3>" + tables.html_table(warn, wrap={"warnings"}))
    nobook = tables.no_booking_sentence(c)
    if nobook:
        parts.append(_p(nobook))
    return parts


def _rest(c: tables.Cohort, list_patients: bool, today) -> list[str]:
    ok = c.frame[c.ok]
    parts = []
    if list_patients:
        parts += [
            "<h2 id='list'>Working list</h2>",
            _p("Every patient and nerve with a next date, soonest first. Contains patient identifiers.", "note"),
            tables.html_table(tables.working_list(c, today), wrap={"next"}, table_id="working-list"),
        ]
    parts += [
        "<h2 id='cohort'>Cohort by nerve and indication</h2>",
        tables.html_table(tables.cohort_table(c), table_id="cohort-table"),
        _p(
            "Per nerve and indication: the median of the patients' predicted medians (sensation "
            "returns; relief ends, among responders) and the mean probability of still being "
            "relieved at 180 days (all patients, non-responders included).",
            "note",
        ),
        "<h2>Predicted relief end</h2>",
        _histogram(ok),
    ]
    errors = tables.refused_columns(c) if not list_patients else tables.text_counts(c, "error", rows=~c.ok)
    if errors is not None and len(errors):
        parts += ["<h2>Not scored</h2>", tables.html_table(errors, wrap={"error"})]
        if not list_patients:
            parts.append(
                _p(
                    "Which columns held a value that was refused, without the values (a shared page carries no "
                    "cell values); the reasons, row by row, are in the scored file's error column "
                    "(or on this page with --list-patients).",
                    "note",
                )
            )
        if list_patients and c.has_ids:
            import pandas as pd

            bad = pd.DataFrame({"patient_id": c.ids[~c.ok], "error": c.frame.loc[~c.ok, "error"]})
            parts.append(tables.html_table(bad, wrap={"error"}, table_id="not-scored-list"))
    return parts


def build_report(
    scored,
    today=None,
    title: str = "regen cohort report",
    *,
    list_patients: bool = False,
    model=None,
    **plan,
) -> str:
    """Build the HTML page from a scored table (or a clinic export with its follow-up).

    Parameters
    ----------
    scored : pandas.DataFrame
        A table ``regen score`` wrote, or patient and follow-up columns (strings,
        as read from a CSV, or typed).
    today : str or date, optional
        The day the page is made for (``YYYY-MM-DD``); dates before it are
        overdue and the calendars start on it. Default: the computer's today.
    title : str
        Page title.
    list_patients : bool
        Add the lists with ``patient_id`` (this week, overdue, dates to check,
        the working list). Off by default so that a shared page carries no identifiers.
    model : Model, path, "default" or None
        The model that scored the table (the forecasts are made again for ``today``).
    **plan
        ``book_at_risk``, ``contact_at_risk``, ``min_contact_gap`` (see :func:`regen.score_frame`).

    Returns
    -------
    str
        One self-contained HTML document (no external request).
    """
    import pandas as pd

    today = pd.Timestamp(today).normalize() if today is not None else pd.Timestamp.today().normalize()
    cohort = tables.prepare(scored, model, today.date().isoformat(), **plan)
    parts = [
        _head(title),
        f"<h1>{escape(title)}</h1>",
        _summary(cohort, today),
        *_week_section(cohort, today, list_patients),
        *_overdue_section(cohort, today, list_patients),
        *_check_section(cohort, list_patients),
        *_calendar_sections(cohort, today),
        *_evidence_section(cohort),
        *_rest(cohort, list_patients, today),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(
    scored: str | os.PathLike,
    output: str | os.PathLike,
    today=None,
    *,
    list_patients: bool = False,
    model=None,
    **plan,
) -> Path:
    """Read a scored file, build its page and write it: the function behind ``regen report``.

    The output is checked first (an HTML name, not an input, not a folder); the
    page appears whole or not at all.

    Raises
    ------
    PathClashError
        If ``output`` is the scored file, is not named ``.html`` / ``.htm`` (or
        without an extension), or cannot be written.
    DataFileError
        If the scored file cannot be read or holds values ``regen score`` never writes (the file named).
    """
    from regen.errors import DataFileError
    from regen.files.paths import PathClashError, check_paths
    from regen.files.read import read_table
    from regen.files.write import write_text
    from regen.utils.text import printable

    model_file = (model,) if isinstance(model, str | os.PathLike) and os.path.isfile(model) else ()
    check_paths({"--output": output}, (scored, *model_file))
    extension = Path(output).suffix.lower()
    if extension and extension not in (".html", ".htm"):
        raise PathClashError(
            f"--output: {printable(output)}: regen report writes HTML (.html, .htm), not "
            f"{printable(extension)}; name the file accordingly"
        )
    frame = read_table(scored)
    try:
        page = build_report(frame, today=today, list_patients=list_patients, model=model, **plan)
    except DataFileError as exc:  # name the file: build_report only sees a table
        raise DataFileError(f"{scored}: {exc}") from None
    write_text(page, output)
    return Path(output)
