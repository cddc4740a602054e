"""End-to-end: crawl the default demo sites in subprocesses, check the database and blobs.

Real demo server on 127.0.0.1, real SQLite and blob store in a tmp folder, no mocks.
The crawl runs twice (module fixture); checks say which run they are about.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from urllib.parse import urljoin

import pytest
import sqlite_utils

from archive.db import doc_id
from archive.store import BlobStore
from crawler.registry import load_registry
from crawler.run import CrawlError, crawl_in_subprocess
from demo.server import DemoServer
from demo.sites import build_demo
from demo.timewarp import pass_time


def pretend_history(data, registry, urls: dict, truth: dict, after1: dict) -> tuple:
    """Set the archive after run-1 as later stages and earlier nights would have left it;
    returns the two parsed documents and the list page and report page that "changed"."""
    db = sqlite_utils.Database(data / "nianbao.db")
    # What the parse stage would write: one document parsed at its current hash, one
    # parsed at an older hash. A rerun must keep the first and re-queue the second.
    pages = [doc_id(urls[t["source_id"]] + t["page_path"]) for t in truth["reports"][:2]]
    db["documents"].update(
        pages[0], {"status": "parsed", "parsed_sha256": after1["documents"][pages[0]]["sha256"]}
    )
    db["documents"].update(pages[1], {"status": "parsed", "parsed_sha256": "0" * 64})
    # One list page and one report page as if their bodies had been different last
    # time: they "changed", so what they link is asked about although it is fresh.
    sources = load_registry(registry)
    changed_list = sources[0]["start_urls"][0]
    changed_page = next(
        urls[t["source_id"]] + t["page_path"]
        for t in truth["reports"][2:]
        if t["doc_format"] == "pdf" and t["source_id"] != sources[0]["id"]
    )
    db.execute(
        "update crawl_state set sha256 = ? where url in (?, ?)",
        ["0" * 64, changed_list, changed_page],
    )
    db.conn.commit()
    db.close()
    # The other attachments checked 8 days ago (stale), report pages just now (fresh):
    # run-2 must ask about attachments it only knows from the pages' recorded links.
    pass_time(
        data / "nianbao.db",
        days=8,
        where="url in (select url from documents where role = 'attachment' "
        f"and linked_from != '{changed_page}')",
    )
    return pages, changed_list, changed_page


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    data = tmp_path_factory.mktemp("data")
    build_demo(root)
    truth = json.loads((root / "truth.json").read_text("utf-8"))
    with DemoServer(root) as server:
        urls = dict(server.urls)
        registry = root / "sources.yaml"
        ids = [s["id"] for s in load_registry(registry)]
        t0 = time.monotonic()
        stats1 = crawl_in_subprocess(registry, ids, data, "run-1", fast=True, timeout=120)
        seconds = time.monotonic() - t0
        db = sqlite_utils.Database(data / "nianbao.db")
        after1 = {
            "documents": {r["id"]: r for r in db.query("select * from documents")},
            "captures": db["captures"].count,
        }
        db.close()
        pages, changed_list, changed_page = pretend_history(data, registry, urls, truth, after1)
        stats2 = crawl_in_subprocess(registry, ids, data, "run-2", fast=True, timeout=120)
    return {
        "root": root,
        "data": data,
        "truth": truth,
        "urls": urls,
        "stats1": stats1,
        "stats2": stats2,
        "after1": after1,
        "seconds": seconds,
        "parsed_same": pages[0],
        "parsed_old": pages[1],
        "changed_list": changed_list,
        "changed_page": changed_page,
        "db": sqlite_utils.Database(data / "nianbao.db"),
    }


def url_of(c, source_id, path):
    return c["urls"][source_id].rstrip("/") + path


def doc(c, url):
    rows = list(c["db"].query("select * from documents where id = ?", [doc_id(url)]))
    return rows[0] if rows else None


def test_every_report_found_with_title_and_date(crawled):
    c = crawled
    for t in c["truth"]["reports"]:
        page_url = url_of(c, t["source_id"], t["page_path"])
        page = doc(c, page_url)
        assert page is not None, f"report page not found: {page_url}"
        assert page["url"] == page_url and page["role"] == "page"
        assert page["source_id"] == t["source_id"]
        assert page["http_status"] == 200 and page["error"] is None
        # GBK site included: the title is the real Chinese title, the date the PubDate meta
        # (not the earlier date in the URL).
        assert page["title"] == t["title"]
        assert page["published"] == t["published"]
        if t["document_path"] != t["page_path"]:
            att = doc(c, url_of(c, t["source_id"], t["document_path"]))
            assert att is not None, f"attachment not found: {t['document_path']}"
            assert att["role"] == "attachment" and att["linked_from"] == page_url
            assert att["http_status"] == 200 and att["published"] == t["published"]


def test_archived_bytes_are_the_served_bytes(crawled):
    """documents.sha256 is the hash of the file the site serves (GBK pages stay GBK bytes)."""
    c = crawled
    store = BlobStore(c["data"] / "blobs")
    for t in c["truth"]["reports"]:
        for path in {t["page_path"], t["document_path"]}:
            served = (c["root"] / "sites" / t["source_id"] / path.lstrip("/")).read_bytes()
            row = doc(c, url_of(c, t["source_id"], path))
            assert row["sha256"] == hashlib.sha256(served).hexdigest(), path
            assert store.get(row["sha256"]) == served


def test_bad_documents(crawled):
    c = crawled
    errors = {
        "robots": "Forbidden by robots.txt",
        "truncated": "DataLoss",
        "redirect_loop": "max redirections",
        "timeout": "took longer than",
        "oversize": "larger than download max size",
    }
    for bad in c["truth"]["bad_documents"]:
        row = doc(c, url_of(c, bad["source_id"], bad["path"]))
        assert row is not None, bad
        assert row["http_status"] == bad["expected_http_status"], bad
        if bad["kind"] in errors:  # no usable response: a clear error
            assert row["status"] == bad["expected_status"], bad
            assert errors[bad["kind"]] in row["error"], (bad, row["error"])
            assert row["sha256"] is None and row["title"] == bad["title"]
        elif bad["expected_status"] == "fetch_error":  # the 404 and the 500
            assert row["status"] == "fetch_error"
            assert row["error"] == f"HTTP {bad['expected_http_status']}"
            assert row["title"] == bad["title"]  # from the list, as the page never came
            assert row["capture_id"] is not None
        else:  # served fine: the parser's problem
            assert row["status"] == "pending"
    # Robots-disallowed: the decision is recorded, the page never requested.
    robots = next(b for b in c["truth"]["bad_documents"] if b["kind"] == "robots")
    url = url_of(c, robots["source_id"], robots["path"])
    assert not c["db"].execute("select count(*) from captures where url = ?", [url]).fetchone()[0]


def test_hazards_recorded_and_crawl_goes_on(crawled):
    """Timeouts and truncated bodies are retried, every attempt archived as an error; a
    PDF served as text/html is still archived as the attachment it is."""
    c = crawled
    db = c["db"]
    for h in c["truth"]["hazards"]:
        url = url_of(c, h["source_id"], h["path"])
        caps = list(db.query("select * from captures where url = ? and run_id = 'run-1'", [url]))
        if h["kind"] in ("timeout", "truncated"):
            assert len(caps) == 3 and all(cap["error"] and cap["sha256"] is None for cap in caps)
            assert all(cap["warc_file"] and cap["warc_offset"] is not None for cap in caps)
        elif h["kind"] == "redirect_loop":
            hops = list(
                db.query(
                    "select * from captures where url like ? and run_id = 'run-1'",
                    [url.split("?")[0] + "%"],
                )
            )
            assert 5 <= len(hops) <= 7 and all(cap["status"] == 302 for cap in hops)
        elif h["kind"] == "oversize":
            assert len(caps) == 1 and "max size" in caps[0]["error"]
        elif h["kind"] == "wrong_content_type":
            row = doc(c, url)
            assert row["role"] == "attachment" and row["content_type"].startswith("text/html")
            served = (c["root"] / "sites" / h["source_id"] / h["path"].lstrip("/")).read_bytes()
            assert row["sha256"] == hashlib.sha256(served).hexdigest()
    # All the reports of the sites with the hazards were still found (see the first test).
    assert all(s["finish_reason"] == "finished" for s in c["stats1"]["sources"].values())


def test_500_is_retried_and_every_attempt_archived(crawled):
    c = crawled
    bad = next(b for b in c["truth"]["bad_documents"] if b["expected_http_status"] == 500)
    url = url_of(c, bad["source_id"], bad["path"])
    rows = list(c["db"].query("select * from captures where url = ? and run_id = 'run-1'", [url]))
    assert len(rows) == 3 and {r["status"] for r in rows} == {500}
    assert all(r["sha256"] and r["error"] is None for r in rows)


def test_every_response_archived(crawled):
    c = crawled
    db = c["db"]
    store = BlobStore(c["data"] / "blobs")
    for run, stats in (("run-1", c["stats1"]), ("run-2", c["stats2"])):
        for sid, s in stats["sources"].items():
            n = db.execute(
                "select count(*) from captures where run_id = ? and source_id = ? "
                "and status is not null",
                [run, sid],
            ).fetchone()[0]
            assert n >= s["responses"] > 0
            assert n == s["captures"] - s["failed_fetches"]
    captures = list(db.query("select * from captures where error is null"))
    for cap in captures:
        assert cap["sha256"], cap
        assert store.verify(cap["sha256"]) == "ok"
        assert db["blobs"].get(cap["sha256"])["size"] == cap["size"]
        assert json.loads(cap["headers"]).get("Content-Type")


def test_every_list_page_fetched(crawled):
    c = crawled
    captures = list(c["db"].query("select * from captures where error is null"))
    urls = {cap["url"] for cap in captures}
    for _sid, base in c["urls"].items():
        assert base + "/robots.txt" in urls
    # Every list page: TRS index.html + index_1.html, Hanweb column page + dataproxy POST,
    # JSP cur_page=1…N, generic list.html, list_2.html….
    for src in c["truth"]["sources"]:
        base = c["urls"][src["id"]]
        site = c["root"] / "sites" / src["id"]
        if src["cms"] == "jsp":
            n = len(list((site / "_pages" / "ilist").glob("*.html")))
            assert n >= 2
            for k in range(1, n + 1):
                assert any(
                    u.startswith(base + "/info/iList.jsp?") and f"cur_page={k}" in u for u in urls
                ), k
        elif src["cms"] == "generic":
            for f in (site / "zwgk" / "xxgknb").glob("list*.html"):
                assert f"{base}/zwgk/xxgknb/{f.name}" in urls
        elif src["cms"] == "trs":
            folder = c["root"] / "sites" / src["id"] / src["site_path_prefix"].strip("/")
            for f in folder.glob("index*.html"):
                assert f"{base}{src['site_path_prefix']}{f.name}" in urls
        else:
            posts = [
                cap
                for cap in captures
                if cap["method"] == "POST"
                and cap["url"].startswith(base + "/module/web/jpage/dataproxy.jsp")
            ]
            assert posts and all(cap["status"] == 200 for cap in posts)


def test_each_document_points_at_the_capture_that_produced_it(crawled):
    # run-2's, or for a report page answered from the archive (fresh, not asked about), the
    # run-1 capture it still is.
    db = crawled["db"]
    fresh = {c["url"] for c in db.query("select url from captures where run_id = 'run-1'")} - {
        c["url"] for c in db.query("select url from captures where run_id = 'run-2'")
    }
    for row in db.query("select * from documents where status != 'robots_disallowed'"):
        cap = db["captures"].get(row["capture_id"])
        assert cap["run_id"] == ("run-1" if row["url"] in fresh else "run-2")
        # The URL as linked, or for a redirected page the final URL of its last hop.
        # (An endless redirect chain points at its last hop, ?n=6 for ?n=1.)
        assert (
            row["url"] in (cap["url"], cap["final_url"])
            or cap["url"].split("?")[0] == row["url"].split("?")[0]
        )


def test_non_report_items_not_followed(crawled):
    c = crawled
    wanted = {url_of(c, t["source_id"], t["page_path"]) for t in c["truth"]["reports"]}
    wanted |= {
        url_of(c, b["source_id"], b["page_path"])
        for b in c["truth"]["bad_documents"] + c["truth"]["hazards"]
    }
    captured = {r["url"] for r in c["db"].query("select url from captures")}
    news = []
    for src in c["truth"]["sources"]:
        site = c["root"] / "sites" / src["id"]
        for f in site.rglob("*.htm*"):
            path = "/" + f.relative_to(site).as_posix()
            if re.search(
                r"/(t\d{8}_\d+|art_\d+_\d+)\.html$|/info/\d+/\d+\.htm$|/post_\d+\.html$", path
            ):
                url = url_of(c, src["id"], path)
                if url not in wanted:
                    news.append(url)
    assert len(news) >= 12  # 2 notices per site
    assert not set(news) & captured
    assert not any("/search/" in u or "/private/" in u for u in captured)  # robots.txt
    # The off-domain mirror (a report-titled link to another host) is never fetched: its
    # request is refused before it is sent, and recorded with why.
    mirror = list(c["db"].query("select * from captures where url like '%haose21%'"))
    assert mirror and all(m["status"] is None and m["warc_file"] is None for m in mirror)
    assert all("not in the source's allowed_domains" in m["error"] for m in mirror)
    row = c["db"].execute("select status, error from documents where url like '%haose21%'")
    assert [r[0] for r in row.fetchall()] == ["refused"]


def test_stats_json(crawled):
    c = crawled
    stats = c["stats1"]["sources"]
    assert set(stats) == set(c["urls"])
    db = c["db"]
    for sid, s in stats.items():
        assert s["finish_reason"] == "finished"
        assert set(s) >= {"pages", "documents", "attachments", "errors", "bytes"}
        rows = list(db.query("select role, status from documents where source_id = ?", [sid]))
        assert s["pages"] == sum(r["role"] == "page" for r in rows)
        assert s["attachments"] == sum(r["role"] == "attachment" for r in rows)
        assert s["documents"] == len(rows)
        assert s["errors"] == sum(r["status"] == "fetch_error" for r in rows)
        assert s["bytes"] > 0
    # 500, 404, truncated, redirect loop, timeout, oversize (robots-disallowed is no error)
    assert sum(s["errors"] for s in stats.values()) == 6
    assert sum(s["robots_denied"] for s in stats.values()) == 1
    run = db["crawl_runs"].get("run-1")  # standalone crawl: it records its own run
    assert run["status"] == "ok" and json.loads(run["stats"]) == {"crawl": stats}
    assert set(json.loads(run["sources"])) == set(stats)


def test_rerun_adds_captures_not_documents(crawled):
    c = crawled
    db = c["db"]
    before = c["after1"]["documents"]
    after = {r["id"]: r for r in db.query("select * from documents")}
    assert set(after) == set(before)
    assert db.execute("select count(*), count(distinct url) from documents").fetchone() == (
        len(before),
        len(before),
    )
    # run-2 asked again about everything but the fresh report pages (answered from the
    # archive); the stale attachments they link were revalidated: 304.
    first = list(db.query("select url, status from captures where run_id = 'run-1'"))
    second = list(db.query("select url, status from captures where run_id = 'run-2'"))
    fresh = {u for u in {c["url"] for c in first} - {c["url"] for c in second}}
    assert fresh and all(before[doc_id(u)]["role"] == "page" for u in fresh)
    assert sum(s["fresh"] for s in c["stats2"]["sources"].values()) == len(fresh)
    # every URL asked as often as in run-1, but a document that failed there: one attempt
    failed = {r["url"] for r in before.values() if r["status"] == "fetch_error"}
    tries1, tries2 = Counter(x["url"] for x in first), Counter(x["url"] for x in second)
    assert tries2 == Counter(
        {u: 1 if u in failed else n for u, n in tries1.items() if u not in fresh}
    )
    assert any(tries1[u] > 1 for u in failed)  # the 500 and the timeout were retried in run-1
    attachments = {
        r["url"] for r in before.values() if r["role"] == "attachment" and r["http_status"] == 200
    }
    status2 = {x["url"]: x["status"] for x in second}
    assert attachments and all(status2[u] == 304 for u in attachments)
    # The pages of the list that changed were asked about (304); no other page was.
    from_changed = {
        r["url"]
        for r in before.values()
        if r["linked_from"] == c["changed_list"] and r["role"] == "page"
    }
    assert from_changed and all(status2[u] == 304 for u in from_changed)
    assert status2[c["changed_list"]] == 200
    # The page that changed was fetched in full; its (fresh) attachment was asked about.
    assert status2[c["changed_page"]] == 200
    linked = {r["url"] for r in before.values() if r["linked_from"] == c["changed_page"]}
    assert linked and all(status2[u] == 304 for u in linked)
    # Every other page fetched well in run-1 was fresh, except a redirect's target (its
    # document is keyed by where the redirect led; the linked URL is asked about again).
    moved = {
        urljoin(x["url"], json.loads(x["headers"])["Location"])
        for x in db.query(
            "select url, headers from captures "
            "where run_id = 'run-1' and status between 300 and 399"
        )
    }
    assert moved and fresh == {
        r["url"]
        for r in before.values()
        if r["role"] == "page"
        and r["http_status"] == 200
        and r["url"] not in from_changed | moved | {c["changed_page"]}
    }
    for did, row in after.items():
        assert row["first_seen"] == before[did]["first_seen"]
        assert row["last_seen"] >= before[did]["last_seen"]
        assert row["sha256"] == before[did]["sha256"]
    assert after[c["parsed_same"]]["status"] == "parsed"  # unchanged content: kept
    assert after[c["parsed_old"]]["status"] == "pending"  # content differs from parsed
    assert db["sources"].count == 6


def test_crawl_is_quick(crawled):
    assert crawled["seconds"] < 30


def test_flow_owned_run_row_is_left_alone(tmp_path):
    """When the caller (the nightly flow) created the crawl_runs row, the crawl keeps off it."""
    from archive.db import open_db

    db = open_db(tmp_path / "data" / "nianbao.db")
    db["crawl_runs"].insert({"id": "flow-run", "status": "running", "sources": "[]"}, pk="id")
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        "sources:\n  - {id: dead, agency: a, region: r, level: department, "
        "cms: trs, start_urls: ['http://127.0.0.1:9/x/index.html']}\n",
        "utf-8",
    )
    stats = crawl_in_subprocess(
        registry, ["dead"], tmp_path / "data", "flow-run", fast=True, timeout=60
    )
    # Port 9 refuses connections: robots.txt and the start page fail, each attempt archived.
    s = stats["sources"]["dead"]
    assert s["errors"] == 1 and s["failed_fetches"] >= 3 and s["finish_reason"] == "finished"
    assert db["crawl_runs"].get("flow-run")["status"] == "running"
    errors = [r["error"] for r in db.query("select error from captures where run_id = 'flow-run'")]
    assert errors and all(e for e in errors)


def test_crawl_error_carries_stderr(tmp_path):
    registry = tmp_path / "sources.yaml"
    registry.write_text("sources: []\n", "utf-8")
    with pytest.raises(CrawlError, match="unknown source id"):
        crawl_in_subprocess(registry, ["nope"], tmp_path / "data", "run-x", fast=True, timeout=60)
