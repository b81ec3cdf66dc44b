"""Model.predict_survival_function: the law the table prints, bad rows and times refused, follow-up respected."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regen.errors import InputError


def test_model_predict_and_survival_function(model):
    frame = pd.DataFrame({"nerve": ["SLGN", "bad", "GON"], "age": [64, 50, 45]}, index=[10, 11, 12])
    out = model.predict(frame)
    assert list(out.index) == [10, 11, 12] and out.loc[11, "error"].startswith("nerve:")
    with pytest.raises(InputError, match=r"^row 11: nerve: unknown nerve 'bad'"):
        model.predict_survival_function(frame, [30, 90, 180])
    sf = model.predict_survival_function(frame.drop(index=11), [30, 90, 180])
    assert list(sf.columns) == [10, 12]
    assert np.all(np.diff(sf.to_numpy(), axis=0) <= 0)
    assert round(sf.loc[90.0, 10], 3) == out.loc[10, "p_relief_90d"]


def test_a_row_that_cannot_be_scored_is_refused_with_its_error_column_text(model):
    frame = pd.DataFrame({"nerve": ["GON", "XXX", "also bad"]}, index=[7, 8, 9])
    error = model.predict(frame).loc[8, "error"]
    with pytest.raises(InputError) as info:
        model.predict_survival_function(frame, times=[30])
    assert str(info.value) == f"row 8: {error} (1 more row(s) cannot be scored)"


def test_a_follow_up_error_is_refused_as_score_reports_it(model):
    frame = pd.DataFrame({"nerve": ["GON"], "relief_at_day": ["-5"]})
    error = model.predict(frame).loc[0, "error"]
    assert error.startswith("relief_at_day")
    with pytest.raises(InputError, match=r"^row 0: relief_at_day"):
        model.predict_survival_function(frame, [30])


@pytest.mark.parametrize(
    "times",
    [[-1], [np.nan], [1e308], [np.inf], "30", ["30"], [[30, 90]], [], [True], None, {30}, [30, None], b"30", 36500.5],
)
def test_times_must_be_days_from_0_to_100_years(model, times):
    with pytest.raises(InputError, match=r"^times: .* (is not a day|or a list of days); give days") as info:
        model.predict_survival_function(pd.DataFrame({"nerve": ["GON"]}), times)
    assert "\n" not in str(info.value)


def test_one_number_is_one_time_and_every_kind_of_list_gives_the_same_curve(model):
    frame = pd.DataFrame({"nerve": ["GON", "SLGN"]})
    listed = model.predict_survival_function(frame, [0, 30, 36500])
    assert ((listed >= 0) & (listed <= 1)).all().all() and (listed.diff().iloc[1:] <= 0).all().all()
    for times in (np.array([0, 30, 36500]), pd.Series([0.0, 30.0, 36500.0]), (0, 30, 36500)):
        pd.testing.assert_frame_equal(model.predict_survival_function(frame, times), listed)
    one = model.predict_survival_function(frame, 30)
    pd.testing.assert_frame_equal(one, listed.loc[[30.0]])


def test_the_survival_function_follows_the_follow_up(model):
    frame = pd.DataFrame(
        {"nerve": ["GON"] * 3, "relief_at_day": [np.nan, 120, np.nan], "relief_lost_day": [np.nan, np.nan, 150]}
    )
    scored = model.predict(frame)
    sf = model.predict_survival_function(frame, [90, 180])
    np.testing.assert_allclose(sf.loc[90.0].round(3), scored["p_relief_90d"])
    np.testing.assert_allclose(sf.loc[180.0].round(3), scored["p_relief_180d"])
    assert sf.loc[180.0, 2] == 0.0 and sf.loc[90.0, 2] == 1.0
