"""Hostile sites (issue 11): the crawl touches only http(s) on its sources' hosts, after every
redirect, refuses private addresses reached by DNS, records every refusal with why, and a
bad answer (bomb, oversize, slow drip, loop, lying charset) never stops the run.

Real servers on 127.0.0.1 (and 127.0.0.2 as "another host"), one real crawl process over
a registry with one source per kind of probe, a real SQLite archive.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlite_utils
import yaml

from archive.db import doc_id
from crawler.run import crawl_in_subprocess

TITLE = "示范市测试局2023年政府信息公开工作年度报告"
BOMB = gzip.compress(b"\0" * 20_000_000)  # 20 MB of zeros in ~20 kB
GBK_LIST = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
    f'<body><ul class="list"><li><a href="/gbk/report.html" title="{TITLE}">{TITLE}</a>'
    "<span>2024-01-20</span></li></ul></body></html>"
).encode("gbk")
GBK_REPORT = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    f'<meta name="ArticleTitle" content="{TITLE}"></head><body>正文</body></html>'
).encode("gbk")


def list_page(*hrefs: str) -> bytes:
    items = "".join(
        f'<li><a href="{h}" title="{TITLE}（{i}）">{TITLE}</a><span>2024-01-20</span></li>'
        for i, h in enumerate(hrefs)
    )
    return f'<html><body><ul class="list">{items}</ul></body></html>'.encode()


class Site(BaseHTTPRequestHandler):
    """The hostile site: every path is one probe. ``seen`` counts requests by Host."""

    protocol_version = "HTTP/1.1"
    seen: Counter
    routes: dict

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.seen[(self.headers.get("Host", "").split(":")[0], self.path)] += 1
        handler = self.routes.get(self.path.split("?")[0])
        if handler is None:
            return self.send(404, b"not found")
        handler(self)

    def send(self, status, body=b"", ctype="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def drip(self):
        """Headers at once, then one byte every 0.3 s: never done within the timeout."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "100")
        self.end_headers()
        try:
            for _ in range(100):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass
        self.close_connection = True


