"""Benchmark the whole nightly flow on a large demo: crawl → parse → check → publish.

Builds the demo with 200 agencies × 5 years (1,000 reports; list pages of 15 items, as on
real CMS templates), serves it on 127.0.0.1,
starts a real Prefect server (as a scheduled nightly deployment would have), then runs
`nianbao run` twice: the first run on an empty archive, the second with nothing changed,
as the next night's (the crawl state is moved one day back in between: see demo.timewarp).
Prints wall times, bytes fetched per run, their ratios, and the truth check.

    python bench/pipeline_bench.py [--agencies 200] [--years 2021-2025] [--per-page 15] [--keep DIR]

Targets (README): first run ≤ 120 s on 2 cores; rerun ≤ 10 % of its time, ≤ 1 % of its bytes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.db import open_db  # noqa: E402
from demo.server import DemoServer  # noqa: E402
from demo.sites import add_size_arguments, build_from_args  # noqa: E402
from demo.timewarp import pass_time  # noqa: E402
from demo.verify import verify  # noqa: E402
from nianbao.config import paths as data_paths  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_prefect_server(home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"
    for _ in range(240):
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("prefect server did not start in 120 s")


def run_nightly(registry: Path, data: Path, api_url: str, home: Path) -> float:
    env = {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            "-r",
            str(registry),
            "--fast",
            "--data",
            str(data),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        raise SystemExit("nianbao run failed")
    return elapsed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(ap, agencies=200, years="2021-2025", per_page=15)
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep (else a temp dir)")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    demo_root, data, home = work / "demo", work / "data", work / "prefect"
    shutil.rmtree(data, ignore_errors=True)

    t = time.perf_counter()
    manifest = build_from_args(demo_root, args)
    print(
        f"demo: {len(manifest.reports)} reports on {len(manifest.sources)} sites "
        f"built in {time.perf_counter() - t:.1f} s (not part of the pipeline time)"
    )
    prefect, api_url = start_prefect_server(home)
    try:
        with DemoServer(demo_root) as server:
            first = run_nightly(demo_root / "sources.yaml", data, api_url, home)
            pass_time(data / "nianbao.db", days=1)  # the rerun is the next night's
            second = run_nightly(demo_root / "sources.yaml", data, api_url, home)
            result = verify(data_paths(data), demo_root, server.urls)
    finally:
        prefect.terminate()
        prefect.wait(timeout=30)

    db = open_db(data / "nianbao.db")
    runs = [r["id"] for r in db.query("select id from crawl_runs order by started_at")]
    fetched = [
        db.execute(
            "select count(*), coalesce(sum(bytes_received), 0) from captures where run_id = ?", [r]
        ).fetchone()
        for r in runs
    ]
    (n1, b1), (n2, b2) = fetched[-2], fetched[-1]
    print(
        f"first run:  {first:6.1f} s, {n1} fetches, {b1:,} bytes "
        f"({len(manifest.reports) / first:.1f} reports/s end to end)"
    )
    print(f"second run: {second:6.1f} s, {n2} fetches, {b2:,} bytes (nothing changed)")
    print(f"rerun/first: time {second / first:.1%}, bytes {b2 / max(b1, 1):.2%}")
    print(result.text())
    print(f"work folder: {work}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
