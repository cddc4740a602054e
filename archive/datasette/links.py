"""Links in Datasette pages: only http(s) URLs become links, long ones are shown shortened.

A municipal site is not a trusted party: a report's URL could be ``javascript:…`` or
``data:…``. Only http and https become ``href``; anything else is shown as text.

>>> safe_href("https://www.example.gov.cn/a.html")
'https://www.example.gov.cn/a.html'
>>> safe_href(" JavaScript:alert(1)") is None
True
>>> short_url("http://www.shuyang.gov.cn/sygfj/gknb/202401/2ecfb31a335f4d689220a3a23e24a986.shtml")
'www.shuyang.gov.cn/…/2ecfb31a335f…a986.shtml'
>>> short_url("http://example.cn/a/b.html")
'example.cn/a/b.html'
"""

from __future__ import annotations

from urllib.parse import urlsplit

from markupsafe import Markup, escape

SAFE_SCHEMES = ("http", "https")
SHORT_WIDTH = 40  # characters of a shortened URL, host included (display only)
_HEAD, _TAIL = 12, 10  # characters kept of a long last path segment: start and end


def safe_href(url: object) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host, else ``None``."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    # Control characters and whitespace inside a URL are how filters get bypassed.
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    return url


def short_url(url: str, width: int = SHORT_WIDTH) -> str:
    """Host plus the end of the path, for display; the full URL stays in the link."""
    parts = urlsplit(url)
    host = parts.netloc or parts.scheme
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(host) + len(path) <= width:
        return host + path
    last = path.rstrip("/").rsplit("/", 1)[-1] or path
    if len(last) > _HEAD + _TAIL + 1:
        last = last[:_HEAD] + "…" + last[-_TAIL:]
    return f"{host}/…/{last}"


def url_link(url: object) -> Markup:
    """An ``<a>`` for a safe URL (shortened text, full URL on hover); escaped text otherwise."""
    href = safe_href(url)
    if href is None:
        return Markup('<span class="nb-url nb-unsafe">{}</span>').format(str(url))
    return Markup('<a class="nb-url" href="{}" title="{}" rel="noreferrer">{}</a>').format(
        href, href, short_url(href)
    )


def mark_term(text: str, term: str) -> Markup:
    """``text`` escaped, with every occurrence of ``term`` in ``<mark>``."""
    if not term:
        return escape(text)
    return Markup("<mark>{}</mark>").format(term).join(escape(p) for p in text.split(term))
