"""Issue 11 item 9: the library guards itself (frozen models, checked arguments)."""

import copy
import json

import pandas as pd
import pytest

import regen
from regen.errors import InputError
from regen.utils.resources import model_path


def test_a_loaded_model_cannot_be_changed_for_the_next_caller():
    model = regen.load_model()
    first = next(iter(model.bundle["relief"]["indications"]))
    before = regen.predict_patient(model, nerve="SLGN")["relief_end_median_day"]
    with pytest.raises(TypeError):
        model.bundle["relief"]["indications"][first]["location"] += 1
    with pytest.raises(TypeError):
        model.params["rate_mm_per_day"]["value"] = 0.1
    assert regen.predict_patient(regen.load_model(), nerve="SLGN")["relief_end_median_day"] == before


def test_a_model_does_not_follow_later_changes_to_the_dict_it_was_made_from():
    bundle = json.loads(model_path("default.json").read_text(encoding="utf-8"))
    model = regen.Model(bundle)
    sigma = model.bundle["relief"]["sigma"]
    bundle["relief"]["sigma"] = 2.0
    assert model.bundle["relief"]["sigma"] == sigma


@pytest.mark.parametrize("risk", [5, 0, 1, -0.25, float("nan"), float("inf"), "0.25", True])
def test_score_frame_refuses_a_booking_fraction_outside_zero_one(risk):
    with pytest.raises(InputError, match=r"book_at_risk: .* is not a fraction strictly between 0 and 1"):
        regen.score_frame(pd.DataFrame({"nerve": ["GON"]}), book_at_risk=risk)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"penalizer": -1}, "penalizer: -1 is not a finite number from 0"),
        ({"penalizer": "0.1"}, "penalizer: '0.1' is not a finite number"),
        ({"long_after_days": 0}, "long_after_days: 0 is not a finite number above 0"),
        ({"family": "cox"}, "family 'cox' is not one of"),
        ({"fit_offset": "yes"}, "fit_offset: 'yes' is not True or False"),
    ],
)
def test_relief_model_refuses_bad_parameters_at_fit(params, message):
    frame = pd.DataFrame(
        {"nerve": ["GON"] * 4, "relief_last_seen_day": ["1", "2", "3", "4"], "relief_lost_day": ["5", "6", "7", "8"]}
    )
    with pytest.raises(InputError, match=message):
        regen.ReliefModel(**params).fit(frame)


def test_validate_bundle_never_changes_its_argument():
    from regen.model.bundle import validate_bundle

    bundle = json.loads(model_path("default.json").read_text(encoding="utf-8"))
    kept = copy.deepcopy(bundle)
    validate_bundle(bundle)
    assert bundle == kept
