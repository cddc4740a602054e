"""Archive every fetch: bodies into the content-addressed BlobStore, one ``captures`` row each.

``ArchiveMiddleware`` is a downloader middleware placed next to the download handler
(order 950, see crawler.settings), so it sees each raw attempt, not just what reaches the
spider: every retry of a 500, every redirect hop, robots.txt, list pages, error pages,
and every attempt that failed without a response (timeouts, refused connections, oversize
bodies). Engine-level signals (``response_received``) fire only once per request after
retries and redirects are resolved, which is why this is a middleware.

The capture id and content hash are put on ``request.meta`` (hence ``response.meta``)
as ``capture_id`` / ``capture_sha256`` / ``capture_size`` so the spider can copy them
into its items and the pipeline can link documents to captures.
"""
from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from archive.db import open_db, record_blob, record_capture
from archive.store import BlobStore
from nianbao.config import paths

logger = logging.getLogger(__name__)

_ARCHIVES: dict[str, "Archive"] = {}


class Archive:
    """The database and blob store of one data folder (shared by all crawlers of a process)."""

    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir).resolve()
        self.db = open_db(self.data_dir / "nianbao.db")
        self.store = BlobStore(self.data_dir / "blobs")

    def put_body(self, body: bytes) -> str:
        sha, _new = self.store.put(body)
        record_blob(self.db, sha, len(body), self.store.relpath(sha))
        return sha


def get_archive(settings) -> Archive:
    """The Archive for the crawl's data folder (``NIANBAO_DATA``, else nianbao's default)."""
    data = settings.get("NIANBAO_DATA") or str(paths().data)
    key = str(Path(data).resolve())
    if key not in _ARCHIVES:
        _ARCHIVES[key] = Archive(key)
    return _ARCHIVES[key]


def run_id_from(settings) -> str:
    return settings.get("NIANBAO_RUN_ID") or (
        "adhoc-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))


def spider_stats(spider) -> Counter:
    """The per-source counters that crawler.run reports (created on first use)."""
    stats = getattr(spider, "nb_stats", None)
    if stats is None:
        stats = spider.nb_stats = Counter()
    return stats


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def headers_dict(headers) -> dict[str, str]:
    """Scrapy Headers → {name: value}; repeated headers joined with ', '."""
    out = {}
    for key, values in headers.items():
        out[_text(key)] = ", ".join(_text(v) for v in values)
    return out


def describe_exception(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ArchiveMiddleware:
    """Downloader middleware: record every response and every failed attempt."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.archive = get_archive(crawler.settings)
        self.run_id = run_id_from(crawler.settings)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self):
        return self.crawler.spider

    @property
    def source_id(self) -> str | None:
        return getattr(self.spider, "source_id", None) or getattr(self.spider, "name", None)

    def _common(self, request) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "source_id": self.source_id, "url": request.url,
            "method": request.method, "referer": _text(request.headers.get("Referer")),
        }

    def process_response(self, request, response):
        body = response.body
        sha = self.archive.put_body(body)
        capture_id = record_capture(
            self.archive.db, **self._common(request),
            final_url=response.url, status=response.status, sha256=sha,
            content_type=_text(response.headers.get("Content-Type")), size=len(body),
            headers=headers_dict(response.headers), error=None)
        request.meta["capture_id"] = capture_id
        request.meta["capture_sha256"] = sha
        request.meta["capture_size"] = len(body)
        stats = spider_stats(self.spider)
        stats["captures"] += 1
        stats["bytes"] += len(body)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, IgnoreRequest):
            # Not a fetch (robots.txt disallows it, or a middleware dropped it).
            return None
        capture_id = record_capture(
            self.archive.db, **self._common(request),
            final_url=None, status=None, sha256=None, content_type=None, size=None,
            headers=None, error=describe_exception(exception))
        request.meta["capture_id"] = capture_id
        request.meta.pop("capture_sha256", None)
        request.meta.pop("capture_size", None)
        stats = spider_stats(self.spider)
        stats["captures"] += 1
        stats["failed_fetches"] += 1
        return None

    def spider_error(self, failure, response, spider):
        spider_stats(spider)["spider_errors"] += 1
