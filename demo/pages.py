"""What every demo site's pages share: head, chrome, list items, list pages. The parts that
differ by CMS family come from the site's family object (demo.families)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from demo.sites import Item, Site

COLUMN_NAME = "政府信息公开年报"


def head(site: Site, title: str, metas: dict[str, str]) -> str:
    charset = (
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        if site.encoding == "gbk"
        else '<meta charset="utf-8">'
    )
    meta = "".join(f'<meta name="{k}" content="{escape(v)}">\n' for k, v in metas.items())
    return (
        f"<!DOCTYPE html>\n<html>\n<head>\n{charset}\n<title>{escape(title)}</title>\n"
        f'<meta name="SiteName" content="{escape(site.agency.name)}">\n'
        f'<meta name="SiteIDCode" content="{site.site_code}">\n{meta}'
        '<link rel="stylesheet" href="/css/style.css">\n</head>\n'
    )


def chrome_top(site: Site) -> str:
    return (
        f'<body>\n<div class="header"><div class="logo">{escape(site.agency.name)}</div>\n'
        f'<ul class="nav"><li><a href="/index.html">首页</a></li>'
        f'<li><a href="{escape(site.list_path)}">{COLUMN_NAME}</a></li>'
        '<li><a href="/search/index.html">站内搜索</a></li></ul></div>\n'
    )


def chrome_bottom(site: Site) -> str:
    return (
        f'<div class="footer"><p><a href="/index.html">网站首页</a> | '
        f'<a href="{escape(site.list_path)}">{COLUMN_NAME}</a></p>'
        f"<p>主办：{escape(site.agency.name)}办公室　网站标识码：{site.site_code}</p></div>\n"
        "</body>\n</html>\n"
    )


def position(site: Site) -> str:
    return (
        f'<div class="position">当前位置：<a href="/index.html">首页</a> &gt; 政务公开 &gt; '
        f'<a href="{escape(site.list_path)}">{COLUMN_NAME}</a></div>\n'
    )


def list_item(site: Site, item: Item) -> str:
    """One ``<li>`` of a report list, its link as the family writes it."""
    href, attrs = site.family.list_href(item)
    shown = item.title if len(item.title) <= 24 else item.title[:23] + "…"
    return (
        f'<li><a href="{escape(href)}" title="{escape(item.title)}"{attrs}>{escape(shown)}</a>'
        f"<span>{item.published:%Y-%m-%d}</span></li>"
    )


def list_chunks(site: Site, items: list[Item]):
    """(page count, page number from 0, the page's <li> items) for a paged report list."""
    k = site.per_page
    n = max(1, -(-len(items) // k))
    for cur in range(n):
        yield n, cur, "\n".join(list_item(site, it) for it in items[cur * k : (cur + 1) * k])


def list_page(site: Site, lis: str, pager: str) -> str:
    """A CMS column page: chrome around the report list and its pager."""
    return (
        head(site, f"{COLUMN_NAME}_{site.agency.name}", {"ColumnName": COLUMN_NAME})
        + chrome_top(site)
        + position(site)
        + f'<div class="list_box">\n<ul class="list">\n{lis}\n</ul>\n{pager}</div>\n'
        + chrome_bottom(site)
    )


def detail_page(site: Site, item: Item) -> str:
    """A report (or notice) page: head with the CMS metas, chrome, the family's article."""
    pub = f"{item.published:%Y-%m-%d %H:%M}"
    metas = {
        "ArticleTitle": item.title,
        "PubDate": pub,
        "ColumnName": COLUMN_NAME,
        "ContentSource": site.agency.name,
    }
    return (
        head(site, f"{item.title}_{site.agency.name}", metas)
        + chrome_top(site)
        + position(site)
        + site.family.article(item, pub)
        + chrome_bottom(site)
    )


def home_page(site: Site) -> str:
    return (
        head(site, site.agency.name, {})
        + chrome_top(site)
        + f'<div class="main"><h2>政务公开</h2><ul><li><a href="{site.start_path}">'
        f"{COLUMN_NAME}</a></li></ul></div>\n" + chrome_bottom(site)
    )


def hanweb_record(li: str) -> str:
    """A Hanweb ``<record>`` wrapping one list item."""
    return f"<record><![CDATA[{li}]]></record>"
