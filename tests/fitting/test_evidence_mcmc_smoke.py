"""A tiny NUTS run of the relief model on the shipped data (seconds): it samples, and the data move the location."""

import jax.numpy as jnp
import numpy as np

from regen.fitting.evidence import data, inference, models


def test_relief_model_samples_on_a_short_chain():
    rd = data.relief_data({})  # no catalog x: every study at its class x_ref
    arr = models.relief_arrays(rd)
    s = inference.Sampler(
        models.relief_model,
        warmup=60,
        samples=40,
        chains=2,
        chain_method="sequential",
        target_accept=0.9,
        max_tree_depth=6,
    )
    run = s.run(0, arr, jnp.ones(len(rd.g_study)), jnp.ones(len(rd.d_study)))
    a = run.flat("a")
    assert a.shape == (80, 4) and np.all(np.isfinite(a))
    assert set(run.diagnostics) >= {"rhat_max", "ess_bulk_min", "ess_tail_min", "divergences"}
