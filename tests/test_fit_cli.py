"""`regen simulate`, `regen fit`, `regen evaluate` in-process; evaluation metrics cross-checked."""

import json

import numpy as np
import pytest

from regen.fitting.evaluation import calibration, concordance, evaluate
from regen.fitting.outcomes import load_outcomes
from regen.fitting.simulate import simulate_cohort
from regen.model.model import load_model


@pytest.fixture(scope="module")
def cohort_csv(tmp_path_factory, cli):
    path = tmp_path_factory.mktemp("fit") / "cohort.csv"
    res = cli("simulate", "-n", "1500", "--seed", "5", "-o", str(path))
    assert res.exit_code == 0, res.output
    return path


def test_fit_then_predict_and_evaluate(cohort_csv, tmp_path, cli):
    model = tmp_path / "clinic.json"
    res = cli("fit", str(cohort_csv), "-o", str(model), "--family", "lognormal", "--name", "clinic")
    assert res.exit_code == 0, res.output
    for text in ("n = 1500 rows used", "AIC", "concordance", "indication[", "censoring"):
        assert text in res.stdout
    assert (tmp_path / "clinic.md").read_text().startswith("# Model card: `clinic@")
    res = cli("predict", "--nerve", "SLGN", "--model", str(model), "--format", "json")
    assert json.loads(res.stdout)["model_version"].startswith("clinic@")
    res = cli(
        "evaluate",
        str(model),
        str(cohort_csv),
        "--format",
        "json",
        "--bootstrap",
        "10",
        "--plot-dir",
        str(tmp_path / "plots"),
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert 0.7 < out["c_index"] <= 1 and out["c_index_ci"][0] <= out["c_index"] <= out["c_index_ci"][1]
    assert [c["day"] for c in out["calibration"]] == [90, 180, 365]
    for c in out["calibration"]:
        assert abs(c["predicted"] - c["observed"]) < 0.05  # the model is the truth's family
    assert len(list((tmp_path / "plots").glob("calibration_*d.png"))) == 3


def test_fit_reports_bad_rows_and_fits_the_rest(cohort_csv, tmp_path, cli):
    lines = cohort_csv.read_text().splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("relief_lost_day")] = "-3"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0], ",".join(bad), *lines[2:400]]) + "\n")
    res = cli("fit", str(path), "-o", str(tmp_path / "m.json"))
    assert res.exit_code == 0, res.output
    assert "row 1: relief_lost_day: -3 is negative" in res.stderr
    assert "398 rows used (1 left out)" in res.stdout


def test_fit_refuses_unusable_files(tmp_path, cli):
    empty = tmp_path / "empty.csv"
    empty.write_text("nerve,relief_last_seen_day,relief_lost_day\nkneecap,10,20\n")
    res = cli("fit", str(empty), "-o", str(tmp_path / "m.json"))
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: no usable outcome rows: 1 of 1 rows are invalid (row 1: nerve:")
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("nerve,age\nGON,50\n")
    res = cli("fit", str(nocol), "-o", str(tmp_path / "m.json"))
    assert res.exit_code == 1 and "no column 'relief_last_seen_day'" in res.stderr
    assert not (tmp_path / "m.json").exists()


def test_concordance_matches_a_pairwise_count():
    data = load_outcomes(simulate_cohort(200, seed=9))
    pred = np.random.default_rng(0).uniform(10, 300, len(data))
    from regen.fitting.outcomes import event_times

    keep = data.responded
    t, e = event_times(data.subset(keep))
    p = pred[keep]
    num = den = 0.0
    for i in range(len(t)):
        for j in range(len(t)):
            if e[i] and t[i] < t[j]:
                den += 1
                num += 1.0 if p[i] < p[j] else 0.5 if p[i] == p[j] else 0.0
    assert concordance(data, pred) == pytest.approx(num / den, rel=1e-9)


def test_calibration_of_a_perfect_group_predictor():
    data = load_outcomes(simulate_cohort(1000, seed=3))
    observed_all = calibration(data, np.full(len(data), 0.5), 90)
    assert len(observed_all["bins"]) == 1 and np.isnan(observed_all["slope"])


def test_evaluate_without_bootstrap_has_no_intervals():
    out = evaluate(load_model(), simulate_cohort(150, seed=1), bootstrap=0)
    assert "c_index_ci" not in out and out["n"] == 150


def test_turnbull_equals_kaplan_meier_on_exact_and_right_censored_data():
    from lifelines import KaplanMeierFitter

    from regen.stats.turnbull import turnbull

    rng = np.random.default_rng(4)
    t = np.round(rng.exponential(100, 300), 1)
    censored = rng.random(300) < 0.3
    upper = np.where(censored, np.inf, t)
    days = [20, 50, 100, 200]
    km = KaplanMeierFitter().fit(t, ~censored).survival_function_at_times(days).to_numpy()
    np.testing.assert_allclose(turnbull(t, upper, days), km, atol=2e-3)


def test_describe_command(cli, cohort_csv):
    res = cli("describe", str(cohort_csv))
    assert res.exit_code == 0, res.output
    assert "occipital_neuralgia" in res.stdout and "spline baseline" in res.stdout


def test_turnbull_equals_the_plain_self_consistency_algorithm_on_interval_data():
    """The fast run-based EM gives what the textbook EM on every gap between bounds gives."""
    from regen.stats.turnbull import turnbull

    rng = np.random.default_rng(8)
    n = 300
    t = rng.lognormal(4.5, 0.7, n)
    visits = np.cumsum(rng.uniform(20, 40, (n, 20)), axis=1)
    lower = np.maximum(np.where(visits < t[:, None], visits, -np.inf).max(1), 0.0)
    upper = np.where(visits >= t[:, None], visits, np.inf).min(1)
    censored = rng.random(n) < 0.3
    upper, lower = np.where(censored, np.inf, upper), np.where(censored, np.minimum(lower, 150), lower)
    points = np.unique(np.concatenate([lower, upper, [0.0]]))
    gap_left, gap_right = points[:-1], points[1:]
    cover = (gap_left[None, :] >= lower[:, None]) & (gap_right[None, :] <= upper[:, None])
    mass = np.full(len(gap_left), 1 / len(gap_left))
    for _ in range(5000):
        share = cover * mass
        share /= share.sum(axis=1, keepdims=True)
        mass = share.mean(axis=0)
    days = [30, 90, 180, 365]
    dense = [1 - mass[gap_right <= d].sum() for d in days]
    np.testing.assert_allclose(turnbull(lower, upper, days, iterations=5000), dense, atol=2e-4)
