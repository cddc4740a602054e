"""Imports without the optional heavy dependencies a library loads for features nianbao does
not use.

sqlite-utils imports pandas and numpy when they are installed (~0.8 s and ~0.15 s of CPU),
only to map their column types; warcio imports fsspec (~0.04 s) for the file-opening helper
of its command-line tools. Every crawl process and every ``nianbao run`` paid for them, a
sixth of a night with nothing new. Inside :func:`hidden` an ``import`` of the named modules
fails (both libraries treat them as optional); afterwards they are importable again.

    >>> import sys
    >>> with hidden("nianbao_no_such_module"):
    ...     try:
    ...         import nianbao_no_such_module
    ...     except ImportError:
    ...         print("hidden")
    hidden
    >>> "nianbao_no_such_module" in sys.modules
    False
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    """Make ``import name`` fail inside the block, for each of ``names`` not imported yet."""
    added = [n for n in names if n not in sys.modules]
    for n in added:
        sys.modules[n] = None  # type: ignore[assignment]  # Python's "import blocked" marker
    try:
        yield
    finally:
        for n in added:
            if sys.modules.get(n, ...) is None:
                del sys.modules[n]


def import_sqlite_utils() -> None:
    """Import sqlite-utils without pandas and numpy (before anything else imports it)."""
    with hidden("pandas", "numpy"):
        import sqlite_utils  # noqa: F401