def serve(host: str, routes: dict) -> tuple[ThreadingHTTPServer, Counter]:
    seen: Counter = Counter()
    handler = type("H", (Site,), {"seen": seen, "routes": routes})
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def silent_ftp() -> tuple[socket.socket, list]:
    """A server that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    accepted: list = []

    def loop():
        while True:
            try:
                accepted.append(sock.accept())
            except OSError:
                return

    threading.Thread(target=loop, daemon=True).start()
    return sock, accepted


def hostile_routes(other_port: int, ftp_port: int) -> dict:
    """The hostile site: an offsite redirect, links to other schemes, bombs, a drip, a loop."""
    routes = {
        "/r302/index.html": lambda h: h.send(
            302, headers=[("Location", f"http://127.0.0.2:{other_port}/list/index.html")]
        ),
        "/hostile/index.html": lambda h: h.send(
            200,
            list_page(
                "file:///etc/hostname",
                f"ftp://127.0.0.1:{ftp_port}/report.pdf",
                "data:text/html;base64,PGgxPmhpPC9oMT4=",
                "s3://bucket/report.pdf",
                "/bomb.html",
                "/big.pdf",
                "/drip.html",
                "/loop/report.html?n=1",
            ),
        ),
        "/bomb.html": lambda h: h.send(200, BOMB, headers=[("Content-Encoding", "gzip")]),
        "/big.pdf": lambda h: h.send(200, b"%PDF-1.4\n" + b"0" * 1_500_000, "application/pdf"),
        "/drip.html": Site.drip,
        "/loop/report.html": lambda h: h.send(
            302, headers=[("Location", f"/loop/report.html?n={int(h.path.split('=')[-1]) + 1}")]
        ),
        "/gbk/index.html": lambda h: h.send(200, GBK_LIST, "text/html; charset=utf-8"),
        "/gbk/report.html": lambda h: h.send(200, GBK_REPORT, "text/html; charset=utf-8"),
        "/dns/index.html": lambda h: h.send(200, list_page()),
    }
    return routes


def write_registry(tmp, base: str, port: int) -> tuple:
    """The registry of the four hostile sources; returns its path and the sources."""
    common = {"agency": "示范市测试局", "region": "示范省", "level": "department", "cms": "trs"}
    sources = [
        {"id": "redirect-offsite", "start_urls": [f"{base}/r302/index.html"]},
        {
            "id": "hostile-links",
            "start_urls": [f"{base}/hostile/index.html"],
            "timeout": 1,
            "max_bytes": 1_000_000,
        },
        {"id": "lying-charset", "start_urls": [f"{base}/gbk/index.html"]},
        {
            "id": "private-by-dns",
            "start_urls": [f"http://localhost:{port}/dns/index.html"],
            "allowed_domains": ["localhost"],
        },
    ]
    registry = tmp / "sources.yaml"
    registry.write_text(
        yaml.safe_dump({"sources": [common | s for s in sources]}, allow_unicode=True), "utf-8"
    )
    return registry, sources


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    other, other_seen = serve("127.0.0.2", {"/list/index.html": lambda h: h.send(200, list_page())})
    ftp, ftp_accepted = silent_ftp()
    ftp_port = ftp.getsockname()[1]
    routes = hostile_routes(other.server_port, ftp_port)
    site, seen = serve("127.0.0.1", routes)
    base = f"http://127.0.0.1:{site.server_port}"
    registry, sources = write_registry(tmp, base, site.server_port)
    data = tmp / "data"
    t0 = time.monotonic()
    stats = crawl_in_subprocess(
        registry, [s["id"] for s in sources], data, "hostile", fast=True, timeout=240
    )
    seconds = time.monotonic() - t0
    for server in (site, other):
        server.shutdown()
    ftp.close()
    return {
        "stats": stats["sources"],
        "seconds": seconds,
        "base": base,
        "db": sqlite_utils.Database(data / "nianbao.db"),
        "data": data,
        "seen": seen,
        "other_seen": other_seen,
        "ftp_accepted": ftp_accepted,
        "ftp_port": ftp_port,
    }


def document(c, url):
    rows = list(c["db"].query("select * from documents where id = ?", [doc_id(url)]))
    return rows[0] if rows else None


def captures(c, where: str, params=()):
    return list(c["db"].query(f"select * from captures where {where}", list(params)))


def test_every_source_finished(crawl):
    assert {s: v["finish_reason"] for s, v in crawl["stats"].items()} == {
        "redirect-offsite": "finished",
        "hostile-links": "finished",
        "lying-charset": "finished",
        "private-by-dns": "finished",
    }


def test_redirect_to_another_host_is_refused(crawl):
    # The start URL's 302 is archived; where it points is refused and never requested,
    # although start requests are dont_filter (Scrapy's offsite check would skip them).
    hop = captures(crawl, "url like ?", ["%/r302/index.html"])
    assert [h["status"] for h in hop] == [302]
    target = captures(crawl, "url like ?", ["http://127.0.0.2:%"])
    assert target and all(t["status"] is None and t["warc_file"] is None for t in target)
    assert all(
        "host '127.0.0.2' is not in the source's allowed_domains" in t["error"] for t in target
    )
    assert not crawl["other_seen"]  # the other host never saw a request


@pytest.mark.parametrize(
    "url, why",
    [
        ("file:///etc/hostname", "scheme 'file' is not http(s)"),
        ("data:text/html;base64,PGgxPmhpPC9oMT4=", "scheme 'data' is not http(s)"),
        ("s3://bucket/report.pdf", "scheme 's3' is not http(s)"),
    ],
)
def test_other_schemes_are_refused_and_recorded(crawl, url, why):
    row = document(crawl, url)
    assert row["status"] == "refused" and why in row["error"] and row["sha256"] is None
    cap = crawl["db"]["captures"].get(row["capture_id"])
    assert cap["url"] == url and cap["status"] is None and why in cap["error"]


def test_nothing_from_the_local_file_system_is_archived(crawl):
    hostname = open("/etc/hostname", "rb").read()
    for blob in crawl["data"].joinpath("blobs").rglob("*"):
        if blob.is_file():
            assert blob.read_bytes() != hostname


def test_a_silent_ftp_server_is_never_contacted(crawl):
    url = f"ftp://127.0.0.1:{crawl['ftp_port']}/report.pdf"
    row = document(crawl, url)
    assert row["status"] == "refused" and "scheme 'ftp'" in row["error"]
    assert crawl["ftp_accepted"] == []  # refused before any connection: nothing to hang on


def test_gzip_bomb_is_refused_with_a_capture_row(crawl):
    url = crawl["base"] + "/bomb.html"
    caps = captures(crawl, "url = ?", [url])
    assert len(caps) == 1 and caps[0]["status"] == 200 and caps[0]["sha256"] is None
    assert "exceeded DOWNLOAD_MAXSIZE (1000000 B) during decompression" in caps[0]["error"]
    assert caps[0]["bytes_received"] == len(BOMB)
    row = document(crawl, url)
    assert row["status"] == "fetch_error" and "decompression" in row["error"]


def test_oversize_body_is_refused_with_a_capture_row(crawl):
    url = crawl["base"] + "/big.pdf"
    caps = captures(crawl, "url = ?", [url])
    assert len(caps) == 1 and "larger than download max size (1000000)" in caps[0]["error"]
    assert document(crawl, url)["status"] == "fetch_error"


def test_slow_drip_body_times_out_every_attempt(crawl):
    url = crawl["base"] + "/drip.html"
    caps = captures(crawl, "url = ?", [url])
    assert len(caps) == 3  # the request and two retries, each archived
    assert all("took longer than 1.0 seconds" in c["error"] for c in caps)
    assert document(crawl, url)["status"] == "fetch_error"


def test_redirect_loop_stops(crawl):
    url = crawl["base"] + "/loop/report.html?n=1"
    hops = captures(crawl, "url like ?", [crawl["base"] + "/loop/report.html%"])
    assert 5 <= len(hops) <= 7 and all(h["status"] == 302 for h in hops)
    row = document(crawl, url)
    assert row["status"] == "fetch_error" and "max redirections" in row["error"]


def test_a_charset_header_that_lies_is_repaired(crawl):
    row = document(crawl, crawl["base"] + "/gbk/report.html")
    assert row["status"] == "pending" and row["title"] == TITLE


def test_a_private_address_reached_by_dns_is_refused(crawl):
    caps = captures(crawl, "source_id = 'private-by-dns'")
    assert caps and all(c["status"] is None for c in caps)
    assert all(
        "localhost resolves to 127.0.0.1, a loopback address the registry does not name"
        in c["error"]
        for c in caps
    )
    assert not [k for k in crawl["seen"] if k[0] == "localhost"]
    assert crawl["stats"]["private-by-dns"]["refused"] == len(caps)
