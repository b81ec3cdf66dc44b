"""The one adapter between the web tool and the regen library: every call into ``regen`` is here.

Pages and API routes never forecast or plan: they call these functions, which
call the library's public functions, and store or show what comes back.

Library calls made here:

- catalog: :func:`regen.load_catalog`, :func:`regen.catalog.nerves.load_indication_catalog`,
  :func:`regen.schema.column_docs.input_column_docs`, :data:`regen.schema.column_docs.OUTPUT_MEANINGS`;
- models: :func:`regen.load_model` (embedded default and stored model files),
  :func:`regen.utils.resources.model_path` (the default model's card);
- validation: :func:`regen.model.prediction.patient_columns`, :func:`regen.schema.patients.validate_patients`,
  :data:`regen.schema.columns.PATIENT_COLUMNS`, :data:`regen.schema.columns.FOLLOW_UP_COLUMNS`;
- forecasts: :func:`regen.predict_patient` (follow-up as the clinic records it:
  ``last_contact_on``, ``relieved_at_last_contact``, ``relief_lost_on``; fronts as
  ``front_mm``/``front_day``; earlier cycles as ``prior_relief_days``);
- worklist: :func:`regen.reporting.worklist.worklist` (the same function as ``regen report``);
- timeline picture: :func:`regen.reporting.plots.timeline_png`;
- files: :func:`regen.files.read.read_table` (the strict reader of ``regen score``),
  :func:`regen.score_frame` (row errors, the scored export), :func:`regen.load_outcomes`
  (reads an uploaded outcome file, and checks the outcome export, as ``regen fit`` reads them),
  :func:`regen.schema.patients.check_headers` (which follow-up form an upload gives),
  :func:`regen.utils.parsing.to_bool` and :func:`regen.utils.parsing.to_float` (an upload's ``responded``
  and ``cycle``, as ``regen fit`` reads them);
- fitting: :func:`regen.fitting.fit_file.fit_file` (in ``_library_fit``; a fit that takes ``progress`` gets
  the job's reporter) from the evidence, with ``regen fit``'s defaults :data:`regen.fitting.clinic.defaults.PRIOR`
  and :data:`regen.fitting.clinic.defaults.ROBUST_WEIGHT` and the MCMC settings
  :class:`regen.fitting.clinic.sampler.Settings`; :func:`regen.fitting.fit_file.require_bayes` refuses
  first, in ``regen fit``'s words, when the bayes extra is missing; what a stored model started from is
  its bundle's ``prior`` section (read through :func:`regen.load_model`, in ``fit_start``);
- the version shown in the footer: :data:`regen.__version__`;
- days shown as whole days and their dates: :func:`regen.schema.columns.whole_day` (half up, the rule of the
  library's date columns and of the timeline's legend);
- text: :func:`regen.utils.text.printable` (hidden characters shown as escapes, as ``regen report``
  shows them), :func:`regen.utils.stored_text.text_refusals` (text that may be stored);
- dates to check: ``_checks`` of :mod:`regen.reporting.worklist` (a date after today, as the worklist flags it);
- bounded reading of uploads: :func:`regen.files.read.iter_chunks` (``max_bytes``, ``max_rows``; refusing with
  :class:`regen.files.read.TableTooLarge`) and :func:`regen.files.read.without_blank_tail`;
- what the store can hold: :func:`regen.store.records.clinic_id_refusal` and
  :func:`regen.store.records.prior_cycles_refusal` (checked on the form, the API and each import row).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import tempfile
import threading
from datetime import date
from pathlib import Path

import regen
from regen.errors import DataFileError, InputError, RegenError
from regen.schema.columns import PATIENT_COLUMNS
from regen.utils.text import printable as _escaped

__all__ = [
    "CONTACT_FIELDS",
    "DISCLAIMER",
    "FORM_FIELDS",
    "DataFileError",
    "InputError",
    "RegenError",
    "UploadTooLarge",
    "catalog_choices",
    "check_treatment",
    "contact_field_errors",
    "day_date",
    "day_text",
    "embedded_card",
    "embedded_version",
    "field_errors",
    "field_help",
    "fit_clinic_model",
    "fit_start",
    "forecast_treatment",
    "library_inputs",
    "load_stored_model",
    "outcome_frame",
    "plan_help",
    "predict_one",
    "printable",
    "read_upload",
    "regen_version",
    "relief_lost_day",
    "reports_progress",
    "scored_export",
    "text_refusals",
    "timeline_png",
    "typed_rows",
    "whole_day",
    "worklist",
]

DISCLAIMER = (
    "Decision support, not a medical device: every estimate is shown with its 80 % interval, what it "
    "rests on and the model version; the clinical decision is yours."
)

#: Form fields of a treatment, in order: (column, label, input kind).
FORM_FIELDS = (
    ("patient_id", "Patient identifier (clinic's)", "text"),
    ("nerve", "Nerve", "nerve"),
    ("indication", "Indication", "indication"),
    ("treated_on", "Treatment date", "date"),
    ("age", "Age", "number"),
    ("sex", "Sex", "sex"),
    ("height_cm", "Height", "number"),
    ("bmi", "BMI", "number"),
    ("diabetes", "Diabetes", "yesno"),
    ("smoker", "Current smoker", "yesno"),
    ("distance_mm", "Measured distance, lesion to target", "number"),
    ("freeze_cycles", "Freeze cycles", "number"),
    ("freeze_seconds", "Seconds per freeze", "number"),
    ("probe_temp_c", "Probe temperature", "number"),
    ("prior_treatments", "Earlier treatments of this nerve", "number"),
    ("prior_relief_days", "Relief of earlier cycles not recorded here", "text"),
    ("allow_any_nerve", "Score this nerve for an indication the catalog does not list for it", "check"),
)
#: Contact form fields and the library column each one feeds (for the field messages).
CONTACT_FIELDS = {
    "contacted_on": "last_contact_on",
    "relieved": "relieved_at_last_contact",
    "pain_back_on": "relief_lost_on",
    "front_mm": "front_mm",
}
_UNITS = {"degC": "°C", "kg/m2": "kg/m²"}
_TYPED = (
    "age",
    "height_cm",
    "bmi",
    "distance_mm",
    "freeze_cycles",
    "freeze_seconds",
    "probe_temp_c",
    "prior_treatments",
    "diabetes",
    "smoker",
    "sex",
)
_WHOLE = ("freeze_cycles", "prior_treatments")


# --------------------------------------------------------------------------- text
def printable(text: object) -> str:
    """``text`` with its hidden characters (controls, zero-width and bidi marks) escaped visibly."""
    return _escaped(text)


def text_refusals(values, multiline: tuple[str, ...] = ()) -> dict[str, str]:
    """Field → why its text cannot be stored (a control character, not valid UTF-8); see the library's."""
    from regen.utils.stored_text import text_refusals as refusals

    return refusals(values, multiline=multiline)


