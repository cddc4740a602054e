"""The nightly Prefect flow: crawl → parse → check → publish.

Prefect must be configured before it is imported (PREFECT_HOME inside the data folder,
analytics off): import this module through :func:`flows.prefect_env.configure` first —
the CLI does. Without a Prefect server the flow runs on a temporary local one.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from archive.crawlstore import CrawlStore
from archive.db import new_run_id
from archive.store import BlobStore
from crawler.registry import load_registry, select_sources
from crawler.run import crawl_in_subprocess
from crawler.schedule import batches, crawl_processes, order_sources
from flows import stages
from nianbao.config import paths as data_paths

NIGHTLY_CRON = "0 2 * * *"  # 02:00, after sites publish the day's batch
NIGHTLY_TIMEZONE = "Asia/Shanghai"


def nightly_schedule(cron: str = NIGHTLY_CRON):
    """The schedule ``nianbao schedule`` serves the flow with."""
    from prefect.schedules import Cron

    return Cron(cron, timezone=NIGHTLY_TIMEZONE)


@task(retries=2, retry_delay_seconds=[10, 60], task_run_name="crawl-{batch_name}")
def crawl_batch(
    registry: str,
    source_ids: list[str],
    data: str,
    run_id: str,
    fast: bool,
    batch_name: str = "",
    revalidate_all: bool = False,
    max_minutes: float = 0,
) -> dict:
    """Crawl some sources in one subprocess (one Scrapy spider for all of them); retried as
    a whole (an incremental re-crawl fetches only what changed, so a retry costs little)."""
    stats = crawl_in_subprocess(
        registry, source_ids, data, run_id, fast=fast, revalidate_all=revalidate_all,
        max_minutes=max_minutes,
    )  # fmt: skip
    sources = stats.get("sources", {})
    by_reason: dict[str, int] = {}
    for st in sources.values():
        by_reason[st["finish_reason"]] = by_reason.get(st["finish_reason"], 0) + 1
    get_run_logger().info(
        "crawled %d sources (%s), %d left for the next run; process %s",
        len(sources), by_reason, len(stats.get("deferred", [])), stats.get("process"),
    )  # fmt: skip
    return stats


@task
def parse_documents(data: str) -> dict:
    logger = get_run_logger()

    def progress(i, n, url, status):
        if i == n or i % 100 == 0:
            logger.info("parsed %d/%d documents", i, n)

    return stages.parse_pending(data_paths(data), progress=progress)


@task
def check_reports(data: str) -> dict:
    return stages.check_pending(data_paths(data))


@task
def publish(data: str, run_id: str, newly_flagged: list[dict]) -> dict:
    """Summarise the run and publish it, with the reports newly flagged, as a Prefect artifact."""
    summary = stages.summarize(data_paths(data), run_id)
    summary["newly_flagged"] = newly_flagged
    create_markdown_artifact(
        markdown=stages.format_summary(summary),
        key="nianbao-run-summary",
        description="nianbao nightly run",
    )
    return summary


@flow(name="nightly", log_prints=True)
def nightly(
    registry: str,
    data: str | None = None,
    sources: list[str] | None = None,
    fast: bool = False,
    revalidate_all: bool = False,
    max_minutes: float = 0,
) -> dict:
    """Crawl every source of ``registry`` (or only ``sources``), then parse, check, publish.
    ``revalidate_all`` asks the sites about every known document (crawler.freshness);
    ``max_minutes`` limits the crawl's time: the sources it does not reach go first the
    next night (crawler.schedule)."""
    paths = data_paths(data)
    data = str(paths.data)
    run_id = new_run_id()
    for path, size in BlobStore(paths.blobs).remove_stale_temp_files():
        get_run_logger().warning("removed %s (%d bytes) left by an interrupted write", path, size)
    groups = plan_crawl(registry, sources, paths, run_id)
    futures = [
        crawl_batch.submit(
            str(registry),
            ids,
            data,
            run_id,
            fast,
            batch_name=f"{i + 1}of{len(groups)}",
            revalidate_all=revalidate_all,
            max_minutes=max_minutes,
        )  # fmt: skip
        for i, ids in enumerate(groups)
    ]
    crawl_stats, failed, deferred = {}, [], []
    for ids, fut in zip(groups, futures):
        try:
            result = fut.result()
        except Exception as exc:  # a broken batch must not stop the others, nor parsing
            failed.extend(ids)
            get_run_logger().error("crawl of %d sources failed: %s", len(ids), exc)
            continue
        crawl_stats.update(result.get("sources", {}))
        deferred.extend(result.get("deferred", []))
    parsed = parse_documents(data)
    checked = check_reports(data)
    summary = publish(data, run_id, checked["newly_flagged"])
    summary.update(
        crawl=crawl_stats, crawl_failed=failed, crawl_deferred=deferred, parse=parsed,
        check=checked,
    )  # fmt: skip
    CrawlStore(paths).finish_run(
        run_id,
        "failed_sources" if failed else "ok",
        {"crawl": crawl_stats, "failed": failed, "deferred": deferred, "parse": parsed,
         "check": checked},
    )  # fmt: skip
    return summary


def plan_crawl(registry: str, sources: list[str] | None, paths, run_id: str) -> list[list[str]]:
    """Record the run and its sources; the source ids in crawl order (crawler.schedule),
    one batch per crawl process (as many as cores)."""
    entries = select_sources(load_registry(registry), sources, str(registry))
    store = CrawlStore(paths)
    store.upsert_sources(entries, registry=str(registry))
    store.begin_run(run_id, [s["id"] for s in entries])
    ordered = [s["id"] for s in order_sources(entries, store.crawl_history())]
    return batches(ordered, crawl_processes(len(ordered)))
