"""Parse documents in worker processes, each document bounded in time and memory.

A hostile document must not stop the night: with a plain ``ProcessPoolExecutor`` one worker
killed by a 2 GB parse broke the whole pool (``BrokenProcessPool``) and every later document
stayed pending. Here (pebble's ProcessPool):

- each worker runs with an address-space limit (RLIMIT_AS, ``NIANBAO_PARSE_MEMORY_MB``): an
  allocation past it fails (MemoryError → status ``error`` naming the limit) instead of
  taking the machine;
- each document has a wall-time limit (``NIANBAO_PARSE_TIMEOUT``): past it the worker is
  stopped (its LibreOffice child dies with it: parsers/convert.py) and a new one started;
- a worker that dies (a crash in C code, the kernel's OOM killer) fails only its own
  document; the pool starts a replacement and the other documents parse.

Workers are started with ``spawn``, not ``fork``: the caller may be a threaded Prefect
worker, and forking a threaded process can deadlock. The parse limits of the parent (read
from the environment once) are installed in every worker, so they agree.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pebble import ProcessExpired, ProcessPool

from nianbao.model import STATUS_ERROR, Report
from parsers import PARSER_ID, limits, parse_bytes
from parsers.errors import LimitExceeded
from parsers.gc_tuning import tune_for_parsing

# Jobs handed to the pool ahead of the results read back: enough to keep every worker busy,
# few enough that results do not pile up in memory.
WINDOW_PER_WORKER = 4


@dataclass
class Job:
    """One document to parse: its stored bytes and what the crawler knows about it."""

    key: Any  # the caller's id for it (a document id)
    path: str | None  # a local file, or None: the blob ``sha256`` of the store ``store``
    url: str | None = None
    content_type: str | None = None
    filename: str | None = None
    sha256: str | None = None
    store: str | None = None  # archive.shared_store.open_blob_store's location


@dataclass
class Outcome:
    """What came back for one job: ``report`` (Report.to_dict()) when the worker finished,
    else ``failure`` says why there is none (time limit, worker died)."""

    key: Any
    report: dict | None = None
    failure: str | None = None
    peak_rss_kb: int | None = None  # the worker's peak resident memory during this parse
    elapsed: float = 0.0


def _init_worker(values: dict[str, int]) -> None:
    """In each new worker: the parent's limits, the address-space limit, no core dumps, and
    the garbage collector set for parsing (parsers/gc_tuning.py)."""
    limits.install(values)
    tune_for_parsing()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = values["memory_mb"] * 2**20
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _reset_peak() -> None:
    # Linux: writing 5 resets VmHWM, so the peak read after a parse is that parse's own
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_kb() -> int | None:
    """This process's peak resident set size (VmHWM) in kB, or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _parse_job(job: Job) -> dict:
    """Worker: parse one stored file; returns the report as a plain dict and the figures."""
    _reset_peak()
    started = time.perf_counter()
    try:
        data = _read(job)
        report = parse_bytes(
            data, url=job.url, content_type=job.content_type, filename=job.filename
        )
    except LimitExceeded as e:
        report = Report(url=job.url, status=STATUS_ERROR, error=str(e), parser=PARSER_ID)
    except MemoryError:  # reading the file in (parse_bytes catches its own)
        error = limits.exceeded("memory_mb", "out of memory reading the document")
        report = Report(url=job.url, status=STATUS_ERROR, error=error, parser=PARSER_ID)
    return {
        "report": report.to_dict(),
        "peak_rss_kb": peak_rss_kb(),
        "elapsed": time.perf_counter() - started,
    }


def _read(job: Job) -> bytes:
    """The job's bytes: a local file, or a blob fetched by hash (a Dask worker on another
    machine); the size limit is checked before reading them in."""
    if job.path is None:
        from archive.shared_store import open_blob_store

        store = open_blob_store(job.store)
        size = store.size(job.sha256)
    else:
        size = os.path.getsize(job.path)
    limits.check("input_mb", size / 2**20, f"document of {size / 2**20:,.1f} MB")
    if job.path is None:
        return store.get(job.sha256)
    with open(job.path, "rb") as f:
        return f.read()


