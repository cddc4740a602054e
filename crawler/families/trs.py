"""TRS WCM (拓尔思) sites: static list pages ``index.html``, ``index_1.html``, …

The page count comes from ``createPageHTML(N, CUR, "index", "html")`` (or
``var countPage = N``); items are ``<ul class="list"><li><a href title>…</a><span>date``;
report pages ``tYYYYMMDD_ID.html``.
"""

from __future__ import annotations

import re

from crawler.families.base import Family, Option

_CREATE_PAGE_RE = re.compile(
    r"""createPageHTML\(\s*['"]?(\d+)['"]?\s*,\s*['"]?(\d+)['"]?\s*,\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]"""
)
_COUNT_PAGE_RE = re.compile(r"""\bvar\s+countPage\s*=\s*['"]?(\d+)""")


def page_count(text: str) -> tuple[int, str, str] | None:
    """(pages, file prefix, extension) declared by a TRS list page."""
    m = _CREATE_PAGE_RE.search(text)
    if m:
        return int(m.group(1)), m.group(3), m.group(4)
    m = _COUNT_PAGE_RE.search(text)
    if m:
        return int(m.group(1)), "index", "html"
    return None


class Trs(Family):
    cms = "trs"
    summary = "TRS WCM (拓尔思): static index.html, index_1.html… with createPageHTML(N…)"
    options = (Option("max_pages", int, "list pages read at most", default=500, minimum=1),)

    def parse_list(self, response):
        yield from self.requests_from_items(response, self.list_items(response))
        paging = page_count(response.text)
        if paging:
            pages, prefix, ext = paging
            for i in range(1, min(pages, self.option("max_pages"))):
                # Relative to the current list page's folder; duplicates are filtered.
                yield self.run.list_request(response.urljoin(f"{prefix}_{i}.{ext}"))
