"""Simulation study of the clinic fit (issue 19, item 5): evidence only, data only and combined.

Simulated clinics (no patient data) are followed with realistic contacts (calls at 2 and 6 weeks, visits
at 3, 6, 9 and 12 months, then every 6 months; interval-censored, follow-up 6 to 24 months) under

- ``evidence``: a truth drawn from the evidence model's predictive (a new setting of its classes);
- ``conflict``: the evidence's central clinic with relief twice as long.

Per clinic, three models predict 2,000 new patients of the same clinic (responders' exact relief ends):

- ``evidence``: the default model (no clinic data);
- ``data``: ``regen fit --prior none --family lognormal`` (lifelines; "-" where it cannot fit);
- ``combined``: ``regen fit`` (the evidence as a robust prior, weight 0.2).

Metrics (responders; mean over replicate clinics, ± 2 standard errors): log score of the relief end
(probability of the day's +-5 % bin, log), 80 % interval coverage, median 80 % interval width (days),
c-index of the predicted medians, and calibration error of P(still relieved) at 90 and 180 days (predicted
mean minus observed share).

Usage::

    python benchmarks/sim_clinic.py                    # small: n 10 and 100, 3 clinics per cell (~15 min on 2 cores)
    python benchmarks/sim_clinic.py --full             # n 10, 30, 100, 300 and 100 x 3 cycles, 10 clinics per cell
    python benchmarks/sim_clinic.py --sizes 30 --replicates 5 --truths conflict
    python benchmarks/sim_clinic.py --sizes 100 --cycles 3 --replicates 3
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np

NEW_PATIENTS = 2000
DAYS = (90.0, 180.0)


def _metrics(model, new) -> dict:
    """The metrics of one model on new patients (responders)."""
    from lifelines.utils import concordance_index

    from regen.model.laws import patient_relief
    from regen.schema.patients import validate_patients

    resp = new[new["responded"]].reset_index(drop=True)
    cols = validate_patients(resp.drop(columns=["relief_end_day", "responded"])).columns
    dist = patient_relief(model, cols)
    t = resp["relief_end_day"].to_numpy()
    s = dist.responder_survival(np.column_stack([t / 1.05, t * 1.05]))
    log_score = float(np.mean(np.log(np.maximum(s[:, 0] - s[:, 1], 1e-12))))
    p10, p50, p90 = dist.quantile(0.1), dist.quantile(0.5), dist.quantile(0.9)
    surv = dist.responder_survival(np.array(DAYS))
    out = {
        "log_score": log_score,
        "coverage": float(np.mean((t >= p10) & (t <= p90))),
        "width": float(np.median(p90 - p10)),
        "c_index": float(concordance_index(t, p50)),
    }
    for k, day in enumerate(DAYS):
        out[f"calib_{int(day)}"] = float(surv[:, k].mean() - np.mean(t > day))
    return out


def _truth(kind: str, prior, rng):
    from regen.fitting.clinic.simulate import draw_truth, typical_truth

    return draw_truth(prior, rng, icc=0.5) if kind == "evidence" else typical_truth(prior, ratio=2.0)


def run(sizes, cycles_cells, truths, replicates, settings, seed=0, cycles=1):
    from regen import load_model
    from regen.fitting.clinic.fit import fit_clinic
    from regen.fitting.clinic.prior import read_prior
    from regen.fitting.clinic.simulate import new_patients, simulate_clinic
    from regen.fitting.outcomes import load_outcomes
    from regen.fitting.relief_model import ReliefModel
    from regen.model.bundle import validate_bundle
    from regen.model.model import Model

    default = load_model()
    prior = read_prior(default.bundle)
    rows = []
    for kind in truths:
        for n, cyc in [(s, cycles) for s in sizes] + list(cycles_cells):
            results = {"evidence": [], "data": [], "combined": []}
            for r in range(replicates):
                rng = np.random.default_rng([seed, r, n, cyc, truths.index(kind)])
                truth = _truth(kind, prior, rng)
                clinic_seed = int(rng.integers(1 << 30))
                frame = simulate_clinic(truth, default.bundle, n, cycles=cyc, seed=clinic_seed)
                new = new_patients(truth, default.bundle, NEW_PATIENTS, seed=clinic_seed + 1)
                results["evidence"].append(_metrics(default, new))
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        data_only = ReliefModel(family="lognormal").fit(frame).to_model()
                    results["data"].append(_metrics(data_only, new))
                except Exception:  # too few observed ends: the data-only fit is refused
                    pass
                fit = fit_clinic(load_outcomes(frame), default, settings=settings)
                results["combined"].append(_metrics(Model(validate_bundle(fit.bundle)), new))
                print(f"  {kind} n={n} cycles={cyc} replicate {r + 1}/{replicates} done", flush=True)
            for method, res in results.items():
                rows.append((kind, n, cyc, method, len(res), res))
    return rows


def _cell(values, digits: int = 3) -> str:
    if not values:
        return "-"
    v = np.asarray(values, float)
    se = v.std(ddof=1) / math.sqrt(len(v)) if len(v) > 1 else float("nan")
    return f"{v.mean():.{digits}f} ± {2 * se:.{digits}f}" if se == se else f"{v.mean():.{digits}f}"


def table(rows) -> str:
    keys = ("log_score", "coverage", "width", "c_index", "calib_90", "calib_180")
    lines = [
        "| truth | n | cycles | model | fitted clinics | log score | 80 % coverage | median width (d) | c-index | "
        "calib. 90 d | calib. 180 d |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, n, cycles, method, fitted, res in rows:
        cells = [_cell([r[k] for r in res], 0 if k == "width" else 3) for k in keys]
        lines.append(f"| {kind} | {n} | {cycles} | {method} | {fitted} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    from regen.fitting.clinic.sampler import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's grid: n 10, 30, 100, 300 and 100 x 3 cycles")
    parser.add_argument("--sizes", type=int, nargs="*", default=None)
    parser.add_argument("--replicates", type=int, default=None)
    parser.add_argument("--cycles", type=int, default=1, help="treatment cycles per patient in the --sizes cells")
    parser.add_argument("--truths", nargs="*", default=["evidence", "conflict"], choices=["evidence", "conflict"])
    parser.add_argument("--draws", type=int, default=300, help="MCMC warmup and draws per chain (1 chain)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = args.sizes if args.sizes is not None else ([10, 30, 100, 300] if args.full else [10, 100])
    cycles_cells = [(100, 3)] if args.full else []
    replicates = args.replicates or (10 if args.full else 3)
    settings = Settings(chains=1, warmup=args.draws, draws=args.draws, seed=args.seed)
    start = time.perf_counter()
    rows = run(sizes, cycles_cells, args.truths, replicates, settings, seed=args.seed, cycles=args.cycles)
    print()
    print(table(rows))
    print(f"\n{NEW_PATIENTS} new patients per clinic; {time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
