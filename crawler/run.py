"""Run one crawl process for some registry sources — meant for a subprocess.

    python -m crawler.run --registry FILE --source ID [--source ID …] --data DIR
        --run-id RUN [--fast] [--revalidate-all] [--max-minutes N]

One Scrapy crawler, one spider (crawler.spider.SourcesSpider) for all the given sources,
in the order given. Writes to ``DIR/nianbao.db``, ``DIR/blobs/`` and ``DIR/warc/``, logs to
stderr and prints, as its last stdout line, ``{"sources": {ID: {"pages": n, …,
"finish_reason": …}}, "deferred": [ID…], "process": {"peak_rss_mb": …, …}}``. Twisted's
reactor cannot restart, so every crawl needs a fresh process: ``crawl_in_subprocess`` runs
this module with ``sys.executable``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nianbao.lean_imports import import_sqlite_utils

import_sqlite_utils()  # before crawler.monitoring imports it (nianbao.lean_imports)

from crawler import standby  # noqa: E402
from crawler.monitoring import FINISHED, TIME_LIMIT  # noqa: E402

OK_REASONS = (FINISHED, TIME_LIMIT)
COMMAND = [sys.executable, "-m", "crawler.run"]  # a crawl process, before its arguments


class CrawlError(RuntimeError):
    """A crawl subprocess failed; the message carries the tail of its stderr."""


def crawl_settings(
    data_dir: str | os.PathLike,
    run_id: str,
    fast: bool = False,
    registry: str | None = None,
    revalidate_all: bool = False,
    max_minutes: float = 0,
):
    """The Scrapy settings of one crawl (crawler.settings plus this run's values)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    values: dict[str, Any] = {
        "NIANBAO_DATA": str(Path(data_dir).resolve()),
        "NIANBAO_RUN_ID": run_id,
        "NIANBAO_REGISTRY": registry or "",
    }
    if revalidate_all:
        values["NIANBAO_REVALIDATE_ALL"] = True
    if max_minutes:
        values["NIANBAO_MAX_MINUTES"] = float(max_minutes)
        values["CLOSESPIDER_TIMEOUT"] = 60 * float(max_minutes)
    if fast:
        values.update(
            NIANBAO_FAST=True, AUTOTHROTTLE_ENABLED=False, DOWNLOAD_DELAY=0, NIANBAO_RETRY_BACKOFF=0
        )
    for key, value in values.items():
        settings.set(key, value, priority="cmdline")
    return settings


def warm_up() -> None:
    """Import what a crawl needs: Scrapy's crawler, the spider and every component the
    settings enable (what a standby process does before its job arrives: crawler.standby)."""
    # Imported here, not by the first downloader inside the reactor: they build deprecated
    # aliases with inspect.stack(), which reads the source of every frame (~0.5 s deep).
    import scrapy.core.downloader.contextfactory  # noqa: F401
    import scrapy.core.downloader.tls  # noqa: F401
    import scrapy.crawler  # noqa: F401
    from scrapy.utils.misc import load_object

    import archive.crawlstore  # noqa: F401
    import crawler.registry  # noqa: F401
    import crawler.spider  # noqa: F401

    settings = crawl_settings(".", "warm-up")
    for name in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES", "EXTENSIONS"):
        for path, order in settings.getwithbase(name).items():
            if order is not None:
                load_object(path)


def run(
    registry: str,
    source_ids: Sequence[str],
    data_dir: str | os.PathLike,
    run_id: str,
    fast: bool = False,
    revalidate_all: bool = False,
    max_minutes: float = 0,
) -> dict:
    """Crawl the given sources in this process (once per process, after :func:`warm_up`)
    and return the stats."""
    from scrapy.crawler import CrawlerProcess

    from archive.crawlstore import CrawlStore
    from crawler.registry import load_registry, select_sources
    from crawler.spider import SourcesSpider

    sources = select_sources(load_registry(registry), list(source_ids), registry)
    settings = crawl_settings(data_dir, run_id, fast, str(registry), revalidate_all, max_minutes)
    store = CrawlStore(data_dir)
    store.upsert_sources(sources, registry=str(registry))
    ids = [s["id"] for s in sources]
    owns_run = store.begin_run(run_id, ids)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SourcesSpider)
    crawler.nianbao_store = store  # crawler.archiving.store_for: the crawl's storage
    process.crawl(crawler, sources=sources, run_id=run_id)
    try:
        process.start()
    finally:
        store.close()
    spider = crawler.spider
    result: dict[str, Any] = dict(getattr(spider, "results", {}) or {})
    deferred = list(getattr(spider, "deferred", []) or [])
    for sid in ids:  # absent when the crawl never opened or crashed
        if sid not in result and sid not in deferred:
            result[sid] = {"finish_reason": "did not run"}
    if owns_run:
        failed = any(r["finish_reason"] not in OK_REASONS for r in result.values())
        store.finish_run(run_id, "failed_sources" if failed else "ok", {"crawl": result})
    return {"sources": result, "deferred": deferred}


