"""Leave-one-study-out validation of the summary fit, and published-vs-model tables.

For each study with used rows, the model is refitted without it and the study's
published numbers are predicted *as a new study would report them*: the
study's location gets the between-study spread (``setting_sd``), an
indication with no other study gets its class's between-indication spread,
and a reported proportion of ``n`` gets binomial noise. The 80 % predictive
interval (p10-p90) of each published number is compared with the number.

Being inside a very wide interval tests little, so each number is also
flagged ``uninformative`` (:func:`flag_uninformative`) when its interval
contains at least 80 % of all the published numbers on the same scale
(proportions, or days): such an interval would have covered almost any
study's number. The rule reuses the interval's own 80 % and needs no
threshold of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special

from regen.fitting.summary_fit import Priors, SummaryFit, fit_laplace, slope_decision, used_rows

__all__ = [
    "UNINFORMATIVE_RULE",
    "coverage_by_study",
    "display_table",
    "flag_uninformative",
    "leave_one_study_out",
    "model_vs_published",
    "predict_new_study",
    "reference_log_nerve_days",
    "validate_shipped",
]

LOSO_COLUMNS = ["study", "indication", "kind", "day", "n", "published", "predicted", "p10", "p90", "inside"]
#: Kinds of published number that are proportions (0-1); every other kind is a number of days.
PROPORTION_KINDS = ("proportion_relieved", "responders")
#: The share of same-scale published numbers an interval must contain to be called nearly uninformative.
UNINFORMATIVE_SHARE = 0.8
#: The rule of :func:`flag_uninformative`, in words (printed with the flags).
UNINFORMATIVE_RULE = (
    "the 80 % interval contains at least 80 % of all the published numbers on its scale, "
    "proportions or days: it would have covered almost any study's number"
)


def _study_draws(fit: SummaryFit, study: str, indication: str, rng: np.random.Generator, draws: int):
    """Draws of a new study's location (log days) and response logit for ``indication``."""
    c = fit.ind_class[indication]
    index = fit.layout.index
    loc, logit = np.zeros(len(fit.z)), np.zeros(len(fit.z))
    for name in ("a0", f"d[{c}]", f"u[{indication}]"):
        if name in index:
            loc[index[name]] = 1.0
    x = fit.layout.study_x.get(study, np.nan)
    if f"b[{c}]" in index and np.isfinite(x):
        loc[index[f"b[{c}]"]] = x - fit.layout.x_centre[c]
    for name in ("rho0", f"r[{c}]", f"e[{indication}]"):
        if name in index:
            logit[index[name]] = 1.0
    contrast = np.vstack([loc, logit])
    mean, cov = contrast @ fit.z, contrast @ fit.cov @ contrast.T
    known = f"u[{indication}]" in index
    cov = cov + np.diag(
        [fit.setting_sd**2 + (0.0 if known else fit.tau**2), 0.0 if known else fit.priors.tau_response**2]
    )
    both = rng.multivariate_normal(mean, cov, size=draws)
    return both[:, 0], both[:, 1]


def predict_new_study(fit: SummaryFit, rows: pd.DataFrame, rng: np.random.Generator, draws: int = 4000) -> pd.DataFrame:
    """Predictive median and 80 % interval of each published number of one (left-out) study.

    A proportion ``k/n`` is predicted with binomial noise; a median or mean of ``n``
    with its sampling error; a per-patient range (``duration_interval_days``) by the
    relief end of one patient of the study, compared at the range's geometric middle;
    a setting's median range (``median_interval_days``) by the study's median.
    """
    study, indication = rows["study"].iloc[0], rows["indication"].iloc[0]
    m, logit = _study_draws(fit, study, indication, rng, draws)
    r, sigma = special.expit(logit), fit.sigma
    out = []
    for row in rows.itertuples(index=False):
        n, kind = row.n, row.kind
        if kind in ("proportion_relieved", "responders"):
            surv = special.ndtr((m - np.log(row.day)) / sigma) if np.isfinite(row.day) and row.day > 0 else 1.0
            stat, published = rng.binomial(int(n), r * surv) / n, row.count / n
        elif kind == "median_duration_days":
            stat, published = np.exp(m + rng.normal(size=draws) * sigma * np.sqrt(np.pi / (2 * n))), row.value
        elif kind == "mean_duration_days":
            stat = np.exp(m + sigma**2 / 2 + rng.normal(size=draws) * np.sqrt(np.expm1(sigma**2) / n))
            published = row.value
        elif kind == "duration_interval_days":
            stat, published = np.exp(m + sigma * rng.normal(size=draws)), np.sqrt(row.low * row.high)
        else:  # median_interval_days
            stat, published = np.exp(m), np.sqrt(row.low * row.high)
        p10, p50, p90 = np.quantile(stat, [0.1, 0.5, 0.9])
        out.append(
            {
                "study": study,
                "indication": indication,
                "kind": kind,
                "day": row.day,
                "n": n,
                "published": published,
                "predicted": p50,
                "p10": p10,
                "p90": p90,
                "inside": bool(p10 <= published <= p90),
            }
        )
    return pd.DataFrame(out, columns=LOSO_COLUMNS)


