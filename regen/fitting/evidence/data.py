"""Read ``data/*.csv`` into the arrays the two likelihoods take (pure pandas/numpy; no regen import).

Mechanism rows (``data/human_sensation.csv``, column ``evidence_likelihood``):

- ``mean_se``: a published group mean (days) with its log-scale SE (derived from the p-value, ``se_log``);
- ``k_of_n_before``: ``k`` of ``n`` returned by ``hi_day``;
- ``k_of_n_after``: ``k`` of ``n`` still disturbed on ``value_day``, over a background rate;
- ``range_rounded``: the shortest and longest of ``n`` times, each rounded to +/- ``rounding_day``.

Relief rows (``data/studies.csv``, ``used == 'yes'``) become *count groups* (every count-like number of one cohort:
a proportion at a day, a response share = a proportion at day 0, or several days of one cohort = one curve) and
*duration rows* (median, mean, per-patient interval, a setting's median interval).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from regen.fitting.evidence.priors import CLASSES
from regen.utils.resources import data_path

DATA = data_path("studies.csv").parent  # the shipped tables: the checkout's data/ or the installed copy
MONTH = 30.44
#: Day used for "at day 0" (a response share): log of it is far below any relief time.
DAY_ZERO = 1e-6
#: Smoothing (log days) of a setting's median interval (``median_interval_days``).
MEDIAN_INTERVAL_SMOOTHING = 0.2
#: Relief count rows read under a threshold-improvement endpoint (>= 2 NRS points, >= 50 % reduction): study -> days.
#: The reading is stated in each row's ``interpretation`` ("threshold-improvement endpoint").
ENDPOINT_TAG = "threshold-improvement endpoint"
DURATION_KINDS = ("median_duration_days", "mean_duration_days", "duration_interval_days", "median_interval_days")
COUNT_KINDS = ("proportion_relieved", "responders", "non_responders")


def read(name: str, root: Path = DATA) -> pd.DataFrame:
    return pd.read_csv(root / name, dtype=str, keep_default_na=False)


def _floats(text: str) -> list[float]:
    return [float(x) for x in str(text).split(";") if x != ""]


# ----------------------------------------------------------------------------------------------- mechanism

MECH_KINDS = ("mean_se", "k_of_n_before", "k_of_n_after", "range_rounded")


@dataclass
class MechData:
    """Arrays of the mechanism likelihood. Rows ``r``, components ``c`` (age x distance of a row)."""

    ids: list[str]
    studies: list[str]
    row_study: np.ndarray
    row_kind: np.ndarray  # index into MECH_KINDS
    row_partial: np.ndarray  # 1.0 for the -60 degC intraoperative group
    n: np.ndarray
    k: np.ndarray
    value: np.ndarray  # mean (days) for mean_se
    se: np.ndarray
    times: np.ndarray  # (R, 4) days at which the CDF is needed
    background: np.ndarray
    comp_row: np.ndarray
    comp_age: np.ndarray
    comp_dist: np.ndarray
    comp_w: np.ndarray
    frame: pd.DataFrame = field(repr=False)


def _ages(row) -> tuple[np.ndarray, np.ndarray]:
    """Ages (years) and weights of a row: group summaries ``lo-hi:count`` if given, else uniform lo-hi."""
    parts = []
    if row["age_groups"]:
        for part in row["age_groups"].split(";"):
            span, count = part.split(":")
            lo, hi = (float(v) for v in span.split("-"))
            parts.append((lo, hi, float(count)))
    else:
        lo, hi = float(row["age_lo_years"]), float(row["age_hi_years"])
        parts.append((lo, hi, 1.0))
    ages, weights = [], []
    total = sum(p[2] for p in parts)
    for lo, hi, count in parts:
        k = 6 if hi > lo else 1
        grid = lo + (np.arange(k) + 0.5) * (hi - lo) / k if hi > lo else np.array([lo])
        ages += list(grid)
        weights += [count / total / k] * k
    return np.array(ages), np.array(weights)


def mechanism_data(root: Path = DATA) -> MechData:
    """The likelihood rows of ``human_sensation.csv`` as arrays."""
    df = read("human_sensation.csv", root)
    df = df[df["evidence_likelihood"].isin(MECH_KINDS)].reset_index(drop=True)
    studies = sorted(df["study"].unique())
    R = len(df)
    times = np.ones((R, 4))
    rows = {k: np.zeros(R) for k in ("n", "k", "background")} | {"value": np.ones(R), "se": np.ones(R)}
    comp = {k: [] for k in ("row", "age", "dist", "w")}
    for r, row in df.iterrows():
        kind = row["evidence_likelihood"]
        rows["n"][r] = float(row["n"])
        if kind == "mean_se":
            rows["value"][r], rows["se"][r] = float(row["value_day"]), float(row["se_log"])
        elif kind == "k_of_n_before":
            rows["k"][r], times[r, 0] = float(row["n"]), float(row["hi_day"])
        elif kind == "k_of_n_after":
            rows["k"][r], times[r, 0] = float(row["k"]), float(row["value_day"])
            rows["background"][r] = float(row["background_fraction"])
        else:  # range_rounded: published min and max (whole months) from the old all_within edges
            h = float(row["rounding_day"])
            lo, hi = float(row["lo_day"]) + h, float(row["hi_day"]) - h
            times[r] = [lo - h, lo + h, hi - h, hi + h]
        ages, aw = _ages(row)
        dists, dw = np.array(_floats(row["distance_mm"])), np.array(_floats(row["distance_weights"]))
        dw = dw / dw.sum()
        for a, wa in zip(ages, aw, strict=True):
            for d, wd in zip(dists, dw, strict=True):
                comp["row"].append(r)
                comp["age"].append(a)
                comp["dist"].append(d)
                comp["w"].append(wa * wd)
    return MechData(
        ids=list(df["id"]),
        studies=studies,
        row_study=np.array([studies.index(s) for s in df["study"]]),
        row_kind=np.array([MECH_KINDS.index(k) for k in df["evidence_likelihood"]]),
        row_partial=(df["lesion_group"] == "brief_minus60").to_numpy(float),
        times=times,
        comp_row=np.array(comp["row"]),
        comp_age=np.array(comp["age"]),
        comp_dist=np.array(comp["dist"]),
        comp_w=np.array(comp["w"]),
        frame=df,
        **rows,
    )


# ----------------------------------------------------------------------------------------------- catalog


def catalog(root: Path = DATA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(nerves, indications)`` tables."""
    return read("nerves.csv", root), read("indications.csv", root)


