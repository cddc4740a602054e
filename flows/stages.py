"""The pipeline stages after the crawl, as plain functions over the archive.

Each stage reads what the previous one left in the database and is idempotent:
``parse_pending`` parses documents whose content hash has not been parsed yet,
``check_pending`` checks reports whose findings are missing or came from older rules,
``summarize`` describes a run. The Prefect flow (flows/nightly.py) and the CLI both call
these, so they stay testable without an orchestrator.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os

from archive.db import WriteBatch, now, open_db, save_findings, save_report
from archive.shared_store import SharedStore, store_location
from checks import CORPUS_RULES, RULES_VERSION, run_checks, run_corpus_checks
from flows.parse_pool import Job, Outcome, parse_isolated
from nianbao.config import Paths
from nianbao.model import (
    FAIL,
    FLAG_FLAGGED,
    FLAG_INCOMPLETE,
    NOT_ASSESSABLE,
    SEVERITY_ERROR,
    SEVERITY_WARNING,
    STATUS_ERROR,
    STATUS_NO_TABLES,
    STATUS_NOT_REPORT,
    STATUS_PARSED,
    STATUS_SEE_ATTACHMENT,
    Report,
)
from parsers import PARSER_ID, limits
from parsers.convert import remove_stale_workdirs

log = logging.getLogger("nianbao.stages")


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, int(os.environ.get("NIANBAO_WORKERS", "2"))))


def parse_pending(
    paths: Paths, workers: int | None = None, progress=None, observe=None, executor=None
) -> dict:
    """Parse every document whose newest content has not been parsed by this parser
    version (a new parser re-reads the whole archive); returns counts.

    Every document is parsed in a bounded worker process (flows/parse_pool.py): one over a
    limit, or one that kills or hangs its worker, becomes status ``error`` saying why, and
    the others parse. A document whose parse killed or hung its worker is tried again on
    the next run, up to ``NIANBAO_PARSE_MAX_ATTEMPTS`` times, then given up.
    ``observe(document, outcome)`` sees each flows.parse_pool.Outcome (time, peak memory).
    ``executor(jobs, workers)`` yields the Outcomes (default: parse_isolated, on this
    machine; flows.dask_parse.parse_on_dask on a Dask cluster, the jobs naming blobs by
    hash); the results are written here, by this one process."""
    db = open_db(paths.db)
    shared = SharedStore(store_location(paths.data))
    remove_stale_workdirs()  # LibreOffice folders of workers killed in an earlier run
    docs = {
        d["id"]: d
        for d in db.query(
            """
        select d.*, s.agency as source_agency, s.region, s.level,
          (select count(*) from documents c where c.linked_from = d.url) as n_children
        from documents d left join sources s on s.id = d.source_id
        where d.sha256 is not null and d.http_status between 200 and 299
          and (d.parsed_sha256 is null or d.parsed_sha256 != d.sha256
               or d.parsed_by is null or d.parsed_by != ?)
        order by coalesce(d.parse_attempts, 0) > 0, d.id""",
            [PARSER_ID],
        )
    }
    if not docs:  # a no-change night: starting the worker processes alone costs ~1.5 s
        return {"documents": 0, "by_status": {}}
    by_hash = executor is not None or not shared.local
    jobs = (
        Job(d["id"], None, d["url"], d["content_type"], None, d["sha256"], shared.blobs_location)
        if by_hash
        else Job(d["id"], str(shared.blobs.path(d["sha256"])), d["url"], d["content_type"])
        for d in docs.values()
    )
    counts: dict[str, int] = {}
    outcomes = (executor or parse_isolated)(jobs, workers or _workers())
    with WriteBatch(db) as batch:
        for i, outcome in enumerate(outcomes, 1):
            doc = docs[outcome.key]
            status = _record_parse(db, doc, outcome)
            batch.done()
            if observe:
                observe(doc, outcome)
            counts[status] = counts.get(status, 0) + 1
            if progress:
                progress(i, len(docs), doc["url"], status)
    return {"documents": len(docs), "by_status": counts}


def _record_parse(db, doc: dict, outcome: Outcome) -> str:
    """Store one document's parse (its report, its status); returns the status."""
    attempts, final = 0, True
    if outcome.report is not None:
        report = Report.from_dict(outcome.report)
    else:  # the worker gave no result: count the attempt, give up after a few
        attempts = (doc.get("parse_attempts") or 0) + 1
        final = attempts >= limits.get("attempts")
        error = f"{outcome.failure}; attempt {attempts} of {limits.get('attempts')}: " + (
            "given up (NIANBAO_PARSE_MAX_ATTEMPTS)" if final else "tried again on the next run"
        )
        report = Report(url=doc["url"], status=STATUS_ERROR, error=error, parser=PARSER_ID)
    status = report.status
    if status in (STATUS_NO_TABLES, STATUS_NOT_REPORT) and doc["n_children"]:
        status = STATUS_SEE_ATTACHMENT
    elif final:
        report.agency = report.agency or doc["source_agency"]
        report.published = report.published or doc["published"]
        report.title = report.title or doc["title"]
        report.region = report.region or doc["region"]
        report.level = report.level or doc["level"]
        save_report(db, doc, doc["sha256"], report, extra={"source_id": doc["source_id"]})
    row = {"status": status, "error": report.error, "parse_attempts": attempts}
    if final:  # not parsed again until its content or the parser changes
        row |= {"parsed_sha256": doc["sha256"], "parsed_by": PARSER_ID}
    db["documents"].update(doc["id"], row)
    return status


