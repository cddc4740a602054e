"""Downloader middlewares other than the archive."""

from __future__ import annotations

import asyncio
import ipaddress
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware as _ScrapyOffsite
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.httpobj import urlparse_cached


def _is_ip_or_localhost(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _port(parts) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


class OffsiteMiddleware(_ScrapyOffsite):
    """Scrapy's OffsiteMiddleware (allowed_domains), plus: on a bare IP address or
    ``localhost`` the port must also be one of the start URLs' ports.

    Several sites can share one IP (the demo sites on 127.0.0.1, or a county server at
    ``http://122.137.242.24:8080``): a port is then part of the site's identity.
    """

    def should_follow(self, request, spider) -> bool:
        if not super().should_follow(request, spider):
            return False
        parts = urlparse_cached(request)
        host = parts.hostname or ""
        if not _is_ip_or_localhost(host):
            return True
        allowed = {
            (urlsplit(u).hostname, _port(urlsplit(u))) for u in getattr(spider, "start_urls", [])
        }
        hosts = {h for h, _ in allowed}
        if host not in hosts:
            return True  # an IP listed only in allowed_domains: no port constraint known
        return (host, _port(parts)) in allowed


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before each retry: ``NIANBAO_RETRY_BACKOFF`` ×
    2^(attempt−1) seconds, at most ``NIANBAO_RETRY_BACKOFF_MAX`` (a site answering 5xx or
    timing out is overloaded; hammering it again at once helps nobody). The wait holds one
    of the site's two download slots, which slows the site's other requests too."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("NIANBAO_RETRY_BACKOFF", 0.0)
        self.backoff_max = settings.getfloat("NIANBAO_RETRY_BACKOFF_MAX", 30.0)

    async def _wait(self, result, request):
        if isinstance(result, Request) and self.backoff > 0:
            attempt = result.meta.get("retry_times", 1)
            delay = min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
            await asyncio.sleep(delay)
        return result

    async def process_response(self, request, response):
        return await self._wait(super().process_response(request, response), request)

    async def process_exception(self, request, exception):
        return await self._wait(super().process_exception(request, exception), request)
