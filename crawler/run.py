"""Run one crawl (one CrawlerProcess) for some registry sources — meant for a subprocess.

    python -m crawler.run --registry FILE --source ID [--source ID …] --data DIR
        --run-id RUN [--fast]

Writes to ``DIR/nianbao.db`` and ``DIR/blobs/``, logs to stderr and prints, as its last
stdout line, ``{"sources": {ID: {"pages": n, "documents": n, "attachments": n,
"errors": n, "bytes": n, …}}}``. Twisted's reactor cannot restart, so every crawl needs a
fresh process: ``crawl_in_subprocess`` runs this module with ``sys.executable``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

STAT_KEYS = (
    "pages",
    "documents",
    "attachments",
    "errors",
    "bytes",
    "lists",
    "captures",
    "failed_fetches",
    "skipped_items",
    "spider_errors",
    "not_modified",
    "fresh",
    "reports_found",
    "new",
    "changed",
    "unchanged",
    "robots_denied",
)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class CrawlError(RuntimeError):
    """A crawl subprocess failed; the message carries the tail of its stderr."""


_IMMUTABLE = (str, bytes, int, float, bool, type(None), frozenset)


def _copy_value(value):
    from scrapy.settings import BaseSettings

    if isinstance(value, BaseSettings):
        return _copy_settings(value)
    if isinstance(value, _IMMUTABLE) or callable(value):
        return value
    return copy.deepcopy(value)


def _copy_settings(settings):
    """A deep copy of Scrapy settings without ``copy.deepcopy`` walking every default
    (each Crawler copies its settings: ~7 ms apiece, 100 crawlers per process)."""
    from scrapy.settings import SettingsAttribute

    new = copy.copy(settings)  # same class and flags (frozen…), attributes replaced below
    attrs = {}
    for name, attr in settings.attributes.items():
        a = SettingsAttribute.__new__(SettingsAttribute)
        a.value = _copy_value(attr.value)
        a.priority = attr.priority
        attrs[name] = a
    new.attributes = attrs
    return new


def _fast_settings_class():
    from scrapy.settings import Settings

    class FastCopySettings(Settings):
        def copy(self):
            return _copy_settings(self)

    return FastCopySettings


def crawl_settings(
    data_dir: str | os.PathLike,
    run_id: str,
    fast: bool = False,
    registry: str | None = None,
    revalidate_all: bool = False,
):
    settings = _fast_settings_class()()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NIANBAO_DATA", str(Path(data_dir).resolve()), priority="cmdline")
    settings.set("NIANBAO_RUN_ID", run_id, priority="cmdline")
    settings.set("NIANBAO_REGISTRY", registry or "", priority="cmdline")
    if revalidate_all:
        settings.set("NIANBAO_REVALIDATE_ALL", True, priority="cmdline")
    if fast:
        settings.set("NIANBAO_FAST", True, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        settings.set("NIANBAO_RETRY_BACKOFF", 0, priority="cmdline")
    return settings


def source_settings(settings, source: dict):
    """Per-source copy: loopback-only sources (the demo) start nearly unthrottled."""
    s = settings.copy()
    hosts = {urlsplit(u).hostname for u in source["start_urls"]}
    if not s.getbool("NIANBAO_FAST") and hosts <= set(LOOPBACK):
        s.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        s.set(
            "AUTOTHROTTLE_START_DELAY", s.getfloat("NIANBAO_LOCAL_START_DELAY"), priority="cmdline"
        )
        s.set("NIANBAO_RETRY_BACKOFF", 0.1, priority="cmdline")
    # Per-source overrides from the registry (slow servers, huge attachments).
    if source.get("timeout"):
        s.set("DOWNLOAD_TIMEOUT", float(source["timeout"]), priority="cmdline")
    if source.get("max_bytes"):
        s.set("DOWNLOAD_MAXSIZE", int(source["max_bytes"]), priority="cmdline")
        s.set("DOWNLOAD_WARNSIZE", int(source["max_bytes"]) // 2, priority="cmdline")
    return s


def record_source_runs(db, run_id: str, started: str, result: dict) -> None:
    """One ``source_runs`` row per crawled source, with the flags a curator should see:
    ``no_reports`` (reports before, none now) and ``disappeared`` (report pages seen
    before that no list links any more)."""
    from archive.db import now

    rows = []
    for sid, st in result.items():
        flags = []
        before = db.execute(
            "select count(*) from documents where source_id = ? and role = 'page' "
            "and first_seen < ?",
            [sid, started],
        ).fetchone()[0]
        if st.get("finish_reason") == "finished":
            gone = [
                r[0]
                for r in db.execute(
                    "select url from documents where source_id = ? and role = 'page' "
                    "and last_seen < ? and linked_from in (select url from captures "
                    "where run_id = ? and source_id = ?)",
                    [sid, started, run_id, sid],
                )
            ]
            if before and not st.get("reports_found"):
                flags.append(
                    {
                        "flag": "no_reports",
                        "message": f"{before} report pages before, none found in this run",
                    }
                )
                gone = []  # the whole source is flagged; not each report
            for url in gone:
                flags.append(
                    {
                        "flag": "disappeared",
                        "url": url,
                        "message": "report page no longer linked from its list",
                    }
                )
        else:
            gone = []
        rows.append(
            {
                "run_id": run_id,
                "source_id": sid,
                "started_at": started,
                "finished_at": now(),
                "pages_fetched": st.get("captures", 0) - st.get("not_modified", 0),
                "not_modified": st.get("not_modified", 0),
                "fresh": st.get("fresh", 0),
                "bytes": st.get("bytes", 0),
                "reports_found": st.get("reports_found", 0),
                "new": st.get("new", 0),
                "changed": st.get("changed", 0),
                "unchanged": st.get("unchanged", 0),
                "errors": st.get("errors", 0),
                "robots_denied": st.get("robots_denied", 0),
                "disappeared": len(gone),
                "flags": json.dumps(flags, ensure_ascii=False),
                "finish_reason": st.get("finish_reason"),
            }
        )
        st["flags"] = [f["flag"] for f in flags]
    with db.conn:
        db["source_runs"].upsert_all(rows, pk=("run_id", "source_id"))


def _claim_run(db, run_id: str, source_ids: list[str]) -> bool:
    """Create the crawl_runs row unless one exists; True if this crawl owns it.

    The nightly flow creates and finishes its own run row (several crawl subprocesses plus
    parse and check share one run id): then this module leaves it alone. A standalone crawl
    (``nianbao crawl``, this module by hand) records itself.
    """
    from archive.db import now

    with db.conn:
        cur = db.execute(
            "insert or ignore into crawl_runs (id, started_at, status, sources) "
            "values (?, ?, ?, ?)",
            [run_id, now(), "running", json.dumps(source_ids, ensure_ascii=False)],
        )
        return cur.rowcount == 1


def _finish_run(db, run_id: str, stats: dict, failed: bool) -> None:
    from archive.db import now

    with db.conn:
        db["crawl_runs"].update(
            run_id,
            {
                "finished_at": now(),
                "status": "failed_sources" if failed else "ok",
                "stats": json.dumps({"crawl": stats}, ensure_ascii=False),
            },
        )


def run(
    registry: str,
    source_ids: Sequence[str],
    data_dir: str | os.PathLike,
    run_id: str,
    fast: bool = False,
    revalidate_all: bool = False,
) -> dict:
    """Crawl the given sources in this process (once per process!) and return the stats."""
    # Imported here, not by the first downloader inside the reactor: they build deprecated
    # aliases with inspect.stack(), which reads the source of every frame (~0.5 s deep).
    import scrapy.core.downloader.contextfactory  # noqa: F401
    import scrapy.core.downloader.tls  # noqa: F401
    from scrapy.crawler import Crawler, CrawlerProcess

    from archive.db import now, upsert_sources
    from crawler.archiving import get_archive
    from crawler.registry import load_registry, select_sources
    from crawler.spiders import SPIDERS

    started = now()
    sources = select_sources(load_registry(registry), list(source_ids), registry)
    settings = crawl_settings(
        data_dir, run_id, fast=fast, registry=str(registry), revalidate_all=revalidate_all
    )
    archive = get_archive(settings)
    upsert_sources(archive.db, sources, registry=str(registry))
    ids = [s["id"] for s in sources]
    owns_run = _claim_run(archive.db, run_id, ids)

    process = CrawlerProcess(settings)
    crawlers: list[tuple[dict, Crawler]] = []
    per_source: dict[tuple, Any] = {}  # Settings copies are slow (deep copies): share them
    for i, source in enumerate(sources):
        hosts = frozenset(urlsplit(u).hostname for u in source["start_urls"])
        key = (hosts <= set(LOOPBACK), source.get("timeout"), source.get("max_bytes"))
        if key not in per_source:
            per_source[key] = source_settings(settings, source)
        # The first crawler installs the reactor (what CrawlerProcess.crawl(cls) would do).
        crawler = Crawler(SPIDERS[source["cms"]], per_source[key], init_reactor=(i == 0))
        crawlers.append((source, crawler))
        process.crawl(crawler, source=source)
    try:
        process.start()
    finally:
        archive.close_warcs()

    result: dict[str, Any] = {}
    failed = False
    for source, crawler in crawlers:
        spider = crawler.spider  # a plain attribute (None until the crawl created it)
        counts = dict(getattr(spider, "nb_stats", {}) or {})
        entry = {k: int(counts.get(k, 0)) for k in STAT_KEYS}
        # Set by ReportSpider.closed(); absent when the crawl never opened or crashed.
        reason = getattr(spider, "close_reason", None) or "did not run"
        failed = failed or reason != "finished"
        # Scrapy's own count of responses, to check the archive against (captures >= it).
        scrapy_stats = crawler._stats  # None if the crawler never got that far
        entry["responses"] = int(
            scrapy_stats.get_value("downloader/response_count", 0) if scrapy_stats else 0
        )
        entry["finish_reason"] = reason
        result[source["id"]] = entry
    record_source_runs(archive.db, run_id, started, result)
    if owns_run:
        _finish_run(archive.db, run_id, result, failed)
    return {"sources": result}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--registry", required=True, help="registry YAML file")
    parser.add_argument(
        "--source",
        action="append",
        required=True,
        dest="sources",
        metavar="ID",
        help="source id (repeat for several)",
    )
    parser.add_argument("--data", required=True, help="data folder (nianbao.db, blobs/)")
    parser.add_argument("--run-id", required=True)
    parser.add_argument(
        "--fast", action="store_true", help="no throttling delays (for the local demo sites only)"
    )
    parser.add_argument(
        "--revalidate-all",
        action="store_true",
        help="ask the sites about every known document, fresh or not",
    )
    args = parser.parse_args(argv)
    # sqlite-utils imports pandas when it is installed (~0.8 s of CPU per crawl process);
    # nothing in a crawl uses it, and sqlite-utils treats it as optional.
    sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]
    from crawler.registry import RegistryError

    try:
        stats = run(
            args.registry,
            args.sources,
            args.data,
            args.run_id,
            fast=args.fast,
            revalidate_all=args.revalidate_all,
        )
    except RegistryError as e:
        print(f"registry error: {e}", file=sys.stderr)
        return 2
    sys.stderr.flush()
    print(json.dumps(stats, ensure_ascii=False), flush=True)
    return 1 if any(s["finish_reason"] != "finished" for s in stats["sources"].values()) else 0


def crawl_in_subprocess(
    registry: str | os.PathLike,
    source_ids: Sequence[str],
    data_dir: str | os.PathLike,
    run_id: str,
    fast: bool = False,
    timeout: float = 3600,
    revalidate_all: bool = False,
) -> dict:
    """Run ``python -m crawler.run`` in a fresh interpreter; return its stats dict.
    ``revalidate_all`` asks the sites about every known document (crawler.freshness).

    Raises ``CrawlError`` (with the stderr tail) on a non-zero exit, a timeout or output
    that does not end with the stats JSON.
    """
    if isinstance(source_ids, str):
        source_ids = [source_ids]
    cmd = [
        sys.executable,
        "-m",
        "crawler.run",
        "--registry",
        str(registry),
        "--data",
        str(data_dir),
        "--run-id",
        run_id,
    ]
    for sid in source_ids:
        cmd += ["--source", sid]
    if fast:
        cmd.append("--fast")
    if revalidate_all:
        cmd.append("--revalidate-all")
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as e:
        err = (
            e.stderr.decode("utf-8", "replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        )
        raise CrawlError(
            f"crawl of {', '.join(source_ids)} timed out after {timeout}s; "
            f"stderr tail:\n{_tail(err)}"
        ) from None
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    stats = None
    if lines:
        try:
            stats = json.loads(lines[-1])
        except json.JSONDecodeError:
            stats = None
    if proc.returncode != 0 or not isinstance(stats, dict) or "sources" not in stats:
        raise CrawlError(
            f"crawl of {', '.join(source_ids)} failed (exit {proc.returncode}); "
            f"stderr tail:\n{_tail(proc.stderr)}"
        )
    return stats


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join((text or "").splitlines()[-lines:])


if __name__ == "__main__":
    sys.exit(main())
