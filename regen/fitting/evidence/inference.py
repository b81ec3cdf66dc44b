"""MCMC runs (NUTS, >= 4 chains) and their diagnostics (R-hat, bulk / tail ESS, divergences)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import arviz as az
import jax
import numpy as np
from numpyro.infer import MCMC, NUTS, init_to_uniform, init_to_value

#: The build fails beyond these.
RHAT_MAX = 1.01
DIVERGENCES_MAX = 0


@dataclass
class Run:
    """Posterior draws (chains x draws x ...) and diagnostics of one MCMC run."""

    samples: dict
    diagnostics: dict
    seconds: float

    def flat(self, name: str) -> np.ndarray:
        """Draws of ``name`` with chains pooled (draws x ...)."""
        x = self.samples[name]
        return x.reshape((-1, *x.shape[2:]))


class Sampler:
    """One compiled NUTS sampler for a model; ``run`` may be called again with other data of the same shapes."""

    def __init__(
        self,
        model,
        *,
        warmup=1000,
        samples=1000,
        chains=4,
        chain_method="parallel",
        target_accept=0.95,
        max_tree_depth=10,
        dense_mass=False,
        init: dict | None = None,
    ):
        # init: start every chain at these values (a sensitivity or leave-one-out refit starts at the full-data
        # posterior median: the mechanism has spurious local modes far from it); default: uniform in (-2, 2)
        strategy = init_to_value(values=init) if init else init_to_uniform()
        kernel = NUTS(
            model,
            target_accept_prob=target_accept,
            max_tree_depth=max_tree_depth,
            dense_mass=dense_mass,
            init_strategy=strategy,
        )
        self.mcmc = MCMC(
            kernel,
            num_warmup=warmup,
            num_samples=samples,
            num_chains=chains,
            chain_method=chain_method,
            progress_bar=False,
            jit_model_args=True,
        )

    def run(self, seed: int, *args, skip: tuple[str, ...] = ()) -> Run:
        start = time.perf_counter()
        self.mcmc.run(jax.random.PRNGKey(seed), *args, extra_fields=("diverging",))
        samples = {k: np.asarray(v) for k, v in self.mcmc.get_samples(group_by_chain=True).items()}
        seconds = time.perf_counter() - start
        div = int(np.asarray(self.mcmc.get_extra_fields(group_by_chain=True)["diverging"]).sum())
        return Run(samples, diagnose(samples, div, skip), seconds)


def diagnose(samples: dict, divergences: int, skip: tuple[str, ...] = ()) -> dict:
    """Worst R-hat, smallest bulk and tail ESS over every scalar of every sampled site, and divergences."""
    kept = {k: v for k, v in samples.items() if k not in skip}
    ds = az.convert_to_dataset(kept)
    rhat, bulk, tail = az.rhat(ds), az.ess(ds, method="bulk"), az.ess(ds, method="tail")
    per = {}
    for name in kept:
        per[name] = {
            "rhat_max": float(np.nanmax(rhat[name].values)),
            "ess_bulk_min": float(np.nanmin(bulk[name].values)),
            "ess_tail_min": float(np.nanmin(tail[name].values)),
        }
    chains, draws = next(iter(kept.values())).shape[:2]
    return {
        "chains": int(chains),
        "draws_per_chain": int(draws),
        "divergences": divergences,
        "rhat_max": max(p["rhat_max"] for p in per.values()),
        "ess_bulk_min": min(p["ess_bulk_min"] for p in per.values()),
        "ess_tail_min": min(p["ess_tail_min"] for p in per.values()),
        "per_site": per,
    }


def check(diag: dict, what: str) -> list[str]:
    """Failures of the build rule (R-hat > 1.01 or any divergence), as lines."""
    out = []
    if diag["rhat_max"] > RHAT_MAX:
        out.append(f"{what}: R-hat {diag['rhat_max']:.3f} > {RHAT_MAX}")
    if diag["divergences"] > DIVERGENCES_MAX:
        out.append(f"{what}: {diag['divergences']} divergent transitions")
    return out
