"""The nightly Prefect flow: crawl → parse → check → publish.

Prefect must be configured before it is imported (PREFECT_HOME inside the data folder,
analytics off): import this module through :func:`flows.prefect_env.configure` first —
the CLI does. Without a Prefect server the flow runs on a temporary local one.
"""

from __future__ import annotations

import json

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from archive.db import new_run_id, now, open_db, upsert_sources
from archive.store import BlobStore
from crawler.registry import load_registry, select_sources
from crawler.run import crawl_in_subprocess
from flows import stages
from nianbao.config import paths as data_paths

NIGHTLY_CRON = "0 2 * * *"  # 02:00, after sites publish the day's batch
NIGHTLY_TIMEZONE = "Asia/Shanghai"


def nightly_schedule(cron: str = NIGHTLY_CRON):
    """The schedule ``nianbao schedule`` serves the flow with."""
    from prefect.schedules import Cron

    return Cron(cron, timezone=NIGHTLY_TIMEZONE)


# Each crawl batch is one subprocess (Scrapy's reactor cannot restart) running the spiders
# of many sources at once: ~1 s of start-up per process, not per source.
CRAWL_PROCESSES = 2


def batches(ids: list[str], n: int = CRAWL_PROCESSES) -> list[list[str]]:
    """Split source ids round-robin into at most ``n`` non-empty batches."""
    return [b for b in (ids[i::n] for i in range(n)) if b]


@task(retries=2, retry_delay_seconds=[10, 60], task_run_name="crawl-{batch_name}")
def crawl_batch(
    registry: str,
    source_ids: list[str],
    data: str,
    run_id: str,
    fast: bool,
    batch_name: str = "",
    revalidate_all: bool = False,
) -> dict:
    """Crawl some sources in one subprocess; retried as a whole (an incremental re-crawl
    fetches only what changed, so a retry costs little)."""
    stats = crawl_in_subprocess(
        registry, source_ids, data, run_id, fast=fast, revalidate_all=revalidate_all
    )
    log = get_run_logger()
    for sid, st in stats.get("sources", {}).items():
        log.info("crawled %s: %s", sid, st)
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
) -> dict:
    """Crawl every source of ``registry`` (or only ``sources``), then parse, check, publish.
    ``revalidate_all`` asks the sites about every known document (crawler.freshness)."""
    paths = data_paths(data)
    data = str(paths.data)
    entries = select_sources(load_registry(registry), sources, str(registry))
    run_id = new_run_id()
    db = open_db(paths.db)
    for path, size in BlobStore(paths.blobs).remove_stale_temp_files():
        get_run_logger().warning("removed %s (%d bytes) left by an interrupted write", path, size)
    upsert_sources(db, entries, registry=str(registry))
    db["crawl_runs"].insert(
        {
            "id": run_id,
            "started_at": now(),
            "status": "running",
            "sources": json.dumps([s["id"] for s in entries]),
        },
        pk="id",
    )
    groups = batches([s["id"] for s in entries])
    futures = [
        crawl_batch.submit(
            str(registry),
            ids,
            data,
            run_id,
            fast,
            batch_name=f"{i + 1}of{len(groups)}",
            revalidate_all=revalidate_all,
        )
        for i, ids in enumerate(groups)
    ]
    crawl_stats, failed = {}, []
    for ids, fut in zip(groups, futures):
        try:
            crawl_stats.update(fut.result().get("sources", {}))
        except Exception as exc:  # a broken batch must not stop the others, nor parsing
            failed.extend(ids)
            get_run_logger().error("crawl of %s failed: %s", ", ".join(ids), exc)
    parsed = parse_documents(data)
    checked = check_reports(data)
    summary = publish(data, run_id, checked["newly_flagged"])
    summary.update(crawl=crawl_stats, crawl_failed=failed, parse=parsed, check=checked)
    db["crawl_runs"].update(
        run_id,
        {
            "finished_at": now(),
            "status": "failed_sources" if failed else "ok",
            "stats": json.dumps(
                {"crawl": crawl_stats, "failed": failed, "parse": parsed, "check": checked},
                ensure_ascii=False,
            ),
        },
    )
    return summary
