"""Fitting and judging models: outcome data, the clinic fit, evidence fits, evaluation, validation."""
