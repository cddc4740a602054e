"""Page reading shared by every family and the families' list pages, on hand-written pages
(no network). Saved real and demo pages: tests/test_crawler_fixtures.py."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request

from crawler.extract import extract_attachments, extract_date, extract_title, fix_encoding
from crawler.families.hanweb import _var
from crawler.families.trs import page_count
from crawler.sources import SourceRun
from crawler.spider import SourcesSpider

SOURCE = {
    "id": "t",
    "agency": "清河市人民政府",
    "region": "r",
    "level": "government",
    "cms": "trs",
    "start_urls": ["http://127.0.0.1:8000/zwgk/index.html"],
    "allowed_domains": ["127.0.0.1"],
}
URL = "http://127.0.0.1:8000/zwgk/202402/t20240210_1.html"


def response(
    html: str,
    url: str = URL,
    encoding: str = "utf-8",
    ctype: str | None = None,
    meta: dict | None = None,
) -> HtmlResponse:
    headers = {"Content-Type": ctype or f"text/html; charset={encoding}"}
    return HtmlResponse(
        url, body=html.encode(encoding), headers=headers, request=Request(url, meta=meta or {})
    )


def source_run(source: dict) -> SourceRun:
    return SourceRun(SourcesSpider(sources=[source]), source)


def test_attachments_by_extension_frame_viewer_and_onclick():
    page = """<html><body><div class="header"><a href="/guide.pdf">指南</a></div>
    <div class="article_content">附件：<a href="./P020240210.pdf">报告.pdf</a>
    <a href="/up/b.DOCX?v=1">b</a> <a href="./page.html">not a file</a>
    <iframe src="/generic2/web/viewer.html?file=%2Fup%2Fc.ofd"></iframe>
    <embed src="/up/d.pdf"><object data="/up/e.wps"></object>
    <a href="javascript:void(0)" onclick="window.open('/up/f.xls')">表格</a>
    <a href="http://other.example/x.pdf">off-site (refused later by the crawl policy)</a>
    <a href="ftp://127.0.0.1/g.pdf">ftp</a>
    </div><div class="footer"><a href="/privacy.pdf">隐私</a></div></body></html>"""
    found = dict(extract_attachments(response(page)))
    assert found == {
        "http://127.0.0.1:8000/zwgk/202402/P020240210.pdf": "报告.pdf",
        "http://127.0.0.1:8000/up/b.DOCX?v=1": "b",
        "http://127.0.0.1:8000/up/c.ofd": "c.ofd",
        "http://127.0.0.1:8000/up/d.pdf": "d.pdf",
        "http://127.0.0.1:8000/up/e.wps": "e.wps",
        "http://127.0.0.1:8000/up/f.xls": "表格",
        "http://other.example/x.pdf": "off-site (refused later by the crawl policy)",
        "ftp://127.0.0.1/g.pdf": "ftp",
    }


def test_title_and_date_fallbacks():
    meta = (
        '<html><head><meta name="ArticleTitle" content=" 清河市2023年政府信息公开工作年度报告 ">'
        '\n    <meta name="PubDate" content="2024-02-15 09:30"><title>x_y</title></head>'
        "\n    <body><h1>h1 title</h1><p>发布时间：2024-02-20</p></body></html>"
    )
    r = response(meta)
    assert extract_title(r) == "清河市2023年政府信息公开工作年度报告"
    assert extract_date(r) == "2024-02-15"  # meta before page text and URL
    h1 = (
        "<html><head><title>t</title></head>"
        "<body><h1> 标题 一 </h1><p>发布时间：2024年2月20日</p></body></html>"
    )
    assert extract_title(response(h1)) == "标题 一"
    assert extract_date(response(h1)) == "2024-02-20"  # page text before URL date
    bare = (
        "<html><head><title>清河市2023年政府信息公开年报_清河市人民政府</title></head>"
        "<body></body></html>"
    )
    assert extract_title(response(bare)) == "清河市2023年政府信息公开年报"
    assert extract_date(response(bare)) == "2024-02-10"  # from t20240210_
    assert extract_date(response(bare), listed="2024-02-11") == "2024-02-11"


def test_gbk_page_with_a_lying_header_is_repaired():
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        '<meta name="ArticleTitle" content="清河市应急管理局2023年政府信息公开工作年度报告"></head>'
        "<body>正文</body></html>"
    )
    honest = response(html, encoding="gbk", ctype="text/html; charset=GBK")
    lying = response(html, encoding="gbk", ctype="text/html; charset=utf-8")
    title = "清河市应急管理局2023年政府信息公开工作年度报告"
    assert extract_title(fix_encoding(honest)) == title
    assert "\ufffd" in lying.text
    assert extract_title(fix_encoding(lying)) == title


def test_trs_paging_and_hanweb_variables():
    assert page_count('createPageHTML(4, 0, "index", "shtml");') == (4, "index", "shtml")
    assert page_count("var countPage = 7;") == (7, "index", "html")
    assert page_count("<p>no paging</p>") is None
    text = (
        '<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3'
        '&columnid=1234&unitid=5678&webname=云溪县人民政府&permissiontype=0"></a>]]></nextgroup>'
        "<script>var columnid = '1234'; var unitid = '5678'; var webid = '3'; var perpage = 3;"
        " var totalRecord = 7;</script>"
    )
    assert [_var(text, k) for k in ("columnid", "unitid", "webid", "perpage", "totalRecord")] == [
        "1234",
        "5678",
        "3",
        "3",
        "7",
    ]
    assert _var(text, "webname") == "云溪县人民政府"


def test_hanweb_column_page_requests():
    source = dict(SOURCE, cms="hanweb", start_urls=["http://127.0.0.1:8001/col/col1234/index.html"])
    page = (
        '<html><body><script type="text/xml"><datastore><recordset>'
        '<record><![CDATA[<li><a href="/art/2024/2/28/art_1234_1.html" '
        'title="某局2023年政府信息公开工作年度报告">x</a><span>2024-02-28</span></li>]]></record>'
        '<record><![CDATA[<li><a href="/art/2024/4/1/art_1234_2.html" '
        'title="关于印发2024年政务公开工作要点的通知">x</a><span>2024-04-01</span></li>]]></record>'
        "</recordset></datastore></script><script>var columnid = '1234'; var unitid = '5678';"
        " var webid = '3'; var perpage = 2; var totalRecord = 9;</script></body></html>"
    )
    run = source_run(source)
    out = list(
        run.family.parse_list(response(page, url="http://127.0.0.1:8001/col/col1234/index.html"))
    )
    gets = [r for r in out if r.method == "GET"]
    posts = [r for r in out if r.method == "POST"]
    assert [r.url for r in gets] == ["http://127.0.0.1:8001/art/2024/2/28/art_1234_1.html"]
    assert gets[0].meta["nb_date"] == "2024-02-28" and gets[0].meta["nb_source"] == "t"
    assert [r.url.split("?")[1] for r in posts] == [
        "startrecord=3&endrecord=8&perpage=2",
        "startrecord=9&endrecord=9&perpage=2",
    ]
    assert b"columnid=1234" in posts[0].body and b"unitid=5678" in posts[0].body
    assert run.pending == len(out)  # every request made holds the source open
