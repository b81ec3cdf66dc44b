"""Sampling a clinic fit with NUTS (NumPyro), in chunks that report progress, and its diagnostics.

The kernel's own step (``NUTS.sample``, warmup adaptation included) is scanned over a fixed chunk of
iterations and compiled once: every chunk, warmup or kept draws, and every chain reuses that compilation
(``MCMC.run`` called per chunk would recompile each time, about 7 s a call). Chains run in parallel when JAX
has a device per chain (:func:`regen.fitting.clinic.fit.fit_clinic` asks for them before JAX starts), else one
after the other. Diagnostics: the worst R-hat and the smallest bulk ESS over the clinic-level parameters, and
the divergent transitions after warmup.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from regen.fitting.clinic.defaults import CHAINS, DRAWS, SEED, WARMUP

__all__ = ["Draws", "Settings", "sample"]

#: Sites that share a dense mass matrix (the clinic-level parameters).
DENSE = ("phi", "psi", "icc", "beta")
#: Sites whose diagnostics are reported.
_DIAGNOSED = ("phi", "psi", "icc", "beta")
#: Progress lines over a whole run (about).
_CHUNKS = 10


@dataclass(frozen=True)
class Settings:
    """How long to sample: chains, warmup and kept draws per chain, seed, NUTS target acceptance.

    These are settings (not estimates); the defaults are :mod:`regen.fitting.clinic.defaults`' (``regen fit``'s
    and ``regen serve``'s): 2 chains of 500 + 500 iterations gave R-hat below 1.01 on the simulated clinics of
    the tests and the benchmark.
    """

    chains: int = CHAINS
    warmup: int = WARMUP
    draws: int = DRAWS
    seed: int = SEED
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


def _diagnose(grouped: dict, divergences: int, seconds: float, method: str) -> dict:
    import arviz as az

    kept = {k: v for k, v in grouped.items() if k in _DIAGNOSED and v.size}
    chains, draws = next(iter(kept.values())).shape[:2]
    rhat_max, ess_min = float("nan"), float("nan")
    if draws >= 4:
        ds = az.convert_to_dataset(kept)
        bulk = az.ess(ds, method="bulk")
        ess_min = float(min(np.nanmin(bulk[k].values) for k in kept))
        if chains >= 2:  # R-hat compares chains
            rhat = az.rhat(ds)
            rhat_max = float(max(np.nanmax(rhat[k].values) for k in kept))
    return {
        "chains": int(chains),
        "draws_per_chain": int(draws),
        "chain_method": method,
        "rhat_max": rhat_max,
        "ess_bulk_min": ess_min,
        "divergences": int(divergences),
        "seconds": round(seconds, 2),
    }


def sample(model, arrays: dict, init: dict, settings: Settings, progress: Callable[[float, str], None]) -> Draws:
    """Run NUTS on ``model(arrays)`` from ``init``; ``progress(fraction, message)`` after each chunk.

    ``init`` holds every latent site's starting value on the unconstrained scale.

    Returns
    -------
    Draws
        Every sample and deterministic site, chains pooled; diagnostics (R-hat, ESS, divergences, seconds,
        mean leapfrog steps).
    """
    import jax
    import jax.numpy as jnp
    from numpyro.infer import NUTS
    from numpyro.infer.util import constrain_fn, potential_energy

    start = time.perf_counter()
    chains, total = settings.chains, settings.warmup + settings.draws
    # the kernel gets the potential, never the model: numpyro's model initialisation runs the model op by op,
    # compiling each of ~800 operations (45 s on a busy 2-core machine); traced under jit it is one program
    kernel = NUTS(
        potential_fn=jax.jit(lambda z: potential_energy(model, (arrays,), {}, z)),
        target_accept_prob=settings.target_accept,
        dense_mass=[DENSE],
    )
    z0 = {k: jnp.asarray(v, dtype=jnp.result_type(float)) for k, v in init.items()}  # float64 under x64
    keys = jax.random.split(jax.random.PRNGKey(settings.seed), chains)
    # one unbatched state per chain (a batched init would vmap the kernel's step)
    chain_states = [kernel.init(keys[c], settings.warmup, init_params=z0) for c in range(chains)]
    chunk = max(1, -(-total // _CHUNKS))

    def run_chunk(s):
        def body(s, _):
            s = kernel.sample(s, (), {})
            return s, (s.z, s.diverging, s.num_steps)

        return jax.lax.scan(body, s, None, length=chunk)

    parallel = chains > 1 and jax.local_device_count() >= chains
    method = "parallel" if parallel else "sequential"
    step = jax.pmap(run_chunk) if parallel else jax.jit(run_chunk)
    states = [jax.tree.map(lambda *xs: np.stack(xs), *chain_states)] if parallel else chain_states
    traces = [[] for _ in states]
    progress(0.0, f"sampling {chains} chains of {settings.warmup} warmup + {settings.draws} draws (compiling first)")
    done = 0
    while done < total:
        for k, s in enumerate(states):
            states[k], out = step(s)
            traces[k].append(jax.device_get(out))
        done += chunk
        phase = "warmup" if done <= settings.warmup else "draws"
        progress(
            min(done, total) / total,
            f"{min(done, total)} of {total} iterations per chain ({phase}); {time.perf_counter() - start:.0f} s",
        )
    # stack: chain axis first, iterations second
    axis = 1 if parallel else 0
    z, div, steps = [], [], []
    for trace in traces:
        zs = {n: np.concatenate([t[0][n] for t in trace], axis=axis) for n in trace[0][0]}
        z.append(zs)
        div.append(np.concatenate([t[1] for t in trace], axis=axis))
        steps.append(np.concatenate([t[2] for t in trace], axis=axis))
    if parallel:
        z_all = z[0]
        div_all, steps_all = div[0], steps[0]
    else:
        z_all = {n: np.stack([zc[n] for zc in z]) for n in z[0]}
        div_all, steps_all = np.stack(div), np.stack(steps)
    keep = slice(settings.warmup, total)
    z_kept = {n: v[:, keep] for n, v in z_all.items()}
    post = jax.jit(jax.vmap(jax.vmap(lambda z: constrain_fn(model, (arrays,), {}, z, return_deterministic=True))))
    grouped = {n: np.asarray(v) for n, v in post(z_kept).items()}
    diagnostics = _diagnose(grouped, int(div_all[:, keep].sum()), time.perf_counter() - start, method)
    diagnostics["mean_leapfrog_steps"] = round(float(steps_all[:, keep].mean()), 1)
    pooled = {n: v.reshape((v.shape[0] * v.shape[1], *v.shape[2:])) for n, v in grouped.items()}
    return Draws(pooled, diagnostics)
