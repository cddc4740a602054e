"""``nianbao deploy``: the work pool and the deployment crawl shards run as.

Creates the Prefect work pool ``nianbao`` (type ``process``: a worker runs each flow run
in a subprocess on its own machine) unless it exists, and applies the deployment
``crawl-shard/nianbao`` of flows.shards.crawl_shard, its code taken from this project
folder (every worker machine has the same checkout at the same path, or its own install
of nianbao: the entry point is resolved on the worker). Safe to run again: both are
upserted.
"""

from __future__ import annotations

from pathlib import Path

from flows.shards import DEPLOYMENT, ENTRYPOINT, WORK_POOL

ROOT = Path(__file__).resolve().parent.parent


def ensure_work_pool(name: str = WORK_POOL) -> bool:
    """Create the process work pool ``name`` unless it exists; True if created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            pass
        client.create_work_pool(
            WorkPoolCreate(
                name=name,
                type="process",
                base_job_template=ProcessWorker.get_default_base_job_template(),
            )
        )
        return True


def deploy(pool: str = WORK_POOL) -> str:
    """The work pool and the crawl-shard deployment; returns the deployment's id."""
    from flows.shards import crawl_shard

    ensure_work_pool(pool)
    shard_flow = crawl_shard.from_source(source=str(ROOT), entrypoint=ENTRYPOINT)
    return str(
        shard_flow.deploy(
            name=DEPLOYMENT, work_pool_name=pool, build=False, push=False, print_next_steps=False
        )
    )