# --------------------------------------------------------------------------- catalog and field help
def catalog_choices() -> dict:
    """The pickers' options: nerves (id, name, aliases, indications) and indications (id, name, class)."""
    from regen.catalog.nerves import load_indication_catalog

    nerves = [
        {"id": n.id, "name": n.name, "aliases": list(n.aliases), "indications": list(n.indications)}
        for n in regen.load_catalog().values()
    ]
    catalog = load_indication_catalog()
    ids = sorted({i for n in nerves for i in n["indications"]} | set(catalog))
    indications = [
        {
            "id": i,
            "name": catalog[i].name if i in catalog else i.replace("_", " "),
            "pain_class": catalog[i].pain_class if i in catalog else "",
        }
        for i in ids
    ]
    return {"nerves": nerves, "indications": indications}


def plan_help() -> dict[str, str]:
    """What the plan's columns mean, in the library's words (``regen columns``)."""
    from regen.schema.column_docs import OUTPUT_MEANINGS

    return {k: OUTPUT_MEANINGS[k] for k in ("next_action", "next_contact_day", "retreatment_due_day")}


def field_help() -> dict[str, dict]:
    """Per input column: unit (as shown), accepted values, default and meaning, from ``regen columns``."""
    from regen.schema.column_docs import input_column_docs

    out = {}
    for doc in input_column_docs():
        out[doc["name"]] = {**doc, "unit": _UNITS.get(doc["unit"], doc["unit"])}
    out["prior_relief_days"]["unit"] = "days"
    return out


# --------------------------------------------------------------------------- models
_MODELS: dict[str, object] = {}
_MODELS_LOCK = threading.Lock()
_MODEL_DIR: list[Path] = []  # a private folder of this process, made on first use


def regen_version() -> str:
    """The installed regen's version."""
    return regen.__version__


def embedded_version() -> str:
    """The version of the embedded default model."""
    return regen.load_model().version


def embedded_card() -> str:
    """The card of the embedded default model (``models/default.md``)."""
    from regen.utils.resources import model_path

    return model_path("default.md").read_text(encoding="utf-8")


def load_stored_model(version: str, bundle_json: str | None):
    """A loaded model: the embedded default (no bundle) or a stored model file, cached by version.

    The bundle is written to a private cache file (mode 0600, in a 0700
    folder removed when the process exits) and read through
    :func:`regen.load_model`, so a stored model is checked like any model file.
    """
    with _MODELS_LOCK:
        if version in _MODELS:
            return _MODELS[version]
        if bundle_json is None:
            model = regen.load_model()
        else:
            if not _MODEL_DIR:
                folder = Path(tempfile.mkdtemp(prefix="regen-serve-models-"))  # mode 0700
                os.chmod(folder, 0o700)
                atexit.register(shutil.rmtree, folder, True)  # removed when the server exits
                _MODEL_DIR.append(folder)
            path = _MODEL_DIR[0] / (hashlib.sha256(bundle_json.encode()).hexdigest()[:16] + ".json")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(bundle_json)
            model = regen.load_model(path)
        _MODELS[version] = model
        return model


# --------------------------------------------------------------------------- validation
def _field_names() -> str:
    from regen.schema.columns import FOLLOW_UP_COLUMNS

    names = sorted(
        {*PATIENT_COLUMNS, *FOLLOW_UP_COLUMNS, *CONTACT_FIELDS, "allow_any_nerve", "previous_id"}, key=len, reverse=True
    )
    return "|".join(re.escape(n) for n in names)


def contact_field_errors(message: str) -> dict[str, str]:
    """A refused contact's message per contact form field (``contacted_on``, ``relieved``, ``pain_back_on``, ...).

    The library names its follow-up columns (``relief_lost_on``,
    ``relieved_at_last_contact``, ``last_contact_on``); the form has other
    names: each column is named as the form's field, in the key and in the
    text. ``""`` holds the whole message, for the form's general box.
    """
    for field, column in CONTACT_FIELDS.items():
        if field != column:
            message = re.sub(rf"\b{column}\b", field, message)
    out = {k: v for k, v in field_errors(message).items() if k in CONTACT_FIELDS}
    out[""] = message
    return out


def field_errors(message: str) -> dict[str, str]:
    """Split the library's row message (``"age: ...; nerve: ..."``) into one message per column.

    A message naming two columns (``front_mm/front_day: ...``) goes to the first;
    text that names no column goes to ``""`` (the form's general message).
    """
    names = _field_names()
    parts = re.split(rf"; (?=(?:{names})(?:/\w+)?: )", message)
    out: dict[str, str] = {}
    for part in parts:
        found = re.match(rf"((?:{names}))(?:/\w+)?: (.*)$", part, re.S)
        key, text = (found.group(1), found.group(2)) if found else ("", part)
        out[key] = f"{out[key]}; {text}" if key in out else text
    return out


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_treatment(values: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """Validate a treatment's typed text with the library; return (typed values, messages per field).

    Blank fields stay None (the library's default applies at each forecast);
    ``nerve`` and ``indication`` are catalog ids (the indication defaults to the
    nerve's first), numbers and yes/no typed as the library read them.
    """
    from regen.model.prediction import patient_columns
    from regen.schema.patients import validate_patients
    from regen.store.records import clinic_id_refusal, prior_cycles_refusal

    columns = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if not _blank(v)}
    refused = [
        m
        for m in (clinic_id_refusal(columns.get("patient_id")), prior_cycles_refusal(columns.get("prior_relief_days")))
        if m
    ]
    if refused:
        return {}, field_errors("; ".join(refused))
    columns.pop("patient_id", None)  # never passed on: it does not change a forecast
    if "nerve" not in columns:
        return {}, {"nerve": "nerve is required (e.g. genicular_superolateral or an alias such as SLGN)"}
    batch = validate_patients(patient_columns(**columns))
    if batch.errors[0]:
        return {}, field_errors(batch.errors[0])
    cols = batch.columns
    typed: dict = {"nerve": str(cols["nerve"][0]), "indication": str(cols["indication"][0])}
    for name in _TYPED:
        if name in columns:
            value = cols[name][0]
            typed[name] = (
                str(value)
                if name == "sex"
                else bool(value)
                if name in ("diabetes", "smoker")
                else int(value)
                if name in _WHOLE
                else float(value)
            )
    if "treated_on" in columns:
        typed["treated_on"] = date.fromisoformat(str(cols["treated_on"][0]))
    if "prior_relief_days" in columns:
        typed["prior_relief_days"] = ";".join(f"{d:g}" for d in cols["prior_relief_days"][0])
    typed["allow_any_nerve"] = bool(columns.get("allow_any_nerve"))
    return typed, {}


