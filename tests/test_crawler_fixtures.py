"""Every CMS family on saved pages, field by field (as City Bureau tests its spiders).

tests/files/demo/ holds pages the demo sites serve (tests/files/make_demo_fixtures.py saved
them, with what each must yield: pages.json); the real pages of ../shared/real (平潭, TRS)
are read from there and skipped, saying so, when that folder is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import Request, TextResponse

from crawler import meta as M
from crawler.sources import SourceRun
from crawler.spider import SourcesSpider

FILES = Path(__file__).resolve().parent / "files" / "demo"
PAGES = json.loads((FILES / "pages.json").read_text("utf-8"))
BASE = "http://127.0.0.1:8701"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"
OPTIONS = {"jsp": {"page_param": "cur_page"}, "generic": {"max_depth": 3}}


def pages(cms: str, kind: str) -> list[dict]:
    return [p for p in PAGES if p["cms"] == cms and p["kind"] == kind]


def source_run(cms: str) -> SourceRun:
    source = {
        "id": f"demo-{cms}",
        "agency": "示范",
        "region": "示范省",
        "level": "government",
        "cms": cms,
        "start_urls": [BASE + pages(cms, "list")[0]["path"]],
        "allowed_domains": ["127.0.0.1"],
        **({cms: OPTIONS[cms]} if cms in OPTIONS else {}),
    }
    return SourceRun(SourcesSpider(sources=[source]), source)


def response(page: dict, body: bytes | None = None, meta: dict | None = None) -> TextResponse:
    url = BASE + page["path"]
    return TextResponse(
        url,
        body=body if body is not None else (FILES / page["file"]).read_bytes(),
        headers={"Content-Type": page["content_type"]},
        request=Request(url, meta=meta or {}),
    )


def truth_by_url(cms: str) -> dict[str, dict]:
    return {BASE + p["path"]: p for p in pages(cms, "report")}


def report_requests(out) -> dict[str, dict]:
    return {r.url: r.meta for r in out if r.meta.get(M.REPORT)}


@pytest.mark.parametrize("cms", ["trs", "hanweb", "jsp", "generic"])
def test_every_report_page_field_by_field(cms):
    """Title, date, the attachment link and its request, from each saved report page."""
    run = source_run(cms)
    for page in pages(cms, "report"):
        meta = {M.SOURCE: run.id, M.URL: BASE + page["path"], M.REPORT: True}
        from crawler.extract import fix_encoding

        out = list(run.spider.read_report_page(run, fix_encoding(response(page, meta=meta))))
        item, requests = out[0], out[1:]
        assert item["title"] == page["title"], page["file"]
        assert item["published"] == page["published"], page["file"]
        assert item["role"] == "page" and item["is_report"] and item["source_id"] == run.id
        attachment = BASE + page["attachment"] if page["attachment"] else None
        linked = [url for url, _ in item["links"]]
        if attachment:
            assert attachment in linked, page["file"]
            req = next(r for r in requests if r.url == attachment)
            assert (
                req.meta[M.KIND] == "attachment" and req.meta[M.LINKED_FROM] == BASE + page["path"]
            )
            assert (
                req.meta[M.DATE] == page["published"]
                and req.callback == run.spider.parse_attachment
            )
        else:
            assert linked == [], page["file"]  # an inline HTML report links no file
        assert [r.url for r in requests] == linked


def check_list_reports(cms: str, out) -> None:
    """Every report listed is requested with the list's title and date."""
    truth = truth_by_url(cms)
    found = report_requests(out)
    listed = {u: m for u, m in found.items() if u in truth}
    assert listed, "no report of the truth on the list page"
    for url, meta in listed.items():
        assert meta[M.TITLE] == truth[url]["title"]
        assert meta[M.DATE] == truth[url]["published"]
        assert meta[M.KIND] == "page" and meta[M.SOURCE] == f"demo-{cms}"


