"""`regen fit` on a 100,000-row simulated cohort vs lifelines' own interval-censored fit.

Usage: python benchmarks/bench_fit.py [n_rows]   (default 100,000)

Both fit the same log-normal AFT on the same design matrix (indications and
covariates, bounds divided by the mechanistic time); regen's time includes
validation, the mechanism, response and long-responder estimates and
building the bundle. Requirement: regen within 1.5x of lifelines.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd


def main(n: int) -> None:
    from lifelines import LogNormalAFTFitter

    from regen import ReliefModel, simulate_cohort
    from regen.catalog.parameters import parameter_values
    from regen.fitting.outcomes import load_outcomes
    from regen.model.laws import nerve_times
    from regen.stats.covariates import design_matrix

    cohort = simulate_cohort(n, seed=0).astype(str).replace({"nan": ""})
    t0 = time.perf_counter()
    model = ReliefModel(family="lognormal").fit(cohort)
    ours = time.perf_counter() - t0

    data = load_outcomes(cohort)
    keep = data.responded & (data.lower < 1095)
    cols = {k: v[keep] for k, v in data.columns.items()}
    X, names = design_matrix(cols, model.bundle_["fit"]["design"])
    t_nerve = np.exp(nerve_times(cols, parameter_values())["mu"])
    frame = pd.DataFrame(X[:, 1:], columns=names[1:])
    frame["lower"] = np.maximum(data.lower[keep], 0.5) / t_nerve
    frame["upper"] = data.upper[keep] / t_nerve
    t0 = time.perf_counter()
    LogNormalAFTFitter(penalizer=0.01).fit_interval_censoring(frame, "lower", "upper")
    direct = time.perf_counter() - t0
    print(f"rows: {n:,} ({int(keep.sum()):,} in the time model)")
    print(f"lifelines fit_interval_censoring on the design matrix: {direct:.1f} s")
    print(
        f"regen ReliefModel.fit end to end:                     {ours:.1f} s "
        f"(ratio {ours / direct:.2f}x; requirement <= 1.5x)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