# --------------------------------------------------------------------------- days and dates
def whole_day(day: float) -> int:
    """A day shown as a whole day, half up: the rule of the library's date columns (114.5 -> 115)."""
    from regen.schema.columns import whole_day as whole

    return whole(float(day))


def day_text(day: float) -> str:
    """A day as the pages show it: whole, half up, with thousands separators; '36,500+' when capped at 100 years
    (:func:`regen.schema.columns.day_text`)."""
    from regen.schema.columns import day_text as text

    return text(float(day), thousands=True)


def day_date(start: date, day: float) -> date:
    """The calendar date ``day`` days after ``start``, the day counted as :func:`whole_day` counts it."""
    from datetime import timedelta

    return start + timedelta(days=whole_day(day))


# --------------------------------------------------------------------------- follow-up from contacts
def _day(on: date | None, start: date | None) -> float | None:
    return None if on is None or start is None else float((on - start).days)


def relief_lost_day(treatment: dict, contacts: list[dict]) -> float | None:
    """The day relief was lost (pain-back date, else the first contact without relief), if recorded."""
    for contact in contacts:
        if contact["relieved"] is False or contact["pain_back_on"] is not None:
            return _day(contact["pain_back_on"] or contact["contacted_on"], treatment["treated_on"])
    return None


def _relieved_days(treatment: dict, contacts: list[dict]) -> list[float]:
    """Days of the contacts at which the patient was still relieved (a day after a loss is left to the library,
    which refuses it by name)."""
    days = [_day(c["contacted_on"], treatment["treated_on"]) for c in contacts if c["relieved"] is True]
    return [d for d in days if d is not None]


def library_inputs(treatment: dict, contacts: list[dict], history: list[dict]) -> dict:
    """The library's patient and follow-up columns for one treatment, its contacts and earlier cycles.

    Contacts are passed as the clinic records them (the library's date form):
    a pain-back date is ``relief_lost_on``; otherwise the last contact is
    ``last_contact_on`` with ``relieved_at_last_contact`` (no at the first
    contact without relief; blank when not asked). Tinel fronts are
    ``front_mm``/``front_day``. Earlier cycles whose relief end was recorded,
    and earlier cycles typed on the form, are ``prior_relief_days``.
    """
    inputs = {k: treatment[k] for k in ("nerve", "indication", *_TYPED) if treatment.get(k) is not None}
    if treatment.get("treated_on") is not None:
        inputs["treated_on"] = treatment["treated_on"].isoformat()
    if treatment.get("allow_any_nerve"):
        inputs["allow_any_nerve"] = "yes"
    inputs.update(_contact_columns(contacts))
    fronts = [
        (c["front_mm"], _day(c["contacted_on"], treatment["treated_on"])) for c in contacts if c["front_mm"] is not None
    ]
    if fronts:
        inputs["front_mm"] = [f for f, _ in fronts]
        inputs["front_day"] = [d for _, d in fronts]
    typed = treatment.get("prior_relief_days") or next(
        (h["prior_relief_days"] for h in history if h.get("prior_relief_days")), ""
    )  # cycles before any here
    prior = [float(x) for x in typed.split(";") if x.strip()]
    for earlier in history:
        day = relief_lost_day(earlier, earlier.get("contacts", []))
        if day is not None and day > 0:
            prior.append(day)
    if prior:
        inputs["prior_relief_days"] = prior
    return inputs


def _contact_columns(contacts: list[dict]) -> dict:
    """The contacts as the library's date columns (see :func:`library_inputs`).

    The latest contact at which the patient was still relieved is passed with a
    pain-back date too, so the library refuses a pain-back date before it.
    """
    ordered = sorted(contacts, key=lambda c: c["contacted_on"])
    relieved = [c for c in ordered if c["relieved"] is True]
    out = (
        {"last_contact_on": relieved[-1]["contacted_on"].isoformat(), "relieved_at_last_contact": "yes"}
        if relieved
        else {}
    )
    for contact in ordered:
        if contact["pain_back_on"] is not None:
            return {**out, "relief_lost_on": contact["pain_back_on"].isoformat()}
        if contact["relieved"] is False:
            return {"last_contact_on": contact["contacted_on"].isoformat(), "relieved_at_last_contact": "no"}
    if not ordered:
        return {}
    last = ordered[-1]
    asked = {True: "yes", None: ""}[last["relieved"]]
    return {"last_contact_on": last["contacted_on"].isoformat(), "relieved_at_last_contact": asked}


def predict_one(model, values: dict) -> dict:
    """One patient's prediction from columns as the API received them (:func:`regen.predict_patient`)."""
    return regen.predict_patient(model, **values)


def forecast_treatment(model, treatment: dict, contacts: list[dict], history: list[dict]) -> tuple[dict, dict]:
    """Forecast one treatment from what is recorded; return (library inputs, the library's output row).

    Raises
    ------
    InputError
        If the library refuses the combination (e.g. pain back before a day
        the patient was still relieved); the message names the column.
    """
    inputs = library_inputs(treatment, contacts, history)
    return inputs, regen.predict_patient(model, **inputs)


# --------------------------------------------------------------------------- the timeline picture
_PLOT_LOCK = threading.Lock()  # matplotlib's pyplot state is not thread-safe


def timeline_png(model, inputs: dict, outputs: dict) -> bytes:
    """The library's timeline PNG of one stored forecast (the same picture as ``regen predict --plot``).

    ``outputs`` (the stored row) is not drawn from: the picture is drawn from the
    forecast of ``inputs`` by ``model``, the model that made the stored row.
    """
    from regen.model.prediction import patient_forecast
    from regen.reporting.plots import timeline_png as png

    with _PLOT_LOCK:  # matplotlib's pyplot is not thread-safe
        return png(model, patient_forecast(model, None, **inputs))


# --------------------------------------------------------------------------- files
class UploadTooLarge(DataFileError):
    """An uploaded table holds more rows or more text than the server accepts (refused with 413)."""


