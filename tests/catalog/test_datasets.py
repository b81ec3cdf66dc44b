"""The shipped study table and indication catalog: complete, consistent, and faithful to the corrections.

The tables come from the fixtures ``studies``, ``indications`` and ``nerves`` (tests/conftest.py)."""

import numpy as np

from regen.fitting.evidence.data import COUNT_KINDS, DURATION_KINDS
from regen.fitting.evidence.priors import CLASSES

USED_KINDS = COUNT_KINDS + DURATION_KINDS

COLUMNS = [
    "study",
    "citation",
    "indication",
    "nerves",
    "design",
    "arm",
    "n",
    "day",
    "kind",
    "value",
    "count",
    "low",
    "high",
    "reported",
    "where_read",
    "used",
    "reason",
    "interpretation",
]
#: nerves the studies name that the catalog does not have yet (listed in data/studies.md)
MISSING_NERVES = {"sacral_roots"}


def test_columns_and_flags(studies, indications):
    assert list(studies.columns) == COLUMNS
    assert list(indications.columns) == ["id", "name", "pain_class", "self_limiting", "description", "source"]
    assert set(studies["used"]) == {"yes", "no"}
    assert studies[["citation", "where_read", "reported", "reason"]].notna().all().all()


def test_every_indication_is_catalogued_with_a_class(studies, indications, nerves):
    ids = set(indications["id"])
    assert indications["id"].is_unique
    assert set(indications["pain_class"]) <= set(CLASSES)
    assert {i for v in nerves["indications"] for i in v.split(";")} <= ids
    assert set(studies["indication"]) <= ids
    post = indications["pain_class"].eq("post_operative")
    assert (indications["self_limiting"].eq("yes") == post).all()


def test_study_nerves_are_catalog_ids_or_declared(studies, nerves):
    catalog = set(nerves["id"])
    for value in studies["nerves"].dropna():
        for name in value.split(";"):
            if name.replace("_", "").isalpha() and name.islower() and " " not in name:
                assert name in catalog | MISSING_NERVES, name


def test_used_rows_are_complete_numbers(studies):
    used = studies[studies["used"] == "yes"]
    assert set(used["kind"]) <= set(USED_KINDS)
    binom = used[used["kind"].isin(["proportion_relieved", "responders", "non_responders"])]
    assert (binom["count"] == np.round(binom["count"])).all() and (binom["count"] <= binom["n"]).all()
    assert np.allclose(binom["value"], binom["count"] / binom["n"], atol=5e-4)
    timed = binom[binom["kind"] == "proportion_relieved"]
    assert (timed["day"] > 0).all()
    durations = used[used["kind"].str.contains("duration")]
    assert ((durations["value"] > 0) | (durations["low"] < durations["high"])).all()
    assert (used["arm"] == "cryo").all()


def test_evidence_corrections_are_applied(studies):
    """evidence review section A, point by point."""

    def rows(study):
        return studies[studies["study"] == study]

    assert (rows("ilfeld2022")["used"] == "no").all()  # mastectomy: prevention, not a year-long block
    assert (rows("mihalko2021")["used"] == "no").all() and (rows("radnovich2017")["used"] == "no").all()
    morton = rows("cvir2024_morton").query("used == 'yes'")
    assert morton["n"].tolist() == [53] and morton["count"].tolist() == [32]  # complete relief only
    assert set(rows("goss_ito2020").query("used == 'yes'")["kind"]) == {"mean_duration_days"}
    assert "intercostal" in rows("lloyd1976")["nerves"].iloc[0] and "sciatic" in rows("lloyd1976")["nerves"].iloc[0]
    vas = rows("birkenmaier2007").query("kind == 'mean_pain_trajectory'")
    assert (vas["used"] == "no").all() and len(vas) == 1
    grigsby = rows("grigsby2021").query("used == 'yes'")
    assert sorted(grigsby["n"].unique().tolist()) == [25, 26]  # two endpoints, two denominators


def test_every_used_row_that_reads_beyond_the_text_says_so(studies):
    used = studies[studies["used"] == "yes"]
    words = ("read as", "inferred", "not stated", "taken as")
    inferred = used[used["reported"].str.contains("%") & used["count"].notna()]
    for row in inferred.itertuples():
        text = str(row.interpretation)
        assert any(w in text for w in words) or f"{int(row.count)}/" in row.reported or row.count == row.n, row.study
