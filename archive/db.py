"""The nianbao SQLite database: schema, views and idempotent writes (sqlite-utils).

Tables, in data-flow order (docs/database.md describes every column):

- ``sources``     the registry entries that were crawled
- ``crawl_runs``  one row per crawl run
- ``blobs``       one row per distinct body in the content-addressed store
- ``captures``    one row per HTTP fetch (an event log: a rerun adds rows, it never rewrites)
- ``documents``   one row per report page or attachment URL, with its newest content hash
- ``reports``     one row per parsed document version (document id + content hash)
- ``cells``       one row per table value of a report, with where it came from
- ``findings``    one row per consistency rule applied to a report

Everything a rerun writes again is keyed (upserts), so running twice never duplicates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from archive.researcher.schema import ensure_researcher_schema
from nianbao import form
from nianbao.model import FAIL, Cell, Finding, Report, flag_status


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_id() -> str:
    """A sortable, unique crawl run id: UTC time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


def doc_id(url: str) -> str:
    """Stable short id of a document URL."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def report_id(document_id: str, sha256: str) -> str:
    """A report is one version of a document: the document id plus its content hash."""
    return f"{document_id}-{sha256[:12]}"


def open_db(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open (and create or migrate) the database at ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    db = sqlite_utils.Database(path)
    # Crawl subprocesses and the parse stage may write at once: WAL plus a busy wait.
    db.execute("PRAGMA busy_timeout = 60000")
    db.enable_wal()
    # A commit without an fsync (WAL's NORMAL: the database stays consistent; a power cut
    # may undo the last commits, which the next run redoes: parse and check results are
    # derived, and the bytes are fsynced in the blob store first). With FULL, the writer's
    # commit per document and per report cost ~9 s of a 1,000-report night.
    db.execute("PRAGMA synchronous = NORMAL")
    ensure_schema(db)
    return db


_TABLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "sources": (
        {
            "id": str,
            "agency": str,
            "region": str,
            "level": str,
            "cms": str,
            "start_urls": str,
            "allowed_domains": str,
            "registry": str,
            "updated_at": str,
        },
        {"pk": "id"},
    ),
    "crawl_runs": (
        {
            "id": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "sources": str,
            "stats": str,
        },
        {"pk": "id"},
    ),
    "blobs": ({"sha256": str, "size": int, "path": str, "first_seen": str}, {"pk": "sha256"}),
    "captures": (
        {
            "id": int,
            "run_id": str,
            "source_id": str,
            "url": str,
            "final_url": str,
            "method": str,
            "status": int,
            "fetched_at": str,
            "sha256": str,
            "content_type": str,
            "size": int,
            "referer": str,
            "headers": str,
            "error": str,
            # WARC record of this fetch (response, revisit for a 304, or request only when no
            # response came) and the bytes that crossed the wire (0 for a 304's body).
            "warc_file": str,
            "warc_offset": int,
            "warc_length": int,
            "bytes_received": int,
        },
        {"pk": "id", "foreign_keys": [("sha256", "blobs", "sha256")]},
    ),
    # Conditional-request state per URL (GET only): the validators and hash of the last
    # good (2xx) body, so a 304 can be answered from the blob store.
    "crawl_state": (
        {
            "url": str,
            "source_id": str,
            "etag": str,
            "last_modified": str,
            "sha256": str,
            "content_type": str,
            "status": int,
            "capture_id": int,
            "first_fetched": str,
            "last_fetched": str,
            "last_changed": str,
            "not_modified_count": int,
        },
        {"pk": "url"},
    ),
    # One WARC file per crawl process; sha256/size are set when the file is closed.
    "warc_files": (
        {
            "path": str,
            "run_id": str,
            "created_at": str,
            "closed_at": str,
            "records": int,
            "size": int,
            "sha256": str,
        },
        {"pk": "path"},
    ),
    # One row per distinct set of current parsed reports the corpus rules ran over (a
    # night that changed no report need not compare 1,000 reports again).
    "corpus_checks": (
        {
            "fingerprint": str,
            "rules_version": str,
            "reports": int,
            "checked_at": str,
        },
        {"pk": "fingerprint"},
    ),
    # Per source and crawl run: what was fetched and found, and what looks wrong.
    "source_runs": (
        {
            "run_id": str,
            "source_id": str,
            "started_at": str,
            "finished_at": str,
            "pages_fetched": int,
            "not_modified": int,
            "fresh": int,
            "bytes": int,
            "reports_found": int,
            "new": int,
            "changed": int,
            "unchanged": int,
            "errors": int,
            "robots_denied": int,
            "disappeared": int,
            "flags": str,
            "finish_reason": str,
        },
        {"pk": ("run_id", "source_id")},
    ),
    "documents": (
        {
            "id": str,
            "source_id": str,
            "url": str,
            "role": str,
            "title": str,
            "linked_from": str,
            "published": str,
            "first_seen": str,
            "last_seen": str,
            "sha256": str,
            "content_type": str,
            "capture_id": int,
            "http_status": int,
            "status": str,
            "error": str,
            "parsed_sha256": str,
            "parsed_by": str,
            "links": str,
            # parses of this document that killed or hung their worker (flows/stages.py)
            "parse_attempts": int,
        },
        {"pk": "id"},
    ),
    "reports": (
        {
            "id": str,
            "document_id": str,
            "sha256": str,
            "is_current": int,
            "status": str,
            "flag_status": str,
            "title": str,
            "agency": str,
            "region": str,
            "level": str,
            "source_id": str,
            "year": int,
            "format_version": str,
            "published": str,
            "url": str,
            "doc_format": str,
            "text": str,
            "missing_rows": str,
            "extra_rows": str,
            "warnings": str,
            "error": str,
            "parser": str,
            "parsed_at": str,
            "n_errors": int,
            "n_warnings": int,
            "rules_version": str,
            "region_code": str,
            "sections": str,
            "ocr": int,
            "row_labels": str,
            "missing_reasons": str,
        },
        {"pk": "id", "foreign_keys": [("document_id", "documents", "id")]},
    ),
    "cells": (
        {
            "report_id": str,
            "tbl": str,
            "row_key": str,
            "col_key": str,
            "value": float,
            "raw": str,
            "note": str,
            "unit": str,
            "page": int,
            "bbox": str,
            "src_table": int,
            "src_row": int,
            "src_col": int,
        },
        {
            "pk": ("report_id", "tbl", "row_key", "col_key"),
            "foreign_keys": [("report_id", "reports", "id")],
        },
    ),
    "findings": (
        {
            "report_id": str,
            "rule": str,
            "scope": str,
            "severity": str,
            "status": str,
            "expected": float,
            "actual": float,
            "difference": float,
            "cells": str,
            "message": str,
            "message_zh": str,
            "rules_version": str,
        },
        {"pk": ("report_id", "rule", "scope"), "foreign_keys": [("report_id", "reports", "id")]},
    ),
}

_INDEXES = [
    ("captures", ["url"]),
    ("captures", ["run_id"]),
    ("captures", ["sha256"]),
    ("crawl_state", ["source_id"]),
    ("source_runs", ["source_id"]),
    ("documents", ["source_id"]),
    ("documents", ["linked_from"]),
    ("documents", ["status"]),
    ("reports", ["document_id"]),
    ("reports", ["year"]),
    ("reports", ["agency"]),
    ("reports", ["flag_status"]),
    ("findings", ["rule", "status"]),
]


def _wide_view(table: str, columns: Iterable[str], key_name: str) -> str:
    cols = ",\n  ".join(
        f"max(case when c.col_key = '{c}' then c.value end) as {c}" for c in columns
    )
    return f"""
