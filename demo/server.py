"""Serve the demo sites built by demo.sites, each on its own 127.0.0.1 port.

What a crawler meets on real municipal sites, in small: static files with proper
Content-Type (a GBK site says ``charset=GBK``), ETag and Last-Modified with conditional GETs
answering 304, ``/robots.txt``, the Hanweb ``dataproxy.jsp`` POST endpoint for list paging,
a page that answers 500 and plain 404s for missing files. On start it writes
``root/sources.yaml``, the crawler's registry with the real ports filled in.

Per-site ``_site.json`` also configures what a crawler must survive: redirects
(``redirects``: path → [status, target]), an endless redirect chain (``redirect_loops``),
pages that answer too slowly (``slow``: path → seconds), bodies cut short (``truncated``:
Content-Length larger than what is sent), a wrong Content-Type (``content_types``), a
header charset contradicting the page (``header_charset``), and query-addressed pages
(``query_pages``: ``iList.jsp?cur_page=K`` → ``_pages/ilist/K.html``).

``state=2`` serves the files under ``root/state2/<site>/`` in place of the originals: the
sites after a report was replaced by a corrected version at the same URL.

    python -m demo.server ROOT [--port 8701] [--state 2]   # serve by hand; Ctrl-C stops
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import selectors
import signal
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "text/xml; charset=utf-8",
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A crawler that hangs up mid-response is normal here; no tracebacks on stderr.
        pass


class _Acceptor(threading.Thread):
    """One thread accepting for every site (a selector over all their sockets): thousands
    of sites cost one thread, not one polling thread each. Each connection is served on
    its own thread (ThreadingHTTPServer), closed after ``SiteHandler.timeout`` idle."""

    def __init__(self, servers: list[_Server]):
        super().__init__(name="demo-sites", daemon=True)
        self.selector = selectors.DefaultSelector()
        for server in servers:
            self.selector.register(server, selectors.EVENT_READ, server)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for key, _ in self.selector.select(timeout=0.2):
                key.data._handle_request_noblock()

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.selector.close()


class SiteHandler(BaseHTTPRequestHandler):
    """Serves one site folder; ``site_dir`` and ``config`` are set on a per-site subclass."""

    site_dir: Path
    overlay_dir: Path | None = None
    config: dict
    protocol_version = "HTTP/1.1"  # keep-alive: every response carries Content-Length
    timeout = 5  # s: an idle keep-alive connection is closed (as web servers do)
    _etags: dict = {}

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format, *args):  # noqa: A002 - quiet: no access log on stderr
        pass

    # --- helpers ---
    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str,
        headers: dict | None = None,
        head: bool = False,
        length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if status != 304:  # a 304 has no body; its headers describe the cached one
            self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)

    def _error(self, status: int, head: bool = False, headers: dict | None = None) -> None:
        text = {
            404: "404 Not Found 您访问的页面不存在",
            405: "405 Method Not Allowed",
            500: "500 Internal Server Error 服务器内部错误",
        }.get(status, str(status))
        body = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{status}</title></head>'
            f"<body><h1>{text}</h1></body></html>"
        ).encode()
        self._send(status, body, "text/html; charset=utf-8", headers, head)

    def _file(self, path: str, internal: bool = False) -> Path | None:
        if path.endswith("/"):
            path += "index.html"
        parts = [p for p in path.split("/") if p]
        # Configuration (_site.json) and dot files are never served; nor is anything outside.
        if not parts or any(
            (p.startswith(("_", ".")) and not internal) or p == ".." for p in parts
        ):
            return None
        if self.overlay_dir is not None:
            target = self.overlay_dir.joinpath(*parts)
            if target.is_file():
                return target
        target = self.site_dir.joinpath(*parts)
        return target if target.is_file() else None

    def _query_page(self, path: str, query: str) -> Path | None:
        spec = self.config.get("query_pages", {}).get(path)
        if not spec:
            return None
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        page = _int(params.get(spec["param"]), 1)
        return self._file(f"/{spec['dir']}/{page}.html", internal=True)

    def _etag(self, target: Path, stat: os.stat_result) -> str:
        key = (str(target), stat.st_mtime_ns, stat.st_size)
        tag = self._etags.get(key)
        if tag is None:
            tag = '"' + hashlib.sha1(target.read_bytes()).hexdigest()[:20] + '"'
            self._etags[key] = tag
        return tag

    def _not_modified(self, etag: str, mtime: float) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return int(mtime) <= parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    # --- methods ---
    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head: bool = False):
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == DATAPROXY:
            return self._error(405, head, {"Allow": "POST"})
        status = self.config.get("faults", {}).get(path)
        if status:
            return self._error(int(status), head)
        redirect = self.config.get("redirects", {}).get(path)
        if redirect:
            return self._send(
                int(redirect[0]), b"", "text/html; charset=utf-8", {"Location": redirect[1]}, head
            )
        if path in self.config.get("redirect_loops", ()):
            n = _int(parse_qs(url.query).get("n", ["1"])[-1], 1)
            return self._send(
                302, b"", "text/html; charset=utf-8", {"Location": f"{path}?n={n + 1}"}, head
            )
        delay = self.config.get("slow", {}).get(path)
        if delay:
            time.sleep(float(delay))
        target = self._query_page(path, url.query) if url.query else None
        target = target or self._file(path)
        if target is None:
            return self._error(404, head)
        if path in self.config.get("truncated", ()):
            body = target.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", self._ctype(target, path))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body[: len(body) // 3])
            self.close_connection = True
            return None
        stat = target.stat()
        etag = self._etag(target, stat)
        headers = {"ETag": etag, "Last-Modified": formatdate(stat.st_mtime, usegmt=True)}
        if self._not_modified(etag, stat.st_mtime):
            return self._send(304, b"", self._ctype(target, path), headers, head=True)
        body = b"" if head else target.read_bytes()
        self._send(200, body, self._ctype(target, path), headers, head, length=stat.st_size)

    def _ctype(self, target: Path, path: str = "") -> str:
        forced = self.config.get("content_types", {}).get(path)
        if forced:
            return forced
        charset = self.config.get("header_charset", {}).get(path)
        if charset:
            return f"text/html; charset={charset}"
        ext = target.suffix.lower()
        if ext in (".html", ".htm", ".jsp"):
            return "text/html; charset=" + (
                "GBK" if self.config.get("encoding") == "gbk" else "utf-8"
            )
        return CONTENT_TYPES.get(ext, "application/octet-stream")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        hanweb = self.config.get("hanweb")
        if unquote(url.path) != DATAPROXY or not hanweb:
            return self._error(405 if self._file(unquote(url.path)) else 404)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        perpage = _int(query.get("perpage"), hanweb["perpage"])
        start = max(1, _int(query.get("startrecord"), 1))
        end = _int(query.get("endrecord"), start + perpage * 3 - 1)
        records = hanweb["records"] if form.get("columnid") == str(hanweb["columnid"]) else []
        total = len(records)
        chosen = records[start - 1 : max(start - 1, end)]
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><datastore>'
            f"<totalrecord>{total}</totalrecord>"
            f"<totalpage>{-(-total // max(1, perpage))}</totalpage>"
            "<recordset>"
            + "".join(f"<record><![CDATA[{r}]]></record>" for r in chosen)
            + "</recordset></datastore>"
        )
        self._send(200, xml.encode("utf-8"), "text/xml; charset=utf-8")


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class DemoServer:
    """All demo sites of ``root``, one threaded HTTP server (and port) per site.

    ``base_port=0`` takes free ephemeral ports; otherwise site *i* listens on
    ``base_port + i`` in truth.json order. ``start()`` returns ``{site_id: base_url}`` and
    writes ``root/sources.yaml``. Also a context manager (``with DemoServer(root) as s:``).
    """

    def __init__(
        self, root: str | os.PathLike, host: str = "127.0.0.1", base_port: int = 0, state: int = 1
    ):
        self.root = Path(root)
        self.host = host
        self.base_port = base_port
        self.state = state
        self._servers: list[tuple[str, _Server]] = []
        self._acceptor: _Acceptor | None = None
        self.urls: dict[str, str] = {}

    def start(self) -> dict[str, str]:
        """Bind every site, start serving, write sources.yaml; returns site id -> base URL."""
        if self._servers:
            return dict(self.urls)
        truth_path = self.root / "truth.json"
        if not truth_path.exists():
            raise FileNotFoundError(
                f"{truth_path} missing: build the sites first (python -m demo.sites {self.root})"
            )
        sources = json.loads(truth_path.read_text("utf-8"))["sources"]
        try:
            for i, src in enumerate(sources):
                site_dir = self.root / "sites" / src["id"]
                config = json.loads((site_dir / "_site.json").read_text("utf-8"))
                overlay = self.root / f"state{self.state}" / src["id"]
                handler = type(
                    f"Site_{i}",
                    (SiteHandler,),
                    {
                        "site_dir": site_dir,
                        "config": config,
                        "_etags": {},
                        "overlay_dir": overlay if self.state != 1 else None,
                    },
                )
                port = self.base_port + i if self.base_port else 0
                server = _Server((self.host, port), handler)
                self._servers.append((src["id"], server))
                self.urls[src["id"]] = f"http://{self.host}:{server.server_address[1]}"
            self._acceptor = _Acceptor([server for _, server in self._servers])
            self._acceptor.start()
        except BaseException:
            self.stop()
            raise
        write_sources_yaml(self.root / "sources.yaml", sources, self.urls, self.host)
        return dict(self.urls)

    def set_state(self, state: int) -> None:
        """Switch the running sites to another state (same ports): 2 = after the correction."""
        self.state = state
        for sid, server in self._servers:
            overlay = self.root / f"state{state}" / sid
            server.RequestHandlerClass.overlay_dir = overlay if state != 1 else None
            server.RequestHandlerClass._etags = {}

    def stop(self) -> None:
        """Stop every site."""
        if self._acceptor is not None:
            self._acceptor.stop()
            self._acceptor = None
        for _, server in self._servers:
            server.server_close()
        self._servers = []

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def write_sources_yaml(path: Path, sources: list[dict], urls: dict[str, str], host: str) -> None:
    """The crawler registry for the running sites (fields accepted by crawler/registry.py)."""
    entries = []
    for src in sources:
        entry = {
            "id": src["id"],
            "agency": src["agency"],
            "region": src["region"],
            "level": src["level"],
            "cms": src["cms"],
            "start_urls": [urls[src["id"]] + src["start_path"]],
            "allowed_domains": [host],
        }
        if src.get("encoding", "utf-8") != "utf-8":
            # The registry has no encoding field; the crawler reads it from the response.
            entry["notes"] = (
                f"{src['encoding'].upper()}-encoded pages (header charset=GBK, meta gb2312)"
            )
        if src.get(src["cms"]):  # the family's registry options (demo.families)
            entry[src["cms"]] = dict(src[src["cms"]])
        for key in ("timeout", "max_bytes"):
            if src.get(key):
                entry[key] = src[key]
        entries.append(entry)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(
        "# Written by demo.server on start: the demo sites and their ports.\n"
        + yaml.safe_dump(
            {"sources": entries},
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=None,
            width=200,
        ),
        "utf-8",
    )
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """``python -m demo.server ROOT``: serve until Ctrl-C."""
    ap = argparse.ArgumentParser(prog="python -m demo.server", description="Serve the demo sites.")
    ap.add_argument("root", type=Path)
    ap.add_argument("--port", type=int, default=0, help="first port (default: free ports)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--state", type=int, default=1, help="2 = after the correction")
    args = ap.parse_args(argv)
    with DemoServer(args.root, args.host, args.port, state=args.state) as server:
        for sid, url in server.urls.items():
            print(f"{sid:24s} {url}")
        print(f"registry: {args.root / 'sources.yaml'}  (Ctrl-C stops)", flush=True)
        stop = threading.Event()
        # Explicit handlers: a shell starts background jobs with SIGINT ignored, and
        # SIGTERM (kill PID) should stop the sites cleanly too.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.wait(0.2):
            pass
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
