"""How each CMS family's demo site looks: one small object per family (paths, list pages,
the article block, how it shows a PDF, what its server and registry entry need).

``demo.sites`` builds every site through its family object (``site.family``); the crawler's
own families live in crawler/families/. A new demo family is one more class here.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date
from html import escape
from typing import TYPE_CHECKING, ClassVar

from demo.pages import (
    COLUMN_NAME,
    chrome_bottom,
    chrome_top,
    head,
    list_chunks,
    list_item,
    list_page,
    position,
)

if TYPE_CHECKING:
    from demo.sites import Item, Site

TRS_FOLDER = "/zwgk/zfxxgk/zfxxgknb/"
JSP_LIST = "/info/iList.jsp"
GENERIC_FOLDER = "/zwgk/xxgknb/"
MIRROR_HOST = "http://www.haose21.com"  # an SEO-spam mirror: linked, never followed


class DemoFamily:
    """A CMS family as the demo renders it; one instance per site."""

    cms: ClassVar[str] = ""
    short_ids: ClassVar[bool] = False  # document ids of 5-6 digits (else 7)
    legacy_formats: ClassVar[dict[str, tuple[str, ...]]] = {}  # format → further formats
    gbk_departments: ClassVar[bool] = False  # some department sites of the family are GBK
    plain_governments: ClassVar[bool] = False  # government reports as plain (not Word) HTML

    def __init__(self, site: Site):
        self.site = site

    @classmethod
    def setup(cls, rng: random.Random, name: str, per_page: int) -> dict:
        """Family fields of a new site (drawn from ``rng`` in a fixed order)."""
        return {}

    @classmethod
    def list_ids(cls, rng: random.Random) -> dict:
        """Ids in the site's list URL, drawn after its site code."""
        return {}

    # --- paths ----------------------------------------------------------------------
    @property
    def start_path(self) -> str:
        raise NotImplementedError

    @property
    def list_path(self) -> str:
        """Where the reports column is linked from the page chrome."""
        return self.start_path

    @property
    def prefix(self) -> str:
        raise NotImplementedError

    def detail_path(self, day: date, ident: int) -> str:
        raise NotImplementedError

    def attachment_path(self, page_path: str, day: date, rng: random.Random, ext: str) -> str:
        token = hashlib.sha1(f"{page_path}{rng.random()}".encode()).hexdigest()[:24]
        return self.attachment_folder(day) + f"{token}.{ext}"

    def attachment_folder(self, day: date) -> str:
        raise NotImplementedError

    def link(self, page_path: str, target: str) -> str:
        """The href of ``target`` as the CMS writes it on ``page_path``."""
        return target

    def list_href(self, item: Item) -> tuple[str, str]:
        """(href, extra attributes) of a list item's link."""
        return item.link_path or item.page_path, ""

    # --- pages ----------------------------------------------------------------------
    def article(self, item: Item, pub: str) -> str:
        raise NotImplementedError

    def shown_pdf(self, link: str) -> str | None:
        """How a report page shows its PDF (None: a download link)."""
        return None

    def list_pages(self, items: list[Item]) -> dict[str, str]:
        raise NotImplementedError

    # --- what the server and the registry need ---------------------------------------
    def server_config(self, items: list[Item]) -> dict:
        return {}

    def registry_options(self) -> dict:
        return {}


class Trs(DemoFamily):
    cms = "trs"
    short_ids = True
    gbk_departments = True

    @property
    def start_path(self) -> str:
        return TRS_FOLDER + "index.html"

    @property
    def prefix(self) -> str:
        return TRS_FOLDER

    def detail_path(self, day: date, ident: int) -> str:
        return f"{TRS_FOLDER}{day:%Y%m}/t{day:%Y%m%d}_{ident}.html"

    def attachment_path(self, page_path: str, day: date, rng: random.Random, ext: str) -> str:
        folder = page_path.rsplit("/", 1)[0]
        return f"{folder}/P0{day:%Y%m%d}{rng.randint(10**11, 10**12 - 1)}.{ext}"

    def link(self, page_path: str, target: str) -> str:
        if target.rsplit("/", 1)[0] == page_path.rsplit("/", 1)[0]:
            return "./" + target.rsplit("/", 1)[1]  # relative to the page's folder
        return target

    def list_href(self, item: Item) -> tuple[str, str]:
        return "./" + item.page_path[len(TRS_FOLDER) :], ' target="_blank"'

    def article(self, item: Item, pub: str) -> str:
        return (
            f'<div class="article">\n<h1 class="article_title">{escape(item.title)}</h1>\n'
            f'<div class="article_info"><span>发布时间：{pub}</span>'
            f"<span>来源：{escape(self.site.agency.name)}</span></div>\n"
            f'<div class="article_content"><div class="TRS_Editor">\n{item.body}\n'
            "</div></div>\n</div>\n"
        )

    def list_pages(self, items: list[Item]) -> dict[str, str]:
        pages = {}
        for n, cur, lis in list_chunks(self.site, items):
            name = "index.html" if cur == 0 else f"index_{cur}.html"
            pages[TRS_FOLDER + name] = list_page(
                self.site,
                lis,
                f'<div class="page"><script>var countPage = {n};var currentPage = {cur};'
                f'createPageHTML({n}, {cur}, "index", "html");</script></div>\n',
            )
        return pages