def check_pending(paths: Paths) -> dict:
    """Run the single-report rules on current reports not yet checked by this rules
    version, then the corpus rules (years, duplicates) over all current parsed reports — a
    newly archived year can change the findings of the year before — unless they already
    ran over exactly these reports (``corpus_checks``)."""
    db = open_db(paths.db)
    flagged_before = _flagged_ids(db)
    ids = [
        r["id"]
        for r in db.query(
            "select id from reports where is_current = 1 and "
            "(rules_version is null or rules_version != ?)",
            [RULES_VERSION],
        )
    ]
    loaded = {}  # the corpus rules below read the same reports: loaded once
    with WriteBatch(db) as batch:
        for rid in ids:
            loaded[rid] = load_report(db, rid)
            save_findings(db, rid, run_checks(loaded[rid]), RULES_VERSION)
            batch.done()
    current = [
        r[0]
        for r in db.execute(
            "select id from reports where is_current = 1 and status = ? order by id",
            [STATUS_PARSED],
        )
    ]
    # A report id is its document plus its content hash: the same ids under the same rules
    # version give the same corpus findings, already stored.
    fingerprint = hashlib.sha256("\n".join([RULES_VERSION, *current]).encode()).hexdigest()
    corpus = 0
    if not db["corpus_checks"].count_where("fingerprint = ?", [fingerprint]):
        parsed = {rid: loaded.get(rid) or load_report(db, rid) for rid in current}
        with WriteBatch(db) as batch:
            for rid, findings in run_corpus_checks(parsed).items():
                save_findings(db, rid, findings, RULES_VERSION, rules=CORPUS_RULES)
                batch.done()
        with db.conn:
            db["corpus_checks"].insert(
                {
                    "fingerprint": fingerprint,
                    "rules_version": RULES_VERSION,
                    "reports": len(current),
                    "checked_at": now(),
                },
                replace=True,
            )
        corpus = len(current)
    by_flag = dict(
        db.execute(
            "select flag_status, count(*) from reports where is_current = 1 group by flag_status"
        ).fetchall()
    )
    newly = sorted(_flagged_ids(db) - flagged_before)
    return {
        "reports_checked": len(ids),
        "corpus_reports": corpus,
        "by_flag": by_flag,
        "newly_flagged": list_flags(db, report_ids=newly) if newly else [],
    }


def _flagged_ids(db) -> set[str]:
    return {
        r["id"]
        for r in db.query(
            "select id from reports where is_current = 1 and flag_status = ?", [FLAG_FLAGGED]
        )
    }


def _report_filters(
    year: int | None, region: str | None, report_ids: list[str] | None
) -> tuple[list[str], list]:
    """SQL conditions on the current reports ``r``: a year, part of a region name, some ids."""
    where, params = ["r.is_current = 1"], []
    if year:
        where.append("r.year = ?")
        params.append(year)
    if region:
        where.append("r.region like ?")
        params.append(f"%{region}%")
    if report_ids is not None:
        where.append(f"r.id in ({', '.join('?' * len(report_ids))})")
        params.extend(report_ids)
    return where, params


