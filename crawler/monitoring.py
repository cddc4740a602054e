"""Per-source run rows (``source_runs``) and the flags a curator should see.

``no_reports``: a source that had report pages yields none this run. ``disappeared``: a
report page seen before that no list of this run links any more. Both are decided only for
a source whose crawl finished (a source stopped by the time limit has not seen its lists).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from archive.crawlstore import CrawlStore
from archive.db import now

# The per-source counters a crawl reports (crawler.run prints them; source_runs keeps most).
STAT_KEYS = (
    "pages",
    "documents",
    "attachments",
    "errors",
    "bytes",
    "lists",
    "captures",
    "failed_fetches",
    "skipped_items",
    "spider_errors",
    "not_modified",
    "fresh",
    "reports_found",
    "new",
    "changed",
    "unchanged",
    "robots_denied",
    "refused",
)
FINISHED = "finished"
TIME_LIMIT = "time_limit"


def source_flags(store: CrawlStore, run_id: str, source_id: str, started: str, stats) -> list:
    """The flags of one finished source (see the module docstring)."""
    before = store.report_pages_before(source_id, started)
    if before and not stats.get("reports_found"):
        # The whole source is flagged, not each of its reports.
        return [{"flag": "no_reports", "message": f"{before} report pages before, none found"}]
    return [
        {"flag": "disappeared", "url": url, "message": "report page no longer linked from its list"}
        for url in store.unlinked_report_pages(source_id, started, run_id)
    ]


def source_run_row(
    store: CrawlStore, run_id: str, source_id: str, started: str, stats: Mapping, reason: str
) -> dict:
    """The ``source_runs`` row of one source (its flags computed when it finished)."""
    flags = source_flags(store, run_id, source_id, started, stats) if reason == FINISHED else []
    return {
        "run_id": run_id,
        "source_id": source_id,
        "started_at": started,
        "finished_at": now(),
        "pages_fetched": stats.get("captures", 0) - stats.get("not_modified", 0),
        "not_modified": stats.get("not_modified", 0),
        "fresh": stats.get("fresh", 0),
        "bytes": stats.get("bytes", 0),
        "reports_found": stats.get("reports_found", 0),
        "new": stats.get("new", 0),
        "changed": stats.get("changed", 0),
        "unchanged": stats.get("unchanged", 0),
        "errors": stats.get("errors", 0),
        "robots_denied": stats.get("robots_denied", 0),
        "disappeared": sum(f["flag"] == "disappeared" for f in flags),
        "flags": json.dumps(flags, ensure_ascii=False),
        "finish_reason": reason,
    }


def summary(stats: Mapping, reason: str, flags_json: str) -> dict:
    """What the crawl process prints for one source: its counters, reason and flags."""
    out = {k: int(stats.get(k, 0)) for k in STAT_KEYS}
    out["responses"] = out["captures"] - out["failed_fetches"]
    out["finish_reason"] = reason
    out["flags"] = [f["flag"] for f in json.loads(flags_json)]
    return out
