"""Prefect settings that must be in place before ``import prefect``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from nianbao.config import Paths

HEARTBEAT_ENV = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")
PREFECT_DEFAULT_HEARTBEAT = 180  # seconds, Prefect ≥ 3.9's default (None before)


def configure(paths: Paths) -> None:
    """Keep Prefect's state in the data folder and stop it calling home.

    Values already set in the environment win, so a user pointing at a real
    Prefect server (PREFECT_API_URL) keeps it.
    """
    paths.prefect_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(paths.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


@contextmanager
def one_shot_flow_settings() -> Iterator[None]:
    """Settings for a flow run started by a command (``nianbao run``, ``nianbao demo``),
    as opposed to one a served deployment runs.

    Flow-run heartbeats off, unless the user set their frequency: they feed Prefect's
    zombie-run automation (which a user must create), and a command's caller sees a crash
    anyway (its exit status; the archive's ``crawl_runs`` row stays unfinished). Prefect
    3.9 waits at a flow's end for its heartbeat thread, which sleeps in steps of a whole
    second: every run was rounded up to the next second, on average half a second more
    for a night with nothing new (docs/benchmarks.md, fifth pass). ``nianbao schedule``
    keeps them.
    """
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    chosen = any(os.environ.get(k) for k in HEARTBEAT_ENV) or (
        get_current_settings().flows.heartbeat_frequency != PREFECT_DEFAULT_HEARTBEAT
    )
    if chosen:
        yield
        return
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
