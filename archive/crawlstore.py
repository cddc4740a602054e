"""Everything a crawl stores, behind one small API: ``CrawlStore``.

One data folder (nianbao.config.Paths): bodies in the content-addressed ``BlobStore``
(``blobs/``), one WARC file per crawl process (``warc/<run>/…``), and in ``nianbao.db`` the
``captures`` log, ``crawl_state`` (validators for conditional requests), ``documents``
(report pages and attachments), ``crawl_runs`` and ``source_runs``. The crawler's Scrapy
components are glue around it (crawler.archiving takes one in ``from_crawler``, as Scrapy's
httpcache middleware takes a storage object); the nightly flow and ``nianbao crawl`` use the
run methods. Nothing else writes these tables.

>>> import tempfile
>>> store = CrawlStore(tempfile.mkdtemp())
>>> cid = store.record_fetch(run_id="r", capture={"url": "http://h/a", "method": "GET",
...     "status": 200, "source_id": "s"}, body=b"hello", state={"etag": '"1"'},
...     warc_args={"url": "http://h/a", "method": "GET", "request_headers": [],
...     "request_body": b"", "status": 200, "response_headers": [], "body": b"hello"})
>>> store.state("http://h/a")["etag"], store.body(store.state("http://h/a")["sha256"])
('"1"', b'hello')
>>> store.close()
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from archive.db import now, open_db
from archive.shared_store import SharedStore, store_location
from archive.warc import WarcLog
from nianbao.config import Paths, paths
from nianbao.model import (
    STATUS_FETCH_ERROR,
    STATUS_PENDING,
    STATUS_REFUSED,
    STATUS_ROBOTS_DISALLOWED,
)

# Statuses of a document whose last crawl produced no usable body.
NOT_FETCHED = (STATUS_FETCH_ERROR, STATUS_ROBOTS_DISALLOWED, STATUS_REFUSED)


class CrawlStore:
    """The crawl's storage in one data folder (one instance per process)."""

    def __init__(self, data: str | os.PathLike | Paths):
        self.paths = data if isinstance(data, Paths) else paths(data)
        # open_db sets WAL + synchronous=NORMAL: a commit is not fsynced, so a fetch costs
        # ~0.1 ms of SQLite instead of several ms. A killed crawl loses nothing (the WAL is in
        # the OS cache); only a power cut could drop the last commits, and the next crawl
        # re-fetches what they described (blobs and WARC records are written first).
        self.db = open_db(self.paths.db)
        self.conn = self.db.conn  # raw sqlite3 for the per-fetch statements (no introspection)
        # the data folder's blobs/, or the shared store's ($NIANBAO_STORE: a crawl shard)
        self.blobs = SharedStore(store_location(self.paths.data)).blobs
        self._warcs: dict[str, WarcLog] = {}

    # --- fetches ----------------------------------------------------------------------
    def state(self, url: str) -> dict | None:
        """The crawl state (validators, hash of the last good body) of a URL."""
        return _first_row(self.conn.execute("select * from crawl_state where url = ?", [url]))

    def body(self, sha256: str) -> bytes:
        """A stored body by its hash."""
        return self.blobs.get(sha256)

    def has_body(self, sha256: str | None) -> bool:
        return bool(sha256) and self.blobs.exists(sha256)

    def failed_last_time(self, document_id: str) -> bool:
        """Whether the document's last fetch failed (an HTTP error, a timeout, a refusal)."""
        row = self.conn.execute(
            "select 1 from documents where id = ? and status = ?", [document_id, STATUS_FETCH_ERROR]
        ).fetchone()
        return row is not None

    def fresh_candidate(self, url: str, document_id: str) -> dict | None:
        """What the archive knows of ``url`` (crawl state, document row, blob size) if it can
        stand in for fetching it: the document's last fetch succeeded with the body the
        store holds and, for a report page, its attachment links are recorded. The
        revalidation policy (crawler.freshness) then decides whether it is still fresh."""
        known = _first_row(
            self.conn.execute(
                "select s.url, s.sha256, s.capture_id, s.last_modified, s.last_changed, "
                "s.last_fetched, s.content_type, d.role, d.title, d.published, d.links, "
                "d.http_status, b.size from crawl_state s join documents d on d.id = ? "
                "join blobs b on b.sha256 = s.sha256 "
                "where s.url = ? and s.status between 200 and 299 and d.sha256 = s.sha256 "
                f"and d.status not in ({', '.join('?' * len(NOT_FETCHED))}) "
                "and (d.role = 'attachment' or d.links is not null)",
                [document_id, url, *NOT_FETCHED],
            )
        )
        return known if known and self.blobs.exists(known["sha256"]) else None

    def record_fetch(
        self,
        *,
        run_id: str,
        capture: dict,
        body: bytes | None,
        warc_args: dict,
        state: dict | None = None,
        not_modified: bool = False,
    ) -> int:
        """Store one fetch: blob (if new), WARC record, capture row and crawl state, in one
        transaction. ``not_modified``: a 304 confirming the stored body (no new blob; the
        crawl state only records the check). Returns the capture id."""
        ts = now()
        log = self._warc(run_id)
        new_file = not log.is_open
        stored = body is not None and not not_modified
        if stored:
            capture["sha256"], _new = self.blobs.put(body)
        offset, length = log.write_fetch(**warc_args)
        capture.update(warc_file=log.relpath, warc_offset=offset, warc_length=length, fetched_at=ts)
        with self.conn:
            if new_file:
                self.conn.execute(
                    "insert or ignore into warc_files (path, run_id, created_at) values (?, ?, ?)",
                    [log.relpath, run_id, ts],
                )
            if stored:
                self._insert_blob(capture["sha256"], len(body), ts)
            capture_id = self._insert_capture(capture)
            if not_modified:
                self.conn.execute(
                    "update crawl_state set last_fetched = ?, not_modified_count = "
                    "coalesce(not_modified_count, 0) + 1 where url = ?",
                    [ts, capture["url"]],
                )
            elif state is not None:
                self._upsert_state(capture, state, capture_id, ts)
        return capture_id

    def record_unfetched(self, *, run_id: str, capture: dict) -> int:
        """A capture row for a request that never got a usable response: refused before it
        was sent (``error`` says why), or refused while its body arrived (size cap,
        decompression bomb). No blob, no WARC record: nothing usable came back."""
        with self.conn:
            return record_capture(self.conn, **{**capture, "run_id": run_id})

    def _insert_blob(self, sha256: str, size: int, ts: str) -> None:
        record_blob(self.conn, sha256, size, self.blobs.relpath(sha256), ts)

    def _insert_capture(self, capture: dict) -> int:
        return record_capture(self.conn, **capture)

    def _upsert_state(self, capture: dict, state: dict, capture_id: int, ts: str) -> None:
        self.conn.execute(
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
                capture.get("sha256"),
                capture.get("content_type"),
                capture.get("status"),
                capture_id,
                ts,
                ts,
                ts,
            ],
        )

    def _warc(self, run_id: str) -> WarcLog:
        log = self._warcs.get(run_id)
        if log is None:
            log = self._warcs[run_id] = WarcLog(self.paths.data, run_id)
        return log

    # --- documents --------------------------------------------------------------------
    def document(self, document_id: str) -> dict | None:
        """The status and hashes of a document row (what an upsert compares with)."""
        return _first_row(
            self.conn.execute(
                "select status, sha256, parsed_sha256 from documents where id = ?", [document_id]
            )
        )

    def upsert_document(self, row: dict) -> None:
        """Insert or update a ``documents`` row by id; columns not in ``row`` keep their
        value (parsed_sha256, parsed_by, first_seen…)."""
        # Raw SQL: sqlite-utils' upsert introspects the table on every call (~10 queries).
        cols = tuple(row)
        sql = _UPSERT_SQL.get(cols)
        if sql is None:
            sql = _UPSERT_SQL[cols] = upsert_sql("documents", cols, "id")
        with self.conn:
            self.conn.execute(sql, [row[c] for c in cols])

    # --- runs -------------------------------------------------------------------------
    def upsert_sources(self, sources: Iterable[dict], registry: str = "") -> None:
        """The registry entries being crawled, as ``sources`` rows."""
        upsert_sources(self.conn, sources, registry)

    def begin_run(self, run_id: str, source_ids: list[str]) -> bool:
        """Create the ``crawl_runs`` row unless one exists; True if the caller owns it (the
        nightly flow creates it for all its crawl processes, a standalone crawl for itself)."""
        with self.conn:
            cur = self.conn.execute(
                "insert or ignore into crawl_runs (id, started_at, status, sources) "
                "values (?, ?, ?, ?)",
                [run_id, now(), "running", json.dumps(source_ids, ensure_ascii=False)],
            )
            return cur.rowcount == 1

    def finish_run(self, run_id: str, status: str, stats: dict) -> None:
        with self.conn:
            self.conn.execute(
                "update crawl_runs set finished_at = ?, status = ?, stats = ? where id = ?",
                [now(), status, json.dumps(stats, ensure_ascii=False), run_id],
            )

    def report_pages_before(self, source_id: str, started: str) -> int:
        """Report pages of a source first seen before ``started``."""
        return self.conn.execute(
            "select count(*) from documents where source_id = ? and role = 'page' "
            "and first_seen < ?",
            [source_id, started],
        ).fetchone()[0]

    def unlinked_report_pages(self, source_id: str, started: str, run_id: str) -> list[str]:
        """Report pages not seen since ``started`` although the list that linked them was
        fetched in ``run_id``: no longer linked."""
        return [
            r[0]
            for r in self.conn.execute(
                "select url from documents where source_id = ? and role = 'page' "
                "and last_seen < ? and linked_from in (select url from captures "
                "where run_id = ? and source_id = ?)",
                [source_id, started, run_id, source_id],
            )
        ]

    def record_source_runs(self, rows: list[dict]) -> None:
        """``source_runs`` rows (upserts by run and source)."""
        if not rows:
            return
        cols = list(rows[0])
        with self.conn:
            self.conn.executemany(
                f"insert or replace into source_runs ({', '.join(cols)}) "
                f"values ({', '.join('?' * len(cols))})",
                [[r.get(c) for c in cols] for r in rows],
            )

    def crawl_history(self) -> dict[str, dict[str, Any]]:
        """Per source: when its last complete crawl finished and how many seconds it took,
        and when a report page of it was last first seen (what crawler.schedule orders
        sources by)."""
        out: dict[str, dict[str, Any]] = {}
        # SQLite's bare-column rule: with max(), started_at comes from the row of the max
        # (time stamps are whole seconds: the duration is rounded to them)
        for sid, finished, seconds in self.conn.execute(
            "select source_id, max(finished_at), "
            "round((julianday(max(finished_at)) - julianday(started_at)) * 86400) "
            "from source_runs where finish_reason = 'finished' group by source_id"
        ):
            out.setdefault(sid, {}).update(last_crawled=finished, last_duration=seconds)
        for sid, seen in self.conn.execute(
            "select source_id, max(first_seen) from documents where role = 'page' "
            "group by source_id"
        ):
            out.setdefault(sid, {})["newest_report"] = seen
        return out

    # --- the end ----------------------------------------------------------------------
    def close(self) -> None:
        """Close this process's WARC files and record their size and hash."""
        for log in list(self._warcs.values()):
            info = log.close()
            if info:
                with self.conn:
                    self.conn.execute(
                        "update warc_files set closed_at = ?, size = ?, sha256 = ?, records = ? "
                        "where path = ?",
                        [now(), info["size"], info["sha256"], info["records"], info["path"]],
                    )
        self._warcs.clear()


