"""Hostile documents through the real parse stage: every file of demo/hostile.py is stored in
a real archive (blob store + documents rows, as the crawler leaves them) next to three good
reports, and ``parse_pending`` runs on it with its worker pool and default limits.

For each hostile file: the status and error recorded. For the run: it finished, the good
reports parsed, every parse that returned did so within the time limit, and no worker went
over 1 GB (the peak resident memory of every child process this test process has reaped —
``getrusage(RUSAGE_CHILDREN)`` is a maximum over all of them — is under 1 GiB). The bounds
that need a lowered limit to be seen in a test's time (a parse the wall-time limit stops, a
document given up after its attempts) have their own tests below.
"""

from __future__ import annotations

import re
import resource

import pytest

from archive.crawlstore import CrawlStore, fetched_fields
from archive.db import doc_id, open_db
from archive.store import BlobStore
from demo import hostile, variants
from flows.stages import parse_pending
from nianbao.config import paths as data_paths
from parsers.convert import soffice

GIB_KB = 1024 * 1024  # ru_maxrss is in kB on Linux
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain",
}
# Slow on purpose (the time limit's probe): parsed in test_a_parse_over_the_time_limit…
SLOW = {"html-attribute-flood"}


def store_document(db, store, key: str, filename: str, data: bytes) -> str:
    """A fetched document as the crawler records it: blob + pending documents row."""
    url = f"http://hostile.invalid/{key}/{filename}"
    sha, _ = store.put(data)
    ext = filename[filename.rfind(".") :]
    db["documents"].upsert(
        {
            "id": doc_id(url),
            "url": url,
            "role": "attachment",
            "sha256": sha,
            "http_status": 200,
            "content_type": CONTENT_TYPES.get(ext, "application/octet-stream"),
            "status": "pending",
        },
        pk="id",
    )
    return doc_id(url)


def good_cases() -> list[variants.Case]:
    return variants.build(
        per_variant=1, seed=5, with_doc=False, variants=("html_word", "pdf_ruled", "docx_merged")
    )