def _bounded_table(path: str | Path, name: str, max_rows: int | None, max_text_bytes: int | None):
    """The whole table as text, read chunk by chunk and refused as soon as it passes a limit.

    Rows are counted as the reader yields them (empty ones too), so at most
    one chunk more than the limit is ever held, whatever the file's compression;
    the reader also counts the bytes it reads once decompressed (blank lines
    it skips too) and checks a Parquet file's footer (rows, decompressed
    sizes) and its values (1 MiB at most, as a CSV record) before holding them.
    """
    import pyarrow as pa

    from regen.files.read import BlankTail, TableTooLarge, iter_chunks, without_blank_tail

    def read():
        try:  # bytes read once decompressed (blank lines too) and a Parquet footer's sizes: refused before held
            yield from iter_chunks(path, max_bytes=max_text_bytes, max_rows=max_rows)
        except TableTooLarge as exc:
            raise UploadTooLarge(f"{exc}; the server imports at most that per file: split the file") from None

    def counted():
        rows = held = 0
        for chunk in read():
            rows += chunk.text.num_rows
            held += chunk.text.nbytes
            if max_rows is not None and rows > max_rows:
                raise UploadTooLarge(
                    f"{name}: more than {max_rows:,} rows; the server imports at most {max_rows:,} rows "
                    "per file: split the file"
                )
            if max_text_bytes is not None and held > max_text_bytes:
                raise UploadTooLarge(
                    f"{name}: more than {max_text_bytes / 2**20:,.0f} MB of text once decompressed; the server "
                    "imports at most that per file: split the file"
                )
            yield chunk

    tables = [chunk.text for chunk in without_blank_tail(counted(), BlankTail())]
    return (pa.concat_tables(tables) if len(tables) > 1 else tables[0]).to_pandas()


def _storage_refusals(cols) -> list[str]:
    """Per row, why the store would refuse it ('' when it would not): an over-long patient_id, too many cycles."""
    from regen.store.records import clinic_id_refusal, prior_cycles_refusal

    ids = cols["patient_id"]
    prior = cols.get("prior_relief_days")
    out = []
    for i in range(len(ids)):
        found = [clinic_id_refusal(ids[i]), prior_cycles_refusal(prior[i]) if prior is not None else None]
        out.append("; ".join(m for m in found if m))
    return out


def _after_today(cols, today: date):
    """Per row, what is dated after ``today`` ('' when nothing): the check of ``regen report`` / worklist.

    A treatment, a contact, or pain coming back cannot be dated in the future;
    the worklist lists such rows to check instead of planning them.
    """
    import numpy as np

    from regen.reporting.worklist import _checks

    day = np.datetime64(today.isoformat(), "D")
    treated = np.asarray(cols["treated_on"], dtype="datetime64[D]")
    elapsed = (day - treated).astype(float)
    elapsed[np.isnat(treated)] = np.nan
    return _checks(cols, elapsed, treated, day, None)


#: The column that makes an upload an outcome file (``regen fit``'s schema): its follow-up is read as ``regen fit``
#: reads it (``relief_lost_day``: the first day found without relief), see :func:`_outcome_follow_up`.
_OUTCOME_FORM = "relief_last_seen_day"
#: Follow-up in ``regen score``'s days or the clinic's dates: another form than the outcome columns.
_OTHER_FORMS = ("relief_at_day", "last_contact_on", "relieved_at_last_contact", "relief_lost_on")
#: Outcome columns the web tool does not store (return of sensation): a file giving them is refused as a whole.
_NOT_STORED = ("sensation_last_absent_day", "sensation_returned_day")


def _filled(frame, header: str):
    """Mask of the rows whose cell in ``header`` is not blank."""
    return frame[header].fillna("").astype(str).str.strip().ne("").to_numpy()


def _follow_up_form(frame) -> tuple[dict[str, str], bool]:
    """The file's headers by column name and whether it is an outcome file; refuse what the import cannot store.

    Raises
    ------
    DataFileError
        If the file gives return of sensation (not stored: it would be
        dropped), or the outcome columns together with follow-up in days or
        dates (one form per file: ``relief_lost_day`` means the first day found
        without relief in an outcome file, the day pain came back in the other).
    """
    from regen.schema.patients import check_headers

    headers = dict(check_headers(list(frame.columns)).columns)
    dropped = [n for n in _NOT_STORED if n in headers and _filled(frame, headers[n]).any()]
    if dropped:
        raise DataFileError(
            f"{', '.join(dropped)}: return of sensation is not stored by the web tool (it records relief at "
            f"contacts), so importing would drop it: remove {'these columns' if len(dropped) > 1 else 'the column'} "
            "to import the rest"
        )
    outcome = _OUTCOME_FORM in headers
    mixed = [n for n in _OTHER_FORMS if outcome and n in headers and _filled(frame, headers[n]).any()]
    if mixed:
        raise DataFileError(
            f"follow-up in two forms: regen fit's outcome columns (relief_last_seen_day, relief_lost_day, responded) "
            f"and {', '.join(mixed)}; give one form per file (in an outcome file relief_lost_day is the first day "
            "found without relief, with relief_at_day it is the day pain came back)"
        )
    return headers, outcome


def _answers(frame, headers: dict[str, str], n: int) -> tuple[list, list, list[str]]:
    """Per row: ``responded`` (True, False or None when blank), ``cycle`` (int or None) and why either is unusable."""
    import math

    from regen.utils.parsing import to_bool, to_float

    responded: list = [None] * n
    cycles: list = [None] * n
    errors = [""] * n
    if "responded" in headers:
        cells = frame[headers["responded"]].fillna("").astype(str).to_numpy(dtype=object)
        truth, bad = to_bool(cells)
        for i in range(n):
            if bad[i]:
                errors[i] = f"responded: {printable(cells[i].strip())} is not yes/no (blank: not said)"
            elif cells[i].strip():
                responded[i] = bool(truth[i])
    if "cycle" in headers:
        cells = frame[headers["cycle"]].fillna("").astype(str).to_numpy(dtype=object)
        values, bad = to_float(cells)
        for i in range(n):
            value = values[i]
            if bad[i] or (not math.isnan(value) and (value < 1 or value != round(value))):
                why = f"cycle: {printable(cells[i].strip())} is not a whole number from 1"
                errors[i] = f"{errors[i]}; {why}" if errors[i] else why
            elif not math.isnan(value):
                cycles[i] = int(value)
    return responded, cycles, errors


