"""``SourcesSpider``: one Scrapy spider serving every source of a crawl process.

Each source is a registry entry with a CMS family (crawler.families) that reads its list
pages; what follows a list — report pages, attachments, items — is shared and lives here.
Politeness stays per site: requests carry their site's download slot, Scrapy's per-slot
concurrency, delay and AutoThrottle apply to each site (crawler.middlewares).

Sources start in the order given (crawler.schedule), at most ``NIANBAO_ACTIVE_SOURCES`` at
a time: what the process holds grows with the sources in flight, not with the registry.
A source is finished when its last request is answered and its last item stored (its
``SourceRun`` counts them); its ``source_runs`` row is written then and its state dropped.
With a time limit (``NIANBAO_MAX_MINUTES``) no source starts after 90 % of it, and Scrapy's
CLOSESPIDER_TIMEOUT stops the crawl at the limit; unfinished sources are recorded as
``time_limit`` and go first the next night.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawler import meta as M
from crawler.archiving import store_for
from crawler.errors import RefusedRequest, describe_exception
from crawler.extract import (
    extract_attachments,
    extract_date,
    extract_title,
    fix_encoding,
    meta_tags,
)
from crawler.items import DocumentItem
from crawler.monitoring import FINISHED, TIME_LIMIT, source_run_row, summary
from crawler.sources import SourceRun
from nianbao.dates import url_date

# Fraction of the time limit after which no further source is started.
START_CUTOFF = 0.9


def settles(method):
    """A callback or errback that answers one request of a source: when its output has been
    produced (every further request and item counted), that request is settled."""

    @functools.wraps(method)
    def wrapper(self, result, *args, **kwargs):
        try:
            yield from method(self, result, *args, **kwargs)
        finally:
            self.settle(result.request)

    return wrapper


class SourcesSpider(scrapy.Spider):
    """Crawl many registry sources in one process (see the module docstring)."""

    name = "nianbao"

    def __init__(self, sources: list[dict], run_id: str = "adhoc", **kwargs: Any):
        super().__init__(**kwargs)
        self.queue = list(sources)
        self.run_id = run_id
        self.active: dict[str, SourceRun] = {}
        self.results: dict[str, dict] = {}  # source id → summary (crawler.monitoring)
        self.deferred: list[str] = []  # sources not started before the time limit
        self._freed: asyncio.Event | None = None
        self.deadline: float | None = None  # monotonic time of the time limit, if any

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.on_spider_error, signal=signals.spider_error)
        return spider

    @property
    def store(self):
        return store_for(self.crawler)

    # --- sources ----------------------------------------------------------------------
    async def start(self):
        limit = self.settings.getint("NIANBAO_ACTIVE_SOURCES", 200)
        minutes = self.settings.getfloat("NIANBAO_MAX_MINUTES", 0)
        now = time.monotonic()
        cutoff = now + START_CUTOFF * 60 * minutes if minutes else None
        self.deadline = now + 60 * minutes if minutes else None
        self._freed = asyncio.Event()
        for i, source in enumerate(self.queue):
            while len(self.active) >= limit:
                self._freed.clear()
                await self._freed.wait()
            if cutoff is not None and time.monotonic() > cutoff:
                self.deferred = [s["id"] for s in self.queue[i:]]
                self.logger.info("time limit: %d sources left for the next run", len(self.deferred))
                break
            run = self.active[source["id"]] = SourceRun(self, source)
            # All made before the first is yielded: one answered early must not leave the
            # source with nothing pending while its other start URLs wait.
            for request in list(run.family.start_requests()):
                yield request
        self.queue = []

    def run_of(self, request: scrapy.Request) -> SourceRun | None:
        return self.active.get(request.meta.get(M.SOURCE))

    def settle(self, request: scrapy.Request | None, source_id: str | None = None) -> None:
        """One request (or item) of a source answered; the source is done at the last."""
        if request is not None:
            if not request.meta.get(M.COUNTED):
                return
            source_id = request.meta[M.SOURCE]
        run = self.active.get(source_id)
        if run is None:
            return
        run.pending -= 1
        if run.pending <= 0:
            # Past the time limit the crawl is stopping: what settles now was cut short.
            late = self.deadline is not None and time.monotonic() >= self.deadline
            self.finish_source(run, TIME_LIMIT if late else FINISHED)

    def finish_source(self, run: SourceRun, reason: str) -> None:
        """Write the source's ``source_runs`` row and drop its state."""
        self.active.pop(run.id, None)
        row = source_run_row(self.store, self.run_id, run.id, run.started, run.stats, reason)
        self.store.record_source_runs([row])
        self.results[run.id] = summary(run.stats, reason, row["flags"])
        if self._freed is not None:
            self._freed.set()

    def closed(self, reason: str) -> None:
        """Sources still in flight when the crawl stops (time limit, shutdown), and those
        that never started (left for the next run: they are the most urgent then)."""
        why = TIME_LIMIT if reason == "closespider_timeout" else reason
        done = set(self.results) | set(self.active) | set(self.deferred)
        self.deferred += [s["id"] for s in self.queue if s["id"] not in done]
        for run in list(self.active.values()):
            self.finish_source(run, FINISHED if reason == FINISHED else why)
        self.close_reason = reason

    def request_dropped(self, request: scrapy.Request, spider=None) -> None:
        """A duplicate the scheduler dropped: never answered, so settled here."""
        self.settle(request)

    def on_spider_error(self, failure, response, spider=None) -> None:
        run = self.run_of(response.request) if response is not None else None
        if run is not None:
            run.stats["spider_errors"] += 1

    # --- list pages -------------------------------------------------------------------
    @settles
    def parse_list_page(self, response: Response):
        """A list page: counted, skipped when its status says it is no list, its encoding
        repaired, then read by the family's handler (``parse_list`` unless set)."""
        run = self.run_of(response.request)
        if run is None:
            return
        run.stats["lists"] += 1
        if not 200 <= response.status < 300:
            run.stats["errors"] += 1
            self.logger.warning("list page %s returned HTTP %s", response.url, response.status)
            return
        if not isinstance(response, TextResponse):
            run.stats["errors"] += 1
            self.logger.warning("list page %s is not text", response.url)
            return
        handler = getattr(run.family, response.meta.get(M.HANDLER, "parse_list"))
        yield from handler(fix_encoding(response))

    @settles
    def on_list_error(self, failure):
        run = self.run_of(failure.request)
        if run is None:
            return
        run.stats["lists"] += 1
        run.stats["errors"] += 1
        self.logger.warning(
            "list page %s failed: %s", failure.request.url, describe_exception(failure.value)
        )
        yield from ()

    # --- report pages and attachments -------------------------------------------------
    @settles
    def parse_detail(self, response: Response):
        run = self.run_of(response.request)
        if run is None:
            return
        direct_file = M.ATTACHMENT == response.meta.get(M.KIND)
        if not 200 <= response.status < 300:
            role = M.ATTACHMENT if direct_file else M.PAGE_KIND
            yield self.item(run, response, role, error=f"HTTP {response.status}")
            return
        if not isinstance(response, TextResponse) or direct_file:
            # The list linked a file directly: it is the report (an attachment of the list).
            yield self.item(run, response, M.ATTACHMENT)
            return
        yield from self.read_report_page(run, fix_encoding(response))

    def read_report_page(self, run: SourceRun, response: TextResponse):
        """A report page: its item (title, date, links) and requests for its attachments."""
        metas = meta_tags(response)
        title = extract_title(response, response.meta.get(M.TITLE), metas)
        published = extract_date(response, response.meta.get(M.DATE), metas)
        page_url = self.document_url(response)
        links = [
            (url, link_title)
            for url, link_title in extract_attachments(response)
            if url not in (response.meta[M.URL], response.url, page_url)
        ]
        yield self.item(run, response, M.PAGE_KIND, title=title, published=published, links=links)
        for url, link_title in links:
            yield run.attachment_request(url, link_title or title, published, page_url)

    @settles
    def parse_attachment(self, response: Response):
        run = self.run_of(response.request)
        if run is None:
            return
        error = None if 200 <= response.status < 300 else f"HTTP {response.status}"
        yield self.item(run, response, M.ATTACHMENT, error=error)

    @settles
    def on_document_error(self, failure):
        request, exc = failure.request, failure.value
        run = self.run_of(request)
        if run is None:
            return
        robots = isinstance(exc, IgnoreRequest) and "robots" in str(exc).lower()
        if robots:
            self.logger.info("robots.txt disallows %s: not fetched", request.url)
        yield self.new_item(
            run,
            request.meta,
            robots=robots,
            refused=isinstance(exc, RefusedRequest),
            url=request.meta.get(M.URL, request.url),
            role=request.meta.get(M.KIND, M.PAGE_KIND),
            capture_id=request.meta.get(M.CAPTURE_ID),
            error=describe_exception(exc),
        )

    def answer_from_archive(self, run: SourceRun, request: scrapy.Request, known: dict):
        """What :meth:`parse_detail` / :meth:`parse_attachment` would yield for ``request``,
        from the archive's record of it (``CrawlStore.fresh_candidate``) instead of a
        response: the document's item and, for a report page, requests for the attachments
        it linked. For documents the revalidation policy does not ask about
        (crawler.freshness)."""
        meta = request.meta
        links = json.loads(known["links"]) if known.get("links") else []
        url = meta.get(M.URL, request.url)
        yield self.new_item(
            run,
            meta,
            not_modified=True,
            fresh=True,
            url=url,
            role=known["role"],
            title=known.get("title") or meta.get(M.TITLE),
            published=known.get("published") or meta.get(M.DATE),
            sha256=known["sha256"],
            content_type=known.get("content_type"),
            size=known.get("size"),
            capture_id=known.get("capture_id"),
            http_status=known.get("http_status"),
            links=links if known["role"] == M.PAGE_KIND else None,
        )
        for link, title in links:
            yield run.attachment_request(
                link, title or known.get("title"), known.get("published"), url
            )

    @staticmethod
    def document_url(response: Response) -> str:
        """The document's URL: as linked, or where a redirect finally led (the canonical
        address; the linked one stays in captures.url of the redirect hops)."""
        if response.meta.get("redirect_urls"):
            return response.url
        return response.meta.get(M.URL, response.url)

    def item(self, run: SourceRun, response: Response, role: str, **fields: Any) -> DocumentItem:
        """The item of a fetched document."""
        meta = response.meta
        ctype = response.headers.get("Content-Type")
        fields.setdefault("title", None)
        fields["title"] = fields["title"] or meta.get(M.TITLE)
        fields["published"] = fields.get("published") or meta.get(M.DATE) or url_date(response.url)
        return self.new_item(
            run,
            meta,
            not_modified=bool(meta.get(M.NOT_MODIFIED)),
            url=self.document_url(response),
            role=role,
            sha256=meta.get(M.CAPTURE_SHA256),
            content_type=ctype.decode("latin-1") if ctype else None,
            size=meta.get(M.CAPTURE_SIZE),
            capture_id=meta.get(M.CAPTURE_ID),
            http_status=response.status,
            **fields,
        )

    def new_item(self, run: SourceRun, meta: dict, **fields: Any) -> DocumentItem:
        """A ``DocumentItem`` of ``run``'s source; it holds the source open until stored."""
        fields.setdefault("title", meta.get(M.TITLE))
        fields.setdefault("published", meta.get(M.DATE))
        run.pending += 1
        return DocumentItem(
            is_report=bool(meta.get(M.REPORT)),
            source_id=run.id,
            linked_from=meta.get(M.LINKED_FROM),
            **fields,
        )
