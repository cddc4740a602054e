"""The cyclic garbage collector's settings for a process that parses documents one after
another (the parse workers of flows/parse_pool.py, and bench/parse_speed.py, which measures
what a worker does).

A parse allocates tens of thousands of short-lived objects (lxml element proxies, strings,
grid cells, the report's cells) and leaves no reference cycles behind: reference counting
frees them (``gc.collect()`` after a parse finds nothing to collect for HTML and DOCX, a
handful of objects for a PDF; tests/test_gc_tuning.py checks it). CPython's collector still
runs every 700 net allocations and walks every young object each time: ~10 % of an HTML
report's instructions (callgrind, 20 Word-paste pages: 33.9 M → 30.4 M a page).
"""

from __future__ import annotations

import gc

# Net allocations between two young-generation collections (CPython's default: 700). Cycles
# are still collected: a worker that made them would hold at most this many objects more.
GEN0_THRESHOLD = 10_000


def tune_for_parsing() -> None:
    """Collect young objects every :data:`GEN0_THRESHOLD` allocations instead of 700, and
    freeze what is alive now (imported modules, caches) so that full collections no longer
    walk it. Once per process, before its first parse."""
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
