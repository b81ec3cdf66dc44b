"""Validation of patient columns: the required nerve, every bad value named, plausible ranges, defaults counted."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

import regen
from regen.errors import DataFileError
from regen.schema.patients import validate_patients

PATIENT_RULE = "the column 'nerve' is required (e.g. genicular_superolateral)"
OUTCOME_RULE = "the outcome table has no column 'nerve' (columns: "
NO_NERVE = {
    "patients": "patient_id,age\n1,50\n",
    "outcomes": "patient_id,age,relief_last_seen_day,relief_lost_day\n1,50,30,60\n",
}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("validate_patients", PATIENT_RULE),
        ("score_frame", PATIENT_RULE),
        ("Model.predict", PATIENT_RULE),
        ("load_outcomes", OUTCOME_RULE),
        ("score", PATIENT_RULE),
        ("score a header only", PATIENT_RULE),
        ("score from stdin", PATIENT_RULE),
        ("fit", OUTCOME_RULE),
        ("evaluate", OUTCOME_RULE),
        ("describe", OUTCOME_RULE),
    ],
)
def test_the_nerve_column_is_required(entry, message, cli, model, tmp_path):
    """One rule at every entry: the library refuses the table; a command says it in one line and writes nothing."""
    library = {
        "validate_patients": lambda: validate_patients({"age": [50]}),
        "score_frame": lambda: regen.score_frame(pd.DataFrame({"age": [50]})),
        "Model.predict": lambda: model.predict(pd.DataFrame({"age": [50]})),
        "load_outcomes": lambda: regen.load_outcomes(pd.read_csv(io.StringIO(NO_NERVE["outcomes"]), dtype=str)),
    }
    if entry in library:
        with pytest.raises(DataFileError, match="^" + re.escape(message)):
            library[entry]()
        return
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    if entry == "score a header only":
        src.write_text("patient_id,age\n")
    else:
        src.write_text(NO_NERVE["patients" if entry.startswith("score") else "outcomes"])
    args = {
        "score": ("score", src, "-o", out),
        "score a header only": ("score", src, "-o", out),
        "score from stdin": ("score", "-", "-o", "-"),
        "fit": ("fit", src, "-o", tmp_path / "m.json"),
        "evaluate": ("evaluate", "default", src),
        "describe": ("describe", src),
    }[entry]
    res = cli(*args, input=src.read_text() if entry == "score from stdin" else None)
    assert res.exit_code == 1 and res.stderr.count("\n") == 1, res.output
    named = "stdin: " if entry == "score from stdin" else f"{src}: " if entry.startswith("score") else ""  # F20
    assert res.stderr.startswith(f"Error: {named}{message}") and "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize("entry", ["validate_patients", "score_frame", "Model.predict"])
def test_repeated_column_names_are_refused(entry, model):
    frame = pd.DataFrame([["GON", 40, 90], ["SLGN", "45", "80"]], columns=["nerve", "age", "age"])
    call = {"validate_patients": validate_patients, "score_frame": regen.score_frame, "Model.predict": model.predict}
    with pytest.raises(DataFileError, match=r"^column names repeat: 'age'; each column must appear once"):
        call[entry](frame)


def test_misshapen_columns_are_refused():
    with pytest.raises(DataFileError, match="column 'age' has shape"):
        validate_patients({"nerve": ["GON", "SLGN"], "age": [[40, 90], [60, 20]]})


def test_no_patient_id_is_invented():
    assert validate_patients({"nerve": ["GON", "SLGN"]}).columns["patient_id"].tolist() == ["", ""]


def test_each_bad_row_gets_its_own_message_and_good_rows_none():
    batch = validate_patients(
        {
            "nerve": ["SLGN", "", "GON", "GON", "GON", "GON", "GON"],
            "age": ["64", "50", "abc", "", "50", "50", "50"],
            "diabetes": ["yes", "no", "", "maybe", "1", "0", "true"],
            "treated_on": ["2026-01-02", "", "", "", "2026-13-01", "", "20260101"],
            "front_mm": ["", "", "", "", "", "10;20", ""],
            "front_day": ["", "", "", "", "", "30", ""],
        }
    )
    errors = list(batch.errors)
    assert errors[0] == ""
    assert errors[1].startswith("nerve: nerve is required")
    assert errors[2] == "age: abc is not a number"
    assert errors[3] == "diabetes: maybe is not yes/no (use true/false, yes/no or 1/0)"
    assert errors[4].startswith("treated_on: '2026-13-01' is not a date")
    assert errors[5] == "front_mm/front_day: give one day per front distance (same count)"
    assert errors[6].startswith("treated_on: '20260101' is not a date")
    assert batch.columns["age"][3] == 50.0  # blank -> default
    assert batch.columns["diabetes"].tolist()[:1] == [True]
    assert batch.columns["indication"][0] == "knee_osteoarthritis"


def test_several_problems_in_one_row_are_all_reported():
    batch = validate_patients({"nerve": ["GON"], "age": [200], "bmi": [-1]})
    assert batch.errors[0] == (
        "age: 200 is outside the accepted range (from 10 to 100 years); "
        "bmi: -1 is outside the accepted range (from 10 to 100 kg/m2)"
    )


def test_typed_columns_and_lists():
    batch = validate_patients(
        {
            "nerve": np.array(["intercostal", "sural"], dtype=object),
            "age": np.array([30, 80]),
            "smoker": np.array([True, False]),
            "prior_relief_days": ["100;150", 120.0],
            "treated_on": np.array(["2026-01-01", "2026-02-01"], dtype="datetime64[D]"),
        }
    )
    assert list(batch.errors) == ["", ""]
    assert batch.columns["prior_relief_days"].shape == (2, 2)
    assert np.isnan(batch.columns["prior_relief_days"][1, 1])
    assert str(batch.columns["treated_on"][1]) == "2026-02-01"


def test_bad_list_value_is_named():
    batch = validate_patients({"nerve": ["GON"], "front_mm": ["10;x"], "front_day": ["20;30"]})
    assert "front_mm: '10;x' is not a number" in batch.errors[0]


def test_defaults_used_are_counted_per_column():
    batch = validate_patients(
        {
            "nerve": ["GON", "SLGN", "GON"],
            "age": ["64", "", " "],
            "diabetes": ["yes", "", "no"],
            "indication": ["", "knee_osteoarthritis", ""],
        }
    )
    assert batch.columns["age"].tolist() == [64.0, 50.0, 50.0]
    assert batch.defaults == {
        "indication": 2,
        "age": 2,
        "diabetes": 1,
        "smoker": 3,
        "distance_mm": 3,
        "freeze_cycles": 3,
        "freeze_seconds": 3,
        "probe_temp_c": 3,
        "prior_treatments": 3,
    }
    full = validate_patients(
        {
            "nerve": ["GON"],
            "indication": ["occipital_neuralgia"],
            "age": [40],
            "diabetes": [False],
            "smoker": [True],
            "distance_mm": [100],
            "freeze_cycles": [2],
            "freeze_seconds": [90],
            "probe_temp_c": [-60],
            "prior_treatments": [1],
        }
    )
    assert full.defaults == {}


def test_a_bad_value_is_not_counted_as_a_default():
    batch = validate_patients({"nerve": ["GON", "GON"], "age": ["abc", ""]})
    assert batch.defaults["age"] == 1 and batch.errors[0] == "age: abc is not a number"


@pytest.mark.parametrize(
    ("column", "value", "accepted"),
    [
        ("height_cm", "5", "from 100 to 250 cm"),
        ("height_cm", "20", "from 100 to 250 cm"),
        ("height_cm", "1.7", "from 100 to 250 cm"),  # metres
        ("height_cm", "300", "from 100 to 250 cm"),
        ("bmi", "2", "from 10 to 100 kg/m2"),
        ("bmi", "250", "from 10 to 100 kg/m2"),
        ("distance_mm", "0.01", "from 1 to 2000 mm"),
        ("probe_temp_c", "-270", "from -196 to 0 degC"),
    ],
)
def test_implausible_body_and_probe_values_are_row_errors(column, value, accepted):
    batch = validate_patients({"nerve": ["GON", "GON"], column: [value, ""]})
    assert batch.errors[0] == f"{column}: {value} is outside the accepted range ({accepted})"
    assert batch.errors[1] == ""


def test_a_measured_distance_far_from_the_catalog_is_a_row_warning():
    batch = validate_patients({"nerve": ["GON", "GON", "GON"], "distance_mm": ["1100", "110", ""]})
    assert list(batch.errors) == ["", "", ""]
    assert batch.row_warnings[0] == (
        "distance_mm 1100 is far outside the catalog range of greater_occipital "
        "(60-180 mm): check the value and its unit"
    )
    assert list(batch.row_warnings[1:]) == ["", ""]


def test_a_value_out_of_range_is_shown_as_the_file_wrote_it(model):
    out = model.predict_columns({"nerve": ["SLGN", "SLGN"], "age": ["1e-400", " 120.50 "]})
    assert out["error"][0].startswith("age: 1e-400 is outside the accepted range")
    assert out["error"][1].startswith("age: 120.50 is outside the accepted range")


def test_a_spreadsheet_one_and_zero_are_yes_and_no(model):
    out = model.predict_columns({"nerve": ["SLGN"] * 3, "diabetes": ["1.0", "0.0", "1.5"]})
    assert list(out["error"][:2]) == ["", ""] and out["error"][2].startswith("diabetes: 1.5 is not yes/no")


@pytest.mark.parametrize("dtype", [object, "string"])
def test_pandas_missing_values_are_blank(model, dtype):
    frame = pd.DataFrame(
        {
            "nerve": ["GON", "SLGN"],
            "sex": pd.array([pd.NA, "female"], dtype=dtype),
            "treated_on": pd.array([pd.NA, "2026-01-05"], dtype=dtype),
        }
    )
    out = model.predict(frame)
    assert (out["error"] == "").all(), out["error"].tolist()
    assert regen.predict_patient(model, nerve="GON", age=pd.NA)["nerve"] == "greater_occipital"