def list_incomplete(
    db,
    *,
    year: int | None = None,
    region: str | None = None,
    report_ids: list[str] | None = None,
) -> list[dict]:
    """Reports whose hard rules are not all assessable (flag status ``incomplete``): the
    rules that could not be checked, the rows missing and why."""
    where, params = _report_filters(year, region, report_ids)
    where.append("r.flag_status = ?")
    params.append(FLAG_INCOMPLETE)
    rows = db.query(
        f"""
        select r.id as report_id, r.agency, r.region, r.year, r.url, r.missing_rows,
          r.missing_reasons,
          (select group_concat(distinct f.rule) from findings f where f.report_id = r.id
             and f.severity = ? and f.status = ?) as rules
        from reports r where {" and ".join(where)}
        order by r.agency, r.year""",
        [SEVERITY_ERROR, NOT_ASSESSABLE, *params],
    )
    out = []
    for r in rows:
        r = dict(r)
        r["missing_rows"] = json.loads(r["missing_rows"] or "[]")
        r["missing_reasons"] = json.loads(r["missing_reasons"] or "{}")
        out.append(r)
    return out


def list_flags(
    db,
    *,
    rule: str | None = None,
    year: int | None = None,
    region: str | None = None,
    warnings: bool = False,
    report_ids: list[str] | None = None,
) -> list[dict]:
    """Failing findings grouped per report: what ``nianbao flags`` and the artifact list.

    ``region`` matches any part of the region name; ``warnings`` adds the soft rules.
    """
    where, params = _report_filters(year, region, report_ids)
    where.append("f.status = ?")
    params.append(FAIL)
    if not warnings:
        where.append("f.severity = ?")
        params.append(SEVERITY_ERROR)
    if rule:
        where.append("r.id in (select report_id from findings where rule = ? and status = ?)")
        params += [rule, FAIL]
    return [
        dict(r)
        for r in db.query(
            f"""
        select r.id as report_id, r.agency, r.region, r.year, r.url,
          group_concat(f.rule || '[' || f.scope || ']' ||
            case when f.expected is not null and f.actual is not null
              then ' ' || printf('%g', f.actual) || '≠' || printf('%g', f.expected)
              else '' end, '; ') as failures
        from reports r join findings f on f.report_id = r.id
        where {" and ".join(where)}
        group by r.id order by r.agency, r.year""",
            params,
        )
    ]


def load_report(db, rid: str) -> Report:
    """Rebuild the canonical model of a stored report (the inverse of save_report)."""
    row = db["reports"].get(rid)
    cells = [
        {
            "table": c["tbl"],
            "row": c["row_key"],
            "col": c["col_key"],
            "value": _number(c["value"]),
            "raw": c["raw"],
            "note": c["note"],
            "unit": c["unit"],
            "source": {
                "page": c["page"],
                "bbox": json.loads(c["bbox"]) if c["bbox"] else None,
                "table": c["src_table"],
                "row": c["src_row"],
                "col": c["src_col"],
            },
        }
        for c in db.query("select * from cells where report_id = ?", [rid])
    ]
    fields = {
        k: row[k]
        for k in (
            "status",
            "title",
            "agency",
            "region",
            "level",
            "year",
            "format_version",
            "published",
            "url",
            "doc_format",
            "text",
            "error",
            "parser",
        )
    }
    for k in ("missing_rows", "extra_rows", "warnings"):
        fields[k] = json.loads(row[k] or "[]")
    for k in ("row_labels", "missing_reasons"):
        fields[k] = json.loads(row[k] or "{}")
    return Report.from_dict({**fields, "cells": cells})


def _number(v):
    # SQLite REAL columns hand back 3.0 for 3; counts read back as ints.
    return int(v) if isinstance(v, float) and v.is_integer() else v


def summarize(paths: Paths, run_id: str | None = None) -> dict:
    """What the archive holds now, and what this run fetched: the run summary."""
    db = open_db(paths.db)
    one = lambda sql, p=(): next(iter(db.execute(sql, p).fetchone() or [0]), 0)  # noqa: E731
    summary = {"run_id": run_id, "at": now(), "sources": one("select count(*) from sources")}
    summary |= _run_figures(one, run_id)
    summary |= {
        "bytes_stored": one("select coalesce(sum(size), 0) from blobs"),
        "documents": one("select count(*) from documents"),
        "documents_by_status": _counts(db, "documents", "status"),
        "reports": one("select count(*) from reports where is_current = 1"),
        "reports_parsed": one(
            "select count(*) from reports where is_current = 1 and status = ?", [STATUS_PARSED]
        ),
        "reports_by_flag": _counts(db, "reports", "flag_status", "where is_current = 1"),
        "flagged": list_flags(db),
        "incomplete": list_incomplete(db),
        "warnings_by_rule": dict(
            db.execute(
                """
            select f.rule, count(distinct f.report_id) from findings f
            join reports r on r.id = f.report_id
            where r.is_current = 1 and f.status = ? and f.severity = ?
            group by f.rule order by f.rule""",
                [FAIL, SEVERITY_WARNING],
            ).fetchall()
        ),
        "problems": [
            dict(r)
            for r in db.query(
                """
            select url, status, coalesce(error, '') as error from documents
            where status not in (?, ?) order by status, url""",
                [STATUS_PARSED, STATUS_SEE_ATTACHMENT],
            )
        ],
    }
    return summary