def leave_one_study_out(
    studies: pd.DataFrame,
    log_nerve_days: Mapping[str, float],
    indications: pd.DataFrame,
    draws: int = 4000,
    seed: int = 0,
    priors: Priors = Priors(),
) -> pd.DataFrame:
    """Refit without each study in turn and predict its published numbers.

    The per-class slopes on log ``T_nerve`` are decided once on all studies and held
    fixed in the refits. Returns one row per used published number (columns
    :data:`LOSO_COLUMNS`).
    """
    rows = used_rows(studies)
    ic = dict(zip(indications["id"], indications["pain_class"], strict=True))
    base = fit_laplace(rows, ic, log_nerve_days, priors=priors)
    chosen = {c: d["chosen"] for c, d in slope_decision(rows, ic, log_nerve_days, base).items() if d["chosen"]}
    rng = np.random.default_rng(seed)
    parts = []
    for study in sorted(rows["study"].unique()):
        keep = rows[rows["study"] != study].reset_index(drop=True)
        fit = fit_laplace(keep, ic, log_nerve_days, list(chosen), chosen, priors)
        fit.layout.study_x.update(base.layout.study_x)
        parts.append(predict_new_study(fit, rows[rows["study"] == study], rng, draws))
    return pd.concat(parts, ignore_index=True)


def flag_uninformative(loso: pd.DataFrame, share: float = UNINFORMATIVE_SHARE) -> pd.DataFrame:
    """``loso`` with a column ``uninformative``: whether each interval is nearly uninformative.

    An interval is nearly uninformative when it contains at least ``share`` of
    all the published numbers of ``loso`` on the same scale (the kinds in
    :data:`PROPORTION_KINDS`, or the numbers of days), this one included.

    Examples
    --------
    >>> table = pd.DataFrame({"kind": ["responders"] * 3, "published": [0.2, 0.5, 0.9],
    ...                       "p10": [0.0, 0.4, 0.1], "p90": [1.0, 0.6, 0.95]})
    >>> flag_uninformative(table)["uninformative"].tolist()
    [True, False, True]
    """
    proportion = loso["kind"].isin(PROPORTION_KINDS).to_numpy()
    published, p10, p90 = (loso[c].to_numpy(dtype=float) for c in ("published", "p10", "p90"))
    flag = np.zeros(len(loso), dtype=bool)
    for group in (proportion, ~proportion):
        if group.any():
            values = published[group]
            contained = (values >= p10[group, None]) & (values <= p90[group, None])
            flag[group] = contained.mean(axis=1) >= share
    return loso.assign(uninformative=flag)


def coverage_by_study(loso: pd.DataFrame) -> pd.DataFrame:
    """Share of published numbers inside their 80 % intervals, per study and overall.

    With an ``uninformative`` column (:func:`flag_uninformative`), also
    ``inside_uninformative``: how many of the numbers inside had a nearly
    uninformative interval.
    """
    frame = loso.assign(inside_uninformative=loso["inside"] & loso.get("uninformative", False))
    per = (
        frame.groupby(["study", "indication"], sort=True)
        .agg(numbers=("inside", "size"), inside=("inside", "sum"), inside_uninformative=("inside_uninformative", "sum"))
        .reset_index()
    )
    total = pd.DataFrame(
        [
            {
                "study": "all",
                "indication": "",
                "numbers": len(loso),
                "inside": int(frame["inside"].sum()),
                "inside_uninformative": int(frame["inside_uninformative"].sum()),
            }
        ]
    )
    out = pd.concat([per, total], ignore_index=True)
    out["share_inside"] = out["inside"] / out["numbers"]
    if "uninformative" not in loso:
        out = out.drop(columns="inside_uninformative")
    return out


