"""The embedded default model reproduces the published summaries it was fitted on."""

import numpy as np
import pytest

from regen import load_model

# (nerve, indication, day, published fraction still relieved, source)
PUBLISHED = [
    ("greater_occipital", "occipital_neuralgia", 30, 0.50, "Grigsby 2021"),
    ("greater_occipital", "occipital_neuralgia", 56, 0.35, "Grigsby 2021"),
    ("lumbar_medial_branch", "lumbar_facet_syndrome", 42, 0.72, "Birkenmaier 2007"),
    ("intercostal", "mastectomy", 365, 30 / 31, "Ilfeld 2022"),
    ("intercostal", "mixed_chronic_pain", 11, 26 / 64, "Lloyd 1976"),
    ("plantar_digital", "mortons_neuroma", 180, 48 / 54, "CVIR 2024"),
    ("infraorbital", "trigeminal_neuralgia", 858, 28 / 55, "Goss & Ito 2020"),
    ("infrapatellar_saphenous", "knee_osteoarthritis", 90, 61 / 121, "Radnovich 2017 / label"),
    ("infrapatellar_saphenous", "total_knee_arthroplasty", 84, 0.5, "Mihalko 2021 / Goodwin 2025"),
]


def test_default_model_is_the_fitted_one():
    model = load_model()
    assert model.version == "regen-default@2026.11.0"
    assert model.bundle["training"]["sha256"] and "metrics" in model.bundle


@pytest.mark.parametrize(("nerve", "indication", "day", "fraction", "source"), PUBLISHED)
def test_default_model_matches_published_summary(nerve, indication, day, fraction, source):
    import pandas as pd

    frame = pd.DataFrame({"nerve": [nerve], "indication": [indication]})
    predicted = load_model().predict_survival_function(frame, [day]).iloc[0, 0]
    assert predicted == pytest.approx(fraction, abs=0.10), source


def test_indication_without_data_gets_a_finite_pooled_estimate():
    out = load_model().predict_columns({"nerve": ["pudendal"]})
    assert out["error"][0] == "" and np.isfinite(out["relief_end_median_day"][0])