def _outcome_follow_up(frame, responded: list) -> tuple[dict[int, dict], dict[int, str]]:
    """Follow-up of an outcome file's rows as ``regen fit`` reads them (:func:`regen.load_outcomes`).

    Relief ended in (``relief_last_seen_day``, ``relief_lost_day``]: an exact
    day (both equal) is pain back on that day; an interval is a contact still
    relieved on the first day (none for 0: never confirmed) and one without
    relief on the second (pain back by then); no ``relief_lost_day`` is still
    relieved at the last contact. ``responded`` is stored as said, and as no
    where ``regen fit`` infers a non-responder (blank with
    ``relief_last_seen_day`` 0). Returns each usable row's follow-up and
    ``load_outcomes``' reason for each row it refuses (0-based rows).
    """
    import math

    data = regen.load_outcomes(frame)
    follow: dict[int, dict] = {}
    for k, row in enumerate(data.rows):
        i = int(row) - 1
        seen, upper, started = float(data.lower[k]), float(data.upper[k]), bool(data.responded[k])
        item: dict = {}
        if math.isfinite(upper) and upper == seen:
            item.update(relief_lost_day=upper, lost_by_contact=False)  # an exact day: pain back on it
        else:
            if seen > 0:
                item["relief_at_day"] = seen
            if math.isfinite(upper):
                item.update(relief_lost_day=upper, lost_by_contact=True)  # first found without relief that day
        said = responded[i]
        item["responded"] = said if said is not None else (False if not started else None)
        follow[i] = item
    return follow, {int(row) - 1: str(why) for row, why in data.bad}


def _follow_up(cols: dict, i: int) -> dict:
    """One row's follow-up as the library read it (days since treatment), for storing as contacts.

    ``relief_at_day`` (still relieved that day), ``relief_lost_day`` with
    ``lost_by_contact`` (pain back by that contact, its date not given) and
    ``contact_day`` (the contact at which the loss was reported, when it is not
    the loss's own day), and ``last_contact_day`` alone for a contact at which
    relief was not asked.
    """
    import math

    def day(name: str) -> float | None:
        value = cols.get(name)
        return None if value is None or math.isnan(float(value[i])) else float(value[i])

    at, lost, contact = day("relief_at_day"), day("relief_lost_day"), day("last_contact_day")
    follow: dict = {}
    if at is not None:
        follow["relief_at_day"] = at
    if lost is not None:
        follow["relief_lost_day"] = lost
        follow["lost_by_contact"] = bool(cols.get("lost_by_contact", [False] * (i + 1))[i])
        if contact is not None and contact > lost and not follow["lost_by_contact"]:
            follow["contact_day"] = contact
    elif contact is not None and (at is None or contact > at):
        follow["last_contact_day"] = contact
    return follow


#: The file's column each follow-up day of :func:`_follow_up` came from (the days form; the dates form is dated).
_DAY_COLUMNS = {"relief_at_day": "relief_at_day", "relief_lost_day": "relief_lost_day"}


def _storing_refusal(follow: dict, treated_on: date | None, dated: bool, outcome: bool, today: date) -> str:
    """Why a row's follow-up cannot be stored as dated contacts exactly ('' when it can).

    A day becomes a contact on ``treated_on`` + that many days: it needs the
    treatment date, a whole day (a contact is dated), a day after the
    treatment day and not after today. ``responded: no`` contradicts relief
    seen. ``dated``: the row gave its follow-up as dates (checked by the library).
    """
    out: list[str] = []
    days = [(k, follow[k]) for k in ("relief_at_day", "relief_lost_day") if k in follow and not dated]
    if outcome and "relief_at_day" in follow:  # the outcome file's own column
        days = [("relief_last_seen_day" if k == "relief_at_day" else k, d) for k, d in days]
    days += [("front_day", d) for _, d in follow.get("front", [])]
    if days and treated_on is None:
        names = ", ".join(dict.fromkeys(k for k, _ in days))
        out.append(f"treated_on: needed to store {names} as dated contacts (their days are counted from it)")
    for name, value in days:
        if value != int(value):
            out.append(
                f"{name}: {value:g} is not a whole day; follow-up is stored as dated contacts: give whole days "
                "since treated_on (or the dates: last_contact_on, relieved_at_last_contact, relief_lost_on)"
            )
        elif value == 0:
            out.append(
                f"{name}: 0 is the treatment day itself: a contact is dated after the treatment"
                + (" (leave it blank when relief was not confirmed after it)" if name == "relief_at_day" else "")
            )
        elif treated_on is not None and day_date(treated_on, value) > today:
            out.append(f"{name}: day {value:g} is {day_date(treated_on, value)}, after today ({today}): check the row")
    if follow.get("responded") is False and follow.get("relief_at_day", 0) > 0:
        said = "relief_last_seen_day" if outcome else ("relieved_at_last_contact yes" if dated else "relief_at_day")
        out.append(f"responded: no, but {said} says relief was seen on day {follow['relief_at_day']:g} (fix one)")
    elif follow.get("responded") is False and dated and "relief_lost_day" in follow and not follow["lost_by_contact"]:
        out.append(
            "responded: no, but relief_lost_on says pain came back (so relief had started): for a non-responder give "
            "the contact without relief (last_contact_on, relieved_at_last_contact no) and leave relief_lost_on blank"
        )
    return "; ".join(out)


