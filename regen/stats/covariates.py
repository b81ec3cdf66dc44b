"""The covariates of the relief model: from validated patient columns to a matrix.

A *design spec* is plain data stored in the model file:
``{"indications": [...], "numeric": {"age": [center, scale], ...}, "binary": [...]}``.
Indication levels not listed (including the reference) contribute 0; a
missing numeric value contributes 0 (the center). Fitting builds the whole
matrix (:func:`design_matrix`); prediction adds the patient covariates'
effect (:func:`covariate_effect`) to the indication's location.

Examples
--------
>>> import numpy as np
>>> from regen.stats.covariates import design_matrix
>>> spec = {"indications": ["mastectomy"], "numeric": {"age": [50, 10]}, "binary": ["diabetes"]}
>>> cols = {"indication": np.array(["mastectomy", "knee_osteoarthritis"], dtype=object),
...         "age": np.array([70.0, 50.0]), "diabetes": np.array([True, False])}
>>> X, names = design_matrix(cols, spec)
>>> names
['intercept', 'indication[mastectomy]', 'age', 'diabetes']
>>> X.tolist()
[[1.0, 1.0, 2.0, 1.0], [1.0, 0.0, 0.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["BINARY_TERMS", "NUMERIC_TERMS", "covariate_effect", "design_matrix", "full_spec", "term_names"]

#: Numeric covariates with their (center, scale): the coefficient is per scale unit.
NUMERIC_TERMS: dict[str, tuple[float, float]] = {
    "age": (50.0, 10.0),
    "bmi": (28.0, 5.0),
    "prior_treatments": (0.0, 1.0),
}
#: Yes/no covariates (``female`` is derived from ``sex``).
BINARY_TERMS = ("diabetes", "smoker", "female")


def full_spec(indications: list[str]) -> dict:
    """The spec with every covariate and the given indication levels."""
    return {
        "indications": list(indications),
        "numeric": {k: list(v) for k, v in NUMERIC_TERMS.items()},
        "binary": list(BINARY_TERMS),
    }


def term_names(spec: Mapping) -> list[str]:
    """Column names of the design matrix for ``spec``, intercept first."""
    return (
        ["intercept"]
        + [f"indication[{lvl}]" for lvl in spec.get("indications", [])]
        + list(spec.get("numeric", {}))
        + list(spec.get("binary", []))
    )


def _binary(cols: Mapping, name: str, n: int) -> np.ndarray:
    if name == "female":
        sex = cols.get("sex")
        return np.zeros(n) if sex is None else (np.asarray(sex, dtype=object) == "female").astype(float)
    values = cols.get(name)
    return np.zeros(n) if values is None else np.asarray(values, dtype=bool).astype(float)


def design_matrix(cols: Mapping, spec: Mapping) -> tuple[np.ndarray, list[str]]:
    """Build the covariate matrix (n x p, intercept first) and its column names."""
    indication = np.asarray(cols["indication"], dtype=object)
    n = indication.shape[0]
    parts = [np.ones(n)]
    parts += [(indication == lvl).astype(float) for lvl in spec.get("indications", [])]
    for name, (center, scale) in spec.get("numeric", {}).items():
        values = np.asarray(cols.get(name, np.full(n, np.nan)), dtype=float)
        parts.append(np.where(np.isnan(values), 0.0, (values - center) / scale))
    parts += [_binary(cols, name, n) for name in spec.get("binary", [])]
    return np.column_stack(parts) if parts else np.empty((n, 0)), term_names(spec)


def covariate_effect(cols: Mapping, covariates: Mapping | None) -> np.ndarray | float:
    """``x'beta`` of the patient covariates (no intercept, no indication terms); 0 without covariates.

    ``covariates`` is ``{"numeric": {...}, "binary": [...], "coef": {name: value}}``
    (the ``covariates`` part of a model's relief section).
    """
    if not covariates or not covariates.get("coef"):
        return 0.0
    spec = {"indications": [], "numeric": covariates.get("numeric", {}), "binary": covariates.get("binary", [])}
    X, names = design_matrix(cols, spec)
    beta = np.array([float(covariates["coef"].get(name, 0.0)) for name in names[1:]])
    return X[:, 1:] @ beta