def process_figures(started: float) -> dict:
    """Wall and CPU time and peak memory of this process (for the benchmarks)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall_s": round(time.monotonic() - started, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(_peak_rss_kb() / 1024, 1),
    }


def _peak_rss_kb() -> float:
    """VmHWM of /proc/self/status: this process's own peak (``ru_maxrss`` starts from the
    parent's resident size at fork, so a big parent made every crawl look big)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _job_from_stdin() -> list[str] | None:
    """A standby process's command line, sent by crawl_in_subprocess (None: no job)."""
    line = sys.stdin.readline()
    return json.loads(line) if line.strip() else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    was_standby = argv == ["--standby"]
    if was_standby:  # crawler.standby: import now, crawl when the job arrives
        if hasattr(os, "nice"):  # POSIX
            os.nice(standby.NICENESS)
        warm_up()
        job = _job_from_stdin()
        if job is None:
            return 0
        argv = job
    started = time.monotonic()
    parser = argparse.ArgumentParser(
        prog="python -m crawler.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--registry", required=True, help="registry YAML file")
    parser.add_argument(
        "--source", action="append", default=[], dest="sources", metavar="ID",
        help="source id (repeat for several; crawled in this order)",
    )  # fmt: skip
    parser.add_argument(
        "--sources-from", metavar="FILE", help="a file of source ids, one a line (appended)"
    )
    parser.add_argument("--data", required=True, help="data folder (nianbao.db, blobs/)")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--fast", action="store_true", help="no throttling (local sites only)")
    parser.add_argument(
        "--revalidate-all", action="store_true", help="ask about every known document"
    )
    parser.add_argument("--max-minutes", type=float, default=0, help="time limit (0: none)")
    args = parser.parse_args(argv)
    if args.sources_from:
        args.sources += Path(args.sources_from).read_text("utf-8").split()
    if not args.sources:
        parser.error("no source: give --source ID or --sources-from FILE")
    from crawler.registry import RegistryError

    if not was_standby:  # a standby process warmed up before its job came
        warm_up()
    try:
        stats = run(
            args.registry, args.sources, args.data, args.run_id,
            fast=args.fast, revalidate_all=args.revalidate_all, max_minutes=args.max_minutes,
        )  # fmt: skip
    except RegistryError as e:
        print(f"registry error: {e}", file=sys.stderr)
        return 2
    stats["process"] = {**process_figures(started), "standby": was_standby}
    sys.stderr.flush()
    print(json.dumps(stats, ensure_ascii=False), flush=True)
    # Everything is written and closed (CrawlStore.close in run): spare the exit its
    # collection over every object Scrapy and Twisted built (flows.cli does the same).
    gc.freeze()
    reasons = {s["finish_reason"] for s in stats["sources"].values()}
    return 0 if reasons <= set(OK_REASONS) else 1


def crawl_command(
    registry, source_ids, data_dir, run_id, fast=False, revalidate_all=False, max_minutes=0
) -> list[str]:
    """The command line of one crawl process (many source ids go through a file: a
    national registry's would not fit on a command line): ``COMMAND`` and its arguments."""
    cmd = [*COMMAND, "--registry", str(registry)]
    cmd += ["--data", str(data_dir), "--run-id", run_id]
    if len(source_ids) > 100:
        fd, path = tempfile.mkstemp(prefix="nianbao-sources-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(source_ids) + "\n")
        cmd += ["--sources-from", path]
    else:
        for sid in source_ids:
            cmd += ["--source", sid]
    if fast:
        cmd.append("--fast")
    if revalidate_all:
        cmd.append("--revalidate-all")
    if max_minutes:
        cmd += ["--max-minutes", str(max_minutes)]
    return cmd


def crawl_in_subprocess(
    registry: str | os.PathLike,
    source_ids: Sequence[str],
    data_dir: str | os.PathLike,
    run_id: str,
    fast: bool = False,
    timeout: float | None = None,
    revalidate_all: bool = False,
    max_minutes: float = 0,
    env: dict[str, str] | None = None,
) -> dict:
    """Run ``python -m crawler.run`` in a fresh interpreter (or hand the job to one that
    :func:`start_standby` started ahead, when one waits); return its stats dict.
    ``revalidate_all`` asks the sites about every known document (crawler.freshness);
    ``max_minutes`` limits the crawl's time (sources not reached are ``deferred``);
    ``env`` adds environment variables (a crawl shard's shared store).

    Raises ``CrawlError`` (with the stderr tail) on a non-zero exit, a timeout (default: an
    hour, or the time limit plus two minutes) or output that does not end with the stats.
    """
    if isinstance(source_ids, str):
        source_ids = [source_ids]
    if timeout is None:
        timeout = 60 * max_minutes + 120 if max_minutes else 3600
    cmd = crawl_command(registry, source_ids, data_dir, run_id, fast, revalidate_all, max_minutes)
    env = crawl_env(env)
    what = f"crawl of {len(source_ids)} source(s) ({', '.join(source_ids[:5])}…)"
    proc = standby.take(env)
    job = json.dumps(cmd[len(COMMAND) :]) + "\n" if proc else None  # the arguments
    if proc is None:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace", env=env,
        )  # fmt: skip
    try:
        stdout, stderr = proc.communicate(job, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        why = f"{what} timed out after {timeout}s"
        raise CrawlError(f"{why}; stderr tail:\n{_tail(stderr)}") from None
    finally:
        _remove_sources_file(cmd)
    stats = _last_json(stdout)
    if proc.returncode != 0 or not isinstance(stats, dict) or "sources" not in stats:
        raise CrawlError(f"{what} failed (exit {proc.returncode}); stderr tail:\n{_tail(stderr)}")
    return stats


def crawl_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a crawl process: this one's, ``extra``, and the project on the
    module path."""
    env = {**os.environ, **(extra or {})}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def start_standby(n: int) -> None:
    """Start ``n`` crawl processes now, to be handed their job by crawl_in_subprocess
    (crawler.standby)."""
    standby.start(n, COMMAND, crawl_env())


def _remove_sources_file(cmd: list[str]) -> None:
    if "--sources-from" in cmd:
        Path(cmd[cmd.index("--sources-from") + 1]).unlink(missing_ok=True)


def _last_json(stdout: str) -> Any:
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    try:
        return json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        return None


def _tail(text: str | None, lines: int = 40) -> str:
    return "\n".join((text or "").splitlines()[-lines:])


if __name__ == "__main__":
    sys.exit(main())
