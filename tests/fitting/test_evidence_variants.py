"""The relief model's structural variants measured by leave-one-study-out (``ReliefOptions``; the card's "what was
tried") still build: each adds its own sites with their stated priors, and the study lists they rest on exist."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpyro import handlers
from numpyro.infer.util import log_density

from regen.fitting.evidence import data, models
from regen.fitting.evidence.priors import RELIEF_VARIANTS


@pytest.fixture(scope="module")
def arrays():
    rd = data.relief_data({})
    return rd, models.relief_arrays(rd)


def _trace(arrays, opts):
    rd, arr = arrays
    model = partial(models.relief_model, opts=opts)
    args = (arr, jnp.ones(len(rd.g_study)), jnp.ones(len(rd.d_study)))
    tr = handlers.trace(handlers.seed(model, jax.random.PRNGKey(0))).get_trace(*args)
    params = {k: v["value"] for k, v in tr.items() if v["type"] == "sample" and not v["is_observed"]}
    return tr, float(log_density(model, args, {}, params)[0])


@pytest.mark.parametrize(
    ("option", "sites"),
    [
        ({"early_era": True}, {"h_loc", "h_logit"}),
        ({"complete_endpoint": True}, {"k_loc", "k_logit"}),
        ({"pool_response": True}, {"rho_mu", "tau_rho"}),
        ({"study_sigma": 0.5}, {"tau_sigma", "s_raw"}),
    ],
)
def test_each_variant_adds_its_sites_and_has_a_finite_log_density(arrays, option, sites):
    base, _ = _trace(arrays, models.ReliefOptions())
    tr, logp = _trace(arrays, models.ReliefOptions(**option))
    assert sites <= set(tr) and not sites & set(base)
    assert np.isfinite(logp)
    for site in sites & set(RELIEF_VARIANTS):
        assert tr[site]["fn"].__class__.__name__.lower() in {"normal", "halfnormal"}


def _scale(site):
    fn = site["fn"]
    return np.asarray(getattr(fn, "base_dist", fn).scale)


def test_heterogeneity_scale_scales_the_four_heterogeneity_priors(arrays):
    full, _ = _trace(arrays, models.ReliefOptions())
    narrow, _ = _trace(arrays, models.ReliefOptions(heterogeneity_scale=0.25))
    for site in ("tau_u", "tau_v", "tau_e", "tau_w"):
        np.testing.assert_allclose(_scale(narrow[site]), 0.25 * _scale(full[site]))
    np.testing.assert_allclose(_scale(narrow["sigma"]), _scale(full["sigma"]))  # the within-study spread is untouched


def test_the_complete_relief_studies_are_used_studies(arrays):
    rd, _ = arrays
    assert set(data.COMPLETE_RELIEF) <= set(rd.studies)
    assert rd.study_complete.sum() == len(data.COMPLETE_RELIEF)


def test_the_early_era_studies_are_the_used_studies_published_before_1990(arrays):
    rd, _ = arrays
    years = {s: data.citation_year(c) for s, c in rd.rows.groupby("study")["citation"].first().items()}
    early = {s for s, y in years.items() if y < data.EARLY_ERA_BEFORE}
    assert early and {s for s, e in zip(rd.studies, rd.study_early, strict=True) if e} == early


def test_the_shipped_summary_reports_each_study_covariate_of_its_structure_and_the_card_shows_them():
    import json
    from dataclasses import asdict
    from pathlib import Path

    models_dir = Path(__file__).resolve().parents[2] / "models"  # the checkout's (build.OUT_JSON: the package's)
    out = json.loads((models_dir / "evidence_summary.json").read_text(encoding="utf-8"))
    assert out["relief_options"] == asdict(models.RELIEF_OPTIONS)
    cov = {c["covariate"]: c for c in out["relief"]["study_covariates"]}
    assert "threshold-improvement endpoint" in cov
    assert (f"published before {data.EARLY_ERA_BEFORE}" in cov) == models.RELIEF_OPTIONS.early_era
    assert ("complete relief only" in cov) == models.RELIEF_OPTIONS.complete_endpoint
    for c in cov.values():
        assert c["studies"] >= 1
        for eff in (c["location"], c["response_logit"]):
            assert eff["q10"] <= eff["median"] <= eff["q90"]
    card = (models_dir / "evidence_summary.md").read_text(encoding="utf-8")
    assert "Study-level covariates" in card and all(name in card for name in cov)
    shipped = {k: v["shipped"] for k, v in out["priors"]["relief_structural_options"].items()}
    assert shipped["h_loc"] == shipped["h_logit"] == models.RELIEF_OPTIONS.early_era
    assert shipped["k_loc"] == models.RELIEF_OPTIONS.complete_endpoint
    assert shipped["tau_sigma"] == (models.RELIEF_OPTIONS.study_sigma > 0)


def test_every_structural_prior_names_the_option_that_samples_it():
    from dataclasses import fields

    from regen.fitting.evidence.priors import RELIEF_VARIANT_OPTION

    assert set(RELIEF_VARIANT_OPTION) == set(RELIEF_VARIANTS)
    assert set(RELIEF_VARIANT_OPTION.values()) <= {f.name for f in fields(models.ReliefOptions)}
