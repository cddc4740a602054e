"""Crawl shards: flow runs of the ``crawl-shard`` deployment on a Prefect process work pool.

The nightly flow (with ``shards`` > 0) splits the sources into shards — every source
sharing a host with another lands in the same shard, so one site is crawled by one
process and its politeness limits hold — and hands each shard to the work pool
(``run_deployment``); any ``prefect worker start --pool nianbao`` on any machine takes it.
A shard's flow run:

1. copies its seed database and registry from the shared store to a local folder;
2. crawls there (one Scrapy process, crawler.run): bodies go straight into the shared
   store's blobs, the WARC file and the SQLite file to the local folder;
3. copies the WARC file to the store's ``warc/`` and its database to
   ``shards/<run>/<n>/result.db``.

The nightly flow waits for every shard, submits a failed one again (any worker may take
it), then merges the shard databases into the archive (archive.shard_db: one writer,
idempotent). SQLite files are only ever opened on local disk.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from prefect import flow, get_run_logger

from archive import shard_db
from archive.shared_store import STORE_ENV, SharedStore
from crawler.run import crawl_in_subprocess
from crawler.schedule import batches

WORK_POOL = "nianbao"
DEPLOYMENT = "nianbao"  # the deployment of the flow "crawl-shard": crawl-shard/nianbao
ENTRYPOINT = "flows/shards.py:crawl_shard"
ATTEMPTS = 3  # a shard's flow run is submitted at most this many times
POLL_SECONDS = 2.0


def _hosts(source: dict) -> set[str]:
    """The sites a source's crawl visits: the origins (host:port) of its start URLs, and
    every allowed domain that is not the host of one of them (an attachment host
    that sources may share)."""
    starts = [urlsplit(u) for u in source.get("start_urls") or []]
    sites = {(p.netloc or "").lower() for p in starts}
    own = {(p.hostname or "").lower() for p in starts}
    sites |= {h.lower() for h in source.get("allowed_domains") or []} - own
    return sites - {""}


def split_shards(sources: list[dict], n: int) -> list[list[str]]:
    """Source ids in at most ``n`` shards; sources sharing a host share a shard. Groups are
    dealt round-robin in the given (crawl) order, so each shard starts with its most
    urgent sources."""
    parent = list(range(len(sources)))  # union-find over sources sharing a host

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, s in enumerate(sources):
        for h in _hosts(s):
            if h in first:
                parent[root(i)] = root(first[h])
            else:
                first[h] = i
    groups: dict[int, list[str]] = {}  # in the order of each group's first source
    for i, s in enumerate(sources):
        groups.setdefault(root(i), []).append(s["id"])
    # groups dealt round-robin like a local crawl's batches of ids
    return [[sid for g in b for sid in g] for b in batches(list(groups.values()), max(1, n))]


def shard_key(run_id: str, n: int, name: str = "") -> str:
    """Where a shard's files are in the shared store."""
    return f"shards/{run_id}/{n}" + (f"/{name}" if name else "")


def prepare_shard(store: SharedStore, archive_db, sources: list[dict], run_id: str, n: int):
    """Put a shard's seed database and registry into the store."""
    with tempfile.TemporaryDirectory(prefix="nianbao-seed-") as tmp:
        seed = Path(tmp) / "seed.db"
        shard_db.seed(archive_db, seed, [s["id"] for s in sources])
        _compact(seed, Path(tmp) / "seed-copy.db")
        store.put_file(Path(tmp) / "seed-copy.db", shard_key(run_id, n, "seed.db"))
        reg = Path(tmp) / "sources.yaml"
        reg.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), "utf-8")
        store.put_file(reg, shard_key(run_id, n, "sources.yaml"))


