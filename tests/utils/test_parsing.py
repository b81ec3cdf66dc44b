"""regen.utils.parsing: plain decimal numbers only, and one answer on both sides of the 2,048-value switch."""

from __future__ import annotations

import numpy as np
import pytest

from regen.schema.patients import validate_patients
from regen.utils.parsing import parse_number, to_float


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