def nerves_of_indication(nerves: pd.DataFrame) -> dict[str, list[str]]:
    """Indication -> catalog nerves (catalog order)."""
    out: dict[str, list[str]] = {}
    for _, row in nerves.iterrows():
        for ind in row["indications"].split(";"):
            out.setdefault(ind, []).append(row["id"])
    return out


# ----------------------------------------------------------------------------------------------- relief


@dataclass
class ReliefData:
    """Arrays of the relief likelihood: count groups ``g`` (curves) and duration rows ``d``."""

    indications: list[str]  # indications with data (index of u, e)
    studies: list[str]
    study_class: np.ndarray
    study_ind: np.ndarray
    study_x: np.ndarray  # log T_nerve median of the study's nerves (NaN: none known -> x_ref)
    x_ref: np.ndarray  # per class
    ind_class: np.ndarray
    # count groups
    g_study: np.ndarray
    g_endpoint: np.ndarray
    g_n: np.ndarray
    g_times: np.ndarray  # (G, K) days, padded with the last day
    g_counts: np.ndarray  # (G, K) still relieved, padded with the last count
    g_valid: np.ndarray  # (G, K) 1 for a real number
    # durations
    d_study: np.ndarray
    d_kind: np.ndarray  # index into DURATION_KINDS
    d_n: np.ndarray
    d_value: np.ndarray
    d_low: np.ndarray
    d_high: np.ndarray
    rows: pd.DataFrame = field(repr=False)  # the used rows, with group / number ids
    numbers: pd.DataFrame = field(repr=False)  # one row per published number (validation)
    study_early: np.ndarray | None = None  # 1.0 for a study published before EARLY_ERA_BEFORE (1970s-80s technique)
    study_complete: np.ndarray | None = None  # 1.0 for a study counting only complete relief (COMPLETE_RELIEF)


