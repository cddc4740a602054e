"""The bounds every parse runs under: one table, read from the environment.

A municipal site is not a trusted party: a 40 kB HTML page can ask for a grid of 20 million
cells, a 36 kB DOCX for 3 million columns, a 1 MB zip for a 1 GiB ``document.xml``, a 20 MB
PDF for 100,000 pages. Each limit below is checked *before* the work it bounds (from a page
count, a zip directory, a table's width), so a document over it costs little and becomes
status ``error`` with a message naming the limit, the size found and the setting.

The parse stage (flows/stages.py) also runs every document in a worker process with a wall
time limit (``timeout``) and an address-space limit (``memory_mb``, RLIMIT_AS): what the
caps do not foresee is still bounded, and one worker dying does not stop the others.

Every limit is an environment variable (``NIANBAO_PARSE_MAX_PAGES=5000 nianbao run …``);
``describe()`` lists them with their defaults (docs/hostile.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import LimitExceeded


@dataclass(frozen=True)
class Limit:
    name: str
    env: str
    default: int
    unit: str
    bounds: str  # what it bounds, for the docs and --help


LIMITS: tuple[Limit, ...] = (
    Limit("timeout", "NIANBAO_PARSE_TIMEOUT", 120, "s", "wall time to parse one document"),
    Limit(
        "memory_mb",
        "NIANBAO_PARSE_MEMORY_MB",
        768,
        "MB",
        "address space of a parse worker (RLIMIT_AS): its resident memory stays below it",
    ),
    Limit("input_mb", "NIANBAO_PARSE_MAX_MB", 200, "MB", "size of one document"),
    Limit("pages", "NIANBAO_PARSE_MAX_PAGES", 2000, "pages", "pages of one PDF"),
    Limit(
        "cells",
        "NIANBAO_PARSE_MAX_CELLS",
        1_000_000,
        "cells",
        "grid cells of all tables of one document, merged cells expanded",
    ),
    Limit(
        "span",
        "NIANBAO_PARSE_MAX_SPAN",
        1000,
        "columns",
        "columns one DOCX cell spans or a row skips (w:gridSpan, w:gridBefore, w:gridAfter)",
    ),
    Limit(
        "unzipped_mb",
        "NIANBAO_PARSE_MAX_UNZIPPED_MB",
        64,
        "MB",
        "decompressed size of a DOCX's word/document.xml",
    ),
    Limit(
        "attempts",
        "NIANBAO_PARSE_MAX_ATTEMPTS",
        3,
        "attempts",
        "parses of one document that killed or hung its worker before it is given up",
    ),
    Limit(
        "convert_timeout",
        "NIANBAO_CONVERT_TIMEOUT",
        60,
        "s",
        "LibreOffice converting one .doc/.wps (the whole process group is killed after it)",
    ),
    Limit(
        "convert_memory_mb",
        "NIANBAO_CONVERT_MEMORY_MB",
        2048,
        "MB",
        "address space of each LibreOffice process (RLIMIT_AS)",
    ),
)
_BY_NAME = {lim.name: lim for lim in LIMITS}
_installed: dict[str, int] | None = None
_parsed: dict[tuple, dict[str, int]] = {}


def from_env(environ=None) -> dict[str, int]:
    """Every limit's value: the environment variable if set (a positive integer), else the
    default. A malformed value raises ValueError naming the variable."""
    env = os.environ if environ is None else environ
    raw = tuple(env.get(lim.env) for lim in LIMITS)
    if raw not in _parsed:  # parsed once per distinct setting: get() is called per table
        _parsed[raw] = _parse(env)
    return dict(_parsed[raw])


def _parse(env) -> dict[str, int]:
    out = {}
    for lim in LIMITS:
        raw = env.get(lim.env, "").strip()
        if not raw:
            out[lim.name] = lim.default
            continue
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value <= 0:
            raise ValueError(f"{lim.env}={raw!r}: a positive whole number of {lim.unit} expected")
        out[lim.name] = value
    return out


def install(values: dict[str, int] | None) -> None:
    """Make ``values`` the limits of this process (a parse worker gets its parent's); None
    goes back to reading the environment."""
    global _installed
    _installed = dict(values) if values is not None else None


def get(name: str) -> int:
    """The value of one limit in this process."""
    if _installed is not None:
        return _installed[name]
    return from_env()[name]


def check(name: str, measured: int | float, what: str) -> None:
    """Raise LimitExceeded when ``measured`` is over limit ``name``; ``what`` says what was
    measured, e.g. ``"PDF has 100,000 pages"``."""
    limit = get(name)
    if measured > limit:
        raise LimitExceeded(exceeded(name, what), limit=name, measured=measured)


def exceeded(name: str, what: str) -> str:
    """The message for ``what`` being over limit ``name`` (also used where the bound is
    enforced by the operating system: the worker's time and memory)."""
    lim = _BY_NAME[name]
    return f"{what}: over the limit of {get(name):,} {lim.unit} ({lim.env})"


def describe() -> list[tuple[str, int, str, str]]:
    """(variable, default, unit, what it bounds) for every limit, in the table's order."""
    return [(lim.env, lim.default, lim.unit, lim.bounds) for lim in LIMITS]
