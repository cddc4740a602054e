"""``Family``: what a CMS family knows — how its sites list and page reports — and the
options a registry entry may set for it (declared as data, validated generically).

A family class is one file in crawler/families/ (found by its ``cms`` name, nothing to
register by hand). It reads list pages and yields requests through its source's
``SourceRun`` (crawler.sources): ``list_request`` for further list pages, ``report_request``
for report links. Everything after the list — report pages, attachments, items, the
archive — is shared (crawler.spider).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from crawler.extract import CHROME, NOT_LINKS, is_report_title, link_title, norm_space
from nianbao.dates import parse_date

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import TextResponse

    from crawler.sources import SourceRun


@dataclass(frozen=True)
class Option:
    """One registry option of a family: ``hanweb: {columnid: 46355}``."""

    name: str
    type: type  # int or str
    doc: str
    default: Any = None
    minimum: int | None = None  # ints: the smallest value allowed
    pattern: str | None = None  # strs: a regular expression the whole value must match
    pattern_doc: str = "a text"  # what the pattern means, for error messages

    def clean(self, value: Any) -> Any:
        """The value as the crawler uses it; ``ValueError`` (with the reason) if invalid."""
        if self.type is int:
            if isinstance(value, bool) or isinstance(value, float):
                raise ValueError(f"must be an integer, got {value!r}")
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ValueError(f"must be an integer, got {value!r}") from None
            if self.minimum is not None and number < self.minimum:
                raise ValueError(f"must be at least {self.minimum}, got {value!r}")
            return number
        if not isinstance(value, str) or (self.pattern and not re.fullmatch(self.pattern, value)):
            raise ValueError(f"must be {self.pattern_doc}, got {value!r}")
        return value


class OptionError(ValueError):
    """A family option that cannot be used; ``key`` names it (None: the whole mapping)."""

    def __init__(self, key: str | None, message: str):
        super().__init__(message)
        self.key = key


class Family:
    """Base of the CMS families. One instance per source being crawled (it keeps only a
    reference to its ``SourceRun``: a crawl of thousands of sources holds thousands)."""

    cms: ClassVar[str] = ""  # the registry's ``cms`` value; also the options' key
    summary: ClassVar[str] = ""  # one line for `nianbao sources check` and the docs
    options: ClassVar[tuple[Option, ...]] = ()
    # The report items of a list page; families may override.
    LIST_ITEM_XPATH: ClassVar[str] = (
        "//ul[contains(concat(' ', normalize-space(@class), ' '), ' list ')]/li"
    )

    def __init__(self, run: SourceRun):
        self.run = run

    # --- options ----------------------------------------------------------------------
    @classmethod
    def validate_options(cls, raw: Any) -> dict:
        """The registry's ``<cms>:`` mapping checked and cleaned; ``OptionError`` if not."""
        if not isinstance(raw, dict):
            raise OptionError(None, "must be a mapping")
        known = {o.name: o for o in cls.options}
        clean = {}
        for key, value in raw.items():
            option = known.get(key)
            if option is None:
                raise OptionError(key, f"unknown key (known: {', '.join(known) or 'none'})")
            try:
                clean[key] = option.clean(value)
            except ValueError as e:
                raise OptionError(key, str(e)) from None
        return clean

    def option(self, name: str) -> Any:
        """The registry's value of an option, else its default."""
        conf = self.run.source.get(self.cms) or {}
        if name in conf:
            return conf[name]
        return next(o.default for o in self.options if o.name == name)

    # --- list pages -------------------------------------------------------------------
    def start_requests(self) -> Iterator[Request]:
        """The source's start URLs, as list pages."""
        for url in self.run.source["start_urls"]:
            yield self.run.list_request(url, dont_filter=True)

    def parse_list(self, response: TextResponse) -> Iterator[Request]:
        """Yield report and next-page requests from a list page (each family's own)."""
        raise NotImplementedError

    def list_items(self, response) -> list:
        items = response.xpath(self.LIST_ITEM_XPATH)
        if not items:  # unknown template: any <li> with a link outside page chrome
            items = response.xpath(f"//li[.//a[@href]][not({CHROME})]")
        return items

    def requests_from_items(self, response, items: Iterable) -> Iterator[Request]:
        """One report request per list item whose link looks like a report."""
        for li in items:
            a = li.xpath(".//a[@href]")
            if not a:
                continue
            href, title = a[0].attrib["href"].strip(), link_title(a[0])
            if not href or href.startswith(NOT_LINKS):
                continue
            if not is_report_title(title):
                self.run.stats["skipped_items"] += 1
                continue
            listed = parse_date(
                " ".join(li.xpath(".//text()[not(ancestor::a)]").getall())
            ) or parse_date(" ".join(li.xpath(".//text()").getall()))
            yield self.run.report_request(response, href, norm_space(title), listed)
