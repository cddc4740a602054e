"""Fallback for sites of no known CMS: walk from the start URL to the reports.

Follows, to a bounded depth (registry ``generic.max_depth``, default 3), links whose text
names the reports column or the disclosure section (年报, 年度报告, 政府信息公开, 政务公开…)
and pagination links (下一页, 尾页, page numbers); a link whose text is a report title
with a year (…2023年政府信息公开工作年度报告) is a report. Navigation stays on the source's
hosts; a report link elsewhere is asked for and refused (recorded) by the crawl policy.
"""

from __future__ import annotations

import re

from crawler import meta as M
from crawler.extract import (
    CHROME,
    NOT_LINKS,
    NOT_REPORT_PATTERNS,
    is_document_url,
    is_report_title,
    link_title,
)
from crawler.families.base import Family, Option
from nianbao.dates import parse_date

NAV_RE = re.compile(r"年报|年度报告|信息公开|政务公开|政府公开|公开目录")
PAGER_RE = re.compile(r"^(下一页|下页|尾页|末页|后一页|\d{1,3}|>|>>|»)$")
YEAR_RE = re.compile(r"(?:19|20)\d{2}")


class Generic(Family):
    cms = "generic"
    summary = "any other site: from the start URL along 年报/信息公开 links, pagers, report titles"
    options = (
        Option("max_depth", int, "navigation links followed from the start URL", 3, minimum=0),
        Option("max_pages", int, "list pages read at most", default=300, minimum=0),
    )

    def parse_list(self, response):
        depth = response.meta.get(M.DEPTH, 0)
        for a in response.xpath("//a[@href]"):
            href = a.attrib["href"].strip()
            if not href or href.startswith(NOT_LINKS):
                continue
            text, url = link_title(a), response.urljoin(href)
            in_chrome = bool(a.xpath(f"self::*[{CHROME}]"))
            if YEAR_RE.search(text) and is_report_title(text) and not in_chrome:
                li = a.xpath("ancestor::li[1]")
                around = " ".join((li[0] if li else a).xpath(".//text()").getall())
                yield self.run.report_request(response, href, text, parse_date(around))
            elif is_document_url(url) or self.run.policy.refusal(url):
                continue  # navigation never leaves the source's hosts
            elif PAGER_RE.match(text) and not in_chrome:
                if self.run.stats["lists"] < self.option("max_pages"):
                    yield self.run.list_request(url, meta={M.DEPTH: depth})
            elif (
                NAV_RE.search(text)
                and not any(p.search(text) for p in NOT_REPORT_PATTERNS)
                and depth < self.option("max_depth")
                and self.run.stats["lists"] < self.option("max_pages")
            ):
                yield self.run.list_request(url, meta={M.DEPTH: depth + 1})
