"""The parse stage on a Dask cluster (prefect-dask's ``DaskTaskRunner``).

Documents go in batches, each batch one Prefect task run on a Dask worker. The worker
fetches the bytes by hash from the blob store (archive.shared_store: a folder the
machines share, or an fsspec URL) and returns the parsed reports; the flow's own process
writes them to SQLite (the one writer: flows/stages.parse_pending). The hostile-file limits
hold on every worker: each document is parsed in a bounded child process
(flows.parse_pool.IsolatedParser: address-space limit, wall-time limit, a dead child fails
only its document), exactly as the local pool does.

Dask worker processes are daemons by default, and a daemon may not start children; the
bounded child needs ``distributed.worker.daemon: False`` — set here for a LocalCluster, and
for a cluster of your own start the workers with
``DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker tcp://SCHEDULER:8786 --nthreads 1``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator

from prefect import task
from prefect.futures import as_completed

from flows.parse_pool import IsolatedParser, Job, Outcome

# The setting naming an existing Dask scheduler (``--dask ADDRESS`` overrides it).
DASK_ADDRESS_ENV = "NIANBAO_DASK_ADDRESS"

_local = threading.local()


def dask_task_runner(address: str | None = None, workers: int = 0):
    """A DaskTaskRunner: on the scheduler at ``address``, else on a new LocalCluster of
    ``workers`` single-threaded worker processes (one parse at a time each)."""
    import dask
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    # read by the nanny when it starts each worker process (see the module docstring)
    dask.config.set({"distributed.worker.daemon": False})
    os.environ["DASK_DISTRIBUTED__WORKER__DAEMON"] = "False"
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": max(1, workers),
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": ":0",  # any free port: a second cluster must start too
            "env": {"PREFECT_API_URL": _api_url()},  # set in each worker process
        },
    )


def _api_url() -> str:
    """The Prefect API this process talks to. Without PREFECT_API_URL that is Prefect's
    temporary local server, which a worker process does not know of: each worker started
    a temporary server of its own (seconds, ~200 MB) for its task runs' states and left it
    running when the cluster stopped (found as orphans after the test suite)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url)


def _parser() -> IsolatedParser:
    """This worker thread's bounded child process (started on its first document)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = IsolatedParser()
    return parser


# Documents per task: a Prefect task run costs a few API calls (~0.1 s on a loaded
# machine, more than parsing an HTML report), so each task parses a batch.
BATCH = 16


@task(task_run_name="parse-{size}-documents", persist_result=False)
def parse_documents(jobs: list[Job], size: int = 0) -> list[Outcome]:
    """On a Dask worker: parse some documents, one by one, in the worker's bounded child
    process (a document over a limit fails alone: its Outcome says why)."""
    return [_parser().parse(job) for job in jobs]


def _batches(jobs: Iterable[Job], size: int) -> Iterator[list[Job]]:
    batch: list[Job] = []
    for job in jobs:
        batch.append(job)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def parse_on_dask(jobs: Iterable[Job], workers: int) -> Iterator[Outcome]:
    """Submit the jobs in batches to the flow's task runner (a DaskTaskRunner), a window
    at a time so results do not pile up; yield each Outcome as its batch comes back."""
    pending = _batches(jobs, BATCH)
    window = max(1, workers) * 2
    running = []
    while True:
        while len(running) < window and (batch := next(pending, None)) is not None:
            running.append(parse_documents.submit(batch, size=len(batch)))
        if not running:
            return
        done = next(as_completed(running))
        running.remove(done)
        yield from done.result()
