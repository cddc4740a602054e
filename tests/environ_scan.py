"""Processes found by their environment (``/proc/<pid>/environ``): how tests check that no
process they caused is left running, whoever its parent was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def pids_whose_environment(match: Callable[[list[bytes]], bool]) -> set[int]:
    """Pids of this user's processes whose environment entries (``b"NAME=value"``) satisfy
    ``match``."""
    found = set()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            entries = environ.read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or another user's
            continue
        if match(entries):
            found.add(int(environ.parent.name))
    return found
