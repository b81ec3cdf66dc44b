"""Next-cycle forecasts from a patient's history (issue 19, repeat cycles): how far the history moves them.

Simulated clinics (no patient data) of ``--patients`` patients x ``--cycles`` cycles, interval-censored at
realistic contacts, with a real patient effect: the share ``icc`` of the relief variance between patients is
0.8 (patients differ a lot) or 0.2 (they differ little). Each clinic is fitted with ``regen fit``'s clinic
fit (the evidence as a robust prior), which estimates ``icc``.

Then 400 new patients of the same clinic, each with a long history (``--history`` earlier cycles, drawn from
the truth with their own patient effect), are forecast for their next cycle (``prior_relief_days``). The
truth for each: the median of the next cycle given the history under the true parameters,
``exp(m + k icc / (k icc + 1 - icc) (mean log history - m))`` with ``m`` the patient's true log median. The
table gives, per truth, the estimated ``icc`` and the model's next-cycle median against that truth: median
absolute error (%), the share within 12 %, and how far the forecast moved from the population median toward
the history (the model's and the truth's shrinkage).

Usage::

    python benchmarks/sim_next_cycle.py                  # icc 0.2 and 0.8, 2 clinics each (~3 min on 2 cores)
    python benchmarks/sim_next_cycle.py --replicates 3 --patients 200
"""

from __future__ import annotations

import argparse
import time

import numpy as np

NEW = 400


def _one(icc: float, replicate: int, args) -> dict:
    from regen import load_model
    from regen.catalog.nerves import pain_class
    from regen.fitting.clinic.fit import fit_clinic
    from regen.fitting.clinic.prior import read_prior
    from regen.fitting.clinic.sampler import Settings
    from regen.fitting.clinic.simulate import NERVES, _log_mean, _patients, simulate_clinic, typical_truth
    from regen.fitting.outcomes import load_outcomes
    from regen.model.bundle import validate_bundle
    from regen.model.model import Model

    default = load_model()
    prior = read_prior(default.bundle)
    truth = typical_truth(prior, icc=icc)
    seed = 1000 * replicate + int(icc * 10)
    frame = simulate_clinic(truth, default.bundle, args.patients, cycles=args.cycles, seed=seed)
    settings = Settings(chains=1, warmup=args.draws, draws=args.draws, seed=seed)
    fit = fit_clinic(load_outcomes(frame), default, settings=settings)
    model = Model(validate_bundle(fit.bundle))

    rng = np.random.default_rng(seed + 1)
    cols = _patients(NEW, rng, NERVES)
    m = _log_mean(truth, default.bundle, prior, cols)  # each new patient's true log median
    sigma = np.array([truth["sigma"][pain_class(i)] for i in cols["indication"]])
    eta = np.sqrt(icc) * sigma * rng.standard_normal(NEW)
    k = args.history
    hist = m[:, None] + eta[:, None] + np.sqrt(1 - icc) * sigma[:, None] * rng.standard_normal((NEW, k))
    hist = np.clip(np.round(np.exp(hist)), 2, 3650)  # whole days, as a clinic records them
    mean_log = np.log(hist).mean(axis=1)
    shrink = k * icc / (k * icc + 1 - icc)
    want = np.exp(m + shrink * (mean_log - m))
    patients = {key: list(v) for key, v in cols.items()}
    plain = model.predict_columns(patients)["relief_end_median_day"]
    patients["prior_relief_days"] = [";".join(str(int(d)) for d in row) for row in hist]
    got = model.predict_columns(patients)["relief_end_median_day"]
    error = np.abs(np.log(got / want))
    moved = np.log(got / plain) / np.where(np.abs(mean_log - np.log(plain)) > 0.05, mean_log - np.log(plain), np.nan)
    return {
        "icc_true": icc,
        "icc_est": fit.bundle["fit"]["patient_effect"]["icc_mean"],
        "icc_interval": fit.bundle["fit"]["patient_effect"]["icc_interval"],
        "median_error_pct": float(100 * (np.exp(np.median(error)) - 1)),
        "within_12": float(np.mean(error < np.log(1.12))),
        "shrink_true": shrink,
        "shrink_model": float(np.nanmedian(moved)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iccs", type=float, nargs="*", default=[0.2, 0.8])
    parser.add_argument("--replicates", type=int, default=2)
    parser.add_argument("--patients", type=int, default=120)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--history", type=int, default=5, help="earlier cycles of each new patient")
    parser.add_argument("--draws", type=int, default=300, help="MCMC warmup and draws (1 chain)")
    args = parser.parse_args()
    start = time.perf_counter()
    print(
        "| icc (truth) | clinic | icc estimated (80 %) | next-cycle median: median error | within 12 % | "
        "moved toward the history: model | truth |"
    )
    print("|---|---|---|---|---|---|---|")
    for icc in args.iccs:
        for r in range(args.replicates):
            o = _one(icc, r, args)
            lo, hi = o["icc_interval"]
            print(
                f"| {icc:g} | {r + 1} | {o['icc_est']:.2f} ({lo:.2f}-{hi:.2f}) | {o['median_error_pct']:.1f} % | "
                f"{o['within_12']:.2f} | {o['shrink_model']:.2f} | {o['shrink_true']:.2f} |",
                flush=True,
            )
    print(
        f"\n{args.patients} patients x {args.cycles} cycles per clinic; {NEW} new patients with "
        f"{args.history} earlier cycles each; {time.perf_counter() - start:.0f} s in all"
    )


if __name__ == "__main__":
    main()
