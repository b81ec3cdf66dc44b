"""The mechanism's parameter table: units, sources and distributions; every parameter the maths reads is required."""

from __future__ import annotations

from regen.catalog.parameters import REQUIRED, parameter_table, parameter_values

P = parameter_values()


def test_parameters_have_units_and_sources():
    params = parameter_table()
    assert set(REQUIRED) <= set(params)
    for p in params.values():
        assert p.unit and p.source and p.species
        assert p.distribution in {"lognormal", "fixed"}
        assert (p.sd_log > 0) == (p.distribution == "lognormal")


def test_every_parameter_the_maths_reads_is_required():
    for name in (
        "initial_delay_days",
        "terminal_delay_days",
        "discrepancy_sd_log",
        "age_child_time_ratio",
        "relief_noticed_days",
        "tinel_functional_rate_ratio",
        "partial_lesion_time_ratio",
    ):
        assert name in REQUIRED and name in P
