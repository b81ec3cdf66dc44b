"""The contact plan (issue 20): a first contact not before relief can be judged, a next contact after the last,
relief lost books (or, before onset, reviews), the follow-up as a clinic records it (dates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import regen
from regen.errors import InputError
from regen.planning.contacts import ACTIONS, next_actions, next_contact_days


def test_a_knee_patient_gets_a_first_contact_after_onset_and_not_before_the_p10_of_relief_end(predict):
    row = predict(nerve="SLGN", age=64, treated_on="2026-03-14")
    assert row["next_action"] == "call"
    assert row["next_contact_day"] >= row["relief_onset_p90_day"]
    assert row["next_contact_day"] >= row["relief_end_p10_day"]
    assert row["next_contact_date"] == str(np.datetime64("2026-03-14") + int(np.floor(row["next_contact_day"] + 0.5)))


@pytest.mark.parametrize("contact", ["2026-05-01", "2026-09-30", "2027-02-01"])
def test_a_patient_relieved_at_the_last_contact_gets_the_next_one_after_it(predict, contact):
    row = predict(nerve="SLGN", treated_on="2026-03-14", last_contact_on=contact, relieved_at_last_contact="yes")
    day = (np.datetime64(contact) - np.datetime64("2026-03-14")).astype(int)
    assert row["next_contact_day"] >= day + 14 and row["next_contact_date"] > contact
    earlier = predict(nerve="SLGN", treated_on="2026-03-14", relief_at_day=day)  # the same in days
    assert earlier["next_contact_day"] == row["next_contact_day"]


def test_the_contact_rules_are_settings(predict):
    base = predict(nerve="GON")
    later = predict(nerve="GON", contact_at_risk=0.5)
    assert later["next_contact_day"] > base["next_contact_day"]
    gap = predict(nerve="GON", relief_at_day=100, min_contact_gap=60)
    assert gap["next_contact_day"] >= 160
    with pytest.raises(InputError, match=r"contact_at_risk: 1\.5 is not a fraction"):
        predict(nerve="GON", contact_at_risk=1.5)


def test_relief_lost_before_onset_is_probable_non_response(predict, cli):
    """On 7663a8f --relief-lost-day 3 printed onset day 5, relief end day 3, 'book by day 3', and said nothing."""
    row = predict(nerve="GON", relief_lost_day=3)
    assert row["next_action"] == ACTIONS["review"] and row["next_contact_day"] == 3
    assert row["relief_end_median_day"] is None and row["retreatment_due_day"] is None
    assert row["p_response"] == 0 and "probable non-response" in row["warnings"]
    table = cli("predict", "--nerve", "GON", "--relief-lost-day", "3").stdout
    assert "review: probable non-response" in table and "Warning: relief lost on day 3" in table
    later = predict(nerve="GON", relief_lost_day=150)
    assert later["next_action"] == "book retreatment" and later["retreatment_due_day"] == 150


def test_the_next_cycle_counts_sensation_from_the_retreatment(predict, cli):
    """On 7663a8f after --relief-lost-day 150 the table still showed sensation at day 354 from the first freeze."""
    row = predict(nerve="intercostal", relief_lost_day=150, treated_on="2026-01-01")
    assert row["next_cycle_sensation_return_median_day"] == pytest.approx(row["sensation_return_median_day"])
    table = cli("predict", "--nerve", "intercostal", "--relief-lost-day", "150").stdout
    assert "Next cycle: sensation **" in table and "after a retreatment" in table


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"last_contact_on": "2026-03-01"}, "treated_on: needed with last_contact_on"),
        ({"treated_on": "2026-03-01", "relieved_at_last_contact": "yes"}, "give the date of that contact"),
        (
            {"treated_on": "2026-03-01", "last_contact_on": "2026-02-01", "relieved_at_last_contact": "yes"},
            "last_contact_on: 2026-02-01 is before treated_on",
        ),
        (
            {"treated_on": "2026-03-01", "relief_lost_on": "2026-03-20", "relief_lost_day": "19"},
            "give the follow-up in one form per row",
        ),
        (
            {
                "treated_on": "2026-03-01",
                "last_contact_on": "2026-05-01",
                "relieved_at_last_contact": "yes",
                "relief_lost_on": "2026-04-01",
            },
            "yes, but relief_lost_on is not after last_contact_on",
        ),
        (  # third attacker pass: accepted, and the contact moved to the pain-back day
            {
                "treated_on": "2026-03-01",
                "last_contact_on": "2026-05-01",
                "relieved_at_last_contact": "no",
                "relief_lost_on": "2026-06-15",
            },
            "no, but relief_lost_on is after last_contact_on",
        ),
        (
            {"treated_on": "2026-03-01", "last_contact_on": "2026-05-01", "relieved_at_last_contact": "maybe"},
            "relieved_at_last_contact: maybe is not yes/no",
        ),
        (  # as far as relief_at_day reaches (3,650 days): a forecast is not pinned at day 5,113 without a word
            {"treated_on": "2010-01-01", "last_contact_on": "2024-01-01", "relieved_at_last_contact": "yes"},
            "last_contact_on: 2024-01-01 is 5113 days after treated_on (follow-up up to 3650 days",
        ),
        (
            {"treated_on": "2010-01-01", "relief_lost_on": "2030-01-01"},
            "relief_lost_on: 2030-01-01 is 7305 days after treated_on",
        ),
    ],
)
def test_dated_follow_up_conflicts_are_refused_naming_the_column(columns, message):
    out = regen.score_frame(pd.DataFrame([{"nerve": "GON", **columns}]))
    assert message in out["error"].iloc[0]


def test_pain_back_by_the_last_contact_without_its_date_is_counted_from_that_contact(predict):
    row = predict(nerve="GON", treated_on="2026-03-01", last_contact_on="2026-06-09", relieved_at_last_contact="no")
    assert row["next_action"] == "book retreatment" and row["retreatment_due_day"] == 100
    assert "counted as lost on that contact's day" in row["warnings"]


def test_post_operative_windows_plan_one_call_at_the_end_only_with_outcome_data(model):
    out = model.predict_columns({"nerve": ["intercostal", "intercostal"], "indication": ["thoracotomy", "mastectomy"]})
    for i in range(2):
        assert out["next_action"][i] in (ACTIONS["window_end"], ACTIONS["none_window"])
        if out["next_action"][i] == ACTIONS["window_end"]:
            assert out["next_contact_day"][i] == out["relief_end_p90_day"][i]
        else:
            assert np.isnan(out["next_contact_day"][i])


def test_the_pure_rules():
    days = next_contact_days(
        quantile_day=np.array([10.0, 50.0, 50.0]),
        onset_floor_day=np.array([21.0] * 3),
        last_contact_day=np.array([np.nan, 45.0, np.nan]),
        min_gap_days=14,
    )
    assert days.tolist() == [21.0, 59.0, 50.0]
    actions = next_actions(
        lost=np.array([0, 1, 1, 0], bool),
        non_response=np.array([0, 0, 1, 0], bool),
        window=np.array([0, 0, 0, 1], bool),
        window_evidence=np.array([0, 0, 0, 0], bool),
    )
    assert actions.tolist() == ["call", "book retreatment", "review: probable non-response", "none: analgesic window"]
