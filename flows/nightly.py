"""The nightly Prefect flow: crawl → parse → check → publish.

Prefect must be configured before it is imported (PREFECT_HOME inside the data folder,
analytics off): import this module through :func:`flows.prefect_env.configure` first —
the CLI does. Without a Prefect server the flow runs on a temporary local one.
"""

from __future__ import annotations

import os

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from archive.crawlstore import CrawlStore
from archive.db import new_run_id
from archive.shared_store import SharedStore, store_location
from crawler.registry import load_registry, select_sources
from crawler.run import crawl_in_subprocess
from crawler.schedule import batches, crawl_processes, order_sources
from flows import shards as shards_mod
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


def _progress():
    logger = get_run_logger()

    def progress(i, n, url, status):
        if i == n or i % 100 == 0:
            logger.info("parsed %d/%d documents", i, n)

    return progress


@task
def parse_documents(data: str) -> dict:
    return stages.parse_pending(data_paths(data), progress=_progress())


@flow(name="parse-on-dask")
def parse_on_cluster(data: str, workers: int) -> dict:
    """The parse stage with every document a task on the flow's DaskTaskRunner (set by
    the caller: flows.dask_parse.dask_task_runner); results written by this process."""
    from flows.dask_parse import parse_on_dask

    return stages.parse_pending(
        data_paths(data), workers=workers, progress=_progress(), executor=parse_on_dask
    )


def parse_stage(data: str, dask_address: str | None, dask_workers: int) -> dict:
    """Parse here (the bounded local pool), or on Dask when an address or a number of
    Dask workers is given."""
    from flows.dask_parse import DASK_ADDRESS_ENV, dask_task_runner

    address = dask_address or os.environ.get(DASK_ADDRESS_ENV)
    if not address and not dask_workers:
        return parse_documents(data)
    runner = dask_task_runner(address, dask_workers)
    return parse_on_cluster.with_options(task_runner=runner)(data, dask_workers or 4)


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
    shards: int = 0,
    dask_address: str | None = None,
    dask_workers: int = 0,
) -> dict:
    """Crawl every source of ``registry`` (or only ``sources``), then parse, check, publish.
    ``revalidate_all`` asks the sites about every known document (crawler.freshness);
    ``max_minutes`` limits the crawl's time: the sources it does not reach go first the
    next night (crawler.schedule). ``shards`` > 0 crawls in that many flow runs on the
    Prefect work pool (flows.shards); ``dask_address`` or ``dask_workers`` parses on Dask
    (flows.dask_parse). Without them everything runs on this machine."""
    paths = data_paths(data)
    data = str(paths.data)
    run_id = new_run_id()
    shared = SharedStore(store_location(paths.data))
    for path, size in shared.blobs.remove_stale_temp_files():
        get_run_logger().warning("removed %s (%d bytes) left by an interrupted write", path, size)
    options = {"fast": fast, "revalidate_all": revalidate_all, "max_minutes": max_minutes}
    if shards:
        crawl_stats, failed, deferred = crawl_sharded(
            registry, sources, paths, run_id, shards, options
        )
    else:
        crawl_stats, failed, deferred = crawl_here(registry, sources, paths, run_id, options)
    parsed = parse_stage(data, dask_address, dask_workers)
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


def crawl_here(registry, sources, paths, run_id: str, options: dict):
    """The crawl on this machine: one Scrapy process per batch (per core), as tasks.
    Returns (stats per source, failed source ids, deferred source ids)."""
    entries = plan_crawl(registry, sources, paths, run_id)
    groups = batches([s["id"] for s in entries], crawl_processes(len(entries)))
    futures = [
        crawl_batch.submit(
            str(registry),
            ids,
            str(paths.data),
            run_id,
            options["fast"],
            batch_name=f"{i + 1}of{len(groups)}",
            revalidate_all=options["revalidate_all"],
            max_minutes=options["max_minutes"],
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
    return crawl_stats, failed, deferred


def crawl_sharded(registry, sources, paths, run_id: str, n: int, options: dict):
    """The crawl as ``n`` shards on the Prefect work pool (flows.shards), merged into the
    archive by this process. Returns what crawl_here returns."""
    if why := shards_mod.shard_env_ok():
        raise RuntimeError(why)
    entries = plan_crawl(registry, sources, paths, run_id)
    by_id = {s["id"]: s for s in entries}
    groups = shards_mod.split_shards(entries, n)
    shared = SharedStore(store_location(paths.data))
    for k, ids in enumerate(groups):
        shards_mod.prepare_shard(shared, paths.db, [by_id[i] for i in ids], run_id, k)
    results = shards_mod.run_shards(shared, run_id, len(groups), options)
    # a shard that failed every attempt still hands back what it fetched (as a failed
    # local crawl batch leaves its rows): merged, its sources reported failed
    done = [k for k in results if shared.exists(shards_mod.shard_key(run_id, k, "result.db"))]
    merged = shards_mod.merge_shards(shared, paths.db, run_id, done)
    shared.remove(shards_mod.shard_key(run_id, 0).rsplit("/", 1)[0])
    crawl_stats, failed, deferred = {}, [], []
    for k, r in sorted(results.items()):
        if not r["ok"]:
            failed.extend(groups[k])
            get_run_logger().error("shard %d (%d sources) failed: %s", k, len(groups[k]), r)
            continue
        crawl_stats.update(r["stats"].get("sources", {}))
        deferred.extend(r["stats"].get("deferred", []))
    get_run_logger().info("merged %d shards: %s", len(done), merged)
    return crawl_stats, failed, deferred


def plan_crawl(registry: str, sources: list[str] | None, paths, run_id: str) -> list[dict]:
    """Record the run and its sources; the registry entries in crawl order
    (crawler.schedule)."""
    entries = select_sources(load_registry(registry), sources, str(registry))
    store = CrawlStore(paths)
    store.upsert_sources(entries, registry=str(registry))
    store.begin_run(run_id, [s["id"] for s in entries])
    return order_sources(entries, store.crawl_history())
