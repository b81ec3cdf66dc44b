"""The clinic fit's defaults, in one place: ``regen fit`` and ``regen serve``'s background fit both start from them.

Settings, not estimates. The command line builds its options from them (``--prior``, ``--robust-weight``,
``--chains``, ``--warmup``, ``--draws``, ``--seed``), the web tool passes them to
:func:`regen.fitting.fit_file.fit_file`, and :class:`regen.fitting.clinic.sampler.Settings` takes its
defaults from them; no module imports here, so the command line reads them at no cost.

Examples
--------
>>> PRIOR, ROBUST_WEIGHT, (CHAINS, WARMUP, DRAWS, SEED)
('default', 0.2, (2, 500, 500, 0))
"""

from __future__ import annotations

__all__ = ["CHAINS", "DRAWS", "PRIOR", "ROBUST_WEIGHT", "SEED", "WARMUP"]

#: What a clinic fit starts from: the embedded default model, the published evidence (``none``: data only).
PRIOR = "default"
#: Prior weight of the vague component (RBesT's robustification), 0 to 1: data that conflict with the
#: evidence are not dragged toward it.
ROBUST_WEIGHT = 0.2
#: MCMC chains; 2 chains of 500 warmup + 500 kept draws gave R-hat below 1.01 on the simulated clinics of the
#: tests and the benchmark.
CHAINS = 2
#: MCMC warmup iterations per chain.
WARMUP = 500
#: MCMC kept draws per chain.
DRAWS = 500
#: MCMC seed (same seed, same data, same settings: the same draws).
SEED = 0
