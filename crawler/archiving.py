"""``ArchiveMiddleware``: the downloader middleware that archives every attempt — glue
between Scrapy and the crawl's storage (archive.crawlstore.CrawlStore), taken in
``from_crawler`` as Scrapy's httpcache middleware takes its storage.

It sits next to the download handler (order 950, see crawler.settings), so it sees each
raw attempt, not just what reaches the spider: every retry of a 500, every redirect hop,
robots.txt, list pages, error pages, every attempt that failed without a response
(timeouts, refused connections, oversize bodies) and every request the crawl policy
refused. It also decompresses bodies (Scrapy's HttpCompressionMiddleware, with its size
cap), so the archive holds the bytes parsers read and a decompression bomb still gets its
capture row.

The capture id and content hash go on ``request.meta`` (crawler.meta: ``capture_id``,
``capture_sha256``, ``capture_size``) so items can point at the capture.

Incremental crawling: a GET whose URL has a good earlier body (``crawl_state``) carries
``If-None-Match`` / ``If-Modified-Since``. A 304 is archived (capture with ``status = 304``
and the earlier hash, a WARC revisit record), then handed on as the stored body with status
200 and ``nb_not_modified``: the spider reads it as before, and the document keeps its hash,
so nothing is stored again or re-parsed.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.responsetypes import responsetypes

from archive.crawlstore import CrawlStore
from crawler import meta as M
from crawler.errors import RefusedRequest, describe_exception


def store_for(crawler) -> CrawlStore:
    """The crawl's storage (one per crawler: its data folder is ``NIANBAO_DATA``)."""
    store = getattr(crawler, "nianbao_store", None)
    if store is None:
        store = crawler.nianbao_store = CrawlStore(crawler.settings.get("NIANBAO_DATA") or None)
    return store


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode("latin-1") if isinstance(value, bytes) else value


def headers_dict(headers) -> dict[str, str]:
    """Scrapy Headers → {name: value}; repeated headers joined with ', '."""
    return {_text(k): ", ".join(_text(v) for v in values) for k, values in headers.items()}


def _header_list(headers) -> list[tuple[str, str]]:
    return [(_text(k), _text(v)) for k, values in headers.items() for v in values]


