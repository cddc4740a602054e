"""What every CMS family shares when reading pages: report titles, dates, attachment links,
encoding repair. Pure functions of a response (tested on saved pages, no network)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from nianbao.charsets import codec_name
from nianbao.dates import DATE_LABELS, parse_date, url_date

if TYPE_CHECKING:  # scrapy is imported by the crawl, not by the flow that loads the registry
    from scrapy.http import Response, TextResponse

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

# Page chrome (header, footer, navigation): its links are never reports or attachments.
CHROME = (
    "ancestor::*[self::header or self::footer or self::nav"
    " or contains(@class,'header') or contains(@class,'footer')"
    " or contains(@id,'header') or contains(@id,'footer')]"
)
# Hrefs that are no link to anything (scripts, mail, in-page anchors).
NOT_LINKS = ("javascript:", "mailto:", "#")
# Placeholders of client-side templates: such a link is filled in by a script, not real.
TEMPLATE_MARKS = ("{{", "}}", "${")

_OPEN_RE = re.compile(r"""(?:window\.open|location\.href\s*=)\s*\(?\s*['"]([^'"]+)['"]""")
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def norm_space(text: str | None) -> str:
    return " ".join((text or "").split())


def is_report_title(title: str | None) -> bool:
    """Does a link's text name an annual report (and not a notice about one)?"""
    title = norm_space(title)
    return (
        bool(title)
        and any(p.search(title) for p in REPORT_TITLE_PATTERNS)
        and not any(p.search(title) for p in NOT_REPORT_PATTERNS)
    )


def is_document_url(url: str) -> bool:
    """A link to a file (PDF, Word, WPS, OFD, spreadsheet) rather than a page."""
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
    from scrapy.http import TextResponse  # (here: the flow's process imports this module)

    if not isinstance(response, TextResponse):
        return response
    bad = response.text.count("\ufffd")
    if not bad:
        return response
    best, best_bad = response, bad
    declared = [m.decode("ascii").lower() for m in _CHARSET_RE.findall(response.body[:4096])]
    for enc in dict.fromkeys(declared + ["gb18030", "utf-8"]):
        try:
            candidate = response.replace(encoding=codec_name(enc))
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


def link_title(a) -> str:
    """A link's title attribute, else its text."""
    return norm_space(a.attrib.get("title")) or norm_space(" ".join(a.xpath(".//text()").getall()))


def extract_title(
    response: TextResponse, fallback: str | None = None, metas: dict | None = None
) -> str | None:
    """``ArticleTitle``-like metas → the first ``<h1>`` outside the chrome → ``<title>``.
    (``metas``: the page's :func:`meta_tags`, when the caller has them already.)"""
    metas = meta_tags(response) if metas is None else metas
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
    return fallback


def extract_date(
    response: TextResponse, listed: str | None = None, metas: dict | None = None
) -> str | None:
    """PubDate-like metas → a labelled date in the page (发布时间…) → the list's date
    (``listed``) → the URL's date."""
    metas = meta_tags(response) if metas is None else metas
    for key in PUBDATE_METAS:
        if d := parse_date(metas.get(key)):
            return d
    for text in response.xpath("//publishtime//text()").getall():
        if d := parse_date(text):
            return d
    text = page_text(response)
    for label in DATE_LABELS:  # in label order, as the page's own label wins over others
        m = re.search(re.escape(label) + r"\s*[:：]?\s*(.{0,24})", text)
        if m and (d := parse_date(m.group(1))):
            return d
    return listed or url_date(response.url)


def extract_attachments(response: TextResponse) -> list[tuple[str, str | None]]:
    """Document links of a detail page: by extension, iframe/embed/object, viewer?file=,
    window.open(…). Any scheme is kept: what may be fetched is the crawl policy's call."""
    found: dict[str, str | None] = {}

    def add(raw: str | None, title: str | None, base: str | None = None, any_ext=False):
        raw = (raw or "").strip()
        if not raw or raw.startswith(NOT_LINKS):
            return
        if any(mark in raw for mark in TEMPLATE_MARKS):
            return  # a client-side template the page fills in later (平潭: file={{qzbFile}})
        url = response.urljoin(raw) if base is None else urljoin(base, raw)
        target = viewer_target(url)
        if target:
            add(target, title, base=url, any_ext=True)
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
