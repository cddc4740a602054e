"""The whole pipeline as a user runs it: real demo sites on 127.0.0.1, the `nianbao` command
in a subprocess (Prefect's temporary server, Scrapy subprocesses), a real SQLite file.
Compared with the truth the demo generator wrote."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.db import open_db
from demo.server import DemoServer
from demo.sites import build_demo
from demo.verify import verify
from nianbao.config import paths as data_paths

pytestmark = pytest.mark.slow
NIANBAO = [sys.executable, "-m", "flows.cli"]


def nianbao(*args, timeout=600) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [*NIANBAO, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.returncode == 0, f"nianbao {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_demo_command_runs_everything_and_matches_the_truth(tmp_path):
    out = nianbao("demo", "--data", str(tmp_path), "--port", "0").stdout
    assert "MATCHES the demo truth" in out
    assert "reports found and parsed: 18/18" in out
    assert "bad documents recorded as expected: 9/9" in out
    assert "### flagged reports (5)" in out
    assert (tmp_path / "nianbao.db").is_file() and any((tmp_path / "blobs").iterdir())
    assert "nianbao serve" in out

    # The flow published the run summary, with the newly flagged reports and their source
    # URLs, as a Prefect markdown artifact (read from Prefect's own database).
    prefect_db = Path(os.environ["PREFECT_HOME"]) / "prefect.db"
    con = sqlite3.connect(prefect_db)
    kind, data = con.execute(
        "select type, data from artifact where key = 'nianbao-run-summary' "
        "order by created desc limit 1"
    ).fetchone()
    markdown = json.loads(data)
    assert kind == "markdown" and "### newly flagged in this run (5)" in markdown
    assert markdown.count("](http://127.0.0.1:") == 5


@pytest.fixture(scope="module")
def demo_sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    build_demo(root)
    with DemoServer(root) as server:
        yield root, server.urls


def _counts(db) -> dict[str, int]:
    return {
        t: db[t].count
        for t in ("sources", "documents", "reports", "cells", "findings", "blobs", "captures")
    }


def test_running_twice_changes_nothing_but_the_capture_log(demo_sites, tmp_path):
    root, urls = demo_sites
    registry = str(root / "sources.yaml")
    first = nianbao("run", "-r", registry, "--fast", "--data", str(tmp_path)).stdout
    assert "### flagged reports (5)" in first
    db = open_db(tmp_path / "nianbao.db")
    before = _counts(db)
    reports_before = sorted(r["id"] for r in db.query("select id from reports"))
    documents_sql = "select url, status, error from documents order by url"
    documents_before = db.execute(documents_sql).fetchall()

    second = nianbao("run", "-r", registry, "--fast", "--data", str(tmp_path)).stdout
    after = _counts(db)
    assert {k: v for k, v in after.items() if k != "captures"} == {
        k: v for k, v in before.items() if k != "captures"
    }
    assert sorted(r["id"] for r in db.query("select id from reports")) == reports_before
    # every document keeps its status and error (a refetch once blanked parse errors)
    assert db.execute(documents_sql).fetchall() == documents_before
    assert after["captures"] > before["captures"]  # a fetch log: the second run fetched too
    assert "### newly flagged in this run (0)" in second
    # The run summary says how little was asked: lists answered 304, documents still fresh.
    import re

    m = re.search(
        r"fetches this run: (\d+) \((\d+) answered 304; (\d+) documents still "
        r"fresh, not asked about\)",
        second,
    )
    n2, n304, fresh = map(int, m.groups())
    assert n304 > 0 and fresh >= 18 and n2 < after["captures"] - n2
    assert db["crawl_runs"].count == 2
    assert all(r["status"] == "ok" for r in db.query("select status from crawl_runs"))

    result = verify(data_paths(tmp_path), Path(root), urls)
    assert result.ok, result.text()
