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
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import speed_line  # noqa: E402  (bench/machine.py)

from archive.db import open_db  # noqa: E402
from demo.server import DemoServer  # noqa: E402
from demo.sites import add_size_arguments, build_from_args  # noqa: E402
from demo.timewarp import pass_time  # noqa: E402
from demo.verify import verify  # noqa: E402
from flows.local_pool import prefect_server  # noqa: E402
from nianbao.config import paths as data_paths  # noqa: E402

# Log lines of `nianbao run` that end a phase, by what they end (Prefect's INFO log).
PHASE_ENDS = (
    ("start-up (command to the flow's first line)", re.compile(r"Beginning flow run")),
    ("crawl", re.compile(r"Task run 'crawl-.*Finished in state")),
    ("parse", re.compile(r"Task run 'parse_documents.*Finished in state")),
    ("check", re.compile(r"Task run 'check_reports.*Finished in state")),
    ("publish and finish", re.compile(r"Flow run .*Finished in state")),
)
_STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) \|")


def phases(log: str, started: float, ended: float) -> list[tuple[str, float]]:
    """Seconds of each phase of a run, from its log's time stamps (local time of day) and
    the wall-clock times the command started and ended."""
    day = time.localtime(started)
    midnight = time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1))
    ends: dict[str, float] = {}
    for line in log.splitlines():
        m = _STAMP.match(line)
        if not m:
            continue
        at = midnight + 3600 * int(m[1]) + 60 * int(m[2]) + float(m[3])
        for name, pattern in PHASE_ENDS:
            if pattern.search(line):
                ends[name] = max(ends.get(name, at), at)  # the last crawl batch ends the crawl
    out, last = [], started
    for name, _ in PHASE_ENDS:
        if name in ends:
            out.append((name, ends[name] - last))
            last = ends[name]
    out.append(("process exit", ended - last))
    return out


def run_nightly(registry: Path, data: Path, api_url: str, home: Path) -> float:
    env = {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",  # the phases are read from the time stamps
    }
    wall_started = time.time()
    cpu_started = os.times()
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
    runs = sorted(data.parent.glob("run-*.log"))
    (data.parent / f"run-{len(runs) + 1}.log").write_text(proc.stdout + proc.stderr, "utf-8")
    if proc.returncode:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        raise SystemExit("nianbao run failed")
    cpu = os.times()
    cpu_s = sum(
        getattr(cpu, k) - getattr(cpu_started, k) for k in ("children_user", "children_system")
    )
    print(
        f"  {elapsed:.1f} s wall, {cpu_s:.1f} s CPU (the command, its crawl and parse processes): "
        + ", ".join(f"{n} {s:.1f} s" for n, s in phases(proc.stderr, wall_started, time.time()))
        + "; load average (1, 5, 15 min) after: "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    return elapsed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(ap, agencies=200, years="2021-2025", per_page=15)
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep (else a temp dir)")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    print(speed_line())
    demo_root, data, home = work / "demo", work / "data", work / "prefect"
    shutil.rmtree(data, ignore_errors=True)

    t = time.perf_counter()
    manifest = build_from_args(demo_root, args)
    print(
        f"demo: {len(manifest.reports)} reports on {len(manifest.sources)} sites "
        f"built in {time.perf_counter() - t:.1f} s (not part of the pipeline time)"
    )
    with prefect_server(home) as api_url, DemoServer(demo_root) as server:
        first = run_nightly(demo_root / "sources.yaml", data, api_url, home)
        pass_time(data / "nianbao.db", days=1)  # the rerun is the next night's
        second = run_nightly(demo_root / "sources.yaml", data, api_url, home)
        result = verify(data_paths(data), demo_root, server.urls)

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
