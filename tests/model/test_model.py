"""Model and load_model: shared models nobody can change, files read again when they change, one resolver for
every model argument."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

import regen
from regen.errors import ModelFileError
from regen.utils.resources import model_path

ACCEPTED = "model must be a path, 'default', 'mechanism-only' or a Model; got "


def _set_sigma(model):
    model.bundle["relief"]["sigma"] = 9.0


def _set_a_parameter_in_the_bundle(model):
    model.bundle["parameters"]["rate_mm_per_day"]["value"] = 9.0


def _shift_an_indication(model):
    first = next(iter(model.bundle["relief"]["indications"]))
    model.bundle["relief"]["indications"][first]["m0"] += 1


def _set_a_parameter(model):
    model.params["rate_mm_per_day"]["value"] = 0.1


def _swap_the_bundle(model):
    model.bundle = {}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (_set_sigma, TypeError),
        (_set_a_parameter_in_the_bundle, TypeError),
        (_shift_an_indication, TypeError),
        (_set_a_parameter, TypeError),
        (_swap_the_bundle, AttributeError),
    ],
    ids=["relief sigma", "bundle parameter", "indication location", "params", "bundle swapped"],
)
def test_a_loaded_model_cannot_be_changed_for_the_next_caller(change, error):
    """load_model shares one Model per file: nothing a caller does to it reaches the next caller."""
    model = regen.load_model()
    before = regen.predict_patient(model, nerve="SLGN")["relief_end_median_day"]
    rate = model.params["rate_mm_per_day"]["value"]
    with pytest.raises(error):
        change(model)
    again = regen.load_model()
    assert regen.predict_patient(again, nerve="SLGN")["relief_end_median_day"] == before
    assert again.params["rate_mm_per_day"]["value"] == rate


def test_a_model_file_changed_on_disk_is_read_again(default_bundle, model_file):
    path = model_file(bundle={**default_bundle, "version": "one"})
    assert regen.load_model(path).version.endswith("@one")
    path = model_file(bundle={**default_bundle, "version": "two"})
    os.utime(path, ns=(1, 1))  # same size, new modification time
    assert regen.load_model(path).version.endswith("@two")


def test_a_model_does_not_follow_later_changes_to_the_dict_it_was_made_from(default_bundle):
    bundle = default_bundle
    model = regen.Model(bundle)
    m0 = model.bundle["relief"]["default"]["m0"]
    bundle["relief"]["default"]["m0"] = m0 + 2.0
    bundle["relief"]["shape_probs"].reverse()
    assert model.bundle["relief"]["default"]["m0"] == m0
    assert model.bundle["relief"]["shape_probs"][0] < model.bundle["relief"]["shape_probs"][-1]


@pytest.mark.parametrize("argument", ["mechanism-only", "default", None, "path"])
def test_predict_patient_takes_what_score_frame_takes(model, argument):
    if argument == "path":
        argument = Path(model_path("default.json"))
    row = regen.predict_patient(argument, nerve="SLGN")
    scored = regen.score_frame(pd.DataFrame({"nerve": ["SLGN"]}), argument)
    assert row["model_version"] == scored.loc[0, "model_version"]
    assert row["relief_end_median_day"] == scored.loc[0, "relief_end_median_day"]
    expected = "mechanism-only@" if argument == "mechanism-only" else "regen-default@"
    assert row["model_version"].startswith(expected)


@pytest.mark.parametrize(
    ("argument", "kind"), [(5, "int"), (b"default", "bytes"), (3.5, "float"), (["default"], "list")]
)
def test_a_model_of_the_wrong_type_is_named_in_one_line(argument, kind):
    for call in (
        lambda: regen.load_model(argument),
        lambda: regen.predict_patient(argument, nerve="GON"),
        lambda: regen.score_frame(pd.DataFrame({"nerve": ["GON"]}), argument),
    ):
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value) == ACCEPTED + kind


def test_a_path_like_giving_bytes_is_refused():
    class BytesPath(os.PathLike):
        def __fspath__(self):
            return b"default"

    with pytest.raises(TypeError, match="^" + ACCEPTED + "BytesPath$"):
        regen.load_model(BytesPath())


def test_the_low_level_patient_forecast_names_a_model_it_cannot_use():
    from regen.model.prediction import patient_forecast

    with pytest.raises(TypeError, match=r"^model must be a regen Model here; got str \(regen.predict_patient"):
        patient_forecast("mechanism-only", nerve="GON")


def test_a_missing_model_file_is_still_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        regen.predict_patient(tmp_path / "none.json", nerve="GON")


def test_a_mapping_of_single_values_is_one_patient():
    from regen import load_model

    model = load_model()
    assert model.predict_survival_function({"nerve": "SLGN", "age": "64"}, times=[30]).shape == (1, 1)
    assert len(model.predict_columns({"nerve": "SLGN"})["relief_end_median_day"]) == 1
