"""``ReportSpider``: what every CMS family shares — detail pages, dates, attachments, items.

A subclass only knows how its CMS lists and pages reports (``parse`` for the start URLs),
and calls ``report_request`` for each list item whose title looks like an annual report.
Everything fetched is archived by crawler.archiving.ArchiveMiddleware before it gets here;
the spider copies the capture id / hash from ``response.meta`` into its items.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawler.archiving import describe_exception, spider_stats
from crawler.items import DocumentItem

# --- what counts as a report ------------------------------------------------------
# A list item is followed when its title matches one of REPORT_TITLE_PATTERNS and none of
# NOT_REPORT_PATTERNS (notices about reports, meetings, consultations…).
REPORT_TITLE_PATTERNS = [
    re.compile(p)
    for p in (
        r"政府信息公开工作年度报告",
        r"信息公开.{0,8}年度报告",
        r"年度报告",
        r"年报",
    )
]
NOT_REPORT_PATTERNS = [
    re.compile(p)
    for p in (
        r"通知$",
        r"关于.{0,40}(通知|函|意见)",
        r"会议",
        r"培训",
        r"征求意见",
        r"招标",
        r"采购",
    )
]

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".ofd", ".xls", ".xlsx", ".et")

# Metas that carry a publication date, most specific first (names compared lower-case).
PUBDATE_METAS = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "publishtime",
    "article:published_time",
    "published_time",
    "dc.date",
    "dcterms.issued",
    "createdate",
    "releasedate",
)
PAGE_DATE_LABELS = ("发布时间", "发布日期", "公开日期", "发文日期", "发表时间")

CHROME = (
    "ancestor::*[self::header or self::footer or self::nav"
    " or contains(@class,'header') or contains(@class,'footer')"
    " or contains(@id,'header') or contains(@id,'footer')]"
)

_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_COMPACT_DATE_RE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})")
_URL_DATE_RES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_"),  # TRS t20240215_80629
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb /art/2024/2/28/
    re.compile(r"/((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})/"),  # /cms/html/x/2013-01-25/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),  # /nw12344/20230331/
)
_OPEN_RE = re.compile(r"""(?:window\.open|location\.href\s*=)\s*\(?\s*['"]([^'"]+)['"]""")
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def norm_space(text: str | None) -> str:
    return " ".join((text or "").split())


def is_report_title(title: str | None) -> bool:
    title = norm_space(title)
    return (
        bool(title)
        and any(p.search(title) for p in REPORT_TITLE_PATTERNS)
        and not any(p.search(title) for p in NOT_REPORT_PATTERNS)
    )


def _ymd(y: str, m: str, d: str) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def parse_date(text: str | None) -> str | None:
    """'2024-02-15 09:30', '2024年2月15日', '20240215' → '2024-02-15' (None if no date)."""
    text = (text or "").strip()
    m = _DATE_RE.search(text)
    if m:
        return _ymd(*m.groups())
    m = _COMPACT_DATE_RE.match(text)
    return _ymd(*m.groups()) if m else None


def url_date(url: str) -> str | None:
    path = urlsplit(url).path
    for rx in _URL_DATE_RES:
        m = rx.search(path)
        if m and (d := _ymd(*m.groups())):
            return d
    return None


def is_document_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.path.lower().endswith(ATTACHMENT_EXTENSIONS):
        return True
    return any(v.lower().endswith(ATTACHMENT_EXTENSIONS) for _, v in parse_qsl(parts.query))


def viewer_target(url: str) -> str | None:
    """The document behind a pdf.js/OFD viewer URL (``…/viewer.html?file=…``), else None."""
    parts = urlsplit(url)
    if "viewer" not in parts.path.lower():
        return None
    for key, value in parse_qsl(parts.query):
        if key.lower() in ("file", "src", "url") and value:
            return unquote(value)
    return None


def fix_encoding(response: Response) -> Response:
    """Re-decode a text response that decoded with replacement characters (a wrong header)."""
    if not isinstance(response, TextResponse):
        return response
    bad = response.text.count("\ufffd")
    if not bad:
        return response
    best, best_bad = response, bad
    declared = [m.decode("ascii").lower() for m in _CHARSET_RE.findall(response.body[:4096])]
    for enc in dict.fromkeys(declared + ["gb18030", "utf-8"]):
        enc = "gb18030" if enc in ("gb2312", "gbk") else enc
        try:
            candidate = response.replace(encoding=enc)
            n = candidate.text.count("\ufffd")
        except (LookupError, ValueError):
            continue
        if n < best_bad:
            best, best_bad = candidate, n
    return best


def meta_tags(response: TextResponse) -> dict[str, str]:
    """``<meta name|property|http-equiv=… content=…>`` as {lower-case name: content}
    (first wins)."""
    out: dict[str, str] = {}
    for m in response.xpath("//meta[@content]"):
        key = (
            (m.attrib.get("name") or m.attrib.get("property") or m.attrib.get("http-equiv") or "")
            .strip()
            .lower()
        )
        if key and key not in out:
            out[key] = m.attrib["content"].strip()
    return out


def page_text(response: TextResponse) -> str:
    return norm_space(
        " ".join(
            response.xpath(
                "//body//text()[not(ancestor::script) and not(ancestor::style)]"
            ).getall()
        )
    )


class ReportSpider(scrapy.Spider):
    """Base spider for one registry source. Subclasses implement ``parse`` (list pages).

    Spider argument: ``source`` — the registry entry (a dict; crawler.run passes it).
    """

    name: str = None  # type: ignore[assignment]  # per source (its id); not listed by `scrapy list`
    cms: str | None = None
    # The report items of a list page; subclasses may override.
    LIST_ITEM_XPATH = "//ul[contains(concat(' ', normalize-space(@class), ' '), ' list ')]/li"

    def __init__(
        self,
        source: dict | str | None = None,
        registry: str | None = None,
        *args: Any,
        **kwargs: Any,
    ):
        # (no lookup of a source given by id here: crawler.registry imports the spiders)
        if not isinstance(source, dict):
            raise ValueError(f"{type(self).__name__} needs a registry source dict (source=…)")
        kwargs.pop("name", None)
        super().__init__(*args, name=source["id"], **kwargs)
        self.source = source
        self.source_id = source["id"]
        self.start_urls = list(source["start_urls"])
        self.allowed_domains = list(
            source.get("allowed_domains") or sorted({urlsplit(u).hostname for u in self.start_urls})
        )
        self.nb_stats = Counter()

    def closed(self, reason: str) -> None:
        """Scrapy calls this on spider_closed; crawler.run reports the reason."""
        self.close_reason = reason

    # --- list pages -------------------------------------------------------------------
    async def start(self):
        for url in self.start_urls:
            yield self.list_request(url, dont_filter=True)

    def list_request(self, url: str, callback=None, **kwargs: Any) -> scrapy.Request:
        meta = {"nb_kind": "list", **kwargs.pop("meta", {})}
        return scrapy.Request(
            url, callback=callback or self.parse, errback=self.on_list_error, meta=meta, **kwargs
        )

    def parse(self, response: Response):
        """A list page: counted, skipped when its status says it is no list, its encoding
        repaired, then read by the family's :meth:`parse_list`."""
        if not self.list_ok(response):
            return
        yield from self.parse_list(fix_encoding(response))

    def parse_list(self, response: TextResponse):
        """Yield report and next-page requests from a list page (one per CMS family)."""
        raise NotImplementedError

    def list_ok(self, response: Response) -> bool:
        """Count the list page; False (and an error) when its body must not be used."""
        stats = spider_stats(self)
        stats["lists"] += 1
        if not 200 <= response.status < 300:
            stats["errors"] += 1
            self.logger.warning("list page %s returned HTTP %s", response.url, response.status)
            return False
        return True

    def on_list_error(self, failure):
        stats = spider_stats(self)
        stats["lists"] += 1
        stats["errors"] += 1
        self.logger.warning(
            "list page %s failed: %s", failure.request.url, describe_exception(failure.value)
        )
        return []

    def list_items(self, response: TextResponse | Selector) -> list:
        items = response.xpath(self.LIST_ITEM_XPATH)
        if not items:  # unknown template: any <li> with a link outside page chrome
            items = response.xpath(f"//li[.//a[@href]][not({CHROME})]")
        return items

    def requests_from_items(
        self, response: TextResponse, items: Iterable
    ) -> Iterator[scrapy.Request]:
        """One detail request per list item that looks like a report."""
        for li in items:
            a = li.xpath(".//a[@href]")
            if not a:
                continue
            a = a[0]
            href = a.attrib["href"].strip()
            title = norm_space(a.attrib.get("title")) or norm_space(
                " ".join(a.xpath(".//text()").getall())
            )
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            if not is_report_title(title):
                spider_stats(self)["skipped_items"] += 1
                self.logger.debug("not a report, skipped: %s %s", title, href)
                continue
            listed = parse_date(
                " ".join(li.xpath(".//text()[not(ancestor::a)]").getall())
            ) or parse_date(" ".join(li.xpath(".//text()").getall()))
            yield self.report_request(response, href, title, listed)

    def report_request(
        self, response: Response, href: str, title: str | None, listed: str | None
    ) -> scrapy.Request:
        url = response.urljoin(href)
        return scrapy.Request(
            url,
            callback=self.parse_detail,
            errback=self.on_document_error,
            meta={
                "nb_kind": "attachment" if is_document_url(url) else "page",
                "nb_url": url,
                "nb_title": title,
                "nb_report": True,
                "nb_date": listed,
                "nb_linked_from": response.url,
            },
        )

    # --- detail pages and attachments -------------------------------------------------
    def parse_detail(self, response: Response):
        meta = response.meta
        direct_file = is_document_url(meta["nb_url"])
        if not 200 <= response.status < 300:
            yield self.item(
                response, "attachment" if direct_file else "page", error=f"HTTP {response.status}"
            )
            return
        if not isinstance(response, TextResponse) or direct_file:
            # The list linked a file directly: it is the report (an attachment of the list).
            yield self.item(response, "attachment")
            return
        response = fix_encoding(response)
        title = self.extract_title(response)
        published = self.extract_date(response)
        page_url = self.document_url(response)
        links = [
            (url, link_title)
            for url, link_title in self.extract_attachments(response)
            if url not in (meta["nb_url"], response.url, page_url)
        ]
        yield self.item(response, "page", title=title, published=published, links=links)
        for url, link_title in links:
            yield self.attachment_request(url, link_title or title, published, page_url)

    def attachment_request(
        self, url: str, title: str | None, published: str | None, page_url: str
    ) -> scrapy.Request:
        """The request for an attachment ``url`` linked from the report page ``page_url``."""
        return scrapy.Request(
            url,
            callback=self.parse_attachment,
            errback=self.on_document_error,
            meta={
                "nb_kind": "attachment",
                "nb_url": url,
                "nb_title": title,
                "nb_date": published,
                "nb_linked_from": page_url,
            },
        )

    def answer_from_archive(self, request: scrapy.Request, known: dict):
        """What :meth:`parse_detail` / :meth:`parse_attachment` would yield for ``request``,
        from the archive's record of it (``Archive.fresh_candidate``) instead of a response:
        the document's item and, for a report page, requests for the attachments it linked.
        Used for documents the revalidation policy does not ask the site about
        (crawler.freshness)."""
        meta = request.meta
        links = json.loads(known["links"]) if known.get("links") else []
        yield DocumentItem(
            is_report=bool(meta.get("nb_report")),
            not_modified=True,
            source_id=self.source_id,
            url=meta.get("nb_url", request.url),
            role=known["role"],
            title=known.get("title") or meta.get("nb_title"),
            linked_from=meta.get("nb_linked_from"),
            published=known.get("published") or meta.get("nb_date"),
            sha256=known["sha256"],
            content_type=known.get("content_type"),
            size=known.get("size"),
            capture_id=known.get("capture_id"),
            http_status=known.get("http_status"),
            error=None,
            links=links if known["role"] == "page" else None,
        )
        for url, title in links:
            yield self.attachment_request(
                url,
                title or known.get("title"),
                known.get("published"),
                meta.get("nb_url", request.url),
            )

    def parse_attachment(self, response: Response):
        error = None if 200 <= response.status < 300 else f"HTTP {response.status}"
        yield self.item(response, "attachment", error=error)

    def on_document_error(self, failure):
        request = failure.request
        exc = failure.value
        if isinstance(exc, IgnoreRequest) and "offsite" in str(exc).lower():
            return
        meta = request.meta
        robots = isinstance(exc, IgnoreRequest) and "robots" in str(exc).lower()
        if robots:
            self.logger.info("robots.txt disallows %s: not fetched", request.url)
        yield DocumentItem(
            is_report=bool(meta.get("nb_report")),
            robots=robots,
            source_id=self.source_id,
            url=meta.get("nb_url", request.url),
            role=meta.get("nb_kind", "page"),
            title=meta.get("nb_title"),
            linked_from=meta.get("nb_linked_from"),
            published=meta.get("nb_date"),
            sha256=None,
            content_type=None,
            size=None,
            capture_id=meta.get("capture_id"),
            http_status=None,
            error=describe_exception(exc),
        )

    @staticmethod
    def document_url(response: Response) -> str:
        """The document's URL: as linked, or where a redirect finally led (the canonical
        address; the linked one stays in captures.url of the redirect hops)."""
        if response.meta.get("redirect_urls"):
            return response.url
        return response.meta.get("nb_url", response.url)

    def item(
        self,
        response: Response,
        role: str,
        title: str | None = None,
        published: str | None = None,
        error: str | None = None,
        links: list | None = None,
    ) -> DocumentItem:
        meta = response.meta
        ctype = response.headers.get("Content-Type")
        return DocumentItem(
            is_report=bool(meta.get("nb_report")),
            not_modified=bool(meta.get("nb_not_modified")),
            source_id=self.source_id,
            url=self.document_url(response),
            role=role,
            title=title or meta.get("nb_title"),
            linked_from=meta.get("nb_linked_from"),
            published=published or meta.get("nb_date") or url_date(response.url),
            sha256=meta.get("capture_sha256"),
            content_type=ctype.decode("latin-1") if ctype else None,
            size=meta.get("capture_size"),
            capture_id=meta.get("capture_id"),
            http_status=response.status,
            error=error,
            links=links,
        )

    # --- extraction (shared by all CMS families) ---------------------------------------
    def extract_title(self, response: TextResponse) -> str | None:
        metas = meta_tags(response)
        for key in ("articletitle", "title", "og:title"):
            if norm_space(metas.get(key)):
                return norm_space(metas[key])
        for h in response.xpath(f"//h1[not({CHROME})]"):
            text = norm_space(" ".join(h.xpath(".//text()").getall()))
            if text:
                return text
        text = norm_space(" ".join(response.xpath("//title//text()").getall()))
        if text:
            head = re.split(r"\s*[_|－—-]\s*", text)[0]
            return head if is_report_title(head) else text
        return response.meta.get("nb_title")

    def extract_date(self, response: TextResponse) -> str | None:
        """PubDate-like metas → "发布时间" in the page → the list's date → the URL's date."""
        metas = meta_tags(response)
        for key in PUBDATE_METAS:
            if d := parse_date(metas.get(key)):
                return d
        for text in response.xpath("//publishtime//text()").getall():
            if d := parse_date(text):
                return d
        text = page_text(response)
        for label in PAGE_DATE_LABELS:
            m = re.search(re.escape(label) + r"\s*[:：]?\s*(.{0,24})", text)
            if m and (d := parse_date(m.group(1))):
                return d
        return response.meta.get("nb_date") or url_date(response.url)

    def extract_attachments(self, response: TextResponse) -> list[tuple[str, str | None]]:
        """Document links of a detail page: by extension, iframe/embed/object, viewer?file=."""
        found: dict[str, str | None] = {}

        def add(raw: str | None, title: str | None, base: str | None = None, any_ext=False):
            raw = (raw or "").strip()
            if not raw or raw.startswith(("javascript:", "mailto:", "#", "data:")):
                return
            url = response.urljoin(raw) if base is None else urljoin(base, raw)
            target = viewer_target(url)
            if target:
                add(target, title, base=url, any_ext=True)
                return
            if urlsplit(url).scheme not in ("http", "https"):
                return
            if any_ext or is_document_url(url):
                if url not in found or (title and not found[url]):
                    found[url] = title or found.get(url)

        for a in response.xpath(f"//a[@href][not({CHROME})]"):
            title = norm_space(" ".join(a.xpath(".//text()").getall())) or norm_space(
                a.attrib.get("title")
            )
            add(a.attrib["href"], title or None)
            for target in _OPEN_RE.findall(a.attrib.get("onclick", "")):
                add(target, title or None)
        for el in response.xpath(
            f"(//iframe[@src] | //frame[@src] | //embed[@src] | //object[@data])[not({CHROME})]"
        ):
            add(el.attrib.get("src") or el.attrib.get("data"), None)
        for el in response.xpath(f"//*[@onclick][not(self::a)][not({CHROME})]"):
            for target in _OPEN_RE.findall(el.attrib["onclick"]):
                if is_document_url(response.urljoin(target)):
                    add(target, norm_space(" ".join(el.xpath(".//text()").getall())) or None)
        return [(url, title or _filename(url)) for url, title in found.items()]


def _filename(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or url
