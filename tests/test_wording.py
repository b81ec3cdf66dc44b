"""Issue 13 item 5: wording and CLI habits (book by, no invented id, nerves formats, evaluate by name,
describe stops at its follow-up, fit coefficients with units and time ratios)."""

import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest

from regen.catalog.nerves import load_catalog

#: A small outcome table: occipital followed to day 56, knee to day 150 (synthetic).
OUTCOMES = pd.DataFrame(
    {
        "nerve": ["GON"] * 8 + ["IPBSN"] * 6,
        "indication": ["occipital_neuralgia"] * 8 + ["knee_osteoarthritis"] * 6,
        "relief_last_seen_day": ["0", "7", "7", "30", "30", "56", "56", "56", "30", "30", "90", "90", "150", "150"],
        "relief_lost_day": ["7", "30", "30", "56", "56", "", "", "", "90", "90", "150", "150", "", ""],
    }
)


@pytest.fixture
def outcomes_csv(tmp_path):
    path = tmp_path / "outcomes.csv"
    OUTCOMES.to_csv(path, index=False)
    return path


def test_predict_says_book_by_not_due(cli):
    out = cli("predict", "--nerve", "SLGN", "--treated-on", "2026-03-14").stdout
    line = next(x for x in out.splitlines() if x.startswith("Book retreatment by"))
    day = json.loads(cli("predict", "--nerve", "SLGN", "--format", "json").stdout)["retreatment_due_day"]
    assert f"day {day:.0f}" in line and "2026-" in line
    assert "Retreatment due" not in out


def test_predict_invents_no_patient_id(cli):
    out = cli("predict", "--nerve", "GON").stdout
    assert "patient" not in out.splitlines()[0]
    assert json.loads(cli("predict", "--nerve", "GON", "--format", "json").stdout)["patient_id"] == ""


@pytest.mark.parametrize("width", ["80", "100", "200"])
def test_nerves_table_never_wraps_an_id(width, cli):
    res = cli("nerves", env={"COLUMNS": width})
    assert res.exit_code == 0
    firsts = [line.split()[0] for line in res.stdout.splitlines()[3:] if line[:1].strip()]
    assert firsts == list(load_catalog())  # every id whole, on its own row, in catalog order
    for line in res.stdout.splitlines()[3:]:  # continuation lines start under the last column
        assert line[:1].strip() or line.startswith(" " * 28)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_nerves_csv_tsv_json_carry_every_field(fmt, cli):
    res = cli("nerves", "--format", fmt)
    assert res.exit_code == 0
    if fmt == "json":
        rows = json.loads(res.stdout)
        aliases = rows[0]["aliases"]
    else:
        rows = list(csv.DictReader(io.StringIO(res.stdout), delimiter="," if fmt == "csv" else "\t"))
        aliases = rows[0]["aliases"].split(";")
    catalog = list(load_catalog().values())
    assert [r["id"] for r in rows] == [n.id for n in catalog]
    assert aliases == list(catalog[0].aliases)
    assert set(rows[0]) >= {"id", "name", "aliases", "indications", "default_distance_mm", "source"}
    assert float(rows[0]["default_distance_mm"]) == catalog[0].default_distance_mm


@pytest.mark.parametrize("name", ["default", "mechanism-only"])
def test_evaluate_accepts_the_embedded_models_by_name(name, cli, outcomes_csv):
    res = cli("evaluate", name, outcomes_csv, "--bootstrap", "0", "--format", "json")
    assert res.exit_code == 0, res.output
    version = json.loads(res.stdout)["model_version"]
    assert version.startswith("regen-default@" if name == "default" else "mechanism-only@")


def test_describe_stops_each_curve_at_its_last_follow_up(outcomes_csv):
    from regen.fitting.describe import turnbull_table
    from regen.fitting.outcomes import load_outcomes

    data = load_outcomes(str(outcomes_csv))
    table = turnbull_table(data, days=(30, 56, 57, 90, 365)).set_index("indication")
    ind = data.columns["indication"]
    for name, row in table.iterrows():
        resp = data.responded & (ind == name)
        last = np.max(np.where(np.isfinite(data.upper[resp]), data.upper[resp], data.lower[resp]), initial=0.0)
        assert row["last_follow_up_day"] == last
        for day in (30, 56, 57, 90, 365):
            value = row[f"p_relief_{day}d"]
            assert math.isnan(value) == (day > last or resp.sum() < 2), (name, day, last)
    occipital = table.loc["occipital_neuralgia"]
    assert occipital["last_follow_up_day"] == 56 and math.isnan(occipital["p_relief_365d"])


def test_fit_prints_units_and_time_ratios(cli, tmp_path):
    from regen.fitting.simulate import simulate_cohort

    path = tmp_path / "c.csv"
    simulate_cohort(400, seed=2).to_csv(path, index=False)
    res = cli("fit", path, "-o", tmp_path / "m.json", "--family", "lognormal")
    assert res.exit_code == 0, res.output
    lines = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in res.stdout.splitlines()
        if line.startswith("| ") and "---" not in line
    }
    assert lines["term"][:2] == ["unit", "coefficient (log time)"]
    assert "ratio exp(coef) on relief / nerve time" in lines["term"]
    assert lines["age"][0] == "per 10 years of age, centred at 50"
    assert lines["diabetes"][0] == "yes vs no"
    for term, cells in lines.items():
        if term != "term":
            # both cells are rounded for print (coefficient 0.001, ratio 0.01)
            assert float(cells[3]) == pytest.approx(math.exp(float(cells[1])), rel=2e-3, abs=6e-3), term
    indication = next(t for t in lines if t.startswith("indication["))
    assert " vs " in lines[indication][0]