def _failure(error: BaseException, timeout: int) -> str:
    """Why a job gave no result, for the document's error."""
    if isinstance(error, cf.TimeoutError):
        return limits.exceeded(
            "timeout", f"parse still running after {timeout:,} s; its worker was stopped"
        )
    if isinstance(error, ProcessExpired):
        code = error.exitcode
        how = f"exit status {code}"
        if code is not None and code < 0:
            try:
                how = signal.Signals(-code).name
            except ValueError:
                how = f"signal {-code}"
        hint = " (SIGKILL: the kernel's OOM killer?)" if code == -signal.SIGKILL else ""
        return f"the parse worker died ({how}{hint}) while reading this document"
    return f"the parse worker failed: {type(error).__name__}: {error}"


def _new_pool(workers: int, values: dict[str, int]) -> ProcessPool:
    return ProcessPool(
        max_workers=max(1, workers),
        initializer=_init_worker,
        initargs=(values,),
        context=multiprocessing.get_context("spawn"),
    )


class IsolatedParser:
    """Parse one document at a time in a bounded child process, as ``parse_isolated`` does
    — for a caller that gets its documents one by one (a Dask task: flows/dask_parse.py).
    The child is reused while it lives; a timed-out or dead one is replaced by the pool."""

    def __init__(self):
        self.values = limits.from_env()
        self.pool = _new_pool(1, self.values)

    def parse(self, job: Job) -> Outcome:
        """The Outcome of one job (never raises for a document)."""
        started = time.perf_counter()
        fut = self.pool.schedule(_parse_job, args=(job,), timeout=self.values["timeout"])
        cf.wait([fut])
        return _outcome(job, fut, self.values["timeout"], time.perf_counter() - started)

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


def parse_isolated(jobs: Iterable[Job], workers: int) -> Iterator[Outcome]:
    """Parse ``jobs`` in ``workers`` bounded worker processes; yield one Outcome per job, in
    the order they finish. Never raises for a document: a failed one has ``failure`` set."""
    values = limits.from_env()
    timeout = values["timeout"]
    pending = iter(jobs)
    window = max(1, workers) * WINDOW_PER_WORKER
    running: dict[cf.Future, Job] = {}
    started: dict[cf.Future, float] = {}
    pool = _new_pool(workers, values)
    finished = False
    try:
        while True:
            while len(running) < window and (job := next(pending, None)) is not None:
                fut = pool.schedule(_parse_job, args=(job,), timeout=timeout)
                running[fut] = job
                started[fut] = time.perf_counter()
            if not running:
                break
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                job = running.pop(fut)
                yield _outcome(job, fut, timeout, time.perf_counter() - started.pop(fut))
        finished = True
    finally:
        # an exception or an abandoned generator: stop the workers, parses and all
        pool.close() if finished else pool.stop()
        pool.join()


def _outcome(job: Job, fut: cf.Future, timeout: int, waited: float) -> Outcome:
    try:
        r = fut.result()
    except BaseException as e:  # noqa: BLE001 - every failure becomes the document's error
        return Outcome(job.key, failure=_failure(e, timeout), elapsed=waited)
    return Outcome(job.key, r["report"], None, r["peak_rss_kb"], r["elapsed"])


def parse_files(paths: list[str], workers: int | None = None) -> list[Report]:
    """Parse local files as the parse stage parses downloads — each in a bounded worker, so a
    hostile file costs its own time and memory limit, not the caller — in the given order."""
    jobs = [Job(i, str(p), filename=os.path.basename(p)) for i, p in enumerate(paths)]
    n = workers or min(len(jobs), os.cpu_count() or 1)
    reports: list[Report | None] = [None] * len(jobs)
    for o in parse_isolated(jobs, n):
        reports[o.key] = (
            Report.from_dict(o.report)
            if o.report is not None
            else Report(status=STATUS_ERROR, error=o.failure, parser=PARSER_ID)
        )
    return reports
