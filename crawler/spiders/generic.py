"""Fallback for sites of no known CMS: walk from the start URL to the reports.

Follows, to a bounded depth (registry ``generic.max_depth``, default 3), links whose text
names the reports column or the disclosure section (年报, 年度报告, 政府信息公开, 政务公开…)
and pagination links (下一页, 尾页, page numbers); a link whose text is a report title
with a year (…2023年政府信息公开工作年度报告) is a report. Only the allowed domains (and on a
bare IP, the start URL's port) are ever requested: mirrors and spam copies elsewhere are
dropped by the offsite middleware.
"""

from __future__ import annotations

import re

from crawler.archiving import spider_stats
from crawler.spiders.base import (
    CHROME,
    NOT_REPORT_PATTERNS,
    ReportSpider,
    is_document_url,
    is_report_title,
    norm_space,
    parse_date,
)

NAV_RE = re.compile(r"年报|年度报告|信息公开|政务公开|政府公开|公开目录")
PAGER_RE = re.compile(r"^(下一页|下页|尾页|末页|后一页|\d{1,3}|>|>>|»)$")
YEAR_RE = re.compile(r"(?:19|20)\d{2}")
DEFAULT_DEPTH = 3
MAX_PAGES = 300


class GenericSpider(ReportSpider):
    name = "generic"
    cms = "generic"

    def parse_list(self, response):
        conf = self.source.get("generic") or {}
        max_depth = conf.get("max_depth", DEFAULT_DEPTH)
        max_pages = conf.get("max_pages", MAX_PAGES)
        depth = response.meta.get("nb_depth", 0)
        stats = spider_stats(self)
        for a in response.xpath("//a[@href]"):
            href = a.attrib["href"].strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            text = norm_space(a.attrib.get("title")) or norm_space(
                " ".join(a.xpath(".//text()").getall())
            )
            in_chrome = bool(a.xpath(f"self::*[{CHROME}]"))
            if YEAR_RE.search(text) and is_report_title(text) and not in_chrome:
                li = a.xpath("ancestor::li[1]")
                around = " ".join((li[0] if li else a).xpath(".//text()").getall())
                yield self.report_request(response, href, text, parse_date(around))
            elif is_document_url(response.urljoin(href)):
                continue
            elif PAGER_RE.match(text) and not in_chrome:
                if stats["lists"] < max_pages:
                    yield self.list_request(response.urljoin(href), meta={"nb_depth": depth})
            elif (
                NAV_RE.search(text)
                and not any(p.search(text) for p in NOT_REPORT_PATTERNS)
                and depth < max_depth
                and stats["lists"] < max_pages
            ):
                yield self.list_request(response.urljoin(href), meta={"nb_depth": depth + 1})
