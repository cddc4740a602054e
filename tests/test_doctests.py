"""Every docstring example in the project's packages runs and prints what it says.

Doctests are documentation (sqlite-utils style): an example that drifts from the code is a
bug in the docs. Modules are found by walking the packages, so a new example is picked up
without registering it here.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("nianbao", "crawler", "archive", "parsers", "checks", "flows", "demo")
# Importing these configures or starts third-party machinery (Prefect) as a side effect;
# they hold no examples.
SKIP = {"flows.nightly", "flows.cli"}


def _modules() -> list[str]:
    names = []
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        names.append(pkg)
        for info in pkgutil.walk_packages(mod.__path__, prefix=f"{pkg}."):
            if info.name not in SKIP and not info.name.endswith("__main__"):
                names.append(info.name)
    return names


def _with_examples() -> list[str]:
    finder = doctest.DocTestFinder()
    return [
        n for n in _modules() if any(t.examples for t in finder.find(importlib.import_module(n)))
    ]


def test_the_examples_are_found():
    # The freshness policy's lifetimes are documented by example; if this finds none, the
    # walk above is broken, not the docs.
    assert "crawler.freshness" in _with_examples()


@pytest.mark.parametrize("name", _with_examples())
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
