"""A model file is validated at load for every field any command reads (issue 21, class 8)."""

from __future__ import annotations

import json

import pytest

import regen
from regen.errors import ModelFileError


@pytest.mark.parametrize(
    ("section", "value", "message"),
    [
        ("training", "x", "field 'training' is 'x', not an object"),
        ("training", {"sha256": 12}, "field 'training.sha256' is 12, not hex"),
        ("training", {"rows": -1}, "field 'training.rows' is -1, not count"),
        ("metrics", [1], "field 'metrics' is [1], not an object"),
        ("metrics", {"c_index_train": "high"}, "field 'metrics.c_index_train' is 'high', not number or null"),
        ("description", {"a": 1}, "field 'description' is {'a': 1}, not text"),
        ("fit", {"coef": {"age": "0.1"}}, "field 'fit.coef.age' is '0.1', not number"),
        ("fit", {"design": {"binary": "diabetes"}}, "field 'fit.design.binary' is 'diabetes', not list"),
        ("fit", {"censoring": {"exact": 1.5}}, "field 'fit.censoring.exact' is 1.5, not count"),
    ],
)
def test_a_descriptive_field_of_the_wrong_kind_is_refused_at_load(tmp_path, default_bundle, section, value, message):
    """On 7663a8f a model whose `training` was not an object loaded and predicted, and evaluate crashed."""
    bundle = dict(default_bundle)
    bundle[section] = value
    path = tmp_path / "m.json"
    path.write_text(json.dumps(bundle))
    with pytest.raises(ModelFileError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        regen.load_model(path)


def test_a_model_that_loads_works_in_every_command(tmp_path, cli, default_bundle, outcomes_csv):
    bundle = dict(default_bundle)
    bundle["training"] = {"source": "x", "rows": 3}  # no sha256: optional
    path = tmp_path / "m.json"
    path.write_text(json.dumps(bundle))
    assert cli("evaluate", path, outcomes_csv, "--bootstrap", "0").exit_code == 0
    assert cli("predict", "--nerve", "GON", "--model", path).exit_code == 0


@pytest.mark.parametrize("value", ["weird", 1, None, ["clinic"]])
def test_an_entry_s_data_field_is_clinic_or_absent(tmp_path, default_bundle, value):
    """F28: ``relief.indications.X.data: "weird"`` loaded, and its evidence then read "0 studies, 89 patients"."""
    bundle = json.loads(json.dumps(default_bundle))
    key = next(iter(bundle["relief"]["indications"]))
    bundle["relief"]["indications"][key]["data"] = value
    path = tmp_path / "m.json"
    path.write_text(json.dumps(bundle))
    with pytest.raises(ModelFileError, match=rf"relief\.indications\['{key}'\]\.data is .*; expected 'clinic'"):
        regen.load_model(path)
    bundle["relief"]["indications"][key]["data"] = "clinic"
    path.write_text(json.dumps(bundle))
    assert regen.load_model(path) is not None
