"""Statistics without regen's biology: AFT families, Turnbull's estimator, covariate matrices."""