def test_trs_list_page():
    run = source_run("trs")
    out = list(run.family.parse_list(response(pages("trs", "list")[0])))
    check_list_reports("trs", out)
    more = [r.url for r in out if r.meta[M.KIND] == "list"]
    assert more == [BASE + "/zwgk/zfxxgk/zfxxgknb/index_1.html"]  # createPageHTML(2, …)
    assert run.stats["skipped_items"] == 1  # the notice about a meeting is no report


def test_hanweb_column_page_and_dataproxy_answer():
    run = source_run("hanweb")
    column, proxy = pages("hanweb", "list")[0], pages("hanweb", "proxy")[0]
    out = list(run.family.parse_list(response(column)))
    check_list_reports("hanweb", out)
    posts = [r for r in out if r.method == "POST"]
    assert posts and all(r.meta[M.HANDLER] == "parse_proxy" for r in posts)
    assert "dataproxy.jsp?startrecord=4&" in posts[0].url  # after the 3 embedded records
    answer = list(run.family.parse_proxy(response(proxy, meta=posts[0].meta)))
    check_list_reports("hanweb", answer)
    assert not [r for r in answer if r.method == "POST"]  # the total was known


def test_jsp_list_page_with_a_lying_charset_header():
    run = source_run("jsp")
    page = pages("jsp", "list")[0]
    assert "utf-8" in page["content_type"]  # over GBK bytes: the spider repairs it
    from crawler.extract import fix_encoding

    out = list(run.family.parse_list(fix_encoding(response(page))))
    check_list_reports("jsp", out)
    more = [r.url for r in out if r.meta[M.KIND] == "list"]
    assert more and all("cur_page=" in u for u in more)
    assert more[0].endswith("cur_page=2")


def test_generic_walks_from_the_home_page():
    """GenericSpider's first unit test: home → 政务公开 → the reports column → reports."""
    run = source_run("generic")
    home, section, column = pages("generic", "list")
    step1 = [r for r in run.family.parse_list(response(home)) if r.meta[M.KIND] == "list"]
    assert BASE + "/zwgk/index.html" in [r.url for r in step1]
    assert all(r.meta[M.DEPTH] == 1 for r in step1)
    step2 = list(run.family.parse_list(response(section, meta={M.DEPTH: 1})))
    assert BASE + "/zwgk/xxgknb/list.html" in [r.url for r in step2]
    out = list(run.family.parse_list(response(column, meta={M.DEPTH: 2})))
    check_list_reports("generic", out)
    assert BASE + "/zwgk/xxgknb/list_2.html" in [r.url for r in out if r.meta[M.KIND] == "list"]
    mirror = [u for u in report_requests(out) if "haose21" in u]
    assert mirror and "not in the source's allowed_domains" in run.policy.refusal(mirror[0])


def real_page(name: str) -> bytes:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"real pages not found at {REAL} (they ship with ../shared, not the repo)")
    return path.read_bytes()


@pytest.mark.parametrize(
    "name, title, published",
    [
        (
            "pingtan-haitan-2025.html",
            "平潭综合实验区海坛片区管理局2025年度政府信息公开工作年度报告",
            "2026-01-27",
        ),
        (
            "pingtan-nongye-2023.html",
            "平潭综合实验区农业农村局2023年政府信息公开工作年度报告",
            "2024-01-31",
        ),
    ],
)
def test_real_trs_report_pages(name, title, published):
    """Real 平潭 pages (TRS): title and date from the metas; the 全真版 viewer's
    ``file={{qzbFile}}`` placeholder (filled in by a script) is not taken for a file."""
    run = source_run("trs")
    page = {"path": "/zwgk/zfxxgk/zfxxgknb/202601/t20260127_104826.htm"}
    page["content_type"] = "text/html; charset=utf-8"
    meta = {M.SOURCE: run.id, M.URL: BASE + page["path"], M.REPORT: True}
    out = list(run.spider.read_report_page(run, response(page, real_page(name), meta)))
    item = out[0]
    assert (item["title"], item["published"]) == (title, published)
    assert not [u for u, _ in item["links"] if "qzbFile" in u or "{" in u]