_UPSERT_SQL: dict[tuple, str] = {}


def upsert_sql(table: str, cols: Iterable[str], key: str) -> str:
    """Insert a row, or update the named columns of the row with the same ``key``: an
    UPDATE, so update triggers fire (INSERT OR REPLACE deletes and inserts: they do not).

    >>> upsert_sql("t", ("id", "a"), "id")
    'insert into t (id, a) values (?, ?) on conflict(id) do update set a = excluded.a'
    """
    cols = tuple(cols)
    return (
        f"insert into {table} ({', '.join(cols)}) values ({', '.join('?' * len(cols))}) "
        f"on conflict({key}) do update set "
        + ", ".join(f"{c} = excluded.{c}" for c in cols if c != key)
    )


# --- the writers (CrawlStore's, and for archives built by other means: imports, tests) ---
def _conn(db):
    return getattr(db, "conn", db)  # a sqlite-utils Database or a sqlite3 connection


def record_blob(db, sha256: str, size: int, path: str, first_seen: str | None = None) -> None:
    """The ``blobs`` row of a body stored at ``path`` (relative to ``blobs/``)."""
    _conn(db).execute(
        "insert or ignore into blobs (sha256, size, path, first_seen) values (?, ?, ?, ?)",
        [sha256, size, path, first_seen or now()],
    )


