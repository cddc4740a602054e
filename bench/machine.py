"""How fast this machine is right now, printed by the benchmarks beside their figures.

The project's machines differ (and one drifted by ~30 % within an hour: docs/benchmarks.md,
fourth pass), so a figure is only comparable with the machine's speed next to it:

    >>> "ms" in speed_line()
    True
"""

from __future__ import annotations

import timeit

# On the machine of docs/benchmarks.md's fourth pass: 232 ms, later 308 ms.
REFERENCE_MS = 232


def python_loop_ms() -> float:
    """Best of 3 of a fixed pure-Python loop, in ms (CPython's own speed on one core)."""
    timer = timeit.Timer("sum(i * i for i in range(3_000_000))")
    return 1000 * min(timer.repeat(repeat=3, number=1))


def speed_line() -> str:
    """One line for a benchmark's output."""
    ms = python_loop_ms()
    return (
        f"machine: a fixed Python loop takes {ms:.0f} ms, best of 3 "
        f"({REFERENCE_MS} ms where docs/benchmarks.md's fourth pass started; larger is slower)"
    )
