"""Run the docstring examples of every regen module (the installed package)."""

import doctest
import importlib
import pkgutil

import pytest

import regen

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(regen.__path__, "regen.")
    if not m.name.endswith("__main__") and m.name != "regen.cli"
)


@pytest.mark.parametrize("name", ["regen", *MODULES])
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