#: Studies published before this year used the 1970s-80s technique (unguided probes, often mixed nerves; evidence
#: review A on Lloyd 1976): a stated study-level covariate (the citation's year), tried as ``ReliefOptions.early_era``.
EARLY_ERA_BEFORE = 1990

#: Studies whose relieved patients are those with complete relief (pain-free, pain absent, fully relieved, pain 0-1,
#: >= 90 % decrease), in the words of ``reported`` / ``interpretation`` of data/studies.csv; the others count any
#: relief, a threshold improvement or 'helped'. An interpretation of the endpoint definitions (tried as
#: ``ReliefOptions.complete_endpoint``; measured only): barnard1981's mean relief is not said to be complete, only
#: its 1-year share ("fully relieved"); the study is counted as complete.
COMPLETE_RELIEF = {
    "oralsurg2020": "pain-free interval",
    "goss_ito2020": "pain-free months",
    "pradel2002": "pain absent",
    "barnard1981": "fully relieved at 1 year",
    "caporusso2002": "pain-free read as relieved, 'reduced' not",
    "cvir2024_morton": "complete relief read as relieved, partial not",
    "momenzadeh2003": "pain 0-1 read as relieved",
    "moesker2014": "excellent (>= 90 % decrease) read as relieved",
}


def citation_year(citation: str) -> float:
    """First year (19xx / 20xx) in a citation; NaN if none is stated."""
    import re

    m = re.search(r"\b(19\d\d|20\d\d)\b", citation)
    return float(m.group(1)) if m else np.nan


