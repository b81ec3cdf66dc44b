"""The importable API: names in regen.__all__, Model.predict, survival functions."""

import numpy as np
import pandas as pd

import regen


def test_public_names_resolve():
    for name in regen.__all__:
        assert getattr(regen, name) is not None, name
    for name in ("load_model", "Model", "score_frame", "ReliefModel", "get_nerve", "resolve_nerve",
                 "PREDICTION_COLUMNS", "simulate_cohort", "load_outcomes"):
        assert name in regen.__all__


def test_model_predict_and_survival_function():
    model = regen.load_model()
    frame = pd.DataFrame({"nerve": ["SLGN", "bad", "GON"], "age": [64, 50, 45]}, index=[10, 11, 12])
    out = model.predict(frame)
    assert list(out.index) == [10, 11, 12] and out.loc[11, "error"].startswith("nerve:")
    sf = model.predict_survival_function(frame, [30, 90, 180])
    assert list(sf.columns) == [10, 11, 12] and sf[11].isna().all()
    assert np.all(np.diff(sf[[10, 12]].to_numpy(), axis=0) <= 0)
    assert sf.loc[90.0, 10] == out.loc[10, "p_relief_90d"] or abs(sf.loc[90.0, 10] - out.loc[10, "p_relief_90d"]) < 5e-4


def test_mechanism_only_model_has_no_outcome_data():
    model = regen.load_model("mechanism-only")
    out = model.predict_columns({"nerve": ["GON"]})
    assert out["model_version"][0].startswith("mechanism-only@")
    assert out["relief_end_median_day"][0] == out["sensation_return_median_day"][0]