class Hanweb(DemoFamily):
    cms = "hanweb"
    plain_governments = True

    @classmethod
    def setup(cls, rng: random.Random, name: str, per_page: int) -> dict:
        return {
            "hanweb": {
                "columnid": rng.randint(1000, 99999),
                "unitid": rng.randint(1000, 999999),
                "webid": rng.randint(1, 300),
                "perpage": per_page,
                "webname": name,
            }
        }

    @property
    def start_path(self) -> str:
        return f"/col/col{self.site.hanweb['columnid']}/index.html"

    @property
    def prefix(self) -> str:
        return f"/col/col{self.site.hanweb['columnid']}/"

    def detail_path(self, day: date, ident: int) -> str:
        return (
            f"/art/{day.year}/{day.month}/{day.day}/art_{self.site.hanweb['columnid']}_{ident}.html"
        )

    def attachment_folder(self, day: date) -> str:
        return "/picture/0/"

    def article(self, item: Item, pub: str) -> str:
        site = self.site
        serial = int(hashlib.sha1(item.page_path.encode()).hexdigest()[:8], 16) % 100000
        index_no = f"{site.site_code[:6]}/{item.published:%Y}-{serial:05d}"
        return (
            '<table class="xxgk_table">'
            f"<tr><th>索引号</th><td>{index_no}</td><th>分类</th><td>{COLUMN_NAME}</td></tr>"
            f"<tr><th>发布机构</th><td>{escape(site.agency.name)}</td>"
            f"<th>发文日期</th><td>{item.published:%Y-%m-%d}</td></tr>"
            f"<tr><th>文号</th><td></td><th>有效性</th><td>有效</td></tr></table>\n"
            f'<div class="title">{escape(item.title)}</div>\n'
            f'<div id="zoom">\n{item.body}\n</div>\n'
        )

    def list_pages(self, items: list[Item]) -> dict[str, str]:
        """The column page with its ``<datastore>``; further records come from dataproxy."""
        from demo.pages import hanweb_record

        site, hw = self.site, self.site.hanweb
        col = hw["columnid"]
        records = "\n".join(hanweb_record(list_item(site, it)) for it in items[: hw["perpage"]])
        proxy = (
            f"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid={hw['webid']}&path=/"
            f"&columnid={col}&unitid={hw['unitid']}&webname={hw['webname']}&permissiontype=0"
        )
        page = (
            head(site, f"{COLUMN_NAME}_{site.agency.name}", {"ColumnName": COLUMN_NAME})
            + chrome_top(site)
            + position(site)
            + f'<div class="list_box">\n<div id="{col}"><script type="text/xml"><datastore>'
            f'<nextgroup><![CDATA[<a href="{proxy}"></a>]]></nextgroup><recordset>\n'
            f"{records}\n</recordset></datastore></script></div>\n"
            f"<script>var columnid = '{col}'; var unitid = '{hw['unitid']}'; "
            f"var webid = '{hw['webid']}'; var perpage = {hw['perpage']}; "
            f"var totalRecord = {len(items)};</script>\n</div>\n" + chrome_bottom(site)
        )
        return {self.start_path: page}

    def server_config(self, items: list[Item]) -> dict:
        records = [list_item(self.site, it) for it in items]
        return {"hanweb": dict(self.site.hanweb, records=records)}

    def registry_options(self) -> dict:
        return {"hanweb": dict(self.site.hanweb)}


