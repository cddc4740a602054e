"""Item pipeline: report pages and attachments → ``documents`` rows (idempotent upserts).

A ``documents`` row is "what we looked for": one per report page or attachment URL, with
the newest successfully fetched content hash. Statuses written here:

- ``pending``      content fetched and its hash differs from ``parsed_sha256`` (parse it)
- ``fetch_error``  HTTP >= 400 or no response at all; ``error`` says why. The hash of the
                   last good version (if any) is kept, so an earlier parse stays linked.
- otherwise the status the parse stage set is kept (the content has not changed).
"""

from __future__ import annotations

import json

from archive.db import doc_id, now
from crawler.archiving import get_archive, spider_stats

FETCH_ERROR = "fetch_error"
ROBOTS = "robots_disallowed"  # robots.txt forbids the URL: never fetched, decision kept
PENDING = "pending"


def is_failure(item) -> bool:
    status = item.get("http_status")
    return bool(item.get("error")) or status is None or status >= 400


class DocumentPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.archive = get_archive(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        self.upsert(item)
        stats = spider_stats(self.crawler.spider)
        stats["documents"] += 1
        stats["pages" if item.get("role") == "page" else "attachments"] += 1
        if is_failure(item) and not item.get("robots"):
            stats["errors"] += 1
        return item

    def upsert(self, item) -> dict:
        conn = self.archive.db.conn
        did = doc_id(item["url"])
        found = conn.execute(
            "select status, sha256, parsed_sha256 from documents where id = ?", [did]
        ).fetchone()
        existing = dict(zip(("status", "sha256", "parsed_sha256"), found)) if found else None
        ts = now()
        row = {
            "id": did,
            "source_id": item.get("source_id"),
            "url": item["url"],
            "role": item.get("role"),
            "linked_from": item.get("linked_from"),
            "last_seen": ts,
            "capture_id": item.get("capture_id"),
            "http_status": item.get("http_status"),
        }
        # Keep earlier metadata when this fetch could not provide it.
        for key in ("title", "published"):
            value = item.get(key)
            if value or not existing:
                row[key] = value
        if existing is None:
            row["first_seen"] = ts
        stats = spider_stats(self.crawler.spider)
        if item.get("is_report"):
            stats["reports_found"] += 1
        if item.get("robots"):
            row["status"] = ROBOTS
            row["error"] = item.get("error")
            stats["robots_denied"] += 1
        elif is_failure(item):
            row["status"] = FETCH_ERROR
            row["error"] = item.get("error") or f"HTTP {item.get('http_status')}"
        else:
            row["sha256"] = item.get("sha256")
            row["content_type"] = item.get("content_type")
            if item.get("links") is not None:
                # What crawler.freshness needs to answer this page from the archive later.
                row["links"] = json.dumps(item["links"], ensure_ascii=False)
            parsed = existing.get("parsed_sha256") if existing else None
            old_status = existing.get("status") if existing else None
            old_sha = existing.get("sha256") if existing else None
            if existing is None or old_sha is None:
                stats["new"] += 1
            elif old_sha != row["sha256"]:
                stats["changed"] += 1
            else:
                stats["unchanged"] += 1
            if row["sha256"] != parsed or old_status in (None, FETCH_ERROR, PENDING, ROBOTS):
                row["status"] = PENDING
                row["error"] = None
            else:  # parsed already: its status and the parse's error stay (bench/chaos.py
                row["status"] = old_status  # found a no-change rerun blanking the error)
        # Raw SQL: sqlite-utils' upsert introspects the table on every call (~10 queries).
        # Columns not in ``row`` (parsed_sha256, parsed_by, first_seen…) keep their value.
        cols = list(row)
        sql = _UPSERT_SQL.get(tuple(cols))
        if sql is None:
            sql = _UPSERT_SQL[tuple(cols)] = (
                f"insert into documents ({', '.join(cols)}) values ({', '.join('?' * len(cols))}) "
                f"on conflict(id) do update set "
                + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id")
            )
        with conn:
            conn.execute(sql, [row[c] for c in cols])
        return row


_UPSERT_SQL: dict[tuple, str] = {}
