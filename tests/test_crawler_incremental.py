"""Incremental crawling, versions and the WARC archive, against the local demo sites.

One demo, one data folder: run-1 (everything new); run-2 (nothing changed, the next night:
list pages answer 304, the report pages and attachments are still fresh and not asked
about); run-2b (nothing changed, ``revalidate_all``: every document answers 304). Then the
sites switch to state 2 (a report replaced by a corrected version at the same URL), a week
passes (the crawl state is aged), and run-3 revalidates every stale document and picks up
exactly that change. ``archive verify`` runs on the result, then on a tampered copy. A
separate test kills a crawl midway and starts it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from archive.db import doc_id, open_db
from archive.store import BlobStore
from archive.verify import verify_archive
from archive.warc import read_record
from crawler.registry import load_registry
from crawler.run import crawl_in_subprocess
from demo.server import DemoServer
from demo.sites import build_demo
from demo.timewarp import pass_time


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    data = tmp_path_factory.mktemp("data")
    build_demo(root)
    truth = json.loads((root / "truth.json").read_text("utf-8"))
    out = {"root": root, "data": data, "truth": truth, "stats": {}, "seconds": {}}
    with DemoServer(root) as server:
        out["urls"] = dict(server.urls)
        registry = root / "sources.yaml"
        ids = [s["id"] for s in load_registry(registry)]
        for run in ("run-1", "run-2", "run-2b"):
            t0 = time.monotonic()
            out["stats"][run] = crawl_in_subprocess(
                registry, ids, data, run, fast=True, timeout=120, revalidate_all=run == "run-2b"
            )["sources"]
            out["seconds"][run] = time.monotonic() - t0
            with sqlite3.connect(data / "nianbao.db") as con:
                out.setdefault("last_seen", {})[run] = dict(
                    con.execute("select url, last_seen from documents")
                )
        db = sqlite_utils.Database(data / "nianbao.db")
        out["docs2"] = {r["id"]: r for r in db.query("select * from documents")}
        # As if the parse stage had run: parse only the report that will be corrected.
        fix = truth["corrections"][0]
        out["fixed_url"] = out["urls"][fix["source_id"]] + fix["page_path"]
        from flows.stages import PARSER_ID, parse_pending

        with db.conn:
            db.execute(
                "update documents set status = 'parsed', parsed_sha256 = sha256, "
                "parsed_by = ? where id != ? and sha256 is not null",
                [PARSER_ID, doc_id(out["fixed_url"])],
            )
        db.close()
        from nianbao.config import paths

        out["parse2"] = parse_pending(paths(data), workers=1)
        server.set_state(2)
        pass_time(data / "nianbao.db", days=8)  # a week later: every document is stale
        out["stats"]["run-3"] = crawl_in_subprocess(
            registry, ids, data, "run-3", fast=True, timeout=120
        )["sources"]
        out["parse3"] = parse_pending(paths(data), workers=1)
    out["db"] = sqlite_utils.Database(data / "nianbao.db")
    return out


def captures(db, run, where="1"):
    return list(db.query(f"select * from captures where run_id = ? and {where}", [run]))


def test_no_change_rerun_answers_304_and_stores_nothing(runs):
    db = runs["db"]
    first, forced = captures(db, "run-1"), captures(db, "run-2b")
    # With revalidate_all, every GET that had a good body in run-1 was revalidated
    # conditionally and got a 304.
    good = {c["url"] for c in first if c["method"] == "GET" and c["status"] == 200}
    by_url = {c["url"]: c for c in forced if c["method"] == "GET"}
    assert good and all(by_url[u]["status"] == 304 for u in good), [
        u for u in good if by_url[u]["status"] != 304
    ]
    for c in forced + captures(db, "run-2"):
        if c["status"] == 304:
            assert c["bytes_received"] == 0 and c["sha256"]
            # ... and points at the body it confirmed: a blob stored in run-1.
            assert db["blobs"].get(c["sha256"])["size"] == c["size"]
    bytes1 = sum(c["bytes_received"] or 0 for c in first)
    for run in ("run-2", "run-2b"):
        assert sum(c["bytes_received"] or 0 for c in captures(db, run)) < 0.01 * bytes1
        s = runs["stats"][run]
        assert sum(x["new"] + x["changed"] for x in s.values()) == 0
    assert sum(s["not_modified"] for s in runs["stats"]["run-2b"].values()) == len(good)
    assert sum(s["fresh"] for s in runs["stats"]["run-2b"].values()) == 0
    # No new blobs, no new documents, the same hashes: nothing to re-parse.
    blobs_after_run1 = {c["sha256"] for c in first if c["sha256"]}
    assert {r["sha256"] for r in db.query("select sha256 from blobs")} >= blobs_after_run1
    run3_new = {c["sha256"] for c in captures(db, "run-3") if c["sha256"]} - blobs_after_run1
    assert db["blobs"].count == len(blobs_after_run1 | run3_new)
    docs1 = runs["docs2"]
    assert runs["parse2"]["documents"] == 1  # only the one left pending on purpose
    for did, row in docs1.items():
        assert (
            row["sha256"] == db["documents"].get(did)["sha256"] or row["url"] == runs["fixed_url"]
        )


def test_next_night_asks_only_about_lists(runs):
    """run-2: list pages are revalidated (304); report pages and attachments fetched well
    in run-1 are still fresh, so no request is made for them — yet every one is seen again."""
    db = runs["db"]
    first, second = captures(db, "run-1"), captures(db, "run-2")
    docs = runs["docs2"]
    good_docs = {d["url"] for d in docs.values() if d["http_status"] == 200}
    fetched1 = {c["url"] for c in first}
    fetched2 = {c["url"] for c in second}
    skipped = fetched1 - fetched2
    assert fetched2 <= fetched1 and skipped and skipped <= good_docs
    assert sum(s["fresh"] for s in runs["stats"]["run-2"].values()) == len(skipped)
    # Everything else (robots.txt, lists, failed documents) is asked about again; a
    # document whose fetch failed in run-1 gets one attempt, no retries.
    failed = {d["url"] for d in docs.values() if d["status"] == "fetch_error"}
    tries1, tries2 = Counter(c["url"] for c in first), Counter(c["url"] for c in second)
    assert {u: tries2[u] for u in fetched2} == {
        u: 1 if u in failed else tries1[u] for u in fetched1 - skipped
    }
    assert any(tries1[u] == 3 for u in failed)  # run-1 retried the 500s and the timeout
    # Every list's first page was asked about and answered 304.
    status2 = {c["url"]: c["status"] for c in second}
    starts = [u for src in load_registry(runs["root"] / "sources.yaml") for u in src["start_urls"]]
    assert [status2.get(u) for u in starts] == [304] * len(starts)
    # A fresh document is still seen: run-2 moved its last_seen on.
    seen1, seen2 = runs["last_seen"]["run-1"], runs["last_seen"]["run-2"]
    assert all(seen2[u] > seen1[u] for u in skipped)
    # Failed documents are asked about again every night.
    assert failed and not failed & skipped


def test_crawl_state_in_sqlite(runs):
    db = runs["db"]
    state = {r["url"]: r for r in db.query("select * from crawl_state")}
    fixed = state[runs["fixed_url"]]
    assert fixed["etag"] and fixed["last_modified"]
    assert fixed["not_modified_count"] == 1  # run-2b's 304, not run-3's 200
    assert all(r["not_modified_count"] >= 1 for u, r in state.items() if u != runs["fixed_url"])
    assert not list(Path(runs["data"]).rglob("*.db.dir")) and not list(
        Path(runs["data"]).rglob("*.dbm")
    )


def test_corrected_report_becomes_a_new_version(runs):
    db = runs["db"]
    url = runs["fixed_url"]
    s3 = runs["stats"]["run-3"]
    fix = runs["truth"]["corrections"][0]
    assert s3[fix["source_id"]]["changed"] == 1
    assert sum(s["changed"] for s in s3.values()) == 1
    assert sum(s["new"] for s in s3.values()) == 0
    assert runs["parse3"]["documents"] == 1  # the corrected page, nothing else
    versions = list(
        db.query("select * from document_versions where url = ? order by first_captured", [url])
    )
    assert len(versions) == 2
    old, new = versions
    assert old["sha256"] != new["sha256"] and old["is_current"] == 0 and new["is_current"] == 1
    assert old["first_captured"] <= new["first_captured"]
    assert old["year"] == new["year"] == fix["year"]
    # Both bodies are in the store; the new one carries the correction note.
    served = (
        runs["root"] / "state2" / fix["source_id"] / fix["page_path"].lstrip("/")
    ).read_bytes()
    assert new["sha256"] == hashlib.sha256(served).hexdigest()
    assert db["documents"].get(doc_id(url))["sha256"] == new["sha256"]
    # The run-3 capture of the page is a full 200 response again.
    cap = captures(db, "run-3", f"url = '{url}'")
    assert [c["status"] for c in cap] == [200]


def test_source_runs_and_completeness(runs):
    db = runs["db"]
    rows = list(db.query("select * from source_runs order by run_id, source_id"))
    assert {r["run_id"] for r in rows} == {"run-1", "run-2", "run-2b", "run-3"}
    assert len(rows) == 24
    for r in rows:
        assert r["reports_found"] >= 3 and json.loads(r["flags"]) == []
        if r["run_id"] == "run-1":
            assert r["new"] > 0 and r["not_modified"] == r["fresh"] == 0
        if r["run_id"] == "run-2":
            assert r["new"] == r["changed"] == 0 and r["not_modified"] > 0 and r["fresh"] > 0
        if r["run_id"] in ("run-2b", "run-3"):
            assert r["fresh"] == 0
    errors = {r["source_id"]: r["errors"] for r in rows if r["run_id"] == "run-1"}
    assert errors["songlin-sjj"] == 3 and errors["qinghe-yjj"] == 0
    assert not list(db.query("select * from crawl_flags"))
    view = list(db.query("select * from completeness"))
    assert view and {v["status"] for v in view} <= {"found", "missing", "flagged", "unparseable"}


def test_warc_records_behind_every_capture(runs):
    db, data = runs["db"], runs["data"]
    for run in ("run-1", "run-2", "run-2b"):
        for c in captures(db, run):
            if (c["error"] or "").startswith("RefusedRequest"):
                assert c["warc_file"] is None  # never sent: nothing to record
                continue
            assert c["warc_file"] and c["warc_offset"] is not None, c
            rtype, status, payload = read_record(data / c["warc_file"], c["warc_offset"])
            if c["status"] is None:
                assert rtype == "request"
            elif c["status"] == 304:
                assert rtype == "revisit" and status == "304"
            else:
                assert rtype == "response" and int(status) == c["status"]
                assert hashlib.sha256(payload).hexdigest() == c["sha256"]
    files = list(db.query("select * from warc_files"))
    assert len(files) == 4 and all(f["closed_at"] and f["sha256"] for f in files)


def test_archive_verify_finds_missing_and_altered(runs, tmp_path):
    assert verify_archive(runs["data"]).ok
    copy = tmp_path / "data"
    shutil.copytree(runs["data"], copy)
    db = open_db(copy / "nianbao.db")
    blobs = [r["path"] for r in db.query("select path from blobs order by sha256 limit 2")]
    (copy / "blobs" / blobs[0]).write_bytes(b"tampered")
    (copy / "blobs" / blobs[1]).unlink()
    warc = db.execute("select path from warc_files order by path limit 1").fetchone()[0]
    with open(copy / warc, "r+b") as f:
        f.seek(200)
        f.write(b"\0\0\0\0")
    result = verify_archive(copy)
    assert not result.ok
    assert any(blobs[1] in m for m in result.missing)
    assert any(blobs[0] in a for a in result.altered)
    assert any(warc in a and "WARC file" in a for a in result.altered)
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "archive", "verify", "--data", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "MISSING" in proc.stdout and "ALTERED" in proc.stdout


def crawl_killed_midway(registry, ids: list[str], data: Path) -> int:
    """Start a throttled crawl (not --fast, so it is still running), SIGKILL it once it has
    recorded 8 documents or after 60 s; returns the documents it had recorded."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    cmd = [sys.executable, "-m", "crawler.run", "--registry", str(registry), "--data", str(data)]
    cmd += ["--run-id", "killed"] + [a for i in ids for a in ("--source", i)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    n = 0
    while time.monotonic() < deadline and n < 8:
        time.sleep(0.2)
        try:
            with sqlite3.connect(data / "nianbao.db", timeout=5) as con:
                n = con.execute("select count(*) from documents").fetchone()[0]
        except sqlite3.OperationalError:
            continue
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    return n


def test_killed_crawl_resumes_without_duplicates(tmp_path):
    root, data = tmp_path / "demo", tmp_path / "data"
    build_demo(root)
    with DemoServer(root) as server:
        registry = root / "sources.yaml"
        ids = [s["id"] for s in load_registry(registry)]
        assert crawl_killed_midway(registry, ids, data) >= 8
        # as `nianbao run` does when it starts: a kill mid-write leaves its temporary blob
        BlobStore(data / "blobs").remove_stale_temp_files()
        stats = crawl_in_subprocess(registry, ids, data, "resumed", fast=True, timeout=120)
        urls = dict(server.urls)
    db = sqlite_utils.Database(data / "nianbao.db")
    truth = json.loads((root / "truth.json").read_text("utf-8"))
    assert all(s["finish_reason"] == "finished" for s in stats["sources"].values())
    docs = list(db.query("select * from documents"))
    assert len(docs) == len({d["url"] for d in docs})
    for t in truth["reports"]:
        for path in {t["page_path"], t["document_path"]}:
            row = db["documents"].get(doc_id(urls[t["source_id"]] + path))
            assert row["http_status"] == 200 and row["sha256"]
    # What the killed run fetched is not fetched again: it is revalidated (304).
    killed = {
        c["url"]
        for c in db.query(
            "select url from captures where run_id = 'killed' and status = 200 and method = 'GET'"
        )
    }
    again = {
        c["url"]: c["status"]
        for c in db.query("select url, status from captures where run_id = 'resumed'")
    }
    assert killed and all(again.get(u) == 304 for u in killed if u in again)
    assert (
        db.execute("select count(*) from blobs").fetchone()[0]
        == db.execute(
            "select count(distinct sha256) from captures where sha256 is not null"
        ).fetchone()[0]
    )
    # The interrupted WARC file was never closed; every record it points at is intact.
    result = verify_archive(data)
    assert result.ok, result.text()
    assert any("never closed" in n for n in result.notes)
    assert {urlsplit(u).path for u in killed}
