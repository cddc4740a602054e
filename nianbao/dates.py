"""Dates as government sites and reports print them: one implementation for the crawler and
the parsers.

A publication date is read from a labelled date in a page or report (``发布时间：2024-02-15``),
from a free date (``2024年2月15日``, ``20240215``) or, last, from the URL: CMS templates put
the creation date in their paths (TRS ``t20240215_``, Hanweb ``/art/2024/2/28/``, …). The
URL date is a weak hint (TRS dates its URLs when the page was created, not published).

>>> parse_date("2024年2月5日 09:30")
'2024-02-05'
>>> url_date("http://www.taizhou.gov.cn/art/2024/2/28/art_46355_1634538.html")
'2024-02-28'
>>> labelled_date("索引号：X 发布日期：2024-03-01 来源：本局")
'2024-03-01'
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

# Labels that precede a page's or report's publication date, most common first.
DATE_LABELS = ("发布时间", "发布日期", "公开日期", "发文日期", "成文日期", "发表时间")

_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_COMPACT_DATE_RE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})")
_LABELLED_RE = re.compile(
    r"(?:" + "|".join(DATE_LABELS) + r")\s*[:：]?\s*"
    r"((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})"
)
# Dates in CMS URL paths. Months and days may have one digit (Hanweb writes /art/2024/2/28/).
URL_DATE_PATTERNS = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_"),  # TRS t20240215_80629
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb /art/2024/2/28/
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # /2024/02/01/
    re.compile(r"[/_-]((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})[/_.]"),  # /cms/html/x/2013-01-25/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),  # /nw12344/20230331/
)


def ymd(y: str | int, m: str | int, d: str | int) -> str | None:
    """An ISO date, or None when the parts make no calendar date."""
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def parse_date(text: str | None) -> str | None:
    """'2024-02-15 09:30', '2024年2月15日', '20240215' → '2024-02-15' (None if no date)."""
    text = (text or "").strip()
    m = _DATE_RE.search(text)
    if m:
        return ymd(*m.groups())
    m = _COMPACT_DATE_RE.match(text)
    return ymd(*m.groups()) if m else None


def labelled_date(text: str | None) -> str | None:
    """The first date after one of :data:`DATE_LABELS` in ``text``."""
    for m in _LABELLED_RE.finditer(text or ""):
        if d := ymd(*m.groups()):
            return d
    return None


def url_date(url: str | None) -> str | None:
    """The date a CMS wrote into a URL's path, if any."""
    if not url:
        return None
    path = urlsplit(url).path
    for rx in URL_DATE_PATTERNS:
        for m in rx.finditer(path):
            if d := ymd(*m.groups()):
                return d
    return None
