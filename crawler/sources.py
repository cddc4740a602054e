"""One source's part of a crawl: ``SourceRun`` (its family, counters and pending work) and
``HostPolicy`` (what it may fetch).

A crawl process serves many sources with one spider (crawler.spider); what it keeps per
source is a ``SourceRun`` — a few attributes and a counter, a few kB — for as long as the
source has requests or items in flight. Every request of the source is made here, so the
run knows when its last one has been answered: the source is then finished and its
``source_runs`` row written (crawler.monitoring).
"""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy

from archive.db import now
from crawler import meta as M
from crawler.extract import is_document_url
from crawler.families import FAMILIES

if TYPE_CHECKING:
    from crawler.spider import SourcesSpider

logger = logging.getLogger(__name__)

SCHEMES = ("http", "https")
LOOPBACK_NAMES = ("localhost",)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _port(parts) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def is_public(address) -> bool:
    """Globally routable: not loopback, private, link-local, multicast, reserved…"""
    return address.is_global and not address.is_multicast


class HostPolicy:
    """The crawl touches only http(s) URLs on a source's allowed hosts.

    A host is allowed when it is one of ``allowed_domains`` or under one. On a bare IP
    address or ``localhost`` the port must also be a start URL's (several sites share one
    IP: the demo sites, a county server at ``http://122.137.242.24:8080``). After DNS, an
    address that is not public (loopback, private, link-local…) is refused unless the
    registry names it (an IP in ``allowed_domains`` or the start URLs).
    """

    def __init__(self, source: dict):
        self.domains = tuple(source["allowed_domains"])
        starts = [urlsplit(u) for u in source["start_urls"]]
        self.ports = {
            (p.hostname, _port(p))
            for p in starts
            if _ip(p.hostname or "") or p.hostname in LOOPBACK_NAMES
        }
        self.named = {
            ip for ip in (_ip(h) for h in [*self.domains, *(p.hostname for p in starts)]) if ip
        }

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched (scheme, host, port), or None."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in SCHEMES:
            return f"scheme {parts.scheme or '(none)'!r} is not http(s)"
        host = (parts.hostname or "").lower()
        if not any(host == d or host.endswith("." + d) for d in self.domains):
            return f"host {host!r} is not in the source's allowed_domains"
        if (_ip(host) or host in LOOPBACK_NAMES) and {h for h, _ in self.ports} & {host}:
            if (host, _port(parts)) not in self.ports:
                return f"port {_port(parts)} of {host} is not a start URL's port"
        if (ip := _ip(host)) and not is_public(ip) and ip not in self.named:
            return f"{ip} is a non-public address the registry does not name"
        return None

    def address_refusal(self, host: str, address: str) -> str | None:
        """Why a host name resolving to ``address`` may not be fetched, or None."""
        ip = _ip(address)
        if ip is None or is_public(ip) or ip in self.named:
            return None
        kind = "loopback" if ip.is_loopback else "link-local" if ip.is_link_local else "private"
        return f"{host} resolves to {ip}, a {kind} address the registry does not name"

    def needs_dns_check(self, host: str) -> bool:
        return bool(host) and _ip(host) is None


def slot_key(url: str) -> str:
    """The politeness slot of a URL: its host; on a bare IP or localhost, host and port
    (each port is its own site there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _ip(host) or host in LOOPBACK_NAMES:
        return f"{host}:{_port(parts)}"
    return host


class SourceRun:
    """One registry source while it is being crawled: family, counters, pending work."""

    def __init__(self, spider: SourcesSpider, source: dict):
        self.spider = spider
        self.source = source
        self.id: str = source["id"]
        self.started = now()
        self.stats: Counter = Counter()
        self.pending = 0  # requests and items made and not yet answered / stored
        self.policy = HostPolicy(source)
        self.answered: set[str] = set()  # URLs answered from the archive (crawler.freshness)
        self.meta_defaults = self._meta_defaults(getattr(spider, "settings", None))
        self.family = FAMILIES[source["cms"]](self)

    def _meta_defaults(self, settings) -> dict[str, Any]:
        """Scrapy's per-request keys for this source's registry overrides."""
        out: dict[str, Any] = {}
        if self.source.get("timeout"):
            out["download_timeout"] = float(self.source["timeout"])
        if self.source.get("max_bytes"):
            out["download_maxsize"] = int(self.source["max_bytes"])
            out["download_warnsize"] = int(self.source["max_bytes"]) // 2
        hosts = {urlsplit(u).hostname for u in self.source["start_urls"]}
        fast = settings is not None and settings.getbool("NIANBAO_FAST")
        if hosts <= {"127.0.0.1", "::1", *LOOPBACK_NAMES} and not fast:
            out[M.RETRY_BACKOFF] = 0.1  # local sites (the demo): retry almost at once
        return out

    def log_warning(self, message: str, *args: Any) -> None:
        logger.warning(f"[{self.id}] {message}", *args)

    # --- requests ---------------------------------------------------------------------
    def _request(self, url: str, *, meta: dict, formdata=None, **kwargs: Any) -> scrapy.Request:
        meta = {M.SOURCE: self.id, M.COUNTED: True, **meta}
        if formdata is not None:
            request = scrapy.FormRequest(url, formdata=formdata, meta=meta, **kwargs)
        else:
            request = scrapy.Request(url, meta=meta, **kwargs)
        self.pending += 1  # after the constructor: a URL it rejects holds nothing
        return request

    def list_request(
        self, url: str, handler: str = "parse_list", meta: dict | None = None, **kwargs: Any
    ) -> scrapy.Request:
        """A list page, read by the family's ``handler`` method."""
        return self._request(
            url,
            meta={M.KIND: M.LIST, M.HANDLER: handler, **(meta or {})},
            callback=self.spider.parse_list_page,
            errback=self.spider.on_list_error,
            **kwargs,
        )

    def report_request(self, response, href: str, title: str | None, listed: str | None):
        """A report linked from a list page (a report page, or directly a file)."""
        url = response.urljoin(href)
        return self._request(
            url,
            meta={
                M.KIND: M.ATTACHMENT if is_document_url(url) else M.PAGE_KIND,
                M.URL: url,
                M.TITLE: title,
                M.REPORT: True,
                M.DATE: listed,
                M.LINKED_FROM: response.url,
            },
            callback=self.spider.parse_detail,
            errback=self.spider.on_document_error,
        )

    def attachment_request(
        self, url: str, title: str | None, published: str | None, page_url: str
    ) -> scrapy.Request:
        """An attachment ``url`` linked from the report page ``page_url``."""
        return self._request(
            url,
            meta={
                M.KIND: M.ATTACHMENT,
                M.URL: url,
                M.TITLE: title,
                M.DATE: published,
                M.LINKED_FROM: page_url,
            },
            callback=self.spider.parse_attachment,
            errback=self.spider.on_document_error,
        )