class Jsp(DemoFamily):
    cms = "jsp"
    short_ids = True
    legacy_formats = {"docx": ("doc",), "pdf": ("ofd",)}

    @classmethod
    def list_ids(cls, rng: random.Random) -> dict:
        return {"catid": rng.randint(10000, 99999)}

    @property
    def start_path(self) -> str:
        return f"{JSP_LIST}?cat_id={self.site.catid}&cur_page=1"

    @property
    def prefix(self) -> str:
        return "/info/"

    def detail_path(self, day: date, ident: int) -> str:
        return f"/info/{self.site.catid}/{ident}.htm"

    def attachment_folder(self, day: date) -> str:
        return f"/uploadfiles/{day:%Y%m}/"

    def article(self, item: Item, pub: str) -> str:
        return (
            f'<form name="_newscontent_fromname"><div class="main_title">'
            f"<h1>{escape(item.title)}</h1></div>\n"
            f'<div class="main_info">发布日期：{item.published:%Y-%m-%d}　'
            f"来源：{escape(self.site.agency.name)}</div>\n"
            f'<div id="vsb_content"><div class="v_news_content">\n{item.body}\n'
            "</div></div></form>\n"
        )

    def shown_pdf(self, link: str) -> str | None:
        return f'<embed src="{escape(link)}" type="application/pdf" width="100%" height="800">'

    def list_pages(self, items: list[Item]) -> dict[str, str]:
        """``_pages/ilist/K.html``: what ``iList.jsp?cat_id=…&cur_page=K`` answers (K from 1)."""
        pages = {}
        link = f"{JSP_LIST}?cat_id={self.site.catid}&amp;cur_page="
        for n, i, lis in list_chunks(self.site, items):
            cur = i + 1
            pager = [f'<a href="{link}1">首页</a>']
            if cur > 1:
                pager.append(f'<a href="{link}{cur - 1}">上一页</a>')
            if cur < n:
                pager.append(f'<a href="{link}{cur + 1}">下一页</a>')
            pager.append(f'<a href="{link}{n}">尾页</a>')
            pages[f"/_pages/ilist/{cur}.html"] = list_page(
                self.site,
                lis,
                f'<div class="pager">共{n}页 第{cur}页 {" ".join(pager)}'
                f"<script>var totalPage = {n}; var currentPage = {cur};</script></div>\n",
            )
        return pages

    def server_config(self, items: list[Item]) -> dict:
        return {
            "query_pages": {JSP_LIST: {"param": "cur_page", "dir": "_pages/ilist"}},
            # The list pages' header claims UTF-8 over GBK bytes (their <meta> is right).
            "header_charset": {JSP_LIST: "utf-8"} if self.site.encoding != "utf-8" else {},
        }

    def registry_options(self) -> dict:
        return {"jsp": {"page_param": "cur_page"}}


class Generic(DemoFamily):
    """No CMS pattern: home page → 政务公开 → the reports list (``list.html``, ``list_2.html``…
    by 下一页); PDFs in a pdf.js viewer; an off-domain mirror link on the first page."""

    cms = "generic"
    legacy_formats = {"docx": ("wps",)}
    old_url = ("/content/", "/old/")  # the default site links one report by an old URL

    @property
    def start_path(self) -> str:
        return "/index.html"

    @property
    def list_path(self) -> str:
        return GENERIC_FOLDER + "list.html"

    @property
    def prefix(self) -> str:
        return GENERIC_FOLDER

    def detail_path(self, day: date, ident: int) -> str:
        return f"{GENERIC_FOLDER}content/post_{ident}.html"

    def attachment_folder(self, day: date) -> str:
        return f"/attachment/{day:%Y%m}/"

    def article(self, item: Item, pub: str) -> str:
        return (
            f'<div class="content-box"><h1 class="content-title">{escape(item.title)}</h1>\n'
            f'<div class="content-info">发布时间：{pub}</div>\n'
            f'<div id="ivs_content" class="article-content">\n{item.body}\n</div></div>\n'
        )

    def shown_pdf(self, link: str) -> str | None:
        return (
            f'<iframe src="/generic2/web/viewer.html?file={escape(link)}" class="isofd" '
            'width="100%" height="800"></iframe>'
        )

    def list_pages(self, items: list[Item]) -> dict[str, str]:
        site = self.site
        pages = {
            "/index.html": head(site, site.agency.name, {})
            + chrome_top(site)
            + '<div class="main"><h2>通知公告</h2><ul><li><a href="/news/1.html">关于开展政务公开'
            '业务培训的通知</a></li></ul>\n<h2>专题专栏</h2><ul><li><a href="/zwgk/index.html">'
            "政务公开</a></li></ul></div>\n" + chrome_bottom(site),
            "/zwgk/index.html": head(site, f"政务公开_{site.agency.name}", {})
            + chrome_top(site)
            + '<div class="main"><ul class="column-list">'
            '<li><a href="/zwgk/zcwj/index.html">政策文件</a>'
            f'</li><li><a href="{GENERIC_FOLDER}list.html">{COLUMN_NAME}</a></li></ul></div>\n'
            + chrome_bottom(site),
        }
        for n, i, lis in list_chunks(site, items):
            cur = i + 1
            if cur == 1 and items:
                # An SEO-spam copy of the newest report on another host: never fetched.
                lis += (
                    f'\n<li><a href="{MIRROR_HOST}{items[0].page_path}">{escape(items[0].title)}'
                    f"（转载）</a><span>{items[0].published:%Y-%m-%d}</span></li>"
                )
            nxt = f'<a href="list_{cur + 1}.html">下一页</a>' if cur < n else ""
            name = "list.html" if cur == 1 else f"list_{cur}.html"
            pages[GENERIC_FOLDER + name] = (
                head(site, f"{COLUMN_NAME}_{site.agency.name}", {})
                + chrome_top(site)
                + position(site)
                + f'<div class="news-list"><ul>\n{lis}\n</ul><div class="pages">{nxt}</div></div>\n'
                + chrome_bottom(site)
            )
        return pages

    def registry_options(self) -> dict:
        return {"generic": {"max_depth": 3}}


DEMO_FAMILIES: dict[str, type[DemoFamily]] = {f.cms: f for f in (Trs, Hanweb, Jsp, Generic)}