def _run_figures(one, run_id: str | None) -> dict:
    """What one run fetched (without a run: every capture, the rest unknown)."""
    if not run_id:
        keys = ("sources_crawled", "fetches", "not_modified", "fresh")
        return dict.fromkeys(keys) | {"fetches": one("select count(*) from captures")}
    return {
        "sources_crawled": one(
            "select count(distinct source_id) from captures where run_id = ?", [run_id]
        ),
        "fetches": one("select count(*) from captures where run_id = ?", [run_id]),
        "not_modified": one(
            "select count(*) from captures where run_id = ? and status = 304", [run_id]
        ),
        "fresh": one("select coalesce(sum(fresh), 0) from source_runs where run_id = ?", [run_id]),
    }


def _counts(db, table: str, column: str, where: str = "") -> dict:
    return dict(
        db.execute(
            f"select {column}, count(*) from {table} {where} group by {column} order by {column}"
        ).fetchall()
    )


def format_incomplete(r: dict) -> str:
    """One incomplete report as a list item: the rules not assessable and the rows missing."""
    rows = ", ".join(r["missing_rows"][:6]) + (" …" if len(r["missing_rows"]) > 6 else "")
    return (
        f"- {r['agency']} {r['year']}: not assessable {r['rules'] or '?'}"
        + (f"; rows missing: {rows}" if rows else "")
        + f"  <{r['url']}>"
    )


def format_summary(s: dict) -> str:
    """The run summary as text for the terminal and the Prefect artifact (markdown)."""
    lines = [
        f"## nianbao run {s.get('run_id') or ''}".rstrip(),
        "",
        f"- sources: {s['sources']}"
        + (
            f" (crawled this run: {s['sources_crawled']})"
            if s.get("sources_crawled") is not None
            else ""
        ),
        f"- fetches this run: {s['fetches']}"
        + (
            f" ({s['not_modified']} answered 304; {s['fresh']} documents still fresh, not "
            "asked about)"
            if s.get("not_modified") or s.get("fresh")
            else ""
        )
        + f"; raw bytes archived: {s['bytes_stored']:,}",
        f"- documents: {s['documents']} "
        + ", ".join(f"{k}={v}" for k, v in s["documents_by_status"].items()),
        f"- reports: {s['reports']} (parsed {s['reports_parsed']}) "
        + ", ".join(f"{k}={v}" for k, v in s["reports_by_flag"].items()),
        "",
        f"### flagged reports ({len(s['flagged'])})",
    ]
    lines += [f"- {f['agency']} {f['year']}: {f['failures']}  <{f['url']}>" for f in s["flagged"]]
    if s.get("incomplete"):
        lines += [
            "",
            f"### incomplete reports ({len(s['incomplete'])}): hard rules not assessable, "
            "cells absent",
        ]
        lines += [format_incomplete(r) for r in s["incomplete"]]
    if s.get("newly_flagged") is not None:
        lines += ["", f"### newly flagged in this run ({len(s['newly_flagged'])})"]
        lines += [
            f"- [{f['agency']} {f['year']}]({f['url']}): {f['failures']}"
            for f in s["newly_flagged"]
        ]
    if s.get("warnings_by_rule"):
        lines += [
            "",
            "### reports with warnings (soft rules) by rule",
            "- " + ", ".join(f"{k}: {v}" for k, v in s["warnings_by_rule"].items()),
        ]
    lines += ["", f"### documents with problems ({len(s['problems'])})"]
    lines += [f"- [{p['status']}] {p['url']} {p['error']}".rstrip() for p in s["problems"]]
    return "\n".join(lines)
