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

Incremental crawling: for a GET whose URL has a good earlier body (``crawl_state``), the
request carries ``If-None-Match`` / ``If-Modified-Since``. A 304 is archived as a capture
with ``status = 304`` and the earlier hash (and a WARC revisit record), then handed on as
the stored body with status 200 and ``meta["nb_not_modified"] = True``: the spider follows
its links as before, and the document keeps its hash, so nothing is stored again or
re-parsed. (Which report pages and attachments are asked about at all is the revalidation
policy's call: crawler.freshness.)

Every fetch is also written to the run's WARC file (archive.warc) and the capture row
points at the record (``warc_file``, ``warc_offset``, ``warc_length``). The blob, WARC
record, capture row and crawl state of one fetch are written in one transaction.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from archive.db import now, open_db
from archive.store import BlobStore
from archive.warc import WarcLog
from nianbao.config import paths

logger = logging.getLogger(__name__)

_ARCHIVES: dict[str, Archive] = {}


class Archive:
    """The database and blob store of one data folder (shared by all crawlers of a process)."""

    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir).resolve()
        self.db = open_db(self.data_dir / "nianbao.db")
        # WAL + synchronous=NORMAL: a commit is not fsynced, so a fetch costs ~0.1 ms of
        # SQLite instead of several ms. A killed crawl loses nothing (the WAL is in the OS
        # cache); only a power cut could drop the last commits, and the next crawl
        # re-fetches what they described (blobs and WARC records are written first).
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.store = BlobStore(self.data_dir / "blobs")
        self.warcs: dict[str, WarcLog] = {}

    def warc(self, run_id: str) -> WarcLog:
        log = self.warcs.get(run_id)
        if log is None:
            log = self.warcs[run_id] = WarcLog(self.data_dir, run_id)
        return log

    def close_warcs(self) -> None:
        """Close this process's WARC files and record their size and hash."""
        for _run_id, log in list(self.warcs.items()):
            info = log.close()
            if info:
                with self.db.conn:
                    self.db.execute(
                        "update warc_files set closed_at = ?, size = ?, sha256 = ?, records = ? "
                        "where path = ?",
                        [now(), info["size"], info["sha256"], info["records"], info["path"]],
                    )
        self.warcs.clear()

    def state(self, url: str) -> dict | None:
        """The crawl state (validators, hash of the last good body) of a URL."""
        return _first_row(self.db.conn.execute("select * from crawl_state where url = ?", [url]))

    def fresh_candidate(self, url: str, document_id: str) -> dict | None:
        """What the archive knows of ``url`` (crawl state, document row, blob size) if it can
        stand in for fetching it: the document's last fetch succeeded with the body the
        store holds and, for a report page, its attachment links are recorded. The
        revalidation policy (crawler.freshness) then decides whether it is still fresh."""
        state = _first_row(
            self.db.conn.execute(
                "select s.url, s.sha256, s.capture_id, s.last_modified, s.last_changed, "
                "s.last_fetched, s.content_type, d.role, d.title, d.published, d.links, "
                "d.http_status, b.size from crawl_state s join documents d on d.id = ? "
                "join blobs b on b.sha256 = s.sha256 "
                "where s.url = ? and s.status between 200 and 299 and d.sha256 = s.sha256 "
                "and d.status not in ('fetch_error', 'robots_disallowed') "
                "and (d.role = 'attachment' or d.links is not null)",
                [document_id, url],
            )
        )
        return state if state and self.store.exists(state["sha256"]) else None

    def record_fetch(
        self,
        *,
        run_id: str,
        capture: dict,
        body: bytes | None,
        warc_args: dict,
        state: dict | None = None,
        not_modified_of: dict | None = None,
    ) -> int:
        """Store one fetch: blob (if new), WARC record, capture row and crawl state, in one
        transaction. Returns the capture id."""
        ts = now()
        sha = capture.get("sha256")
        log = self.warc(run_id)
        new_file = not log.is_open
        if body is not None and not_modified_of is None:
            sha, _new = self.store.put(body)
            capture["sha256"] = sha
        offset, length = log.write_fetch(**warc_args)
        capture.update(warc_file=log.relpath, warc_offset=offset, warc_length=length, fetched_at=ts)
        if isinstance(capture.get("headers"), dict):
            capture["headers"] = json.dumps(capture["headers"], ensure_ascii=False)
        db = self.db.conn  # raw sqlite3: sqlite-utils' wrapper adds nothing here
        with db:
            if new_file:
                db.execute(
                    "insert or ignore into warc_files (path, run_id, created_at) values (?, ?, ?)",
                    [log.relpath, run_id, ts],
                )
            if body is not None and not_modified_of is None:
                db.execute(
                    "insert or ignore into blobs (sha256, size, path, first_seen) "
                    "values (?, ?, ?, ?)",
                    [sha, len(body), self.store.relpath(sha), ts],
                )
            cols = list(capture)
            cur = db.execute(
                f"insert into captures ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                [capture[c] for c in cols],
            )
            capture_id = cur.lastrowid
            if not_modified_of is not None:
                db.execute(
                    "update crawl_state set last_fetched = ?, not_modified_count = "
                    "coalesce(not_modified_count, 0) + 1 where url = ?",
                    [ts, capture["url"]],
                )
            elif state is not None:
                db.execute(
                    "insert into crawl_state (url, source_id, etag, last_modified, sha256, "
                    "content_type, status, capture_id, first_fetched, last_fetched, "
                    "last_changed, not_modified_count) values (?,?,?,?,?,?,?,?,?,?,?,0) "
                    "on conflict(url) do update set source_id = excluded.source_id, "
                    "etag = excluded.etag, last_modified = excluded.last_modified, "
                    "sha256 = excluded.sha256, content_type = excluded.content_type, "
                    "status = excluded.status, capture_id = excluded.capture_id, "
                    "last_fetched = excluded.last_fetched, "
                    "last_changed = case when crawl_state.sha256 is excluded.sha256 "
                    "then crawl_state.last_changed else excluded.last_changed end",
                    [
                        capture["url"],
                        capture.get("source_id"),
                        state.get("etag"),
                        state.get("last_modified"),
                        sha,
                        capture.get("content_type"),
                        capture.get("status"),
                        capture_id,
                        ts,
                        ts,
                        ts,
                    ],
                )
        return capture_id


