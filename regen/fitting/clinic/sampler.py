"""Sampling a clinic fit with NUTS (NumPyro), in chunks that report progress, and its diagnostics.

Chains run in parallel when JAX has a device per chain (the command line asks for them before JAX starts),
else one after the other. Diagnostics: the worst R-hat and the smallest bulk ESS over the clinic-level
parameters (not the patient effects one by one), and the divergent transitions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Draws", "Settings", "sample"]

#: Sites that share a dense mass matrix (the clinic-level parameters; the patient effects keep a diagonal one).
DENSE = ("phi", "psi", "icc", "beta")
#: Sites whose diagnostics are reported (the patient effects ``eta`` enter through ``icc``).
_DIAGNOSED = ("phi", "psi", "icc", "beta")


@dataclass(frozen=True)
class Settings:
    """How long to sample: chains, warmup and kept draws per chain, seed."""

    chains: int = 2
    warmup: int = 500
    draws: int = 500
    seed: int = 0
    target_accept: float = 0.9


@dataclass
class Draws:
    """Posterior draws, chains pooled (``draws x ...``), and the run's diagnostics."""

    samples: dict
    diagnostics: dict

    def __getitem__(self, name: str) -> np.ndarray:
        return self.samples[name]

    @property
    def n(self) -> int:
        return int(self.samples["icc"].shape[0])


def _chain_method(chains: int) -> str:
    import jax

    return "parallel" if jax.local_device_count() >= chains else "sequential"


def _diagnose(grouped: dict, divergences: int, seconds: float, method: str) -> dict:
    import arviz as az

    kept = {k: v for k, v in grouped.items() if k in _DIAGNOSED and v.size}
    ds = az.convert_to_dataset(kept)
    rhat, bulk = az.rhat(ds), az.ess(ds, method="bulk")
    chains, draws = next(iter(grouped.values())).shape[:2]
    return {
        "chains": int(chains),
        "draws_per_chain": int(draws),
        "chain_method": method,
        "rhat_max": float(max(np.nanmax(rhat[k].values) for k in kept)),
        "ess_bulk_min": float(min(np.nanmin(bulk[k].values) for k in kept)),
        "divergences": int(divergences),
        "seconds": round(seconds, 2),
    }


def sample(model, arrays: dict, init: dict, settings: Settings, progress: Callable[[float, str], None]) -> Draws:
    """Run NUTS on ``model(arrays)`` from ``init``; ``progress(fraction, message)`` after each stage.

    ``model`` takes one argument, a dict of arrays (compiled once: the chunks reuse it).

    Warmup runs in one piece (its adaptation needs the whole window); the kept draws in five chunks.
    """
    import jax
    from numpyro.infer import MCMC, NUTS, init_to_value

    start = time.perf_counter()
    method = _chain_method(settings.chains)
    chunks = 5 if settings.draws >= 50 else 1
    per_chunk = -(-settings.draws // chunks)
    kernel = NUTS(
        model,
        target_accept_prob=settings.target_accept,
        init_strategy=init_to_value(values=init),
        dense_mass=[DENSE],
    )
    mcmc = MCMC(
        kernel,
        num_warmup=settings.warmup,
        num_samples=per_chunk,
        num_chains=settings.chains,
        chain_method=method,
        progress_bar=False,
        jit_model_args=True,
    )
    progress(0.0, f"warming up {settings.chains} chains ({settings.warmup} steps each; compiling first)")
    mcmc.warmup(jax.random.PRNGKey(settings.seed), arrays, extra_fields=("diverging",))
    progress(0.3, f"warmup done in {time.perf_counter() - start:.0f} s; sampling")
    parts, steps, divergences = [], [], 0
    for k in range(chunks):
        mcmc.run(mcmc.post_warmup_state.rng_key, arrays, extra_fields=("diverging", "num_steps"))
        parts.append({n: np.asarray(v) for n, v in mcmc.get_samples(group_by_chain=True).items()})
        extra = mcmc.get_extra_fields(group_by_chain=True)
        divergences += int(np.asarray(extra["diverging"]).sum())
        steps.append(np.asarray(extra["num_steps"]).ravel())
        mcmc.post_warmup_state = mcmc.last_state
        done = min((k + 1) * per_chunk, settings.draws)
        progress(0.3 + 0.7 * (k + 1) / chunks, f"sampled {done} of {settings.draws} draws per chain")
    grouped = {n: np.concatenate([p[n] for p in parts], axis=1)[:, : settings.draws] for n in parts[0]}
    diagnostics = _diagnose(grouped, divergences, time.perf_counter() - start, method)
    diagnostics["mean_leapfrog_steps"] = round(float(np.concatenate(steps).mean()), 1)
    pooled = {n: v.reshape((v.shape[0] * v.shape[1], *v.shape[2:])) for n, v in grouped.items()}
    return Draws(pooled, diagnostics)