class ArchiveMiddleware:
    """Conditional requests; record every response, failed attempt and refusal."""

    def __init__(self, crawler, store: CrawlStore):
        self.crawler = crawler
        self.store = store
        self.run_id = crawler.settings.get("NIANBAO_RUN_ID") or "adhoc"
        self.conditional = crawler.settings.getbool("NIANBAO_CONDITIONAL", True)
        self.decompression = HttpCompressionMiddleware.from_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, store_for(crawler))

    def _stats(self, request):
        run = self.crawler.spider.run_of(request)
        return run.stats if run is not None else None

    def _capture(self, request, **fields: Any) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source_id": request.meta.get(M.SOURCE),
            "url": request.url,
            "method": request.method,
            "referer": _text(request.headers.get("Referer")),
            **fields,
        }

    @staticmethod
    def _warc_request(request, **fields: Any) -> dict[str, Any]:
        return {
            "url": request.url,
            "method": request.method,
            "request_headers": _header_list(request.headers),
            "request_body": request.body or b"",
            **fields,
        }

    def process_request(self, request):
        """Make a GET for a URL with a stored good body conditional (ETag / Last-Modified)."""
        self.decompression.process_request(request)  # Accept-Encoding
        for key in (M.STATE, M.PREV_SHA256, M.CHANGED):  # copied onto redirects: per attempt
            request.meta.pop(key, None)
        if not self.conditional or request.method != "GET":
            return None
        state = self.store.state(request.url)
        if state:  # to tell a changed body from one a server resent unasked (nb_changed)
            request.meta[M.PREV_SHA256] = state.get("sha256")
        if not state or not self.store.has_body(state.get("sha256")):
            return None
        if state.get("etag"):
            request.headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            request.headers["If-Modified-Since"] = state["last_modified"]
        if state.get("etag") or state.get("last_modified"):
            request.meta[M.STATE] = state
        return None

    def process_response(self, request, response):
        stats = self._stats(request)
        if stats is not None:
            stats["captures"] += 1
        state = request.meta.get(M.STATE)
        if response.status == 304 and state:
            if stats is not None:
                stats["not_modified"] += 1
            return self._not_modified(request, response, state)
        try:
            response = self.decompression.process_response(request, response)
        except IgnoreRequest as exc:  # a decompression bomb: refused, but on record
            self._record_refused_response(request, response, exc, stats)
            raise
        if stats is not None:
            stats["bytes"] += len(response.body)
        return self._stored(request, response)

    def _stored(self, request, response):
        body, ctype = response.body, _text(response.headers.get("Content-Type"))
        good_get = request.method == "GET" and 200 <= response.status < 300
        capture = self._capture(
            request,
            final_url=response.url,
            status=response.status,
            content_type=ctype,
            size=len(body),
            bytes_received=len(body),
            headers=headers_dict(response.headers),
        )
        capture_id = self.store.record_fetch(
            run_id=self.run_id,
            capture=capture,
            body=body,
            state={
                "etag": _text(response.headers.get("ETag")),
                "last_modified": _text(response.headers.get("Last-Modified")),
            }
            if good_get
            else None,
            warc_args=self._warc_request(
                request,
                status=response.status,
                response_headers=_header_list(response.headers),
                body=body,
            ),
        )
        request.meta.update(
            {
                M.CAPTURE_ID: capture_id,
                M.CAPTURE_SHA256: capture["sha256"],
                M.CAPTURE_SIZE: len(body),
            }
        )
        request.meta.pop(M.NOT_MODIFIED, None)
        # A body that differs from the one stored before for this URL (not merely resent).
        prev = request.meta.get(M.PREV_SHA256)
        request.meta[M.CHANGED] = prev is not None and prev != capture["sha256"]
        return response

    def _not_modified(self, request, response, state: dict):
        """Archive a 304 and answer with the body it confirmed, as if sent again."""
        stored = self.store.body(state["sha256"])
        capture_id = self.store.record_fetch(
            run_id=self.run_id,
            capture=self._capture(
                request,
                final_url=response.url,
                status=304,
                sha256=state["sha256"],
                content_type=_text(response.headers.get("Content-Type"))
                or state.get("content_type"),
                size=len(stored),
                bytes_received=len(response.body),
                headers=headers_dict(response.headers),
            ),
            body=stored,
            not_modified=True,
            warc_args=self._warc_request(
                request,
                status=304,
                response_headers=_header_list(response.headers),
                body=stored,
                revisit_of=(state.get("last_changed") or state.get("last_fetched"), request.url),
            ),
        )
        request.meta.update(
            {
                M.CAPTURE_ID: capture_id,
                M.CAPTURE_SHA256: state["sha256"],
                M.CAPTURE_SIZE: len(stored),
                M.NOT_MODIFIED: True,
            }
        )
        headers = response.headers.copy()
        if state.get("content_type"):
            headers["Content-Type"] = state["content_type"]
        cls = responsetypes.from_args(headers=headers, url=request.url, body=stored)
        return cls(
            url=response.url,
            status=200,
            headers=headers,
            body=stored,
            request=request,
            flags=[*response.flags, "not_modified"],
        )

    def _record_refused_response(self, request, response, exc, stats) -> None:
        request.meta[M.CAPTURE_ID] = self.store.record_unfetched(
            run_id=self.run_id,
            capture=self._capture(
                request,
                final_url=response.url,
                status=response.status,
                content_type=_text(response.headers.get("Content-Type")),
                bytes_received=len(response.body),
                headers=headers_dict(response.headers),
                error=describe_exception(exc),
            ),
        )
        if stats is not None:
            stats["failed_fetches"] += 1

    def process_exception(self, request, exception):
        if isinstance(exception, IgnoreRequest) and not isinstance(exception, RefusedRequest):
            return None  # robots.txt: a decision, not a fetch (the document row records it)
        stats = self._stats(request)
        capture = self._capture(request, error=describe_exception(exception))
        if isinstance(exception, RefusedRequest):
            # Never sent: a capture row says what was refused and why; no WARC record.
            capture_id = self.store.record_unfetched(run_id=self.run_id, capture=capture)
        else:
            capture_id = self.store.record_fetch(
                run_id=self.run_id,
                capture=capture,
                body=None,
                warc_args=self._warc_request(request, status=None, response_headers=[], body=None),
            )
        request.meta[M.CAPTURE_ID] = capture_id
        request.meta.pop(M.CAPTURE_SHA256, None)
        request.meta.pop(M.CAPTURE_SIZE, None)
        if stats is not None:
            stats["captures"] += 1
            stats["failed_fetches"] += 1
            if isinstance(exception, RefusedRequest):
                stats["refused"] += 1
        return None
