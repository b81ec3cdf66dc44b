"""The AFT families (regen.stats.aft): one answer on both sides of the 2,048-value switch; the stdlib normal
quantile as exact as scipy's."""

from __future__ import annotations

import numpy as np
import pytest

from regen.stats import aft


@pytest.mark.parametrize("family", aft.FAMILIES)
def test_aft_small_and_large_paths_agree(family):
    """aft switches from math (one patient, no scipy import) to scipy above 2,048 values."""
    z = np.linspace(-8, 8, 3001)
    p = np.linspace(1e-6, 1 - 1e-6, 3001)
    big_cdf, big_ppf = aft.cdf_eps(family, z), aft.ppf_eps(family, p)
    small_cdf = np.concatenate([aft.cdf_eps(family, chunk) for chunk in np.array_split(z, 3)])
    small_ppf = np.concatenate([aft.ppf_eps(family, chunk) for chunk in np.array_split(p, 3)])
    np.testing.assert_allclose(small_cdf, big_cdf, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(small_ppf, big_ppf, rtol=1e-9, atol=1e-12)


def test_the_stdlib_normal_quantile_matches_scipy_to_double_precision():
    from scipy.special import ndtr, ndtri

    from regen.stats.aft import norm_cdf_scalar, norm_ppf_scalar

    ps = np.concatenate([np.linspace(1e-9, 1 - 1e-9, 20001), np.logspace(-300, -1, 300), [0.02425, 0.97575]])
    got = np.array([norm_ppf_scalar(p) for p in ps])
    assert np.allclose(got, ndtri(ps), rtol=1e-10, atol=1e-12)
    assert norm_ppf_scalar(0.0) == -np.inf and norm_ppf_scalar(1.0) == np.inf
    xs = np.linspace(-30, 30, 601)
    assert np.allclose([norm_cdf_scalar(x) for x in xs], ndtr(xs), rtol=1e-12, atol=1e-300)
