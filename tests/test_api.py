"""The importable API: lazy public names, Model.predict, survival functions, the mechanism-only model."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import regen
from regen.errors import InputError


def test_import_is_light_and_every_public_name_resolves():
    code = (
        "import sys, regen\n"
        "heavy = {'pandas', 'sklearn', 'lifelines', 'matplotlib', 'scipy'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
        "missing = [n for n in regen.__all__ if getattr(regen, n, None) is None]\n"
        "print(missing)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "[]"]


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


def test_loaded_models_cannot_be_changed_for_everyone(tmp_path):
    import json
    import os

    import pytest

    model = regen.load_model()
    with pytest.raises(TypeError):
        model.bundle["relief"]["sigma"] = 9.0
    with pytest.raises(TypeError):
        model.bundle["parameters"]["rate_mm_per_day"]["value"] = 9.0
    path = tmp_path / "m.json"
    bundle = json.loads(regen.utils.resources.model_path("default.json").read_text())
    path.write_text(json.dumps({**bundle, "version": "one"}))
    assert regen.load_model(path).version.endswith("@one")
    path.write_text(json.dumps({**bundle, "version": "two"}))
    os.utime(path, ns=(1, 1))  # same size, new modification time
    assert regen.load_model(path).version.endswith("@two")


def test_mechanism_only_model_has_no_outcome_data():
    out = regen.predict_patient(regen.load_model("mechanism-only"), nerve="GON")
    assert out["model_version"].startswith("mechanism-only@")
    assert out["relief_end_median_day"] == out["sensation_return_median_day"]
    assert out["evidence"].startswith("mechanism only")
