"""Crawl benchmark: the demo sites crawled twice, the second time with nothing changed.

    .venv/bin/python bench/crawl_bench.py [--agencies 200] [--years 2021-2025]
        [--per-page 15] [--processes 2]

Builds the demo (``build_demo``, list pages of ``--per-page`` items), serves it on
127.0.0.1, runs the crawl as the nightly flow does (``--processes`` crawl subprocesses,
sources split round-robin, ``--fast``), moves the crawl state one day back (the rerun is
the next night's: crawler.freshness decides what to ask about from the time of the last
check), crawls again, and prints for each run: wall time, fetches, fetches per second,
304s, documents answered from the archive, bytes received; then the second run's time,
requests and bytes as a ratio of the first (targets: < 10 % time, < 1 % bytes).
No parsing: crawling only (see bench/pipeline_bench.py for the whole pipeline).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.db import open_db  # noqa: E402
from crawler.registry import load_registry  # noqa: E402
from crawler.run import crawl_in_subprocess  # noqa: E402
from demo.server import DemoServer  # noqa: E402
from demo.sites import add_size_arguments, build_from_args  # noqa: E402
from demo.timewarp import pass_time  # noqa: E402


def crawl(registry: Path, ids: list[str], data: Path, run_id: str, processes: int) -> float:
    groups = [b for b in (ids[i::processes] for i in range(processes)) if b]
    t0 = time.monotonic()
    with ThreadPoolExecutor(len(groups)) as pool:
        list(
            pool.map(
                lambda g: crawl_in_subprocess(registry, g, data, run_id, fast=True, timeout=1800),
                groups,
            )
        )
    return time.monotonic() - t0


def run_figures(db: Path, run_id: str) -> dict:
    con = sqlite3.connect(db)
    n, nm, received = con.execute(
        "select count(*), sum(status = 304), coalesce(sum(bytes_received), 0) from captures "
        "where run_id = ?",
        [run_id],
    ).fetchone()
    fresh = con.execute(
        "select coalesce(sum(fresh), 0) from source_runs where run_id = ?", [run_id]
    ).fetchone()[0]
    con.close()
    return {"fetches": n, "not_modified": nm or 0, "bytes": received, "fresh": fresh}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(ap, agencies=200, years="2021-2025", per_page=15)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--dir", default=None, help="work folder (default: a temporary one)")
    args = ap.parse_args(argv)
    work = Path(args.dir or tempfile.mkdtemp(prefix="nianbao-crawl-bench-"))
    root, data = work / "demo", work / "data"
    t0 = time.monotonic()
    m = build_from_args(root, args)
    print(
        f"built {len(m.sources)} sites, {len(m.reports)} reports in {time.monotonic() - t0:.1f} s"
    )
    open_db(data / "nianbao.db")  # as the nightly flow does: the schema before the crawlers
    with DemoServer(root) as _server:
        registry = root / "sources.yaml"
        ids = [s["id"] for s in load_registry(registry)]
        secs = {}
        secs["first"] = crawl(registry, ids, data, "first", args.processes)
        pass_time(data / "nianbao.db", days=1)  # the rerun is the next night's
        secs["rerun"] = crawl(registry, ids, data, "rerun", args.processes)
    figs = {run: run_figures(data / "nianbao.db", run) for run in secs}
    for run in secs:
        f = figs[run]
        print(
            f"{run:6s}: {secs[run]:6.1f} s, {f['fetches']} fetches "
            f"({f['fetches'] / secs[run]:.0f}/s), {f['not_modified']} answered 304, "
            f"{f['fresh']} fresh (not asked), {f['bytes'] / 1e6:.2f} MB received"
        )
    print(
        f"rerun / first: time {secs['rerun'] / secs['first']:.1%}, "
        f"requests {figs['rerun']['fetches'] / max(1, figs['first']['fetches']):.1%}, "
        f"bytes {figs['rerun']['bytes'] / max(1, figs['first']['bytes']):.2%}"
    )
    print(f"work folder: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
