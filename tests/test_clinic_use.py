"""What a new clinic user found: ids under a "Patient ID" header, plans that agree, errors on the right thing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


def test_a_patient_id_header_names_the_rejected_rows_and_the_repeats(cli, tmp_path):
    src, out, err = tmp_path / "export.csv", tmp_path / "scored.csv", tmp_path / "rejected.csv"
    src.write_text("Patient ID,Nerve,Age\nA-1,GON,50\nA-2,geniculr superolateral,60\nA-1,SLGN,70\n")
    res = cli("score", src, "-o", out, "--errors", err)
    assert res.exit_code == 3, res.output
    assert "Warning: 1 row repeats a patient_id (all scored)" in res.stderr
    rejected = pd.read_csv(err, dtype=str)
    assert rejected["patient_id"].tolist() == ["A-2"] and rejected["row"].tolist() == ["2"]


def test_an_unknown_nerve_is_blamed_alone(cli):
    res = cli("predict", "--nerve", "knee")
    assert res.exit_code == 1 and res.stderr.startswith("Error: nerve: unknown nerve 'knee'")
    assert "plausible" not in res.stderr


def test_relief_lost_on_a_day_means_relieved_before_it(predict):
    out = predict(nerve="intercostal", indication="intercostal_neuralgia", relief_lost_day=150)
    assert out["p_relief_90d"] == 1.0 and out["p_relief_180d"] == 0.0 and out["p_relief_365d"] == 0.0
    assert out["retreatment_due_day"] == 150 and "retreatment due now" in out["follow_up"]


def test_post_operative_relief_lost_books_nothing_and_says_so(predict):
    out = predict(nerve="intercostal", indication="thoracotomy", relief_lost_day=60)
    assert out["retreatment_due_day"] is None
    assert "due now" not in out["follow_up"] and "analgesic window has ended" in out["follow_up"]


def test_slower_regrowth_never_books_earlier(model):
    from regen.catalog import load_catalog, load_indication_catalog

    window = {i for i, ind in load_indication_catalog().items() if ind.self_limiting}
    pairs = [(n.id, i) for n in load_catalog().values() for i in n.indications if i not in window]
    raw = {"nerve": [n for n, _ in pairs], "indication": [i for _, i in pairs], "age": [55] * len(pairs)}
    plain = model.predict_columns(raw)["retreatment_due_day"]
    slow = model.predict_columns({**raw, "diabetes": ["yes"] * len(pairs)})["retreatment_due_day"]
    assert np.all(slow >= plain - 1e-9), [p for p, a, b in zip(pairs, plain, slow, strict=True) if b < a]


def test_table_and_json_give_the_same_booking_date(cli):
    args = ("predict", "--nerve", "GON", "--age", "45", "--treated-on", "2026-10-01")
    row = json.loads(cli(*args, "--format", "json").stdout)
    table = cli(*args).stdout
    line = next(t for t in table.splitlines() if t.startswith("Book retreatment by"))
    assert row["retreatment_due_date"] in line and f"day {int(np.floor(row['retreatment_due_day'] + 0.5))}" in line


@pytest.mark.parametrize("name", ["scored.xlsx", "scored.json", "scored.html"])
def test_a_table_is_not_written_under_a_foreign_extension(cli, tmp_path, name):
    src = tmp_path / "in.csv"
    src.write_text("nerve\nGON\n")
    res = cli("score", src, "-o", tmp_path / name)
    assert res.exit_code == 2 and "regen writes CSV (.csv, .csv.gz) or Parquet" in res.stderr
    assert not (tmp_path / name).exists()


def test_a_semicolon_file_with_commas_in_its_cells_gets_the_semicolon_hint(cli, tmp_path):
    src = tmp_path / "semi.csv"
    src.write_text("Patient ID;Nerve;BMI\nP1;GON;27,5\n")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "looks separated by semicolons" in res.stderr


def test_a_midnight_timestamp_is_its_date(predict):
    out = predict(nerve="GON", treated_on="2026-03-14 00:00:00")
    assert out["retreatment_due_date"].startswith("2026-")