def _upload_rows(frame, today: date) -> dict:
    """What the import reads of each row of an uploaded table: the one reading of the check and the import.

    Follow-up in any of the forms the library reads — ``regen score``'s days
    (``relief_at_day``, ``relief_lost_day``: the day pain came back), the
    clinic's dates (``last_contact_on``, ``relieved_at_last_contact``,
    ``relief_lost_on``) or ``regen fit``'s outcome columns
    (``relief_last_seen_day``, ``relief_lost_day``: the first day found without
    relief, see :func:`_outcome_follow_up`) — with ``responded`` and ``cycle``.

    Returns
    -------
    dict
        ``scoring``: the table whose patient columns are checked and scored
        (an outcome file without its ``relief_lost_day``, which is not the
        day pain came back there); ``batch``: the library's validation of it;
        ``follow``: per row, the follow-up in days since ``treated_on``
        (``responded``, ``front`` pairs; None for a row the library refuses);
        ``cycle``: per row, the file's cycle or None; ``errors``: per row, why
        its follow-up cannot be read or stored ('' when it can); ``outcome``:
        whether the file is an outcome file.

    Raises
    ------
    DataFileError
        See :func:`_follow_up_form`; an outcome file without a usable row.
    """
    import numpy as np

    from regen.schema.patients import validate_patients

    headers, outcome = _follow_up_form(frame)
    scoring = frame.drop(columns=[headers["relief_lost_day"]]) if outcome and "relief_lost_day" in headers else frame
    batch = validate_patients(scoring)
    n = len(frame)
    responded, cycles, errors = _answers(frame, headers, n)
    follow: list = [None] * n
    if outcome:  # regen fit's own reading: its messages for responded and cycle, and for the outcome days
        found, refused = _outcome_follow_up(frame, responded)
        errors = [refused.get(i, "") for i in range(n)]
        for i, item in found.items():
            follow[i] = item
    cols = batch.columns
    dated = np.zeros(n, dtype=bool)  # rows giving their follow-up as dates (the library checks those)
    for name in _OTHER_FORMS[1:]:
        if name in headers:
            dated |= _filled(frame, headers[name])
    for i in range(n):
        if not batch.ok[i]:
            continue
        if not outcome:
            follow[i] = {**_follow_up(cols, i), "responded": responded[i]}
            if responded[i] is False and not dated[i] and "relief_lost_day" in follow[i]:
                follow[i]["lost_by_contact"] = True  # a non-responder: found without relief that day (no relief end)
        if follow[i] is None:
            continue
        if "front_mm" in headers and _filled(frame, headers["front_mm"])[i]:
            follow[i]["front"] = [
                (float(mm), float(day))
                for mm, day in zip(cols["front_mm"][i], cols["front_day"][i], strict=True)
                if mm == mm
            ]
        treated = date.fromisoformat(str(cols["treated_on"][i])) if str(cols["treated_on"][i]) != "NaT" else None
        why = _storing_refusal(follow[i], treated, bool(dated[i]), outcome, today)
        if why:
            errors[i] = f"{errors[i]}; {why}" if errors[i] else why
    pain_back = not outcome and "relief_lost_day" in headers and bool(_filled(frame, headers["relief_lost_day"]).any())
    return {
        "scoring": scoring,
        "batch": batch,
        "follow": follow,
        "cycle": cycles,
        "errors": errors,
        "outcome": outcome,
        "pain_back_days": pain_back,
    }


def _joined(*messages: str) -> str:
    """Row messages joined with '; ', each part once (the library's and the import's checks overlap)."""
    parts = [p for m in messages if m for p in m.split("; ")]
    return "; ".join(dict.fromkeys(parts))


def read_upload(
    path: str | Path,
    model,
    name: str | None = None,
    max_rows: int | None = None,
    max_text_bytes: int | None = None,
) -> tuple[object, list[dict], dict]:
    """Read an uploaded CSV/Parquet with the strict reader of ``regen score`` and check every row.

    Parameters
    ----------
    path : str or Path
        The staged file.
    model
        The model that checks the rows.
    name : str, optional
        The file's name as the user uploaded it: messages name it, never the
        staging path (default: the path).
    max_rows, max_text_bytes : int, optional
        Refuse a table with more data rows, or more text once decompressed,
        as soon as the reader passes the limit (default: no limit).

    Returns
    -------
    (frame, row_errors, notes)
        The text table; one ``{"row", "patient_id", "error"}`` per row that
        cannot be scored or whose follow-up cannot be stored (row 1 = the
        first data record); what the header matching noted (``mapped``,
        ``warnings``) and how the follow-up is read (``read_as``).

    A row dated after today (the treatment, a contact, pain coming back) is
    a row error, as ``regen report`` lists it among the dates to check. An
    outcome file (``regen fit``'s schema) is checked as ``regen fit`` checks
    it too (its row errors included); see :func:`_upload_rows`.

    Raises
    ------
    DataFileError
        If the file as a whole cannot be read (ragged, not UTF-8, no nerve
        column, ...) or imported (:func:`_follow_up_form`);
        :class:`UploadTooLarge` past a limit.
    """
    shown = printable(name) if name is not None else str(path)
    try:
        frame = _bounded_table(path, shown, max_rows, max_text_bytes)
        rows = _upload_rows(frame, date.today())
    except DataFileError as exc:
        message = str(exc)
        for where in (str(path), os.path.realpath(path)):  # the staging path, as given or resolved
            message = message.replace(where, shown)
        message = message.replace(os.path.dirname(os.path.realpath(path)), "(upload)")
        raise type(exc)(message) from None
    scored = regen.score_frame(rows["scoring"], model)
    batch = rows["batch"]
    found = [_joined(str(e), rows["errors"][i]) for i, e in enumerate(scored["error"].tolist())]
    for i, message in enumerate(_storage_refusals(batch.columns)):
        if message:
            found[i] = _joined(found[i], message)
    for i, check in enumerate(_after_today(batch.columns, date.today())):
        if check and not found[i]:
            found[i] = f"a date after today ({check}): check the row"
    errors = [
        {"row": int(i) + 1, "patient_id": str(batch.columns["patient_id"][i]), "error": e}
        for i, e in enumerate(found)
        if e
    ]
    read_as = (
        [
            "an outcome file, read as regen fit reads it: relief_last_seen_day is the last day still relieved, "
            "relief_lost_day the first day found without relief (equal: the exact day), responded whether "
            "relief started (blank with relief_last_seen_day 0: no)"
        ]
        if rows["outcome"]
        else [
            "relief_lost_day is read as regen score reads it: the day pain came back (an exact day); for the "
            "first day found without relief, use last_contact_on with relieved_at_last_contact no, or regen "
            "fit's outcome columns (relief_last_seen_day, relief_lost_day)"
        ]
        if rows["pain_back_days"]
        else []
    )
    notes = {"mapped": dict(batch.mapped), "warnings": list(batch.warnings), "rows": len(frame), "read_as": read_as}
    return frame, errors, notes


