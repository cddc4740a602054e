"""TRS WCM (拓尔思) sites: static list pages ``index.html``, ``index_1.html``, …

The page count comes from ``createPageHTML(N, CUR, "index", "html")`` (or
``var countPage = N``); items are ``<ul class="list"><li><a href title>…</a><span>date``.
"""

from __future__ import annotations

import re

from crawler.spiders.base import ReportSpider

_CREATE_PAGE_RE = re.compile(
    r"""createPageHTML\(\s*['"]?(\d+)['"]?\s*,\s*['"]?(\d+)['"]?\s*,\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]"""
)
_COUNT_PAGE_RE = re.compile(r"""\bvar\s+countPage\s*=\s*['"]?(\d+)""")
MAX_PAGES = 500


def page_count(text: str) -> tuple[int, str, str] | None:
    """(pages, file prefix, extension) declared by a TRS list page."""
    m = _CREATE_PAGE_RE.search(text)
    if m:
        return int(m.group(1)), m.group(3), m.group(4)
    m = _COUNT_PAGE_RE.search(text)
    if m:
        return int(m.group(1)), "index", "html"
    return None


class TrsSpider(ReportSpider):
    name = "trs"
    cms = "trs"

    def parse_list(self, response):
        yield from self.requests_from_items(response, self.list_items(response))
        paging = page_count(response.text)
        if paging:
            pages, prefix, ext = paging
            for i in range(1, min(pages, MAX_PAGES)):
                # Relative to the current list page's folder; duplicates are filtered.
                yield self.list_request(response.urljoin(f"{prefix}_{i}.{ext}"))
