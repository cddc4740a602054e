"""Scrapy items produced by the spider."""

from __future__ import annotations

import scrapy


class DocumentItem(scrapy.Item):
    """One report page or attachment URL as seen in this crawl (→ a ``documents`` row)."""

    source_id = scrapy.Field()
    url = scrapy.Field()  # the URL as linked (stable document id); final URL is in captures
    role = scrapy.Field()  # "page" (HTML detail page) | "attachment" (pdf, doc, …)
    title = scrapy.Field()
    linked_from = scrapy.Field()  # list page (for pages) or detail page (for attachments)
    published = scrapy.Field()  # YYYY-MM-DD
    sha256 = scrapy.Field()  # of the archived body; None when the fetch failed
    content_type = scrapy.Field()
    size = scrapy.Field()
    capture_id = scrapy.Field()  # captures.id of the fetch that produced this item
    http_status = scrapy.Field()  # None when no response at all
    error = scrapy.Field()  # set for HTTP >= 400 and failed or refused downloads
    is_report = scrapy.Field()  # linked from a list as a report (not an attachment of one)
    robots = scrapy.Field()  # True: robots.txt forbids the URL (never fetched)
    refused = scrapy.Field()  # True: the crawl policy refused the URL (never sent)
    not_modified = scrapy.Field()  # True: unchanged (a 304, or fresh: crawler.freshness)
    fresh = scrapy.Field()  # True: answered from the archive, not asked (crawler.freshness)
    links = scrapy.Field()  # a report page's attachment links: [(url, title), …]