def _first_row(cur) -> dict | None:
    """The first row of a cursor as {column: value}, or None."""
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row))


def get_archive(settings) -> Archive:
    """The Archive for the crawl's data folder (``NIANBAO_DATA``, else nianbao's default)."""
    data = settings.get("NIANBAO_DATA") or str(paths().data)
    key = str(Path(data).resolve())
    if key not in _ARCHIVES:
        _ARCHIVES[key] = Archive(key)
    return _ARCHIVES[key]


def run_id_from(settings) -> str:
    return settings.get("NIANBAO_RUN_ID") or (
        "adhoc-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    )


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


def _header_list(headers) -> list[tuple[str, str]]:
    return [(_text(k), _text(v)) for k, values in headers.items() for v in values]


class ArchiveMiddleware:
    """Downloader middleware: conditional requests; record every response and failed attempt."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.archive = get_archive(crawler.settings)
        self.run_id = run_id_from(crawler.settings)
        self.conditional = crawler.settings.getbool("NIANBAO_CONDITIONAL", True)
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
            "run_id": self.run_id,
            "source_id": self.source_id,
            "url": request.url,
            "method": request.method,
            "referer": _text(request.headers.get("Referer")),
        }

    def _warc_request(self, request) -> dict[str, Any]:
        return {
            "url": request.url,
            "method": request.method,
            "request_headers": _header_list(request.headers),
            "request_body": request.body or b"",
        }

    def process_request(self, request):
        """Make a GET for a URL with a stored good body conditional (ETag / Last-Modified)."""
        request.meta.pop("nb_state", None)
        request.meta.pop("nb_prev_sha256", None)
        request.meta.pop("nb_changed", None)  # copied onto redirects; set per response
        if not self.conditional or request.method != "GET" or request.meta.get("nb_unconditional"):
            return None
        state = self.archive.state(request.url)
        if state:  # to tell a changed body from one a server resent unasked (nb_changed)
            request.meta["nb_prev_sha256"] = state.get("sha256")
        if not state or not state.get("sha256") or not self.archive.store.exists(state["sha256"]):
            return None
        if state.get("etag"):
            request.headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            request.headers["If-Modified-Since"] = state["last_modified"]
        if state.get("etag") or state.get("last_modified"):
            request.meta["nb_state"] = state
        return None

    def process_response(self, request, response):
        stats = spider_stats(self.spider)
        state = request.meta.get("nb_state")
        ctype = _text(response.headers.get("Content-Type"))
        if response.status == 304 and state:
            stored = self.archive.store.get(state["sha256"])
            capture_id = self.archive.record_fetch(
                run_id=self.run_id,
                capture={
                    **self._common(request),
                    "final_url": response.url,
                    "status": 304,
                    "sha256": state["sha256"],
                    "content_type": ctype or state.get("content_type"),
                    "size": len(stored),
                    "bytes_received": len(response.body),
                    "headers": headers_dict(response.headers),
                    "error": None,
                },
                body=stored,
                not_modified_of=state,
                warc_args={
                    **self._warc_request(request),
                    "status": 304,
                    "response_headers": _header_list(response.headers),
                    "body": stored,
                    "revisit_of": (
                        state.get("last_changed") or state.get("last_fetched"),
                        request.url,
                    ),
                },
            )
            request.meta.update(
                capture_id=capture_id,
                capture_sha256=state["sha256"],
                capture_size=len(stored),
                nb_not_modified=True,
            )
            stats["captures"] += 1
            stats["not_modified"] += 1
            headers = response.headers.copy()
            if state.get("content_type"):
                headers["Content-Type"] = state["content_type"]
            # The body the 304 confirmed, as if it had been sent again (for the spider).
            from scrapy.responsetypes import responsetypes

            cls = responsetypes.from_args(headers=headers, url=request.url, body=stored)
            return cls(
                url=response.url,
                status=200,
                headers=headers,
                body=stored,
                request=request,
                flags=[*response.flags, "not_modified"],
            )
        body = response.body
        new_state = None
        if request.method == "GET" and 200 <= response.status < 300:
            new_state = {
                "etag": _text(response.headers.get("ETag")),
                "last_modified": _text(response.headers.get("Last-Modified")),
            }
        capture = {
            **self._common(request),
            "final_url": response.url,
            "status": response.status,
            "content_type": ctype,
            "size": len(body),
            "bytes_received": len(body),
            "headers": headers_dict(response.headers),
            "error": None,
        }
        capture_id = self.archive.record_fetch(
            run_id=self.run_id,
            capture=capture,
            body=body,
            state=new_state,
            warc_args={
                **self._warc_request(request),
                "status": response.status,
                "response_headers": _header_list(response.headers),
                "body": body,
            },
        )
        request.meta.update(
            capture_id=capture_id, capture_sha256=capture["sha256"], capture_size=len(body)
        )
        request.meta.pop("nb_not_modified", None)
        # A body that differs from the one stored before for this URL (not merely resent).
        prev = request.meta.get("nb_prev_sha256")
        request.meta["nb_changed"] = prev is not None and prev != capture["sha256"]
        stats["captures"] += 1
        stats["bytes"] += len(body)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, IgnoreRequest):
            # Not a fetch (robots.txt disallows it, or a middleware dropped it).
            return None
        capture_id = self.archive.record_fetch(
            run_id=self.run_id,
            capture={
                **self._common(request),
                "final_url": None,
                "status": None,
                "sha256": None,
                "content_type": None,
                "size": None,
                "bytes_received": None,
                "headers": None,
                "error": describe_exception(exception),
            },
            body=None,
            warc_args={
                **self._warc_request(request),
                "status": None,
                "response_headers": [],
                "body": None,
            },
        )
        request.meta["capture_id"] = capture_id
        request.meta.pop("capture_sha256", None)
        request.meta.pop("capture_size", None)
        stats = spider_stats(self.spider)
        stats["captures"] += 1
        stats["failed_fetches"] += 1
        return None

    def spider_error(self, failure, response, spider):
        spider_stats(spider)["spider_errors"] += 1