select r.id as report_id, r.agency, r.region, r.year, c.row_key as {key_name},
  {cols}
from cells c join reports r on r.id = c.report_id
where c.tbl = '{table}' and r.is_current = 1
group by r.id, c.row_key
"""


def _views() -> dict[str, str]:
    return {
        "table2": _wide_view(form.T2, form.T2_COLUMNS, "row_key"),
        "table3": _wide_view(form.T3, [c.key for c in form.T3_COLUMNS], "row_key"),
        "table4": _wide_view(form.T4, [c.key for c in form.T4_COLUMNS], "group_key"),
        # Every version of every document, oldest first, with the time it was captured.
        "document_versions": """
select d.id as document_id, d.url, d.source_id, d.role, r.id as report_id, r.sha256,
  r.is_current, r.year, r.title, min(c.fetched_at) as first_captured,
  max(c.fetched_at) as last_captured
from reports r join documents d on d.id = r.document_id
left join captures c on c.url = d.url and c.sha256 = r.sha256
group by r.id
order by d.url, first_captured
""",
        # Crawl-level warnings per source and run (source_runs.flags, one row each):
        # no_reports = had report pages before, none this run; disappeared = a report page
        # no longer linked from its list. (Agency × year completeness: the researcher view
        # ``completeness``.)
        "crawl_flags": """
