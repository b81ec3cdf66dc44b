"""A left-out row (weight 0) must not touch the fit: before the mask, the left-out face series' likelihood was still
evaluated, and far in its tails 0 x a non-finite gradient is NaN (the hundreds of divergences of the sensation refits
that left out oooo2020 or pradel2002)."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from numpyro.infer.util import potential_energy

from regen.fitting.evidence import data, models

PARAMS = {
    "log_initial_delay": 1.65,
    "log_rate": 0.33,
    "log_terminal": 4.46,
    "terminal_sd": 0.3,
    "child_log_ratio": 1.35,
    "old_log_ratio": 0.17,
    "tau": 0.6,
    "log_partial_lesion": -1.4,
}


def _grad(arr, weight, n_studies):
    model = partial(models.mechanism_model, partial=True)
    p = {k: jnp.array(v) for k, v in PARAMS.items()} | {"z_study": jnp.zeros(n_studies)}
    g = jax.grad(lambda q: potential_energy(model, (arr, weight), {}, q))(p)
    return {k: np.asarray(v) for k, v in g.items()}


def test_left_out_row_neither_poisons_nor_moves_the_gradient():
    md = data.mechanism_data()
    arr = models.mechanism_arrays(md)
    for held in ("oooo2020", "pradel2002"):
        r = md.studies.index(held)
        weight = jnp.asarray((md.row_study != r).astype(float))
        g = _grad(arr, weight, len(md.studies))
        # the left-out rows' data made absurd (a range of a million patients at impossible days)
        rows = np.flatnonzero(md.row_study == r)
        bad = dict(arr)
        bad["n"] = arr["n"].at[rows].set(1e6)
        bad["log_times"] = arr["log_times"].at[rows].set(jnp.array([-40.0, -39.0, 60.0, 61.0]))
        g_bad = _grad(bad, weight, len(md.studies))
        for k in g:
            assert np.all(np.isfinite(g_bad[k])), (held, k)
            np.testing.assert_allclose(g_bad[k], g[k], rtol=1e-12, atol=1e-12, err_msg=f"{held} {k}")


def test_binomial_mixture_of_a_refit_takes_subnormal_and_certain_probabilities():
    """A left-out study's draws can put P(relieved) at a subnormal value; scipy's pmf raised an overflow there."""
    from scipy.stats import binom

    from regen.fitting.evidence.validation import binom_pmf_mixture

    p = np.random.default_rng(0).uniform(0, 1, 400)
    np.testing.assert_allclose(
        binom_pmf_mixture(30, p), binom.pmf(np.arange(31)[None, :], 30, p[:, None]).mean(0), atol=1e-14
    )
    edge = binom_pmf_mixture(30, np.array([0.0, 1.0, 5e-324]))
    assert np.isfinite(edge).all() and abs(edge.sum() - 1.0) < 1e-12
    assert edge[0] == 2 / 3 and edge[30] == 1 / 3