def record_capture(db, **fields: Any) -> int:
    """Append one fetch to the capture log and return its id."""
    if isinstance(fields.get("headers"), dict):
        fields["headers"] = json.dumps(fields["headers"], ensure_ascii=False)
    fields.setdefault("fetched_at", now())
    cols = list(fields)
    cur = _conn(db).execute(
        f"insert into captures ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
        [fields[c] for c in cols],
    )
    return cur.lastrowid


def upsert_sources(db, sources: Iterable[dict], registry: str = "") -> None:
    """``sources`` rows for registry entries (upserts by id)."""
    ts = now()
    rows = [
        (
            s["id"],
            s.get("agency"),
            s.get("region"),
            s.get("level"),
            s.get("cms"),
            json.dumps(s.get("start_urls", []), ensure_ascii=False),
            json.dumps(s.get("allowed_domains", []), ensure_ascii=False),
            registry,
            ts,
        )
        for s in sources
    ]
    conn = _conn(db)
    with conn:
        conn.executemany(
            "insert into sources (id, agency, region, level, cms, start_urls, "
            "allowed_domains, registry, updated_at) values (?,?,?,?,?,?,?,?,?) "
            "on conflict(id) do update set agency = excluded.agency, "
            "region = excluded.region, level = excluded.level, cms = excluded.cms, "
            "start_urls = excluded.start_urls, allowed_domains = excluded.allowed_domains, "
            "registry = excluded.registry, updated_at = excluded.updated_at",
            rows,
        )