select sr.run_id, sr.source_id, s.agency, sr.finished_at,
  json_extract(f.value, '$.flag') as flag, json_extract(f.value, '$.url') as url,
  json_extract(f.value, '$.message') as message
from source_runs sr join json_each(sr.flags) f left join sources s on s.id = sr.source_id
order by sr.run_id, sr.source_id
""",
        # flagged_reports is a researcher view (archive/researcher/views.py).
    }


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, indexes and views; safe to call on every open."""
    for name, (columns, opts) in _TABLES.items():
        if not db[name].exists():
            db[name].create(columns, **opts)
        else:
            have = db[name].columns_dict  # one PRAGMA per table: this runs on every open
            missing = {k: v for k, v in columns.items() if k not in have}
            for col, typ in missing.items():
                db[name].add_column(col, typ)
    for table, cols in _INDEXES:
        db[table].create_index(cols, if_not_exists=True)
    for name, sql in _views().items():
        # rstrip: SQLite stores the statement without its trailing newline; with it the
        # text never matched, so every open dropped and recreated every view (a race
        # between crawl processes opening the database at once).
        db.create_view(name, sql.rstrip(), replace=True)
    ensure_researcher_schema(db)  # the researcher views, facet indexes, FTS


# --- writers ----------------------------------------------------------------------


class WriteBatch:
    """One transaction for a stage's many small writes, committed every ``items`` writes
    or ``seconds``, and at the end (also when the stage fails: each write is complete, a
    savepoint of its own through ``db.atomic()``).

    A commit per document cost the writer ~20 ms on a 1,000-report night (the full-text
    index flushes and merges its segments at every commit); what a crash loses is at most
    one batch of derived rows, which the next run writes again. The write lock is held
    while the stage waits for its next result: another writer waits for it (busy_timeout).

        with WriteBatch(db) as batch:
            for doc in docs:
                save_report(db, doc, ...)
                batch.done()
    """

    def __init__(self, db: sqlite_utils.Database, items: int = 100, seconds: float = 5.0):
        self.db, self.items, self.seconds = db, items, seconds
        self.pending, self.started = 0, time.monotonic()

    def __enter__(self) -> WriteBatch:
        self.db.nianbao_batch = self  # _one_write leaves the commit to the batch
        self._begin()
        return self

    def done(self) -> None:
        """One write is complete: commit when the batch is full or old enough."""
        self.pending += 1
        if self.pending >= self.items or time.monotonic() - self.started >= self.seconds:
            self._commit()
            self._begin()

    def __exit__(self, *exc) -> None:
        self.db.nianbao_batch = None
        self._commit()

    def _begin(self) -> None:
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN")
        self.pending, self.started = 0, time.monotonic()

    def _commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")


@contextlib.contextmanager
def _one_write(db: sqlite_utils.Database):
    """One complete write: a savepoint inside a WriteBatch (the batch commits it with
    others), else a transaction committed at once — with whatever the caller left
    uncommitted on the connection, as ``with db.conn`` did."""
    with db.atomic():
        yield
    if getattr(db, "nianbao_batch", None) is None:
        db.conn.commit()


def save_report(
    db: sqlite_utils.Database,
    document: dict,
    sha256: str,
    report: Report,
    extra: dict | None = None,
) -> str:
    """Write one parsed document version and its cells; replaces an earlier parse of it."""
    rid = report_id(document["id"], sha256)
    row = _report_row(rid, document, sha256, report, extra)
    with _one_write(db):
        db.execute(
            "update reports set is_current = 0 where document_id = ? and id != ?",
            [document["id"], rid],
        )
        db["reports"].upsert(row, pk="id")
        db.conn.execute("delete from cells where report_id = ?", [rid])
        db.conn.executemany(_INSERT_CELL, (_cell_row(rid, c) for c in report.cells))
    return rid