def typed_rows(frame, refused=frozenset()) -> list[dict]:
    """The valid rows of an uploaded table as treatment values and follow-up, for storing.

    Each item: ``row`` (1-based), ``clinic_id``, ``treatment`` (typed as
    :func:`check_treatment` types them, blanks None), ``follow_up`` (days since
    treatment, see :func:`_upload_rows`: fronts as ``front``: (mm, day) pairs;
    ``responded``) and ``cycle`` (the file's, or None). Follow-up in any of the
    library's forms is read as the library reads it. Rows numbered in
    ``refused`` (1-based: the upload's row errors, such as a date after today)
    are left out.
    """
    import numpy as np

    rows = _upload_rows(frame, date.today())
    batch = rows["batch"]
    view = {c: rows["scoring"][c].astype(str).str.strip() for c in rows["scoring"].columns}
    mapped = {v: k for k, v in batch.mapped.items()}
    cols = batch.columns
    out = []
    for i in np.flatnonzero(batch.ok):
        if int(i) + 1 in refused or rows["errors"][i] or rows["follow"][i] is None:
            continue

        def given(name: str) -> bool:
            header = mapped.get(name, name)
            return header in view and view[header].iloc[i] != ""  # noqa: B023

        treatment = {"nerve": str(cols["nerve"][i]), "indication": str(cols["indication"][i])}
        for name in _TYPED:
            if given(name):
                value = cols[name][i]
                treatment[name] = (
                    str(value)
                    if name == "sex"
                    else bool(value)
                    if name in ("diabetes", "smoker")
                    else int(value)
                    if name in _WHOLE
                    else float(value)
                )
        treatment["treated_on"] = date.fromisoformat(str(cols["treated_on"][i])) if given("treated_on") else None
        treatment["prior_relief_days"] = (
            ";".join(f"{d:g}" for d in cols["prior_relief_days"][i]) if given("prior_relief_days") else None
        )
        out.append(
            {
                "row": int(i) + 1,
                "clinic_id": str(cols["patient_id"][i]).strip(),
                "treatment": treatment,
                "follow_up": rows["follow"][i],
                "cycle": rows["cycle"][i],
            }
        )
    return out


def scored_export(items: list[dict], model):
    """The scored table of stored treatments: the library columns and ``regen score``'s output columns.

    ``items`` hold ``clinic_id`` and ``inputs`` (from :func:`library_inputs`).
    """
    import pandas as pd

    from regen.schema.columns import FOLLOW_UP_COLUMNS

    names = [*PATIENT_COLUMNS, "allow_any_nerve", *FOLLOW_UP_COLUMNS]
    rows = [
        {"patient_id": item["clinic_id"] or "", **{k: _cell(v) for k, v in item["inputs"].items()}} for item in items
    ]
    present = [n for n in names if any(n in row for row in rows)] or ["patient_id", "nerve"]
    frame = pd.DataFrame([{n: row.get(n, "") for n in present} for row in rows], columns=present)
    return regen.score_frame(frame, model)


def outcome_row(treatment: dict, contacts: list[dict]) -> dict | None:
    """The outcome columns of one treatment from its contacts and response (None when they say nothing of relief).

    A pain-back date is the day relief ended, exactly (``relief_last_seen_day``
    = ``relief_lost_day``); "pain back" without a date ends relief between the
    last contact with relief (0 if none) and that contact; no loss yet is
    right-censored at the last contact with relief. ``responded`` is the
    treatment's recorded response when there is one: no (a non-responder:
    ``relief_last_seen_day`` 0, ``relief_lost_day`` the first contact without
    relief, if any). Otherwise it is yes when relief was seen or lost — "not
    relieved" at a contact is read as pain back, as the worklist reads it
    (book retreatment) — and the row is left out when nothing says so.
    """
    said = treatment.get("responded")
    if treatment.get("treated_on") is None:  # contacts are dated from the treatment: only the response is known
        return None if said is None else {"relief_last_seen_day": 0.0, "relief_lost_day": "", "responded": _cell(said)}
    lost = relief_lost_day(treatment, contacts)
    if said is False:
        return {"relief_last_seen_day": 0.0, "relief_lost_day": "" if lost is None else lost, "responded": "no"}
    relieved = _relieved_days(treatment, contacts)
    dated = next((c["pain_back_on"] for c in contacts if c["pain_back_on"] is not None), None)
    if lost is None and not relieved and not said:
        return None
    if dated is not None:
        seen = _day(dated, treatment["treated_on"])
    else:
        seen = max([d for d in relieved if lost is None or d < lost], default=0.0)
    return {"relief_last_seen_day": seen, "relief_lost_day": "" if lost is None else lost, "responded": "yes"}


#: Columns of the outcome export, in order: the patient columns, then the cycle and regen fit's outcome columns.
OUTCOME_EXPORT_COLUMNS = (*PATIENT_COLUMNS, "cycle", "relief_last_seen_day", "relief_lost_day", "responded")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ";".join(f"{v:g}" for v in value)
    return str(value)


def outcome_frame(items: list[dict]):
    """The outcome file of ``regen fit`` (:data:`OUTCOME_EXPORT_COLUMNS`), one row per treatment with an outcome.

    ``items`` hold ``treatment``, ``clinic_id`` and ``contacts``; see
    :func:`outcome_row`. The table is checked with :func:`regen.load_outcomes`
    (what ``regen fit`` reads) when it has rows.
    """
    import pandas as pd

    rows = []
    # a patient without a clinic id gets a stand-in no clinic id can equal (a clinic id "internal-2" merged two
    # patients, or collided with a stand-in)
    ids = [str(item["clinic_id"]) for item in items if item["clinic_id"]]
    stand_in = "internal-"
    while any(i.startswith(stand_in) for i in ids):
        stand_in = "_" + stand_in
    for item in items:
        treatment = item["treatment"]
        outcome = outcome_row(treatment, item["contacts"])
        if outcome is None:
            continue
        inputs = library_inputs(treatment, [], [])
        inputs.pop("prior_relief_days", None)
        rows.append(
            {
                "patient_id": item["clinic_id"] or f"{stand_in}{treatment['patient_id']}",
                **inputs,
                "cycle": treatment["cycle"],
                **outcome,
            }
        )
    frame = pd.DataFrame(
        [{k: _cell(row.get(k)) for k in OUTCOME_EXPORT_COLUMNS} for row in rows], columns=list(OUTCOME_EXPORT_COLUMNS)
    )
    if len(frame):
        regen.load_outcomes(frame)
    return frame


# --------------------------------------------------------------------------- fitting
def _library_fit():
    """The library's clinic fit: :func:`regen.fitting.fit_file.fit_file` (what ``regen fit`` runs)."""
    from regen.fitting.fit_file import fit_file

    return fit_file


