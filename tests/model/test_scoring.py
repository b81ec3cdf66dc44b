"""score_frame (regen.model.scoring): rows kept in order, columns passed through, what it accepts and refuses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import regen
from regen import score_frame
from regen.errors import DataFileError, InputError
from regen.schema.columns import OUTPUT_COLUMNS


def test_score_frame_keeps_rows_order_and_passes_columns_through(patients):
    out = score_frame(patients)
    assert len(out) == len(patients) and list(out.index) == list(patients.index)
    assert list(out.columns) == [*patients.columns, *OUTPUT_COLUMNS]
    pd.testing.assert_frame_equal(out[patients.columns], patients)
    bad = set(np.flatnonzero(out["error"] != ""))
    assert bad == {3, 10, 20}
    assert out.loc[list(bad), "relief_end_median_day"].isna().all()
    assert out.loc[~out.index.isin(list(bad)), "relief_end_median_day"].notna().all()
    assert out.loc[3, "patient_id"] == patients.loc[3, "patient_id"]


def test_existing_prediction_columns_are_refused():
    with pytest.raises(DataFileError, match="already has prediction columns"):
        score_frame(pd.DataFrame({"nerve": ["GON"], "error": [""]}))


@pytest.mark.parametrize(
    ("frame", "kind"),
    [(None, "NoneType"), ([{"nerve": "GON"}], "list"), ("GON", "str"), (np.array(["GON"]), "ndarray")],
)
def test_score_frame_names_what_it_accepts(model, frame, kind):
    for call in (lambda: regen.score_frame(frame, model), lambda: model.predict(frame)):
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value) == (
            f"frame must be a pandas DataFrame or a mapping of column name to values; got {kind}"
        )


def test_a_mapping_of_columns_scores_as_its_data_frame(model):
    columns = {"patient_id": ["a", "b"], "nerve": ["GON", "SLGN"], "age": [45, 64]}
    pd.testing.assert_frame_equal(regen.score_frame(columns, model), regen.score_frame(pd.DataFrame(columns), model))
    with pytest.raises(InputError, match=r"^frame: the mapping's columns must be lists of one length"):
        regen.score_frame({"nerve": ["GON", "SLGN"], "age": [45]}, model)
