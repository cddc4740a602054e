"""The demo sites over real HTTP: lists and paging, Hanweb POST, GBK, 304, faults, robots."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest
import yaml

from demo.server import DATAPROXY, DemoServer
from demo.sites import build_demo
from nianbao import form


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("sites")
    build_demo(root)
    truth = json.loads((root / "truth.json").read_text("utf-8"))
    with DemoServer(root) as server:
        yield root, truth, server.urls


def fetch(url, data=None, headers=None, method=None):
    """(status, headers, body) for any answer, errors included."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def decode(headers, body: bytes) -> str:
    """Decode as the Content-Type header says (GBK read as its superset gb18030)."""
    charset = headers.get_content_charset() or "utf-8"
    return body.decode("gb18030" if charset.lower() in ("gbk", "gb2312") else charset)


def source(truth, sid):
    return next(s for s in truth["sources"] if s["id"] == sid)


def hrefs(html: str) -> dict[str, str]:
    """href -> title attribute of every list item."""
    return dict(re.findall(r'<li><a href="([^"]+)" title="([^"]+)"', html))


def test_sources_yaml_points_at_the_running_sites(demo):
    root, truth, urls = demo
    reg = yaml.safe_load((root / "sources.yaml").read_text("utf-8"))["sources"]
    assert [s["id"] for s in reg] == list(urls)
    # Only fields crawler/registry.py accepts.
    from crawler.registry import known_fields

    allowed = set(known_fields())
    for s in reg:
        assert set(s) <= allowed
        assert s["start_urls"][0] == urls[s["id"]] + source(truth, s["id"])["start_path"]
        assert fetch(s["start_urls"][0])[0] == 200
    assert reg[2]["hanweb"]["perpage"] == 3 and "GBK" in reg[1]["notes"]


def test_trs_list_pages_and_pagination(demo):
    _, truth, urls = demo
    for sid in ("qinghe-gov", "qinghe-yjj"):
        base = urls[sid] + "/zwgk/zfxxgk/zfxxgknb/"
        status, headers, body = fetch(base + "index.html")
        text = decode(headers, body)
        n = int(re.search(r'createPageHTML\((\d+), 0, "index", "html"\)', text).group(1))
        assert f"var countPage = {n}" in text and n >= 2
        found = {}
        for page in range(n):
            name = "index.html" if page == 0 else f"index_{page}.html"
            status, headers, body = fetch(base + name)
            assert status == 200
            page_text = decode(headers, body)
            assert f"createPageHTML({n}, {page}," in page_text
            items = hrefs(page_text)
            assert 1 <= len(items) <= 3
            found.update(
                {"/zwgk/zfxxgk/zfxxgknb/" + h.removeprefix("./"): t for h, t in items.items()}
            )
        assert fetch(base + f"index_{n}.html")[0] == 404
        for r in truth["reports"]:
            if r["source_id"] == sid:
                assert found[r["page_path"]] == r["title"]
        assert any("年度报告" not in t for t in found.values())  # notices are listed too


def test_hanweb_column_page_and_post_paging(demo):
    _, truth, urls = demo
    for sid in ("yunxi-gov", "yunxi-fgj"):
        hw = source(truth, sid)["hanweb"]
        col = hw["columnid"]
        status, _, body = fetch(f"{urls[sid]}/col/col{col}/index.html")
        page = body.decode("utf-8")
        total = int(re.search(r"var totalRecord = (\d+);", page).group(1))
        first = hrefs(page)
        assert len(first) == 3 and total > 3
        assert f'<div id="{col}"><script type="text/xml"><datastore><nextgroup>' in page
        form_data = urllib.parse.urlencode(
            {
                "col": 1,
                "appid": 1,
                "webid": hw["webid"],
                "path": "/",
                "columnid": col,
                "unitid": hw["unitid"],
                "webname": hw["webname"],
                "permissiontype": 0,
            }
        ).encode()
        status, headers, body = fetch(
            f"{urls[sid]}{DATAPROXY}?startrecord=1&endrecord={total}&perpage=3", data=form_data
        )
        assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
        xml = body.decode("utf-8")
        assert f"<totalrecord>{total}</totalrecord>" in xml
        assert f"<totalpage>{-(-total // 3)}</totalpage>" in xml
        everything = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", xml)
        assert len(everything) == total
        assert list(hrefs("".join(everything[:3]))) == list(first)
        _, _, body = fetch(
            f"{urls[sid]}{DATAPROXY}?startrecord=4&endrecord=5&perpage=3", data=form_data
        )
        assert (
            re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", body.decode()) == everything[3:5]
        )
        paths = set(hrefs("".join(everything)))
        for r in truth["reports"]:
            if r["source_id"] == sid:
                assert r["page_path"] in paths
        wrong = form_data.replace(f"columnid={col}".encode(), b"columnid=1")
        _, _, body = fetch(
            f"{urls[sid]}{DATAPROXY}?startrecord=1&endrecord=9&perpage=3", data=wrong
        )
        assert "<record>" not in body.decode() and "<recordset></recordset>" in body.decode()
        assert fetch(f"{urls[sid]}{DATAPROXY}")[0] == 405


def test_gbk_site(demo):
    _, truth, urls = demo
    rep = next(
        r for r in truth["reports"] if r["source_id"] == "qinghe-yjj" and r["doc_format"] == "html"
    )
    status, headers, body = fetch(urls["qinghe-yjj"] + rep["page_path"])
    assert headers["Content-Type"] == "text/html; charset=GBK"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gb18030")
    assert 'content="text/html; charset=gb2312"' in text
    assert f'<meta name="ArticleTitle" content="{rep["title"]}">' in text
    assert form.T3_ROWS[0].label in text


