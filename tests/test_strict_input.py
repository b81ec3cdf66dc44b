"""Issue 11 item 5: dates and numbers are strict, in a CSV, in the library and on the command line."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from regen.errors import InputError
from regen.schema.dates import YEARS, parse_date
from regen.schema.patients import validate_patients
from regen.utils.parsing import parse_number, to_float


# --------------------------------------------------------------------------- dates
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-03-14garbage", "is not a date; use the ISO form YYYY-MM-DD"),
        ("1773446400", "is not a date"),  # a Unix timestamp
        ("9999-12-31", f"is outside the years {YEARS[0]} to {YEARS[1]}"),
        ("1926-03-14", "is outside the years"),
        ("2026-3-14", "is not a date"),
        ("14/03/2026", "is not a date"),
        ("2026-03-14T10:00", "has a time of day"),
        ("2026-03-14 00:00:01", "has a time of day"),
        ("２０２６-03-14 00:00:00", "is not a date"),
        ("2026-02-30", "is not a date"),
        ("２０２６-03-14", "is not a date"),
        ("+2026-03-14", "is not a date"),
    ],
)
def test_only_plausible_iso_dates_are_dates(text, message):
    with pytest.raises(InputError, match=message):
        parse_date(text)


def test_good_and_blank_dates():
    assert str(parse_date(" 2026-03-14 ")) == "2026-03-14"
    for midnight in ("2026-03-14 00:00:00", "2026-03-14T00:00", "2026-03-14 00:00:00.000"):
        assert str(parse_date(midnight)) == "2026-03-14"  # how many hospital systems export a date
    assert str(parse_date(f"{YEARS[1]}-12-31")) == f"{YEARS[1]}-12-31"
    assert np.isnat(parse_date(""))


def test_treated_on_in_a_table_is_strict_and_typed_dates_are_taken_at_their_day():
    batch = validate_patients(
        {
            "nerve": ["GON"] * 6,
            "treated_on": np.array(
                [
                    "2026-03-14garbage",
                    "9999-12-31",
                    "2026-03-14",
                    dt.date(2026, 3, 15),
                    pd.Timestamp("2026-03-16 14:30"),
                    np.datetime64("2026-03-17"),
                ],
                dtype=object,
            ),
        }
    )
    assert batch.errors[0].startswith("treated_on: '2026-03-14garbage' is not a date")
    assert batch.errors[1].startswith("treated_on: '9999-12-31' is outside the years")
    assert list(batch.errors[2:]) == ["", "", "", ""]
    assert [str(d) for d in batch.columns["treated_on"][2:]] == ["2026-03-14", "2026-03-15", "2026-03-16", "2026-03-17"]
    days = np.array(["2026-01-01", "9999-01-01"], dtype="datetime64[D]")
    typed = validate_patients({"nerve": ["GON", "GON"], "treated_on": days})
    assert typed.errors[0] == "" and typed.errors[1].startswith("treated_on: '9999-01-01' is outside the years")
    frame = validate_patients(pd.DataFrame({"nerve": ["GON", "GON"], "treated_on": pd.to_datetime(days)}))
    assert (
        frame.errors[0] == ""
        and frame.errors[1] == f"treated_on: 9999-01-01 is outside the years {YEARS[0]} to {YEARS[1]}"
    )
    assert str(frame.columns["treated_on"][0]) == "2026-01-01" and np.isnat(frame.columns["treated_on"][1])


# --------------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    "text",
    [
        "1_000",
        "6_4",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e999",
        "0x10",
        "６４",
        "٦٤",
        "1,5",
        "64 years",
        "",
        "--1",
        "1e",
        ".",
    ],
)
def test_what_python_float_takes_but_is_not_a_number(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("64", 64.0), ("-1.5", -1.5), (" 1e3 ", 1000.0), (".5", 0.5), ("5.", 5.0), ("+2", 2.0), ("1E-2", 0.01)],
)
def test_plain_decimal_numbers(text, value):
    assert parse_number(text) == value


def test_a_number_column_flags_underscores_and_foreign_digits():
    values, bad = to_float(np.array(["64", "1_000", "６４", "", "nan"], dtype=object))
    assert bad.tolist() == [False, True, True, False, True]
    assert values[0] == 64 and np.isnan(values[1:]).all()
    batch = validate_patients(
        {"nerve": ["GON", "GON"], "age": ["6_4", "64"], "front_mm": ["1_0;20", "10"], "front_day": ["30;40", "30"]}
    )
    assert batch.errors[0].startswith(
        "age: 6_4 is not a number; front_mm: '1_0;20' is not a number or a ';'-separated list of numbers"
    )
    assert batch.errors[1] == ""


# --------------------------------------------------------------------------- plausible ranges
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


# --------------------------------------------------------------------------- the command line
@pytest.mark.parametrize(
    "args",
    [
        ["--age", "nan"],
        ["--age", "inf"],
        ["--age", "1_0"],
        ["--age", "６４"],
        ["--height-cm", "-inf"],
        ["--relief-lost-day", "nan"],
        ["--relief-at-day", "1_00"],
        ["--front-mm", "nan", "--front-day", "30"],
        ["--front-mm", "10", "--front-mm", "1_0", "--front-day", "30", "--front-day", "40"],
        ["--prior-relief-days", "inf"],
        ["--book-at-risk", "nan"],
        ["--freeze-cycles", "1_0"],
        ["--freeze-cycles", "2.5"],
        ["--prior-treatments", "nan"],
        ["--distance-mm", "1e999"],
    ],
)
def test_nan_inf_and_underscores_on_predict_options_are_usage_errors(args, cli):
    res = cli("predict", "--nerve", "GON", *args)
    assert res.exit_code == 2, res.output
    assert "is not a number" in res.output or "is not a whole number" in res.output
    assert res.stdout == ""


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("fit", ["--penalizer", "inf"]),
        ("fit", ["--penalizer", "nan"]),
        ("fit", ["--penalizer", "-1"]),
        ("simulate", ["-n", "1_000"]),
        ("simulate", ["--seed", "nan"]),
        ("evaluate", ["--bootstrap", "1_0"]),
    ],
)
def test_nan_inf_and_underscores_on_other_options_are_usage_errors(command, args, cli, tmp_path):
    positional = {
        "fit": ["in.csv", "-o", tmp_path / "m.json"],
        "simulate": ["-o", tmp_path / "c.csv"],
        "evaluate": ["default", "in.csv"],
    }[command]
    res = cli(command, *positional, *args)
    assert res.exit_code == 2, res.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("today", "message"),
    [
        ("2026-03-14garbage", "is not a date"),
        ("1773446400", "is not a date"),
        ("9999-12-31", "is outside the years"),
        ("", "give a date YYYY-MM-DD"),
        ("25/11/2026", "is not a date"),
    ],
)
def test_report_today_uses_the_same_date_parser(today, message, cli, tmp_path):
    """A bad --today is a usage error (exit 2) naming the option, from the one date parser."""
    res = cli("report", tmp_path / "scored.csv", "-o", tmp_path / "r.html", "--today", today)
    assert res.exit_code == 2
    assert "Invalid value for '--today'" in res.stderr and message in res.stderr
    assert not (tmp_path / "r.html").exists()


def test_a_value_out_of_range_is_shown_as_the_file_wrote_it(model):
    out = model.predict_columns({"nerve": ["SLGN", "SLGN"], "age": ["1e-400", " 120.50 "]})
    assert out["error"][0].startswith("age: 1e-400 is outside the accepted range")
    assert out["error"][1].startswith("age: 120.50 is outside the accepted range")


def test_a_spreadsheet_one_and_zero_are_yes_and_no(model):
    out = model.predict_columns({"nerve": ["SLGN"] * 3, "diabetes": ["1.0", "0.0", "1.5"]})
    assert list(out["error"][:2]) == ["", ""] and out["error"][2].startswith("diabetes: 1.5 is not yes/no")
