"""``regen predict``: one patient, from typed options to the library's one prediction path and back.

Registered on the app by :mod:`regen.cli`; a thin layer: parse, call
:func:`regen.predict_patient`, print (table or JSON), and draw the timeline
from the same prediction.
"""

from __future__ import annotations

from pathlib import Path

import typer

from regen.cli.options import MODEL_HELP as _MODEL_HELP
from regen.cli.options import OutputFormat, fail_cleanly
from regen.cli.options import model_name as _model_name
from regen.cli.options import numbers as _numbers
from regen.utils.text import printable

__all__ = ["predict"]


def predict(
    nerve: str = typer.Option(..., "--nerve", help="Nerve id or alias (see 'regen nerves'), e.g. SLGN."),
    indication: str | None = typer.Option(
        None, help="Indication id, e.g. knee_osteoarthritis. Default: the nerve's first catalog indication."
    ),
    age: float | None = typer.Option(
        None, parser=_numbers(), metavar="YEARS", help="Age in years, 10-100. Default: 50."
    ),
    sex: str | None = typer.Option(None, help="female or male. Default: not given."),
    height_cm: float | None = typer.Option(
        None,
        parser=_numbers(),
        metavar="CM",
        help="Height in cm, 100-250; scales the catalog distance by height/170. Default: not given (no scaling).",
    ),
    bmi: float | None = typer.Option(
        None, parser=_numbers(), metavar="KG/M2", help="Body-mass index, kg/m2, 10-100. Default: not given."
    ),
    diabetes: bool = typer.Option(False, "--diabetes/--no-diabetes", help="Diabetes (slower regrowth). Default: no."),
    smoker: bool = typer.Option(False, "--smoker/--no-smoker", help="Current smoker. Default: no."),
    distance_mm: float | None = typer.Option(
        None,
        parser=_numbers(),
        metavar="MM",
        help="Measured lesion-to-target distance in mm (ultrasound, imaging). Default: catalog value.",
    ),
    freeze_cycles: int | None = typer.Option(
        None,
        parser=_numbers(whole=True),
        metavar="N",
        help="Freeze cycles, 1-10. Default: 2 (no effect on timing, rat data).",
    ),
    freeze_seconds: float | None = typer.Option(
        None, parser=_numbers(), metavar="S", help="Seconds per freeze. Default: 120."
    ),
    probe_temp_c: float | None = typer.Option(
        None,
        parser=_numbers(),
        metavar="DEGC",
        help="Probe temperature, degC (-196 to 0). Default: -70. Warmer than -20: unreliable block.",
    ),
    prior_treatments: int | None = typer.Option(
        None, parser=_numbers(whole=True), metavar="N", help="Earlier cryoneurolysis of this nerve. Default: 0."
    ),
    treated_on: str | None = typer.Option(None, help="Treatment date YYYY-MM-DD (1970-2100); adds calendar dates."),
    patient_id: str | None = typer.Option(None, help="Identifier echoed in the output. Default: none."),
    allow_any_nerve: bool = typer.Option(
        False,
        "--allow-any-nerve",
        help="Predict even when the indication is not a catalog indication of the nerve (a warning, not an error).",
    ),
    relief_at_day: float | None = typer.Option(
        None,
        parser=_numbers(),
        metavar="DAY",
        help="Follow-up: still relieved on this day; gives the remaining relief given that.",
    ),
    relief_lost_day: float | None = typer.Option(
        None,
        parser=_numbers(),
        metavar="DAY",
        help="Follow-up: pain came back on this day; retreatment due now, next cycle forecast.",
    ),
    front_mm: list[float] | None = typer.Option(
        None,
        parser=_numbers(),
        metavar="MM",
        help="Measured regeneration front (Tinel sign), mm distal to the lesion; repeatable.",
    ),
    front_day: list[float] | None = typer.Option(
        None,
        parser=_numbers(),
        metavar="DAY",
        help="Day of each --front-mm measurement (same count); updates the regrowth rate.",
    ),
    prior_relief_days: list[float] | None = typer.Option(
        None,
        parser=_numbers(),
        metavar="DAYS",
        help="Relief duration (days) of each earlier cycle on this nerve; repeatable.",
    ),
    last_contact_on: str | None = typer.Option(
        None, metavar="DATE", help="Follow-up as the clinic records it: date of the last contact (YYYY-MM-DD)."
    ),
    relieved_at_last_contact: bool | None = typer.Option(
        None,
        "--relieved-at-last-contact/--not-relieved-at-last-contact",
        help="Whether the patient was still relieved at --last-contact-on.",
    ),
    relief_lost_on: str | None = typer.Option(None, metavar="DATE", help="Follow-up: the date pain came back."),
    contact_at_risk: float | None = typer.Option(
        None,
        parser=_numbers(0.01, 0.99),
        metavar="FRACTION",
        help="Next contact on the day this fraction (0.01-0.99) of comparable responders, relieved at the last "
        "contact, have lost relief. Default: 0.25.",
    ),
    min_contact_gap: float | None = typer.Option(
        None, parser=_numbers(0, 365), metavar="DAYS", help="Least days between two contacts. Default: 14."
    ),
    book_at_risk: float | None = typer.Option(
        None,
        parser=_numbers(0.01, 0.99),
        metavar="FRACTION",
        help="For clinics that pre-book: book retreatment by the day this fraction (0.01-0.99) of comparable "
        "patients have lost relief. Default: 0.25.",
    ),
    model: str | None = typer.Option(None, help=_MODEL_HELP),
    fmt: OutputFormat = typer.Option(
        OutputFormat.table, "--format", help="table (readable) or json (one flat object)."
    ),
    plot: Path | None = typer.Option(None, help="Also draw the patient's timeline to this PNG file."),
) -> None:
    """Predict relief onset, return of sensation, relief end and retreatment for one patient.

    Estimates with 80 % intervals (p10-p90) and the model version; decision
    support, not a medical device.

    Example: regen predict --nerve genicular_superolateral --age 64 --treated-on 2026-03-14
    """
    if plot is not None:  # before any output: a plot that cannot be written fails first
        from regen.cli.options import check_paths as cli_check_paths

        model_file = (model,) if model is not None and Path(model).is_file() else ()
        cli_check_paths({"--plot": plot}, model_file, suffix=".png")
    with fail_cleanly():
        from regen.model.model import load_model
        from regen.model.prediction import patient_forecast

        loaded = load_model(_model_name(model))
        columns = {
            "patient_id": patient_id,
            "nerve": nerve,
            "indication": indication,
            "age": age,
            "sex": sex,
            "height_cm": height_cm,
            "bmi": bmi,
            "diabetes": diabetes,
            "smoker": smoker,
            "distance_mm": distance_mm,
            "freeze_cycles": freeze_cycles,
            "freeze_seconds": freeze_seconds,
            "probe_temp_c": probe_temp_c,
            "prior_treatments": prior_treatments,
            "treated_on": treated_on,
            "relief_at_day": relief_at_day,
            "relief_lost_day": relief_lost_day,
            "front_mm": front_mm or None,
            "front_day": front_day or None,
            "prior_relief_days": prior_relief_days or None,
            "last_contact_on": last_contact_on,
            "relieved_at_last_contact": relieved_at_last_contact,
            "relief_lost_on": relief_lost_on,
        }
        if allow_any_nerve:
            columns["allow_any_nerve"] = True
        from regen.model.prediction import plan_settings

        plan = plan_settings(loaded.params, book_at_risk, contact_at_risk, min_contact_gap)
        forecast = patient_forecast(loaded, plan, **columns)
        row = forecast.row
        if fmt == OutputFormat.json:
            from regen.utils.text import json_text

            typer.echo(json_text(row))
        else:
            from regen.reporting.text import render_prediction

            typer.echo(render_prediction(row))
        if plot is not None:
            from regen.reporting.plots import save_timeline

            save_timeline(loaded, forecast, plot)
            typer.echo(f"timeline written to {printable(plot)}", err=True)


# --------------------------------------------------------------------------- nerves / columns
