"""Crawl processes started ahead of their job (crawler.standby, used by ``nianbao run``):
the job one is handed is crawled exactly as a fresh process crawls it; one is only handed a
crawl of the environment it started with; one nobody takes ends without crawling.

Real demo sites on 127.0.0.1, real crawl subprocesses, real SQLite files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from crawler import standby
from crawler.registry import load_registry
from crawler.run import crawl_in_subprocess, start_standby
from demo.server import DemoServer
from demo.sites import build_demo

sys.path.insert(0, str(Path(__file__).parent))
from environ_scan import pids_whose_environment  # noqa: E402


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    build_demo(root)
    with DemoServer(root):
        yield root / "sources.yaml"


@pytest.fixture(autouse=True)
def no_standby_left():
    yield
    assert standby.stop() == [], "a test left a standby process waiting"


def archived(data) -> dict:
    """What a crawl left in the archive, independent of when it ran."""
    con = sqlite3.connect(data / "nianbao.db")
    try:
        return {
            "documents": con.execute(
                "select url, role, status, sha256 from documents order by url"
            ).fetchall(),
            "captures": con.execute(
                "select url, status, sha256 from captures order by url, status"
            ).fetchall(),
        }
    finally:
        con.close()


def test_a_standby_process_crawls_its_job_as_a_fresh_one_would(registry, tmp_path, monkeypatch):
    ids = [s["id"] for s in load_registry(registry)][:2]
    start_standby(1)
    assert standby.waiting() == 1
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "DEBUG")  # the flow sets Prefect's: no matter
    ahead = crawl_in_subprocess(registry, ids, tmp_path / "a", "run-a", fast=True, timeout=120)
    assert standby.waiting() == 0
    fresh = crawl_in_subprocess(registry, ids, tmp_path / "b", "run-b", fast=True, timeout=120)

    assert ahead["process"]["standby"] is True and fresh["process"]["standby"] is False
    assert ahead["sources"] == fresh["sources"]
    assert all(s["finish_reason"] == "finished" and s["new"] > 0 for s in ahead["sources"].values())
    assert archived(tmp_path / "a") == archived(tmp_path / "b")


def test_a_standby_process_only_takes_a_crawl_of_its_environment_and_ends_unused(
    registry, tmp_path
):
    ids = [s["id"] for s in load_registry(registry)][:1]
    start_standby(1)
    stats = crawl_in_subprocess(
        registry, ids, tmp_path, "run-x", fast=True, timeout=120, env={"NIANBAO_MARK": "1"}
    )
    assert stats["process"]["standby"] is False  # a shard's store variable: a fresh process
    assert standby.waiting() == 1
    assert standby.stop() == [0]  # its input closed: it ended by itself, nothing crawled
    assert standby.waiting() == 0


def processes_with(marker: str) -> set[int]:
    """Pids of this user's processes whose environment holds ``marker``."""
    return pids_whose_environment(lambda env: marker.encode() in env)


def test_a_command_whose_flow_fails_before_its_crawl_leaves_no_crawl_process(registry, tmp_path):
    marker = f"NIANBAO_TEST_MARK={uuid.uuid4().hex}"
    env = {
        **os.environ,
        marker.split("=")[0]: marker.split("=")[1],
        "PREFECT_API_URL": "http://127.0.0.1:9/api",  # nothing listens: the flow cannot start
        "PREFECT_CLIENT_MAX_RETRIES": "0",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "-r", str(registry), "--fast", "--data",
         str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0 and "Failed to reach API" in proc.stderr
    deadline = time.monotonic() + 10
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker) == set()