def test_detail_pages_and_documents(demo):
    _, truth, urls = demo
    ctypes = {
        "html": "text/html",
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    for r in truth["reports"]:
        base = urls[r["source_id"]]
        status, headers, body = fetch(base + r["page_path"])
        page = decode(headers, body)
        assert status == 200
        assert f'<meta name="PubDate" content="{r["published"]} ' in page
        container = {
            "trs": '<div class="TRS_Editor">',
            "hanweb": '<div id="zoom">',
            "jsp": '<div class="v_news_content">',
            "generic": '<div id="ivs_content"',
        }[source(truth, r["source_id"])["cms"]]
        assert container in page
        status, headers, body = fetch(base + r["document_path"])
        assert status == 200 and headers["Content-Type"].startswith(ctypes[r["doc_format"]])
        if (
            r["doc_format"] != "html"
            and r["doc_format"] == "pdf"
            and source(truth, r["source_id"])["cms"] in ("jsp", "generic")
        ):
            # Shown in <embed src=…> or a viewer.html?file=… iframe instead of a link.
            assert r["document_path"] in page and ("<embed" in page or "viewer.html?file=" in page)
        elif r["doc_format"] != "html":
            link = re.search(r'附件：<a href="([^"]+)">([^<]+)</a>', page)
            assert (
                urllib.parse.urljoin(base + r["page_path"], link.group(1))
                == base + r["document_path"]
            )
            assert link.group(2) == f"{r['title']}.{r['doc_format']}"
            assert body[:4] == (b"%PDF" if r["doc_format"] == "pdf" else b"PK\x03\x04")


def test_conditional_requests(demo):
    _, truth, urls = demo
    r = truth["reports"][1]
    url = urls[r["source_id"]] + r["document_path"]
    status, headers, body = fetch(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert etag and modified
    assert fetch(url, headers={"If-None-Match": etag})[0] == 304
    assert fetch(url, headers={"If-None-Match": '"other"'})[0] == 200
    assert fetch(url, headers={"If-Modified-Since": modified})[0] == 304
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    status, headers, body = fetch(url, method="HEAD")
    assert status == 200 and body == b"" and headers["ETag"] == etag


def test_faults_robots_and_hidden_files(demo):
    _, truth, urls = demo
    for bad in truth["bad_documents"]:
        if bad["kind"] in ("robots", "truncated", "redirect_loop", "timeout", "oversize"):
            continue  # crawler-level faults: see test_crawler_demo
        status, headers, body = fetch(urls[bad["source_id"]] + bad["path"])
        assert status == bad["expected_http_status"], bad
        if bad["kind"] == "fake_pdf":
            assert body.lstrip().startswith(b"<!DOCTYPE html>")
        if bad["kind"] == "no_tables":
            assert "<table" not in decode(headers, body).split('class="TRS_Editor"')[1]
    for _sid, url in urls.items():
        status, headers, body = fetch(url + "/robots.txt")
        assert status == 200 and b"Disallow: /search/" in body and b"Disallow: /private/" in body
        assert fetch(url + "/_site.json")[0] == 404
        assert fetch(url + "/no/such/page.html")[0] == 404


class _Tables(HTMLParser):
    """Just enough of an HTML table reader: cells with rowspan/colspan expanded into a grid."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag == "td":
            self._cell = ["", int(a.get("rowspan", 1)), int(a.get("colspan", 1))]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data.replace("\xa0", "").strip()

    def handle_endtag(self, tag):
        if tag == "td":
            self.tables[-1][-1].append(tuple(self._cell))
            self._cell = None

    def grids(self):
        out = []
        for rows in self.tables:
            grid: dict[tuple[int, int], str] = {}
            for r, row in enumerate(rows):
                c = 0
                for text, rs, cs in row:
                    while (r, c) in grid:
                        c += 1
                    for dr in range(rs):
                        for dc in range(cs):
                            grid[r + dr, c + dc] = text
                    c += cs
            n_rows = max(r for r, _ in grid) + 1
            n_cols = max(c for _, c in grid) + 1
            out.append([[grid.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)])
        return out


def test_inline_html_tables_read_back(demo):
    """Each inline report's 表三 and 表四, read from the served HTML, equal the truth."""
    _, truth, urls = demo
    for r in (r for r in truth["reports"] if r["doc_format"] == "html"):
        _, headers, body = fetch(urls[r["source_id"]] + r["page_path"])
        parser = _Tables()
        parser.feed(decode(headers, body))
        *_, t2, t3, t4 = parser.grids()  # Hanweb pages start with a metadata table
        cells = {(c["table"], c["row"], c["col"]): c["raw"] for c in r["report"]["cells"]}
        assert len(t3) == 28 and all(len(row) == 10 for row in t3)
        for i, row in enumerate(form.T3_ROWS):
            assert row.label in t3[3 + i][:3]
            assert t3[3 + i][3:] == [cells["t3", row.key, c.key] for c in form.T3_COLUMNS]
        assert t4[3] == [cells["t4", g.key, c.key] for g in form.T4_GROUPS for c in form.T4_COLUMNS]
        assert t2[2] == ["规章"] + [
            cells["t2", "regulations", c] for c in ("issued", "repealed", "in_force")
        ]