def reports_progress(function) -> bool:
    """Whether a library fit takes a ``progress`` callable (read from its signature)."""
    import inspect

    try:
        return "progress" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def fit_clinic_model(
    outcomes_path: str | Path, folder: str | Path, name: str = "clinic", progress=None, mcmc: dict | None = None
) -> dict:
    """Fit a clinic model on an outcome file from the evidence, as ``regen fit`` does; return its texts.

    The library's fit starts from the embedded default model (the published evidence) as a robust prior,
    with ``regen fit``'s defaults (:mod:`regen.fitting.clinic.defaults`): never on the data alone. Without
    the bayes extra it refuses in one line saying what to install.

    Parameters
    ----------
    outcomes_path : path
        The outcome file (``regen fit``'s schema).
    folder : path
        Where the model file and its card are written (a temporary folder).
    name : str
        The model's name (its version is ``name@<hash>``).
    progress : callable, optional
        Passed on as ``progress=`` when the library's fit takes one (see
        :func:`reports_progress`); otherwise not called.
    mcmc : dict, optional
        MCMC settings (``chains``, ``warmup``, ``draws``, ``seed``) for
        :class:`regen.fitting.clinic.sampler.Settings`; missing ones are ``regen fit``'s defaults.

    Returns
    -------
    dict
        ``version``, ``bundle_json``, ``card_md``, ``summary`` (what ``regen
        fit`` prints), ``warnings`` and ``reported_progress`` (whether
        ``progress`` was passed to the library).

    Raises
    ------
    RegenError
        If the bayes extra (NumPyro, JAX, ArviZ) is not installed, or the library refuses the data.
    """
    from regen.fitting.clinic.defaults import PRIOR, ROBUST_WEIGHT
    from regen.fitting.clinic.sampler import Settings
    from regen.fitting.fit_file import require_bayes

    require_bayes("fitting a clinic model from the published evidence", instead="")
    fit = _library_fit()
    passed = progress is not None and reports_progress(fit)
    target = Path(folder) / f"{name}.json"
    result = fit(
        outcomes_path,
        target,
        name=name,
        prior=PRIOR,
        robust_weight=ROBUST_WEIGHT,
        settings=Settings(**(mcmc or {})),
        **({"progress": progress} if passed else {}),
    )
    model = regen.load_model(target)
    summary = result["text"].splitlines()[1:]  # the first line names the temporary files
    return {
        "version": model.version,
        "bundle_json": target.read_text(encoding="utf-8"),
        "card_md": target.with_suffix(".md").read_text(encoding="utf-8"),
        "summary": "\n".join([f"model {model.version}", *summary]),
        "warnings": list(result["warnings"]),
        "reported_progress": passed,
    }


def fit_start(version: str, bundle_json: str | None) -> dict | None:
    """What a stored model's fit started from, as its bundle's ``prior`` section records it (nothing recomputed).

    Returns
    -------
    dict or None
        None for the embedded default model (no bundle: it is the evidence). Else ``source``: the prior
        model's ``name@version`` (None for a model fitted on the clinic's data only: no ``prior`` section)
        and ``robust_weight``. How many of the clinic's patients the evidence counts as, and the conflict,
        are in the model's card and its fit's summary (the library's words).
    """
    if bundle_json is None:
        return None
    prior = load_stored_model(version, bundle_json).bundle.get("prior")
    if not hasattr(prior, "get") or not prior.get("source"):
        return {"source": None, "robust_weight": None}
    weight = prior.get("robust_weight")
    number = isinstance(weight, int | float) and not isinstance(weight, bool)
    return {"source": str(prior["source"]), "robust_weight": float(weight) if number else None}


# --------------------------------------------------------------------------- the worklist
def worklist(rows: list[dict], models: dict, today: date, days_ahead: int = 7, cache: dict | None = None) -> dict:
    """Whom to contact this week and who is overdue: :func:`regen.reporting.worklist.worklist` on the stored plans.

    Each treatment's current inputs go to the library's worklist (the same
    function as ``regen report``), by the model that made its stored forecast:
    the next action (call, book a retreatment, review a probable non-response),
    its date, how late, the relief forecast with its interval and P(still
    relieved today). A treatment is **overdue** when its date is before
    ``today`` and **this week** when it falls from ``today`` to
    ``today + days_ahead - 1``; a recorded contact moves the plan.

    Parameters
    ----------
    rows : list of dict
        From :func:`regen.store.records.worklist_rows`: the treatment's ``id``,
        ``patient_id``, ``cycle``, ``nerve``, ``treated_on``, ``clinic_id``,
        ``forecast_id``, ``model_version``, ``inputs`` (needed only for the
        forecasts not in ``cache``) and ``last_contact_on``.
    models : dict
        Loaded models by version.
    cache : dict, optional
        Worklist entries by forecast id, for this ``today`` (filled here).

    Returns
    -------
    dict
        ``overdue`` and ``this_week``: lists of items (action, due date, days
        late, relief median and 80 % interval, P(relieved today), evidence,
        model version), most urgent first.
    """
    import pandas as pd

    from regen.reporting.worklist import worklist as plan

    cache = {} if cache is None else cache
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if row["forecast_id"] not in cache and row["model_version"] in models:
            groups.setdefault(row["model_version"], []).append(row)
    for version, members in groups.items():
        frame = pd.DataFrame([{k: _cell(v) for k, v in r["inputs"].items()} for r in members]).fillna("")
        frame["patient_id"] = [f"t{r['id']}" for r in members]  # one row per treatment (internal id)
        planned = plan(frame, models[version], today.isoformat())
        for r, (_, item) in zip(members, planned.sort_values("row").iterrows(), strict=True):
            cache[r["forecast_id"]] = item.to_dict()
    overdue, week = [], []
    end = today.toordinal() + days_ahead
    for row in rows:
        item = cache.get(row["forecast_id"])
        if item is None or not item["due_date"] or not item["next_action"]:
            continue
        due = date.fromisoformat(item["due_date"])
        if due.toordinal() >= end:
            continue
        entry = {
            "treatment_id": row["id"],
            "patient_id": row["patient_id"],
            "clinic_id": row["clinic_id"],
            "nerve": row["nerve"],
            "indication": item["indication"],
            "cycle": row["cycle"],
            "action": item["next_action"],
            "due": due,
            "days_late": (today - due).days,
            "relief_end_median_day": item["relief_end_median_day"],
            "relief_end_p10_day": item["relief_end_p10_day"],
            "relief_end_p90_day": item["relief_end_p90_day"],
            "p_relief_today": item["p_relief_today"],
            "evidence": item["evidence"] or "",
            "model_version": row["model_version"],
            "last_contact_on": row["last_contact_on"],
        }
        (overdue if due < today else week).append(entry)
    overdue.sort(key=lambda e: (-e["days_late"], e["treatment_id"]))
    week.sort(key=lambda e: (e["due"], e["treatment_id"]))
    return {"overdue": overdue, "this_week": week}
