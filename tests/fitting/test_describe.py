"""Describing outcomes (regen.fitting.describe): Turnbull curves stop at the last follow-up; a Cox table with names,
units and hazard ratios."""

from __future__ import annotations

import math

import numpy as np


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


def test_describe_cox_table_has_names_units_and_hazard_ratios(clinic_fits, cli):
    from regen.fitting.describe import COX_COLUMNS, cox_spline

    data, _, _ = clinic_fits["a"]
    table = cox_spline(str(data))
    assert list(table.columns) == COX_COLUMNS
    units = dict(zip(table["covariate"], table["unit"], strict=True))
    assert units["age"] == "per 10 years of age, centred at 50" and units["diabetes"] == "yes vs no"
    assert not any("Intercept" in c or "phi" in c or "beta" in c for c in table["covariate"])
    np.testing.assert_allclose(table["hazard ratio"], np.exp(table["coefficient"]))
    assert (table["95 % CI low"] <= table["hazard ratio"]).all()
    assert (table["hazard ratio"] <= table["95 % CI high"]).all()
    res = cli("describe", data)
    assert res.exit_code == 0, res.output
    assert "beta_" not in res.stdout and "phi1_" not in res.stdout
    assert "covariate" in res.stdout and "hazard ratio" in res.stdout and "95 % CI low" in res.stdout
    assert "Not shown: the baseline hazard's 3 spline terms and its intercept" in res.stdout
    age = next(line for line in res.stdout.splitlines() if line.split()[:1] == ["age"]).split()
    assert math.isclose(float(age[-4]), table.set_index("covariate").loc["age", "hazard ratio"], abs_tol=6e-4)
