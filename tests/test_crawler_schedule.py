"""Which sources a night crawls first, and a crawl limited by time (--max-minutes)."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

from archive.crawlstore import CrawlStore
from crawler.run import crawl_in_subprocess
from crawler.schedule import batches, crawl_processes, order_sources

TODAY = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)  # in the publication season


def src(i: str) -> dict:
    return {"id": i}


def test_never_crawled_first_then_the_longest_waiting():
    history = {
        "old": {"last_crawled": "2026-02-01T02:00:00+00:00", "newest_report": "2026-01-20"},
        "fresh": {"last_crawled": "2026-02-09T02:00:00+00:00", "newest_report": "2026-01-20"},
    }
    order = order_sources([src("fresh"), src("old"), src("new")], history, TODAY)
    assert [s["id"] for s in order] == ["new", "old", "fresh"]


def test_in_season_a_source_awaiting_its_report_goes_before_one_that_published():
    history = {
        "published": {"last_crawled": "2026-02-07T02:00:00+00:00", "newest_report": "2026-01-25"},
        "awaiting": {"last_crawled": "2026-02-08T02:00:00+00:00", "newest_report": "2025-03-01"},
    }
    order = order_sources([src("published"), src("awaiting")], history, TODAY)
    assert [s["id"] for s in order] == ["awaiting", "published"]  # 2 days × 3 > 3 days
    summer = datetime(2026, 7, 10, tzinfo=UTC)  # out of season: age alone
    order = order_sources([src("awaiting"), src("published")], history, summer)
    assert [s["id"] for s in order] == ["published", "awaiting"]


def test_sources_of_one_night_tie_and_the_slowest_goes_first():
    # crawled minutes apart last night: equally urgent; the one whose crawl took longest
    # (a page that times out) starts first, so its waiting overlaps the others' work
    history = {
        "quick": {"last_crawled": "2026-02-09T02:01:00+00:00", "last_duration": 2.0},
        "slow": {"last_crawled": "2026-02-09T02:09:00+00:00", "last_duration": 40.0},
        "older": {"last_crawled": "2026-02-08T02:00:00+00:00", "last_duration": 1.0},
    }
    order = order_sources([src("quick"), src("slow"), src("older"), src("new")], history, TODAY)
    assert [s["id"] for s in order] == ["new", "older", "slow", "quick"]  # age still first


def test_the_history_has_the_duration_of_each_sources_last_complete_crawl(tmp_path):
    store = CrawlStore(tmp_path)
    row = {"finish_reason": "finished", "source_id": "a"}
    store.record_source_runs(
        [
            row | {"run_id": "1", "started_at": T1, "finished_at": "2026-02-08T02:00:30+00:00"},
            row | {"run_id": "2", "started_at": T2, "finished_at": "2026-02-09T02:00:05+00:00"},
            row
            | {"run_id": "3", "started_at": T3, "finished_at": "2026-02-10T02:09:00+00:00"}
            | {"finish_reason": "time_limit"},  # not complete: not its last crawl
        ]
    )
    history = store.crawl_history()
    store.close()
    assert history["a"]["last_crawled"] == "2026-02-09T02:00:05+00:00"
    assert history["a"]["last_duration"] == 5.0


T1, T2, T3 = "2026-02-08T02:00:00+00:00", "2026-02-09T02:00:00+00:00", "2026-02-10T02:00:00+00:00"


def test_processes_follow_the_cores_not_the_sources():
    assert crawl_processes(6, cores=2) == 1  # a handful: one process
    assert crawl_processes(200, cores=2) == crawl_processes(10_000, cores=2) == 2
    assert batches(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]


class Slow(BaseHTTPRequestHandler):
    """Every page answers after a second: a crawl limited to less stops in the middle."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        time.sleep(1.0)
        body = b"<html><body><ul class='list'></ul></body></html>"
        self.send_response(200 if self.path != "/robots.txt" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_time_limited_crawl_stops_and_leaves_the_rest_for_next_time(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    common = {"agency": "示范", "region": "示范省", "level": "department", "cms": "trs"}
    sources = [common | {"id": f"s{i}", "start_urls": [f"{base}/s{i}/index.html"]} for i in (1, 2)]
    registry = tmp_path / "sources.yaml"
    registry.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), "utf-8")
    os.environ["NIANBAO_ACTIVE_SOURCES"] = "1"  # s2 waits for s1, which outlasts the limit
    try:
        stats = crawl_in_subprocess(
            registry, ["s1", "s2"], tmp_path / "data", "cut", fast=True, max_minutes=0.005
        )
    finally:
        os.environ.pop("NIANBAO_ACTIVE_SOURCES")
        server.shutdown()
    assert stats["sources"]["s1"]["finish_reason"] == "time_limit", stats
    assert stats["deferred"] == ["s2"] and "s2" not in stats["sources"]
    import sqlite3

    con = sqlite3.connect(tmp_path / "data" / "nianbao.db")
    rows = con.execute("select source_id, finish_reason, flags from source_runs").fetchall()
    assert rows == [("s1", "time_limit", "[]")]  # no flags decided for an unfinished source
    run = json.loads(con.execute("select stats from crawl_runs").fetchone()[0])
    assert con.execute("select status from crawl_runs").fetchone()[0] == "ok"
    assert run["crawl"]["s1"]["finish_reason"] == "time_limit"
