"""Revalidation policy: which report pages and attachments a crawl asks the site about again.

Conditional requests (crawler.archiving) make an unchanged document cost a 304 and no bytes,
but still one request, one download slot and a politeness delay. A source with years of
reports would otherwise send every one of those requests every night, for documents that
almost never change. So:

- **List pages are revalidated on every run** (and robots.txt): they announce new reports,
  and a report that is no longer listed is flagged as disappeared. **Everything a list or
  report page links is revalidated when that page changed** since the last run (a report
  was added, re-dated or re-titled after a correction; a corrected page may link a
  replaced file at the same URL).
- **A report page or attachment is revalidated when its stored copy is stale.** Its
  freshness lifetime is the HTTP heuristic of RFC 9111 §4.2.2 — a fraction
  (``NIANBAO_REVALIDATE_FRACTION``, 10 %) of the time between its last change and its last
  check — capped at ``NIANBAO_REVALIDATE_MAX_DAYS`` (7). "Last change" is the server's
  ``Last-Modified`` if it sent one, else when nianbao first saw the current bytes. A report
  published yesterday is checked again the next night; one unchanged for months, once a
  week. A report silently replaced at the same URL is therefore found within a week (the
  next night when it is new, when corrections happen); a run with ``--revalidate-all``
  (``NIANBAO_REVALIDATE_ALL``) checks everything.
- A fresh document is *answered from the archive*: the spider yields its item from the
  ``documents`` row (``SourcesSpider.answer_from_archive``) and, for a report page, requests
  for the attachments recorded with it (``documents.links``, written whenever the page is
  read) — which are fresh or not in their own right. The document's ``last_seen``
  advances; no request, capture or WARC record is made, no body is read. Only documents
  whose last fetch succeeded with the bytes the archive holds qualify; everything else (a
  failed fetch, a redirect, a URL never fetched, a page from before links were recorded)
  goes to the network.

``FreshDocumentsMiddleware`` applies the policy to the spiders' output; it is a spider
middleware so that a skipped document never enters the scheduler, the downloader or the
engine's per-request work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from scrapy import Request

from archive.db import doc_id
from crawler import meta as M
from crawler.archiving import store_for


def _parse_time(value: str | None) -> datetime | None:
    """An HTTP date or an ISO 8601 timestamp as an aware datetime; None if unreadable."""
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        try:
            t = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RevalidationPolicy:
    """When a stored report page or attachment must be asked about again (see module doc)."""

    fraction: float = 0.1
    max_age: timedelta = timedelta(days=7)
    revalidate_all: bool = False

    @classmethod
    def from_settings(cls, settings) -> RevalidationPolicy:
        return cls(
            fraction=settings.getfloat("NIANBAO_REVALIDATE_FRACTION", 0.1),
            max_age=timedelta(days=settings.getfloat("NIANBAO_REVALIDATE_MAX_DAYS", 7)),
            revalidate_all=settings.getbool("NIANBAO_REVALIDATE_ALL", False),
        )

    def lifetime(self, state: dict) -> timedelta:
        """How long after its last check a document stays fresh.

        >>> p = RevalidationPolicy()
        >>> p.lifetime({"last_fetched": "2025-03-11T00:00:00+00:00",
        ...             "last_modified": "Sat, 01 Mar 2025 00:00:00 GMT"})
        datetime.timedelta(days=1)
        >>> p.lifetime({"last_fetched": "2025-12-01T00:00:00+00:00",
        ...             "last_modified": "Sat, 01 Mar 2025 00:00:00 GMT"})
        datetime.timedelta(days=7)
        """
        checked = _parse_time(state.get("last_fetched"))
        changed = _parse_time(state.get("last_modified")) or _parse_time(state.get("last_changed"))
        if checked is None or changed is None or changed >= checked:
            return timedelta(0)  # unknown or future change time (a clock off): always stale
        return min(self.max_age, (checked - changed) * self.fraction)

    def is_fresh(self, state: dict, at: datetime | None = None) -> bool:
        """True when ``state`` (a crawl_state row) needs no request at ``at`` (default: now)."""
        if self.revalidate_all:
            return False
        checked = _parse_time(state.get("last_fetched"))
        if checked is None:
            return False
        at = at or datetime.now(UTC)
        return at - checked < self.lifetime(state)


class FreshDocumentsMiddleware:
    """Spider middleware: answer fresh report pages and attachments from the archive.

    Every request the spider yields for a document (``nb_kind`` page or attachment) is
    looked up; when the policy says the stored copy is fresh, the spider answers it from
    the archive at once and that output is processed the same way (a fresh page's
    attachments may be fresh too). Counted per source as ``fresh``.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = store_for(crawler)
        self.policy = RevalidationPolicy.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_spider_output(self, response, result):
        # A list or report page whose body changed since the last run: something in it
        # moved (a new report, a re-dated or re-titled one, a corrected page that may link
        # a replaced file), so everything it links is asked about.
        changed = response is not None and response.meta.get(M.CHANGED)
        async for obj in result:
            if changed:
                yield obj
                continue
            for out in self._answer(obj):
                yield out

    def _answer(self, obj):
        if (
            not isinstance(obj, Request)
            or self.policy.revalidate_all
            or obj.method != "GET"
            or obj.meta.get(M.KIND) not in M.DOCUMENT_KINDS
        ):
            yield obj
            return
        spider = self.crawler.spider
        run = spider.run_of(obj)
        if run is None:
            yield obj
            return
        if obj.url in run.answered:
            spider.settle(obj)  # linked twice: answered once
            return
        document_id = doc_id(obj.meta.get(M.URL, obj.url))
        known = self.store.fresh_candidate(obj.url, document_id)
        if known is None or not self.policy.is_fresh(known):
            if known is None and self.store.failed_last_time(document_id):
                # Failed last run too: one attempt tonight. Retries are for a passing
                # fault; a document that times out every night cost three timeouts of its
                # site's slot each night (the demo's slow page: 3 s of a 10 s rerun).
                obj.meta["dont_retry"] = True
            yield obj
            return
        run.answered.add(obj.url)
        run.stats["fresh"] += 1
        for out in spider.answer_from_archive(run, obj, known):
            yield from self._answer(out)
        spider.settle(obj)  # after its answer was made: that holds the source open
