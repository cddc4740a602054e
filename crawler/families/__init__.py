"""The CMS families, one module each; ``FAMILIES`` maps the registry's ``cms`` to the class.

Adding a family is adding a module here with one ``Family`` subclass (docs/crawling.md,
"Adding a CMS family"): it is found by its ``cms`` name.
"""

from __future__ import annotations

import importlib
import pkgutil

from crawler.families.base import Family, Option, OptionError


def _discover() -> dict[str, type[Family]]:
    found: dict[str, type[Family]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Family) and obj.cms:
                if obj.__module__ == module.__name__:
                    found[obj.cms] = obj
    return dict(sorted(found.items()))


FAMILIES: dict[str, type[Family]] = _discover()

__all__ = ["FAMILIES", "Family", "Option", "OptionError"]