def _first_row(cur) -> dict | None:
    """The first row of a cursor as {column: value}, or None."""
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row))


def document_status(existing: dict | None, sha256: str | None) -> str | None:
    """The status a successfully fetched document gets: ``pending`` when its bytes were not
    parsed yet (or it had no good fetch before), else the status the parse stage set."""
    if existing is None or existing.get("status") in (None, STATUS_PENDING, *NOT_FETCHED):
        return STATUS_PENDING
    if sha256 != existing.get("parsed_sha256"):
        return STATUS_PENDING
    return existing["status"]


def fetched_fields(existing: dict | None, sha256: str | None) -> dict:
    """The ``documents`` fields a good fetch of ``sha256`` sets: its status; a pending
    document's old error cleared; the parse attempts counted afresh for new bytes (the old
    ones were of other bytes: a fixed file must not inherit a given-up count).

    >>> fetched_fields({"status": "error", "sha256": "a", "parsed_sha256": "a"}, "b")
    {'status': 'pending', 'error': None, 'parse_attempts': 0}
    >>> fetched_fields({"status": "error", "sha256": "a", "parsed_sha256": "a"}, "a")
    {'status': 'error'}
    """
    fields: dict = {"status": document_status(existing, sha256)}
    if fields["status"] == STATUS_PENDING:
        fields["error"] = None
    # else parsed already: its status and the parse's error stay (bench/chaos.py found a
    # no-change rerun blanking the error of every error document)
    if existing is not None and existing.get("sha256") not in (None, sha256):
        fields["parse_attempts"] = 0
    return fields
