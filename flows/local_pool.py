"""A Prefect server and process workers on this machine, as subprocesses.

For the equality test and bench/scale_bench.py (and for trying the distributed run on one
machine): ``prefect server start`` on a free port with its own PREFECT_HOME (SQLite), then
``nianbao deploy`` and ``prefect worker start --pool nianbao`` processes against it. On
several machines run the same commands by hand (README: Scaling out).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent
READY_WITHIN = 180  # seconds a loaded machine may take to start the server: a bound only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_env(api: str | None, home: str | os.PathLike) -> dict:
    """The environment of a process talking to the server at ``api`` (None: Prefect's
    temporary local server), with its own PREFECT_HOME."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PREFECT_HOME": str(home)}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.pop("PREFECT_API_URL", None)
    if api:  # workers poll every second, not every 10 s
        env |= {"PREFECT_API_URL": api, "PREFECT_WORKER_QUERY_SECONDS": "1"}
    return env


def _wait_healthy(api: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(api + "/health", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"prefect server not healthy within {READY_WITHIN} s")


@contextmanager
def prefect_server(home: str | os.PathLike):
    """A real Prefect server on a free port; yields its API URL."""
    Path(home).mkdir(parents=True, exist_ok=True)
    env = client_env(None, home)
    port = free_port()
    cmd = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    log = open(Path(home) / "server.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(api, proc)
        yield api
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


def deploy(env: dict) -> None:
    """``nianbao deploy`` against the server of ``env``."""
    out = subprocess.run(
        [sys.executable, "-m", "flows.cli", "deploy"], env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    if out.returncode:
        raise RuntimeError(f"nianbao deploy failed:\n{out.stdout}\n{out.stderr}")


@contextmanager
def workers(env: dict, n: int, logs: str | os.PathLike, limit: int = 1):
    """``n`` process workers on the pool ``nianbao``, each running ``limit`` flow runs at
    a time; their output in ``logs/worker-<i>.log``."""
    Path(logs).mkdir(parents=True, exist_ok=True)
    cmd = [str(BIN / "prefect"), "worker", "start", "--pool", "nianbao", "--type", "process"]
    procs, files = [], []
    for i in range(n):
        files.append(open(Path(logs) / f"worker-{i}.log", "w"))
        procs.append(
            subprocess.Popen(
                [*cmd, "--limit", str(limit)], env=env, stdout=files[-1], stderr=subprocess.STDOUT
            )
        )
    try:
        yield procs
    finally:
        _stop(procs)
        for f in files:
            f.close()


def _stop(procs: list[subprocess.Popen], grace: float = 60) -> None:
    """SIGTERM, then SIGKILL for a worker still shutting down after ``grace`` seconds: a
    worker's graceful stop retries its API calls with back-off, and on a slow machine one
    outlasted a minute (CI, 2026-12-03) although its work was done."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            why = f"prefect worker {p.pid} still stopping after {grace:.0f} s: killed"
            print(why, file=sys.stderr)
            p.kill()
            p.wait(timeout=30)
