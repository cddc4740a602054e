"""JSP/ASP list pages paged by a query parameter: ``iList.jsp?cat_id=…&cur_page=2``.

Seen as ``cur_page`` (绵竹 iList.jsp), ``currpage`` (search.jsp), ``pageNo``, ``page``,
``pageIndex``. The page count comes from the page: ``var totalPage = N`` (or
``pageCount`` / ``countPage`` / ``totalpage``), else ``共N页``. The parameter is the
registry's ``jsp.page_param``, else the first known one in the start URL or in a
pagination link. Pages ``first_page+1 … first_page+N-1`` are requested from the first page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler import meta as M
from crawler.families.base import Family, Option

PAGE_PARAMS = (
    "cur_page",
    "currpage",
    "currPage",
    "pageNo",
    "pageno",
    "page",
    "pageIndex",
    "PageIndex",
    "pageNum",
)
_COUNT_RES = (
    re.compile(
        r"""\b(?:var\s+)?(?:totalPage|totalpage|pageCount|countPage|totalPages)\s*[=:]\s*['"]?(\d+)"""
    ),
    re.compile(r"共\s*(\d+)\s*页"),
)


def total_pages(text: str) -> int | None:
    for rx in _COUNT_RES:
        m = rx.search(text)
        if m:
            return int(m.group(1))
    return None


def with_param(url: str, name: str, value) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, str(value)))
    return urlunsplit(parts._replace(query=urlencode(query)))


class Jsp(Family):
    cms = "jsp"
    summary = "JSP/ASP lists paged by a query parameter: iList.jsp?cat_id=…&cur_page=N"
    options = (
        Option(
            "page_param",
            str,
            "the page parameter (default: found in the URL or the pager links)",
            pattern=r"[A-Za-z_][A-Za-z0-9_]*",
            pattern_doc="a query parameter name",
        ),
        Option("first_page", int, "the number of the first page (default: the URL's)", minimum=0),
        Option("max_pages", int, "list pages read at most", default=500, minimum=0),
    )

    def page_param(self, response) -> str | None:
        if self.option("page_param"):
            return self.option("page_param")
        for href in [response.url, *response.xpath("//a/@href").getall()]:
            keys = dict(parse_qsl(urlsplit(href).query))
            for p in PAGE_PARAMS:
                if p in keys:
                    return p
        return None

    def parse_list(self, response):
        yield from self.requests_from_items(response, self.list_items(response))
        if response.meta.get(M.PAGE):
            return  # only the first page schedules the others
        pages = total_pages(response.text)
        param = self.page_param(response)
        if not pages or not param:
            return
        first = self.option("first_page")
        if first is None:
            first = int(dict(parse_qsl(urlsplit(response.url).query)).get(param, 1) or 1)
        limit = min(pages, self.option("max_pages") or pages)
        for n in range(first + 1, first + limit):
            yield self.run.list_request(with_param(response.url, param, n), meta={M.PAGE: n})