def hostile_files() -> list[hostile.Hostile]:
    return [
        h
        for h in hostile.FILES
        if h.kind not in SLOW and (h.needs != "soffice" or soffice() is not None)
    ]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One parse_pending over every hostile file and three good reports."""
    paths = data_paths(tmp_path_factory.mktemp("hostile"))
    db, store = open_db(paths.db), BlobStore(paths.blobs)
    ids = {h.kind: store_document(db, store, h.kind, h.filename, h.make()) for h in hostile_files()}
    good = {store_document(db, store, c.id, c.filename, c.data): c for c in good_cases()}
    outcomes = {}
    peak_before_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = parse_pending(
        paths, workers=2, observe=lambda doc, o: outcomes.__setitem__(doc["id"], o)
    )
    children_peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "db": db,
        "ids": ids,
        "good": good,
        "result": result,
        "outcomes": outcomes,
        "children_peak_kb": children_peak_kb,
        "peak_before_kb": peak_before_kb,
    }


@pytest.mark.parametrize("h", hostile_files(), ids=lambda h: h.kind)
def test_each_hostile_file_gets_a_clear_status(run, h):
    doc = run["db"]["documents"].get(run["ids"][h.kind])
    assert re.fullmatch(h.status, doc["status"]), (doc["status"], doc["error"])
    if h.status == "error":
        assert doc["error"] and re.search(h.message, doc["error"]), doc["error"]
    elif h.message:
        report = (
            run["db"]
            .execute("select warnings from reports where document_id = ?", [doc["id"]])
            .fetchone()
        )
        assert report and re.search(h.message, report[0]), report


def test_the_run_finished_and_the_good_reports_parsed(run):
    db = run["db"]
    assert run["result"]["documents"] == len(run["ids"]) + len(run["good"])
    for did, case in run["good"].items():
        doc = db["documents"].get(did)
        assert doc["status"] == "parsed", (case.id, doc["error"])
        cells = db.execute(
            "select count(*) from cells c join reports r on r.id = c.report_id "
            "where r.document_id = ?",
            [did],
        ).fetchone()[0]
        assert cells == len(case.truth.cells) > 0
    # nothing left pending: a rerun has nothing to do but the document that killed its
    # worker (tried again on the next run)
    pending = [r["url"] for r in db.query("select url from documents where parsed_sha256 is null")]
    assert pending == ["http://hostile.invalid/pdf-flate-bomb/report.pdf"]


def test_the_bounds_held(run):
    from parsers import limits

    timeout = limits.get("timeout")
    finished = [o for o in run["outcomes"].values() if o.report is not None]
    assert len(finished) == len(run["outcomes"]) - 1  # all but the worker killer returned
    assert all(o.elapsed < timeout for o in finished)
    assert all(o.peak_rss_kb is None or o.peak_rss_kb < GIB_KB for o in finished)
    # every worker of the run (the one that died included) was reaped by then; the figure is
    # a maximum over every child this test process ever reaped, so it bounds the workers'
    # peaks — unless an earlier test's child already went over (then it says nothing here)
    if run["peak_before_kb"] >= GIB_KB:
        pytest.skip(f"an earlier child process peaked at {run['peak_before_kb']} kB")
    assert 0 < run["children_peak_kb"] < GIB_KB, run["children_peak_kb"]


def test_the_xxe_entity_was_not_read(run):
    text = (
        run["db"]
        .execute("select text from reports where document_id = ?", [run["ids"]["docx-xxe"]])
        .fetchone()
    )
    hostname = open("/etc/hostname").read().strip()
    assert text is not None and (not hostname or hostname not in (text[0] or ""))


def test_a_document_that_kills_its_worker_is_given_up_after_the_attempts(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_PARSE_MAX_ATTEMPTS", "2")
    paths = data_paths(tmp_path)
    db, store = open_db(paths.db), BlobStore(paths.blobs)
    bomb = store_document(db, store, "bomb", "report.pdf", hostile.pdf_flate_bomb())
    case = good_cases()[0]
    good = store_document(db, store, case.id, case.filename, case.data)

    first = parse_pending(paths, workers=1)
    assert first["documents"] == 2 and first["by_status"]["parsed"] == 1
    doc = db["documents"].get(bomb)
    assert doc["status"] == "error" and doc["parse_attempts"] == 1
    assert re.search(
        r"the parse worker died \(SIG\w+\) .*attempt 1 of 2: tried again", doc["error"]
    )
    assert doc["parsed_sha256"] is None  # pending again: the next run tries once more
    assert db["documents"].get(good)["status"] == "parsed"

    second = parse_pending(paths, workers=1)
    assert second == {"documents": 1, "by_status": {"error": 1}}
    doc = db["documents"].get(bomb)
    assert doc["parse_attempts"] == 2 and doc["parsed_sha256"] == doc["sha256"]
    assert "attempt 2 of 2: given up (NIANBAO_PARSE_MAX_ATTEMPTS)" in doc["error"]
    report = db.execute("select status, error from reports where document_id = ?", [bomb])
    assert report.fetchone() == ("error", doc["error"])

    assert parse_pending(paths, workers=1)["documents"] == 0  # not tried every night for ever

    # the site replaces the file: the new bytes get their own attempts, not the given-up count
    crawl = CrawlStore(paths)
    fixed = next(c for c in good_cases() if c.filename.endswith(".pdf"))
    sha, _ = store.put(fixed.data)
    crawl.upsert_document({"id": bomb, "sha256": sha, **fetched_fields(crawl.document(bomb), sha)})
    assert db["documents"].get(bomb)["parse_attempts"] == 0
    assert parse_pending(paths, workers=1) == {"documents": 1, "by_status": {"parsed": 1}}


def test_a_parse_over_the_time_limit_is_stopped_and_the_others_parse(tmp_path, monkeypatch):
    # 200,000 attributes on one element: libxml2's duplicate check is quadratic (> 120 s);
    # with a 10 s limit the worker is stopped and a new one parses the rest
    monkeypatch.setenv("NIANBAO_PARSE_TIMEOUT", "10")
    paths = data_paths(tmp_path)
    db, store = open_db(paths.db), BlobStore(paths.blobs)
    flood = hostile.BY_KIND["html-attribute-flood"]
    slow = store_document(db, store, flood.kind, flood.filename, flood.make())
    good = [store_document(db, store, c.id, c.filename, c.data) for c in good_cases()]
    result = parse_pending(paths, workers=1)
    assert result == {"documents": 4, "by_status": {"error": 1, "parsed": 3}}
    doc = db["documents"].get(slow)
    assert doc["error"].startswith(
        "parse still running after 10 s; its worker was stopped: over the limit of 10 s "
        "(NIANBAO_PARSE_TIMEOUT); attempt 1 of 3"
    )
    assert all(db["documents"].get(g)["status"] == "parsed" for g in good)
