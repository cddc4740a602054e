"""Same answer at any width (issue 14): the nightly flow with its crawl in 2 shards on a
real Prefect server's process work pool (2 workers) and its parse stage on a 2-worker Dask
LocalCluster gives the rows, findings and WARC payloads of the single-process run.

Everything is real: `prefect server start` on a free port with its own PREFECT_HOME and
SQLite, `nianbao deploy`, two `prefect worker start` processes, the demo sites on
127.0.0.1, the `nianbao` command in subprocesses. Captures (ids, times) and time
columns are the only things allowed to differ."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from demo.server import DemoServer
from demo.sites import build_demo
from flows import local_pool

pytestmark = pytest.mark.slow

# Columns that record when, or which capture: they differ between any two runs.
VOLATILE = {
    "first_seen", "last_seen", "capture_id", "parsed_at", "updated_at", "fetched_at",
    "first_fetched", "last_fetched", "last_changed", "checked_at", "run_id", "started_at",
    "finished_at",
}  # fmt: skip
COMPARED = ("sources", "documents", "reports", "cells", "findings", "blobs", "crawl_state")


@pytest.fixture(scope="module")
def work_pool(tmp_path_factory):
    """A real Prefect server, `nianbao deploy`, two process workers on the pool."""
    home = tmp_path_factory.mktemp("prefect-server")
    with local_pool.prefect_server(home) as api:
        env = local_pool.client_env(api, tmp_path_factory.mktemp("prefect-client"))
        local_pool.deploy(env)
        logs = tmp_path_factory.mktemp("workers")
        with local_pool.workers(env, 2, logs):
            yield env, logs


def _run(env: dict, *args) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", *args], env=env, capture_output=True,
        text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, f"nianbao run {args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _rows(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    out = {}
    for table in COMPARED:
        cols = [r[1] for r in con.execute(f"pragma table_info({table})") if r[1] not in VOLATILE]
        out[table] = sorted(
            con.execute(f"select {', '.join(cols)} from {table}").fetchall(), key=repr
        )
    con.close()
    return out


def _payload_digests(data: Path) -> list[tuple]:
    """(record type, URL, payload digest) of every WARC record of the data folder."""
    out = []
    for path in sorted((data / "warc").rglob("*.warc.gz")):
        with open(path, "rb") as f:
            for rec in ArchiveIterator(f):
                if rec.rec_type in ("response", "revisit"):
                    out.append(
                        (
                            rec.rec_type,
                            rec.rec_headers.get_header("WARC-Target-URI"),
                            rec.rec_headers.get_header("WARC-Payload-Digest"),
                        )
                    )
    return sorted(out)


def test_sharded_crawl_and_dask_parse_give_the_single_process_answer(work_pool, tmp_path):
    env, worker_logs = work_pool
    root = tmp_path / "demo"
    build_demo(root)
    with DemoServer(root) as server:
        assert len(server.urls) >= 4
        registry = str(root / "sources.yaml")
        single = tmp_path / "single"
        local = local_pool.client_env(None, tmp_path / "prefect-single")
        _run(local, "-r", registry, "--fast", "--data", str(single))
        wide = tmp_path / "wide"
        args = ["--shards", "2", "--dask-workers", "2"]
        out = _run(env, "-r", registry, "--fast", "--data", str(wide), *args)
    assert "### flagged reports" in out
    one, two = _rows(single / "nianbao.db"), _rows(wide / "nianbao.db")
    for table in COMPARED:
        assert one[table], f"{table} is empty: the comparison would prove nothing"
        assert one[table] == two[table], f"{table} differs between 1 and N workers"
    assert _payload_digests(single) == _payload_digests(wide)
    assert _payload_digests(wide)
    # the crawl really went through the pool: each shard's flow run on a worker, and the
    # shard folders were removed after the merge
    assert not (wide / "shards").exists() or not any((wide / "shards").rglob("*.db"))
    con = sqlite3.connect(wide / "nianbao.db")
    (n_sources,) = con.execute("select count(*) from source_runs").fetchone()
    assert n_sources == len(server.urls)
    runs = _api(
        env["PREFECT_API_URL"], "/flow_runs/filter", {"flows": {"name": {"any_": ["crawl-shard"]}}}
    )
    completed = [r for r in runs if r["state_type"] == "COMPLETED"]
    logs = "".join(p.read_text() for p in worker_logs.glob("*.log"))
    assert len(completed) >= 2, logs[-3000:]
    assert {r["work_pool_name"] for r in completed} == {"nianbao"}


def _api(api: str, path: str, body: dict):
    req = urllib.request.Request(
        api + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)
