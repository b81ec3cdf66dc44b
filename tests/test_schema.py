"""Validation of patient columns: every bad value named, good rows untouched."""

import numpy as np
import pytest

from regen.errors import DataFileError
from regen.schema.patients import validate_patients


def test_nerve_column_is_required():
    with pytest.raises(DataFileError, match="the column 'nerve' is required"):
        validate_patients({"age": [50]})


def test_repeated_or_misshapen_columns_are_refused():
    import pandas as pd

    frame = pd.DataFrame([["GON", 40, 90], ["SLGN", 60, 20]], columns=["nerve", "age", "age"])
    with pytest.raises(DataFileError, match="column names repeat: 'age'"):
        validate_patients(frame)
    with pytest.raises(DataFileError, match="column 'age' has shape"):
        validate_patients({"nerve": ["GON", "SLGN"], "age": [[40, 90], [60, 20]]})


def test_no_patient_id_is_invented():
    assert validate_patients({"nerve": ["GON", "SLGN"]}).columns["patient_id"].tolist() == ["", ""]


def test_parsing_switches_to_pandas_above_the_threshold_with_the_same_result():
    from regen.utils.parsing import LARGE, factorize, to_bool, to_float

    values = np.array([" 64", "64", "", None, float("nan"), "x", "1e3", "inf", "yes", " NO "] * 300, dtype=object)
    small, large = values[: LARGE // 2], values[: LARGE + 10]
    for func in (to_float, to_bool):
        a, b = func(small), func(large)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y[: len(x)])
    codes_s, uniq_s = factorize(small)
    codes_l, uniq_l = factorize(large)
    assert (uniq_s[codes_s] == uniq_l[codes_l][: len(small)]).all()


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
