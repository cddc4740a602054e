"""Item pipeline: report pages and attachments → ``documents`` rows (idempotent upserts).

A ``documents`` row is "what we looked for": one per report page or attachment URL, with
the newest successfully fetched content hash. Statuses written here (nianbao.model):

- ``pending``            content fetched and not parsed at its current hash yet
- ``fetch_error``        HTTP >= 400 or no response at all; ``error`` says why. The hash of
                         the last good version (if any) is kept, so an earlier parse stays linked.
- ``robots_disallowed``  robots.txt forbids it: never fetched, the decision kept
- ``refused``            the crawl policy refused it (scheme, host, address): never sent
- otherwise the status the parse stage set is kept (the content has not changed).
"""

from __future__ import annotations

import json

from archive.crawlstore import fetched_fields
from archive.db import doc_id, now
from crawler.archiving import store_for
from nianbao.model import (
    STATUS_FETCH_ERROR,
    STATUS_REFUSED,
    STATUS_ROBOTS_DISALLOWED,
)


def is_failure(item) -> bool:
    status = item.get("http_status")
    return bool(item.get("error")) or status is None or status >= 400


class DocumentPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store = store_for(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        spider = self.crawler.spider
        run = spider.active.get(item["source_id"])
        try:
            if run is not None:
                self.count(run.stats, item)
            self.upsert(item, run.stats if run is not None else None)
        finally:
            spider.settle(None, item["source_id"])
        return item

    @staticmethod
    def count(stats, item) -> None:
        stats["documents"] += 1
        stats["pages" if item.get("role") == "page" else "attachments"] += 1
        if item.get("is_report"):
            stats["reports_found"] += 1
        if item.get("robots"):
            stats["robots_denied"] += 1
        elif item.get("refused"):
            pass  # a policy decision, counted by the archive as ``refused``: no site error
        elif is_failure(item):
            stats["errors"] += 1

    def upsert(self, item, stats) -> dict:
        did = doc_id(item["url"])
        if item.get("fresh"):
            return self.seen_again(did, item, stats)
        existing = self.store.document(did)
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
            if item.get(key) or not existing:
                row[key] = item.get(key)
        if existing is None:
            row["first_seen"] = ts
        if item.get("robots") or item.get("refused") or is_failure(item):
            row["status"] = (
                STATUS_ROBOTS_DISALLOWED
                if item.get("robots")
                else STATUS_REFUSED
                if item.get("refused")
                else STATUS_FETCH_ERROR
            )
            row["error"] = item.get("error") or f"HTTP {item.get('http_status')}"
        else:
            row.update(sha256=item.get("sha256"), content_type=item.get("content_type"))
            if item.get("links") is not None:
                # What crawler.freshness needs to answer this page from the archive later.
                row["links"] = json.dumps(item["links"], ensure_ascii=False)
            if stats is not None:
                old = existing.get("sha256") if existing else None
                stats[
                    "new" if old is None else "changed" if old != row["sha256"] else "unchanged"
                ] += 1
            row.update(fetched_fields(existing, row["sha256"]))
        self.store.upsert_document(row)
        return row

    def seen_again(self, did: str, item, stats) -> dict:
        """A document answered from the archive: its row holds these very bytes with the
        status the parse stage set (CrawlStore.fresh_candidate checked), so only when it
        was seen and from where changes."""
        row = {
            "id": did,
            "source_id": item.get("source_id"),
            "url": item["url"],
            "linked_from": item.get("linked_from"),
            "last_seen": now(),
        }
        if stats is not None:
            stats["unchanged"] += 1
        self.store.upsert_document(row)
        return row