def _plain(value: float, decimals: int) -> str:
    """A number as a plain decimal (never ``1.22e+03``); blank when missing; whole numbers without decimals."""
    if not np.isfinite(value):
        return ""
    return f"{value:.0f}" if value == round(value) else f"{value:.{decimals}f}"


def display_table(loso: pd.DataFrame) -> pd.DataFrame:
    """The per-number table as text for printing: proportions to 0.001, days as whole days, yes/no flags.

    Examples
    --------
    >>> row = pd.DataFrame([{"study": "s", "indication": "i", "kind": "mean_duration_days", "day": np.nan,
    ...                      "n": 24.0, "published": 160.0, "predicted": 595.2, "p10": 6.95, "p90": 2921.7,
    ...                      "inside": True, "uninformative": False}])
    >>> display_table(row).iloc[0].tolist()
    ['s', 'i', 'mean_duration_days', '', '24', '160', '595', '7', '2922', 'yes', 'no']
    """
    out = loso.copy().astype(object)
    proportion = loso["kind"].isin(PROPORTION_KINDS).to_numpy()
    for column in ("published", "predicted", "p10", "p90"):
        values = loso[column].to_numpy(dtype=float)
        out[column] = [f"{v:.3f}" if p else _plain(v, 0) for v, p in zip(values, proportion, strict=True)]
    for column in ("day", "n"):
        out[column] = [_plain(v, 1) for v in loso[column].to_numpy(dtype=float)]
    for column in ("inside", "uninformative"):
        if column in loso:
            out[column] = np.where(loso[column].to_numpy(dtype=bool), "yes", "no")
    return out


def model_vs_published(
    section: Mapping, studies: pd.DataFrame, log_nerve_days: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The relief section's P(still relieved) at each reported day, next to the published share.

    The law is :func:`regen.model.relief.relief_distribution` for a new patient of the
    indication (scale includes ``location_sd`` and ``setting_sd``), at the
    nerve time ``log_nerve_days`` of each row's study (0 where no class has a slope).
    """
    from regen.model.relief import relief_distribution

    rows = used_rows(studies)
    rows = rows[rows["kind"].eq("proportion_relieved")].reset_index(drop=True)
    log_nerve = (
        np.zeros(len(rows))
        if log_nerve_days is None
        else np.array([log_nerve_days.get(n, np.nan) for n in rows["nerves"].astype(str).str.split(";").str[0]])
    )
    dist = relief_distribution(section, {"indication": rows["indication"].to_numpy(dtype=object)}, log_nerve)
    p = np.array([dist.survival([day])[i, 0] for i, day in enumerate(rows["day"])])
    return pd.DataFrame(
        {
            "study": rows["study"],
            "indication": rows["indication"],
            "day": rows["day"],
            "n": rows["n"],
            "published": rows["count"] / rows["n"],
            "model": p,
        }
    )


def reference_log_nerve_days(params: Mapping, age_years: float = 50.0) -> dict[str, float]:
    """Log median T_nerve (days) of every catalog nerve at the reference patient (catalog distance, given age)."""
    from regen.catalog.nerves import load_catalog
    from regen.model.laws import nerve_times
    from regen.schema.patients import validate_patients

    ids = list(load_catalog())
    cols = validate_patients({"nerve": ids, "age": [age_years] * len(ids)}).columns
    return {nerve: float(m) for nerve, m in zip(ids, nerve_times(cols, params)["mu"], strict=True)}


def validate_shipped(draws: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave-one-study-out validation of the default model's relief law on the shipped study table.

    Refits :func:`regen.fitting.summary_fit.fit_summaries` without each study in turn
    (nerve times from the shipped mechanism parameters) and predicts that
    study's published numbers. Returns the per-number table
    (:func:`leave_one_study_out`, with the ``uninformative`` flag of
    :func:`flag_uninformative`) and the coverage per study and overall
    (:func:`coverage_by_study`).
    """
    from regen.catalog.datasets import load_indications, load_studies
    from regen.catalog.parameters import parameter_values

    if not (isinstance(draws, int) and draws >= 100):
        from regen.errors import InputError

        raise InputError(f"draws: {draws!r} is not a whole number of at least 100")
    studies = load_studies()
    studies["used"] = studies["used"].astype(str)
    loso = flag_uninformative(
        leave_one_study_out(
            studies, reference_log_nerve_days(parameter_values()), load_indications(), draws=draws, seed=seed
        )
    )
    return loso, coverage_by_study(loso)