def _compact(src: Path, dst: Path) -> None:
    """A copy of a (WAL-mode) database as one self-contained file, to ship."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
        b.execute("pragma journal_mode = delete")
    finally:
        a.close()
        b.close()


@flow(name="crawl-shard")
def crawl_shard(
    store: str,
    run_id: str,
    shard: int,
    fast: bool = False,
    revalidate_all: bool = False,
    max_minutes: float = 0,
) -> dict:
    """Crawl one shard on this machine (see the module docstring); returns the crawl stats."""
    shared = SharedStore(store)
    with tempfile.TemporaryDirectory(prefix=f"nianbao-shard-{shard}-") as work:
        work_dir = Path(work)
        shared.get_file(shard_key(run_id, shard, "seed.db"), work_dir / "nianbao.db")
        shared.get_file(shard_key(run_id, shard, "sources.yaml"), work_dir / "sources.yaml")
        entries = yaml.safe_load((work_dir / "sources.yaml").read_text("utf-8"))["sources"]
        ids = [s["id"] for s in entries]
        try:
            stats = crawl_in_subprocess(
                work_dir / "sources.yaml", ids, work_dir, run_id, fast=fast,
                revalidate_all=revalidate_all, max_minutes=max_minutes,
                env={STORE_ENV: shared.location},
            )  # fmt: skip
        finally:  # a failed crawl's fetches too: merged if no later attempt succeeds
            _hand_back(shared, work_dir, run_id, shard)
        # the stats travel as a file too: flow-run results are not persisted by default
        (work_dir / "stats.json").write_text(json.dumps(stats, ensure_ascii=False), "utf-8")
        shared.put_file(work_dir / "stats.json", shard_key(run_id, shard, "stats.json"))
    get_run_logger().info("shard %d: crawled %d sources", shard, len(ids))
    return stats


def _hand_back(shared: SharedStore, work_dir: Path, run_id: str, shard: int) -> None:
    """Copy the shard's WARC files and its database to the store."""
    for warc in sorted((work_dir / "warc").rglob("*.warc.gz")):
        shared.put_file(warc, str(warc.relative_to(work_dir)))
    _compact(work_dir / "nianbao.db", work_dir / "result.db")
    shared.put_file(work_dir / "result.db", shard_key(run_id, shard, "result.db"))


def run_shards(store: SharedStore, run_id: str, n: int, params: dict) -> dict[int, dict]:
    """Submit shards 0…n-1 to the work pool, wait, resubmit failed ones (up to
    ATTEMPTS); return {shard: final state} with each crawl's stats or its error."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    logger = get_run_logger()

    def submit(shard: int):
        return run_deployment(
            name=f"crawl-shard/{DEPLOYMENT}",
            parameters={"store": store.location, "run_id": run_id, "shard": shard, **params},
            timeout=0,  # return at once; waited for below
        ).id

    running = {submit(k): (k, 1) for k in range(n)}
    results: dict[int, dict] = {}
    with get_client(sync_client=True) as client:
        while running:
            time.sleep(POLL_SECONDS)
            for run_ref, (k, attempt) in list(running.items()):
                state = client.read_flow_run(run_ref).state
                if state is None or not state.is_final():
                    continue
                del running[run_ref]
                if state.is_completed():
                    results[k] = {"ok": True, "stats": _read_json(store, shard_key(run_id, k))}
                elif attempt < ATTEMPTS:
                    logger.warning("shard %d: %s; submitted again", k, state.message or state.name)
                    running[submit(k)] = (k, attempt + 1)
                else:
                    results[k] = {"ok": False, "error": state.message or state.name}
    return results


def _read_json(store: SharedStore, key: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="nianbao-stats-") as tmp:
        store.get_file(f"{key}/stats.json", Path(tmp) / "stats.json")
        return json.loads((Path(tmp) / "stats.json").read_text("utf-8"))


def merge_shards(store: SharedStore, archive_db, run_id: str, shards: list[int]) -> dict:
    """Merge each finished shard's database into the archive (the one writer)."""
    counts = {"captures_new": 0, "captures": 0}
    with tempfile.TemporaryDirectory(prefix="nianbao-merge-") as tmp:
        for k in shards:
            local = Path(tmp) / f"shard-{k}.db"
            store.get_file(shard_key(run_id, k, "result.db"), local)
            for key, value in shard_db.merge(archive_db, local, run_id).items():
                counts[key] += value
    return counts


def shard_env_ok() -> str | None:
    """Why shards cannot run here (no Prefect server to hand them to), or None."""
    if not os.environ.get("PREFECT_API_URL"):
        return (
            "crawl shards need a Prefect server and workers: set PREFECT_API_URL, run "
            "`nianbao deploy` and `prefect worker start --pool nianbao` (README: Scaling out)"
        )
    return None
