"""Scrapy settings for the nianbao crawler: polite defaults for real government sites.

``crawler.run`` loads this module and overrides a few values per crawl (data folder, run id,
``--fast`` for the local demo, time limit). The ``NIANBAO_*`` settings are ours. One crawl
process serves many sources with one spider (crawler.spider): politeness is per site, by
Scrapy's download slots (one per host), and each source's registry overrides (timeout,
max_bytes) travel on its requests (crawler.middlewares.SourcePolicyMiddleware).
"""

import os as _os

from nianbao.config import USER_AGENT as _UA

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spider"]

USER_AGENT = _UA
ROBOTSTXT_OBEY = True

# Politeness. Government sites are slow and rate-limit aggressively: at most two requests
# at a time per site, at least 1 s apart, and AutoThrottle backs off when latency grows.
# CONCURRENT_REQUESTS is the whole process's (many sites at once).
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 3.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Sources whose start URLs are all on a loopback host (the demo sites) start with this
# delay and no minimum delay; ``--fast`` (NIANBAO_FAST) switches throttling off entirely.
NIANBAO_LOCAL_START_DELAY = 0.05
NIANBAO_FAST = False
# Sources crawled at once by one process: what a process holds grows with these, not with
# the registry (a source waiting its turn costs nothing; one in flight, a few kB).
NIANBAO_ACTIVE_SOURCES = int(_os.environ.get("NIANBAO_ACTIVE_SOURCES", "200"))
# A time limit for the crawl in minutes (0: none; ``--max-minutes``): no source starts
# after 90 % of it, and the crawl stops at it (crawler.spider).
NIANBAO_MAX_MINUTES = 0

# Items per response processed concurrently. Scrapy's default (100) starts 100 asyncio
# tasks for every response's output; with many sources per process that overhead dominated
# the crawl's CPU time. Our items are small database upserts: a few at a time is plenty.
CONCURRENT_ITEMS = 4

RETRY_ENABLED = True
RETRY_TIMES = 2  # 1 request + 2 retries; every attempt is archived
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
NIANBAO_RETRY_BACKOFF = 2.0  # s before the first retry, doubled for each further one
NIANBAO_RETRY_BACKOFF_MAX = 30.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024

# Error responses must reach the archive and the spiders (which skip their bodies for link
# extraction). The setting (not the handle_httpstatus_all meta key) keeps redirects working.
HTTPERROR_ALLOW_ALL = True

# Only http(s): every other scheme's handler is off (a file:// or ftp:// link is refused by
# the crawl policy first; without a handler it could not be fetched anyway).
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}

DOWNLOADER_MIDDLEWARES = {
    # The crawl policy, first on every request, redirect and retry: the source's hosts,
    # http(s), no private addresses by DNS; per-source timeout/size caps; per-site slots.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.SourcePolicyMiddleware": 10,
    # Retries with exponential back-off, in Scrapy's RetryMiddleware's place.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Closest to the network: every attempt (retries, redirects, robots.txt, errors) is
    # archived. It decompresses too (Scrapy's HttpCompressionMiddleware inside it), so the
    # archive holds the bytes parsers read and a decompression bomb still gets a capture.
    "crawler.archiving.ArchiveMiddleware": 950,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
}
# - LogCount: nothing reads log_count/*.
# - DepthMiddleware (no DEPTH_LIMIT; the generic family tracks its own nb_depth) and
#   MetaCopyDetectionMiddleware (a development warning) each wrap every callback's output
#   in one more async generator.
# - AutoThrottle with a per-site floor (local sites start nearly unthrottled).
EXTENSIONS = {
    "scrapy.extensions.logcount.LogCount": None,
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.middlewares.PerSiteAutoThrottle": 0,
    # Off anyway (no telnet, no remote control, no feeds, no JOBDIR, no MEMDEBUG): listed so
    # that their modules are not imported (TLS, code-execution endpoint, feed storages) in
    # every crawl process (~0.06 s of CPU each).
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
    "scrapy.extensions.feedexport.FeedExporter": None,
    "scrapy.extensions.spiderstate.SpiderState": None,
    "scrapy.extensions.memdebug.MemoryDebugger": None,
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
    # Closest to the spider: fresh documents are answered before any other middleware
    # (or the scheduler) sees their requests.
    "crawler.freshness.FreshDocumentsMiddleware": 950,
}

# Revalidation (crawler.freshness): list pages on every run; a stored report page or
# attachment when 10 % of the time since it last changed has passed since its last check,
# and at least every 7 days. NIANBAO_REVALIDATE_ALL (``--revalidate-all``) asks about
# everything.
NIANBAO_REVALIDATE_FRACTION = 0.1
NIANBAO_REVALIDATE_MAX_DAYS = 7.0
NIANBAO_REVALIDATE_ALL = False
ITEM_PIPELINES = {
    "crawler.pipelines.DocumentPipeline": 300,
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = _os.environ.get("NIANBAO_LOG_LEVEL", "INFO")  # DEBUG: every request
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's code-execution HTTP endpoint: never
# REQUEST_FINGERPRINTER_IMPLEMENTATION was removed in Scrapy 2.12+; 2.19's default
# fingerprinter (REQUEST_FINGERPRINTER_CLASS) is the current one, so nothing to set.
REDIRECT_MAX_TIMES = 5  # a redirect loop fails fast (each hop is archived)
# Scrapy parses each callback's source (inspect + ast) to warn about generators that
# return values: ~2 ms per response with many spiders per process. Ours return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False
