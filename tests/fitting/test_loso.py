"""Leave-one-study-out validation (regen.fitting.loso): ordered intervals, the class width for a new indication,
coverage, uninformative intervals, and the published-vs-model table."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from regen.fitting.loso import (
    LOSO_COLUMNS,
    coverage_by_study,
    leave_one_study_out,
    model_vs_published,
    predict_new_study,
)
from regen.fitting.summary_fit import fit_laplace, fit_summaries, used_rows


def _table(seed=5, sigma=0.6, n=150):
    """Simulated studies of one class: ind_a in two settings, ind_b and ind_c in one each."""
    rng = np.random.default_rng(seed)
    rows = []
    for study, ind, loc in (("a1", "ind_a", 4.0), ("a2", "ind_a", 4.2), ("b1", "ind_b", 5.2), ("c1", "ind_c", 3.6)):
        for day in (30, 90, 270):
            p = 0.85 * stats.norm.sf((np.log(day) - loc) / sigma)
            rows.append(
                {
                    "study": study,
                    "citation": study,
                    "indication": ind,
                    "nerves": "x",
                    "n": n,
                    "day": day,
                    "kind": "proportion_relieved",
                    "count": rng.binomial(n, p),
                    "value": np.nan,
                    "low": np.nan,
                    "high": np.nan,
                    "used": "yes",
                }
            )
        median = np.exp(loc + rng.normal(0, sigma * np.sqrt(np.pi / (2 * n))))
        rows.append(
            {
                "study": study,
                "citation": study,
                "indication": ind,
                "nerves": "x",
                "n": n,
                "day": np.nan,
                "kind": "median_duration_days",
                "count": np.nan,
                "value": median,
                "low": np.nan,
                "high": np.nan,
                "used": "yes",
            }
        )
    return pd.DataFrame(rows)


INDICATIONS = pd.DataFrame({"id": ["ind_a", "ind_b", "ind_c"], "pain_class": "own_territory"})


@pytest.fixture(scope="module")
def loso():
    return leave_one_study_out(_table(), {}, INDICATIONS, draws=2000, seed=1)


def test_one_row_per_used_number_with_ordered_intervals(loso):
    assert list(loso.columns) == LOSO_COLUMNS
    assert len(loso) == len(_table()) and set(loso["study"]) == {"a1", "a2", "b1", "c1"}
    assert (loso["p10"] <= loso["predicted"]).all() and (loso["predicted"] <= loso["p90"]).all()
    inside = (loso["p10"] <= loso["published"]) & (loso["published"] <= loso["p90"])
    assert (loso["inside"] == inside).all()
    shares = loso[loso["kind"] == "proportion_relieved"]
    assert shares["p10"].between(0, 1).all() and shares["p90"].between(0, 1).all()


def test_a_new_indication_is_predicted_with_the_class_width():
    table = _table()
    ic = {"ind_a": "own_territory", "ind_b": "own_territory", "ind_c": "own_territory", "ind_new": "own_territory"}
    fit = fit_laplace(used_rows(table), ic, {})
    rows = used_rows(table[table["study"] == "a1"])
    known = predict_new_study(fit, rows.assign(study="x1"), np.random.default_rng(0), 4000)
    new = predict_new_study(fit, rows.assign(study="x2", indication="ind_new"), np.random.default_rng(0), 4000)
    width = {name: np.log(f["p90"].iloc[-1] / f["p10"].iloc[-1]) for name, f in (("known", known), ("new", new))}
    assert width["new"] > width["known"]
    # the class spread adds tau: the new indication's median interval is about as wide as sqrt(known^2 + (2.56 tau)^2)
    assert width["new"] == pytest.approx(np.hypot(width["known"], 2 * 1.2816 * fit.tau), rel=0.15)


def test_loso_is_reproducible_with_its_seed(loso):
    again = leave_one_study_out(_table(), {}, INDICATIONS, draws=2000, seed=1)
    pd.testing.assert_frame_equal(loso, again)


def test_coverage_table_counts_inside(loso):
    cov = coverage_by_study(loso)
    assert cov.iloc[-1]["study"] == "all" and cov.iloc[-1]["numbers"] == len(loso)
    assert cov.iloc[-1]["inside"] == loso["inside"].sum()
    per = cov.iloc[:-1].set_index("study")
    assert per.loc["a1", "numbers"] == 4 and np.allclose(cov["share_inside"], cov["inside"] / cov["numbers"])


def test_model_vs_published_uses_the_interface_formula():
    table = _table()
    relief = fit_summaries(table, {}, INDICATIONS)
    out = model_vs_published(relief, table)
    assert len(out) == (table["kind"] == "proportion_relieved").sum()
    row = out.iloc[0]
    entry = relief["indications"][row["indication"]]
    scale = np.sqrt(relief["sigma"] ** 2 + entry["location_sd"] ** 2 + relief["setting_sd"] ** 2)
    expected = entry["response_prob"] * stats.norm.sf((np.log(row["day"]) - entry["location"]) / scale)
    assert row["model"] == pytest.approx(expected)
    # decreasing in the day within a study
    assert (np.diff(out[out["study"] == "a1"]["model"].to_numpy()) < 0).all()


def test_an_interval_covering_most_published_numbers_of_its_scale_is_flagged():
    from regen.fitting.loso import flag_uninformative

    loso = pd.DataFrame(
        {
            "kind": ["proportion_relieved"] * 5 + ["median_duration_days"] * 5,
            "published": [0.1, 0.3, 0.5, 0.7, 0.9, 10.0, 30.0, 90.0, 200.0, 400.0],
            "p10": [0.0, 0.2, 0.0, 0.05, 0.0, 5.0, 20.0, 8.0, 150.0, 9.0],
            "p90": [1.0, 0.6, 0.8, 0.95, 0.85, 500.0, 100.0, 150.0, 600.0, 410.0],
        }
    )
    # contains 5/5, 2/5, 4/5, 4/5, 4/5 of the proportions; 5/5, 2/5, 3/5, 2/5, 5/5 of the durations
    assert flag_uninformative(loso)["uninformative"].tolist() == [
        True,
        False,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        True,
    ]


def test_coverage_counts_uninformative_only_among_the_numbers_inside(small_loso):
    from regen.fitting.loso import coverage_by_study

    cov = coverage_by_study(small_loso).set_index("study")
    assert cov.loc["s2", "inside_uninformative"] == 1 and cov.loc["s3", "inside_uninformative"] == 0
    assert cov.loc["all", "inside_uninformative"] == 2