def used_relief_rows(root: Path = DATA) -> pd.DataFrame:
    df = read("studies.csv", root)
    df = df[df["used"].str.lower() == "yes"].copy()
    for col in ("n", "day", "value", "count", "low", "high"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    nr = df["kind"] == "non_responders"
    df.loc[nr, "count"] = df.loc[nr, "n"] - df.loc[nr, "count"]
    df.loc[nr, "kind"] = "responders"
    bad = set(df["kind"]) - set(COUNT_KINDS) - set(DURATION_KINDS)
    if bad:
        raise ValueError(f"used rows of unknown kind {sorted(bad)}")
    df["endpoint"] = df["interpretation"].str.contains(ENDPOINT_TAG).astype(float)
    return df.reset_index(drop=True)


def study_log_nerve(rows: pd.DataFrame, nerves: pd.DataFrame, log_nerve: dict[str, float]) -> dict[str, float]:
    """Mean x of each study's catalog nerves; else of its indication's catalog nerves; else NaN."""
    by_ind = nerves_of_indication(nerves)
    out = {}
    for study, sub in rows.groupby("study"):
        named = [n for n in str(sub["nerves"].iloc[0]).split(";") if n in log_nerve]
        if not named:
            named = [n for n in by_ind.get(sub["indication"].iloc[0], []) if n in log_nerve]
        out[study] = float(np.mean([log_nerve[n] for n in named])) if named else np.nan
    return out


def relief_data(log_nerve: dict[str, float], root: Path = DATA) -> ReliefData:
    """Used rows of ``studies.csv`` as count groups and duration rows.

    ``log_nerve``: catalog nerve -> ``x`` (log median T_nerve at the reference patient, age 50).
    """
    nerves, inds = catalog(root)
    ind_class_map = dict(zip(inds["id"], inds["pain_class"], strict=True))
    rows = used_relief_rows(root)
    studies = sorted(rows["study"].unique())
    indications = sorted(rows["indication"].unique())
    sx = study_log_nerve(rows, nerves, log_nerve)
    s_ind = rows.groupby("study")["indication"].first()
    study_class = np.array([CLASSES.index(ind_class_map[s_ind[s]]) for s in studies])
    x = np.array([sx[s] for s in studies])
    x_ref = np.array(
        [
            np.nanmean(x[(study_class == c) & np.isfinite(x)]) if np.any((study_class == c) & np.isfinite(x)) else 5.5
            for c in range(len(CLASSES))
        ]
    )
    x = np.where(np.isfinite(x), x, x_ref[study_class])
    counts = rows[rows["kind"].isin(COUNT_KINDS)].copy()
    counts["day"] = np.where(counts["kind"] == "responders", DAY_ZERO, counts["day"])
    counts["group"] = counts["study"] + "|" + counts["n"].astype(int).astype(str) + "|" + counts["endpoint"].astype(str)
    groups = sorted(counts["group"].unique())
    K = int(counts.groupby("group").size().max())
    G = len(groups)
    g_times, g_counts, g_valid = np.ones((G, K)), np.zeros((G, K)), np.zeros((G, K))
    g_study, g_end, g_n = np.zeros(G, int), np.zeros(G), np.zeros(G)
    for g, name in enumerate(groups):
        sub = counts[counts["group"] == name].sort_values("day")
        if np.any(np.diff(sub["count"].to_numpy()) > 0):
            raise ValueError(f"{name}: counts of one cohort rise with the day; not a curve")
        k = len(sub)
        g_times[g, :k], g_counts[g, :k], g_valid[g, :k] = sub["day"], sub["count"], 1.0
        g_times[g, k:], g_counts[g, k:] = sub["day"].iloc[-1], sub["count"].iloc[-1]
        g_study[g] = studies.index(sub["study"].iloc[0])
        g_end[g], g_n[g] = sub["endpoint"].iloc[0], sub["n"].iloc[0]
    dur = rows[rows["kind"].isin(DURATION_KINDS)]
    numbers = []
    for name in groups:
        for _, r in counts[counts["group"] == name].sort_values("day").iterrows():
            numbers.append(
                {
                    "study": r["study"],
                    "indication": r["indication"],
                    "kind": r["kind"],
                    "group": name,
                    "day": r["day"],
                    "n": r["n"],
                    "count": r["count"],
                    "value": r["count"] / r["n"],
                    "low": np.nan,
                    "high": np.nan,
                    "scale": "proportion",
                }
            )
    for _, r in dur.iterrows():
        numbers.append(
            {
                "study": r["study"],
                "indication": r["indication"],
                "kind": r["kind"],
                "group": "",
                "day": np.nan,
                "n": r["n"],
                "count": np.nan,
                "value": r["value"],
                "low": r["low"],
                "high": r["high"],
                "scale": "days",
            }
        )
    return ReliefData(
        indications=indications,
        studies=studies,
        study_class=study_class,
        study_ind=np.array([indications.index(s_ind[s]) for s in studies]),
        study_x=x,
        x_ref=x_ref,
        ind_class=np.array([CLASSES.index(ind_class_map[i]) for i in indications]),
        g_study=g_study,
        g_endpoint=g_end,
        g_n=g_n,
        g_times=g_times,
        g_counts=g_counts,
        g_valid=g_valid,
        d_study=np.array([studies.index(s) for s in dur["study"]], dtype=int),
        d_kind=np.array([DURATION_KINDS.index(k) for k in dur["kind"]], dtype=int),
        d_n=dur["n"].fillna(1.0).to_numpy(float),
        d_value=dur["value"].fillna(1.0).to_numpy(float),
        d_low=dur["low"].fillna(1.0).to_numpy(float),
        d_high=dur["high"].fillna(2.0).to_numpy(float),
        rows=rows,
        numbers=pd.DataFrame(numbers),
        study_early=np.array(
            [float(citation_year(rows.loc[rows["study"] == s, "citation"].iloc[0]) < EARLY_ERA_BEFORE) for s in studies]
        ),
        study_complete=np.array([float(s in COMPLETE_RELIEF) for s in studies]),
    )