# The writer's hot statements as plain SQL on the connection: sqlite-utils' insert_all
# introspects the table and builds a statement per chunk, ~4 ms of a report's 200 cells.
CELL_COLUMNS = (
    "report_id", "tbl", "row_key", "col_key", "value", "raw", "note", "unit", "page", "bbox",
    "src_table", "src_row", "src_col",
)  # fmt: skip
FINDING_COLUMNS = (
    "report_id", "rule", "scope", "severity", "status", "expected", "actual", "difference",
    "cells", "message", "message_zh", "rules_version",
)  # fmt: skip
_INSERT_CELL = (
    f"insert into cells ({', '.join(CELL_COLUMNS)}) values ({', '.join('?' * len(CELL_COLUMNS))})"
)
_REPLACE_FINDING = (
    f"insert or replace into findings ({', '.join(FINDING_COLUMNS)}) "
    f"values ({', '.join('?' * len(FINDING_COLUMNS))})"
)


def _cell_row(rid: str, c: Cell) -> tuple:
    src = c.source
    bbox = json.dumps(src.bbox) if src.bbox else None
    return (rid, c.table, c.row, c.col, c.value, c.raw, c.note, c.unit, src.page, bbox,
            src.table, src.row, src.col)  # fmt: skip


def _finding_row(rid: str, f: Finding, rules_version: str) -> tuple:
    return (rid, f.rule, f.scope, f.severity, f.status, f.expected, f.actual, f.difference,
            json.dumps(f.cells), f.message, f.message_zh, rules_version)  # fmt: skip


def _report_row(rid: str, document: dict, sha256: str, report: Report, extra: dict | None) -> dict:
    return {
        "id": rid,
        "document_id": document["id"],
        "sha256": sha256,
        "is_current": 1,
        "status": report.status,
        "title": report.title,
        "agency": report.agency,
        "region": report.region,
        "level": report.level,
        "year": report.year,
        "format_version": report.format_version,
        "published": report.published,
        "url": report.url or document.get("url"),
        "doc_format": report.doc_format,
        "text": report.text,
        "missing_rows": json.dumps(report.missing_rows, ensure_ascii=False),
        "extra_rows": json.dumps(report.extra_rows, ensure_ascii=False),
        "warnings": json.dumps(report.warnings, ensure_ascii=False),
        "error": report.error,
        "parser": report.parser,
        "parsed_at": now(),
        "region_code": getattr(report, "region_code", None),
        "sections": json.dumps(getattr(report, "sections", {}) or {}, ensure_ascii=False),
        "ocr": int(bool(getattr(report, "ocr", False))),
        "row_labels": json.dumps(report.row_labels, ensure_ascii=False),
        "missing_reasons": json.dumps(report.missing_reasons, ensure_ascii=False),
        # A new parse invalidates the findings: the check stage recomputes them.
        "rules_version": None,
        **(extra or {}),
    }


def save_findings(
    db: sqlite_utils.Database,
    rid: str,
    findings: list[Finding],
    rules_version: str,
    rules: Iterable[str] | None = None,
) -> str:
    """Replace the findings of one report (only those of ``rules`` when given) and
    recompute its flag status from all its findings; returns that status."""
    rules = None if rules is None else list(rules)
    conn = db.conn  # plain statements: this runs for every report of a night
    with _one_write(db):
        if rules is None:
            conn.execute("delete from findings where report_id = ?", [rid])
        else:
            conn.execute(
                f"delete from findings where report_id = ? and rule in "
                f"({', '.join('?' * len(rules))})",
                [rid, *rules],
            )
        rows = (_finding_row(rid, f, rules_version) for f in findings)
        conn.executemany(_REPLACE_FINDING, rows)
        counts = {
            (severity, status): n
            for severity, status, n in conn.execute(
                "select severity, status, count(*) from findings where report_id = ? "
                "group by severity, status",
                [rid],
            )
        }
        errors, warnings = counts.get(("error", FAIL), 0), counts.get(("warning", FAIL), 0)
        # flagged when a hard rule fails, incomplete when one is not assessable (cells absent)
        (status,) = conn.execute("select status from reports where id = ?", [rid]).fetchone()
        flag = flag_status(status, counts)
        update = {"flag_status": flag, "n_errors": errors, "n_warnings": warnings}
        if rules is None:
            update["rules_version"] = rules_version
        conn.execute(
            f"update reports set {', '.join(f'{k} = ?' for k in update)} where id = ?",
            [*update.values(), rid],
        )
    return flag
