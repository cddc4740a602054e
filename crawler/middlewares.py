"""Downloader middlewares and extensions other than the archive: the crawl policy (what may
be fetched, with which per-source settings), retries with back-off, per-site AutoThrottle."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.defer import maybe_deferred_to_future

from crawler import meta as M
from crawler.errors import RefusedRequest
from crawler.sources import slot_key


class SourcePolicyMiddleware:
    """First on every request (and every redirect and retry of one): the crawl touches
    only http(s) URLs on its source's hosts (crawler.sources.HostPolicy), and a host name
    that resolves to a loopback, private or link-local address the registry does not
    name is refused. A refused request raises ``RefusedRequest`` with the reason (the
    archive records it, the spider writes the document's row).

    Allowed requests get their source's per-request settings (``download_timeout``,
    ``download_maxsize``, ``download_warnsize``) and their site's politeness slot
    (``download_slot``: one per host; per host and port on a bare IP). Requests Scrapy
    makes itself (robots.txt) belong to the source that first asked for their site.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.site_owner: dict[str, str] = {}  # politeness slot → source id (for robots.txt)
        self.local_delay = crawler.settings.getfloat("NIANBAO_LOCAL_START_DELAY", 0.0)
        self.fast = crawler.settings.getbool("NIANBAO_FAST")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request: Request):
        spider = self.crawler.spider
        slot = slot_key(request.url)
        if request.meta.get(M.SOURCE) is None and slot in self.site_owner:
            request.meta[M.SOURCE] = self.site_owner[slot]
        run = spider.run_of(request)
        if run is None:
            raise RefusedRequest(f"no source of this crawl asked for {request.url}")
        why = run.policy.refusal(request.url)
        host = urlsplit(request.url).hostname or ""
        if why is None and run.policy.needs_dns_check(host):
            why = run.policy.address_refusal(host, await self._resolve(host))
        if why:
            raise RefusedRequest(why)
        self.site_owner.setdefault(slot, run.id)
        request.meta.setdefault("download_slot", slot)
        for key, value in run.meta_defaults.items():
            request.meta.setdefault(key, value)
        if M.RETRY_BACKOFF in run.meta_defaults:
            self._local_slot(slot)
        return None

    async def _resolve(self, host: str) -> str:
        """The address Scrapy will connect to: its own caching resolver answers, so the
        connection that follows uses the address checked here."""
        from twisted.internet import reactor

        try:
            return await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:
            return ""  # unresolvable: the download fails with its own DNS error

    def _local_slot(self, slot: str) -> None:
        """A site on this machine (the demo) starts nearly unthrottled."""
        per_slot = self.crawler.engine.downloader.per_slot_settings
        if slot not in per_slot and not self.fast:
            per_slot[slot] = {"delay": self.local_delay}


class PerSiteAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle, whose floor is a slot's own configured delay when it has one
    (DOWNLOAD_SLOTS; local sites) instead of DOWNLOAD_DELAY for every site of the process."""

    def _response_downloaded(self, response, request, spider=None):
        per_slot = self.crawler.engine.downloader.per_slot_settings
        floor = per_slot.get(request.meta.get("download_slot"), {}).get("delay")
        if floor is None:
            return super()._response_downloaded(response, request, spider)
        default, self.mindelay = self.mindelay, floor
        try:
            return super()._response_downloaded(response, request, spider)
        finally:
            self.mindelay = default


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before each retry: ``NIANBAO_RETRY_BACKOFF`` (or
    the source's ``nb_retry_backoff``) × 2^(attempt−1) seconds, at most
    ``NIANBAO_RETRY_BACKOFF_MAX`` (a site answering 5xx or timing out is overloaded;
    hammering it again at once helps nobody). The wait holds one of the site's download
    slots, which slows the site's other requests too."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("NIANBAO_RETRY_BACKOFF", 0.0)
        self.backoff_max = settings.getfloat("NIANBAO_RETRY_BACKOFF_MAX", 30.0)

    async def _wait(self, result, request):
        backoff = min(self.backoff, request.meta.get(M.RETRY_BACKOFF, self.backoff))
        if isinstance(result, Request) and backoff > 0:
            attempt = result.meta.get("retry_times", 1)
            await asyncio.sleep(min(self.backoff_max, backoff * 2 ** (attempt - 1)))
        return result

    async def process_response(self, request, response):
        return await self._wait(super().process_response(request, response), request)

    async def process_exception(self, request, exception):
        return await self._wait(super().process_exception(request, exception), request)
