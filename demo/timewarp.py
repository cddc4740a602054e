"""Stand-in for nights passing between crawls, for tests and benchmarks.

The revalidation policy (crawler.freshness) decides from ``crawl_state.last_fetched`` what
to ask the sites about again. A benchmark of "the next night's run", or a test of "a week
later", cannot wait: it moves every stored check back in time instead.
"""

from __future__ import annotations

import os
import sqlite3


def pass_time(db_path: str | os.PathLike, days: float, where: str = "1") -> int:
    """Move the last check of every crawl_state row (or those matching the SQL ``where``)
    ``days`` into the past; returns the number of rows moved."""
    con = sqlite3.connect(db_path, timeout=30)
    try:
        with con:
            cur = con.execute(
                "update crawl_state set last_fetched = strftime('%Y-%m-%dT%H:%M:%S+00:00', "
                f"last_fetched, ?) where {where}",
                [f"-{float(days)} days"],
            )
        return cur.rowcount
    finally:
        con.close()
