"""Bayesian evidence model of regen (issue 18): mechanism and relief, fitted by MCMC with NumPyro.

Modules, in the order data flows::

    priors      every prior, its reason and source (pure data)
    agecurve    the age curve and the mechanism's median nerve time (pure numpy; the predictor reuses it)
    data        data/*.csv -> arrays for the two likelihoods
    likelihood  the exact likelihood pieces (jax.numpy; tested against scipy)
    models      the two NumPyro models
    inference   MCMC runs and diagnostics
    summaries   posterior predictive summaries written to models/evidence_summary.json
    validation  leave-one-study-out scores of both parts
    report      the markdown summary
    build       command line: ``python -m regen.fitting.evidence build|validate``

Run from the repository root. Only ``build`` and ``validate`` need NumPyro and JAX; the shipped predictor
reads the JSON with numpy alone (see ``agecurve`` and ``summaries.relief_survival``).
"""
