"""Whether a process still runs: stale temporary files are named after the process that
writes them, and may be removed once it is gone."""

from __future__ import annotations

import os
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs.

    A worker killed but not yet reaped by its pool is a zombie: it still answers signal 0, yet
    it will never clean up after itself again, so it counts as gone.

    >>> alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no procfs (or it just ended): signal 0 answered, so call it alive
        return True
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
