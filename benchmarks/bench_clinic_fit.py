"""Time of a clinic fit (``regen fit`` with the evidence prior): simulated patients with repeat cycles.

Usage::

    python benchmarks/bench_clinic_fit.py                      # 1,000 patients x 3 cycles = 3,000 rows
    python benchmarks/bench_clinic_fit.py --patients 300 --cycles 1 --chains 2 --warmup 500 --draws 500

Prints one table row: rows, chains, iterations, seconds (total, and of it the sampling), R-hat, ESS, divergences.
The fit is :func:`regen.fitting.clinic.fit.fit_clinic` on a synthetic clinic (no patient data).
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import numpyro

    numpyro.set_host_device_count(args.chains)  # before JAX starts: one device per chain

    from regen import load_model
    from regen.fitting.clinic.fit import fit_clinic
    from regen.fitting.clinic.prior import read_prior
    from regen.fitting.clinic.sampler import Settings
    from regen.fitting.clinic.simulate import simulate_clinic, typical_truth
    from regen.fitting.outcomes import load_outcomes

    model = load_model()
    truth = typical_truth(read_prior(model.bundle), ratio=1.5, icc=0.6)
    frame = simulate_clinic(truth, model.bundle, args.patients, cycles=args.cycles, seed=args.seed)
    data = load_outcomes(frame)
    marks = {}

    def progress(fraction: float, message: str) -> None:
        marks.setdefault("first", time.perf_counter())

    start = time.perf_counter()
    fit = fit_clinic(
        data,
        model,
        settings=Settings(chains=args.chains, warmup=args.warmup, draws=args.draws, seed=args.seed),
        progress=progress,
    )
    total = time.perf_counter() - start
    d = fit.draws.diagnostics
    print("| rows | patients | chains | warmup + draws | seconds (total) | sampler seconds | R-hat max | ESS min | "
          "divergences | leapfrog steps | icc (truth 0.6) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    icc = fit.bundle["fit"]["patient_effect"]
    print(
        f"| {len(data)} | {args.patients} | {d['chains']} ({d['chain_method']}) | {args.warmup} + {args.draws} | "
        f"{total:.1f} | {d['seconds']:.1f} | {d['rhat_max']:.3f} | {d['ess_bulk_min']:.0f} | {d['divergences']} | "
        f"{d['mean_leapfrog_steps']} | "
        f"{icc['icc_mean']:.2f} ({icc['icc_interval'][0]:.2f}-{icc['icc_interval'][1]:.2f}) |"
    )


if __name__ == "__main__":
    main()
