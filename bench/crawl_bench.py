"""Crawl benchmark: how crawl cost grows with the number of sources.

    .venv/bin/python bench/crawl_bench.py --agencies 200 2000 10000 [--years 2021-2025]
        [--per-page 15] [--processes N] [--plot docs/crawl_scaling.png] [--dir DIR]

For each size: builds the demo (``build_demo``; above 1,000 agencies with stand-in PDF/DOCX
attachments, copies of a few rendered ones, as rendering 50,000 documents takes an hour),
serves it on 127.0.0.1 (one port per site), crawls it as the nightly flow does (sources in
crawl order, one crawl process per core, ``--fast``), moves the crawl state one day back
(the rerun is the next night's: crawler.freshness decides what to ask about from the time
of the last check) and crawls again. Prints per run: wall time, fetches, fetches per
second, 304s, documents answered from the archive, bytes received, and each crawl
process's wall time, CPU time and peak RSS; then the next night's share of the first
night's time and requests. No parsing (bench/pipeline_bench.py runs the whole flow).
With matplotlib (``pip install -e '.[bench]'``) it draws time and memory against sources.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import speed_line  # noqa: E402  (bench/machine.py)

from archive.crawlstore import CrawlStore  # noqa: E402
from archive.db import open_db  # noqa: E402
from crawler.registry import load_registry  # noqa: E402
from crawler.run import crawl_in_subprocess  # noqa: E402
from crawler.schedule import batches, crawl_processes, order_sources  # noqa: E402
from demo.server import DemoServer  # noqa: E402
from demo.sites import build_demo, parse_years  # noqa: E402
from demo.timewarp import pass_time  # noqa: E402

STAND_INS_ABOVE = 1000  # agencies: larger demos get stand-in attachments


def crawl(registry: Path, ids: list[str], data: Path, run_id: str, processes: int) -> dict:
    """One night's crawl: the sources split over ``processes`` crawl processes."""
    groups = batches(ids, processes)
    t0 = time.monotonic()
    with ThreadPoolExecutor(len(groups)) as pool:
        results = list(
            pool.map(
                lambda g: crawl_in_subprocess(registry, g, data, run_id, fast=True, timeout=7200),
                groups,
            )
        )
    return {"seconds": time.monotonic() - t0, "processes": [r["process"] for r in results]}


def crawl_history(data: Path) -> dict:
    """What the nightly flow orders sources by (crawler.schedule), from the archive."""
    store = CrawlStore(data)
    try:
        return store.crawl_history()
    finally:
        store.close()


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


def bench_size(agencies: int, args, work: Path) -> dict:
    """Build, serve and crawl one demo size twice; its figures."""
    root, data = work / f"demo-{agencies}", work / f"data-{agencies}"
    t0 = time.monotonic()
    m = build_demo(
        root,
        n_agencies=agencies,
        years=parse_years(args.years),
        per_page=args.per_page,
        stand_ins=agencies > STAND_INS_ABOVE,
    )
    print(f"[{agencies}] built {len(m.reports)} reports in {time.monotonic() - t0:.0f} s")
    open_db(data / "nianbao.db")  # as the nightly flow does: the schema before the crawlers
    out = {"agencies": agencies, "reports": len(m.reports), "runs": {}}
    with DemoServer(root):
        registry = root / "sources.yaml"
        entries = load_registry(registry)
        processes = args.processes or crawl_processes(len(entries))
        for run in ("first", "next night"):
            if run == "next night":
                pass_time(data / "nianbao.db", days=1)
            ids = [s["id"] for s in order_sources(entries, crawl_history(data))]
            figures = crawl(registry, ids, data, run, processes)
            figures.update(run_figures(data / "nianbao.db", run))
            out["runs"][run] = figures
            print(f"[{agencies}] {run}: " + line(figures), flush=True)
    return out


def line(f: dict) -> str:
    procs = ", ".join(
        f"{p['wall_s']:.0f} s wall / {p['cpu_s']:.0f} s CPU / {p['peak_rss_mb']:.0f} MB"
        for p in f["processes"]
    )
    return (
        f"{f['seconds']:.1f} s, {f['fetches']} fetches ({f['fetches'] / f['seconds']:.0f}/s), "
        f"{f['not_modified']} answered 304, {f['fresh']} fresh, "
        f"{f['bytes'] / 1e6:.1f} MB received; processes: {procs}"
    )


def table(results: list[dict]) -> str:
    """The markdown table of docs/benchmarks.md."""
    rows = [
        "| sources (reports) | run | time | fetches | fetches/s | CPU per fetch "
        "| peak RSS per process | next night / first: time, CPU, requests |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        first, nxt = r["runs"]["first"], r["runs"]["next night"]
        for name, f in (("first", first), ("next night", nxt)):
            rss = ", ".join(f"{p['peak_rss_mb']:.0f} MB" for p in f["processes"])
            share = (
                f"{nxt['seconds'] / first['seconds']:.1%}, {cpu(nxt) / cpu(first):.1%}, "
                f"{nxt['fetches'] / max(1, first['fetches']):.1%}"
                if name == "next night"
                else ""
            )
            rows.append(
                f"| {r['agencies']:,} ({r['reports']:,}) | {name} | {f['seconds']:.1f} s "
                f"| {f['fetches']:,} | {f['fetches'] / f['seconds']:.0f} "
                f"| {1000 * cpu(f) / max(1, f['fetches']):.1f} ms | {rss} | {share} |"
            )
    return "\n".join(rows)


def cpu(f: dict) -> float:
    """CPU seconds of a night's crawl processes (start-up included): the load-independent
    figure when other jobs share the machine."""
    return sum(p["cpu_s"] for p in f["processes"])


def plot(results: list[dict], path: Path) -> None:
    """Time and peak memory against sources (first and next night)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed (pip install -e '.[bench]'): no plot")
        return
    xs = [r["agencies"] for r in results]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for run, style in (("first", "o-"), ("next night", "s--")):
        ax1.plot(xs, [r["runs"][run]["seconds"] for r in results], style, label=run)
        rss = [max(p["peak_rss_mb"] for p in r["runs"][run]["processes"]) for r in results]
        ax2.plot(xs, rss, style, label=run)
    ax1.set(xscale="log", yscale="log", xlabel="sources", ylabel="crawl time (s)")
    ax2.set(xscale="log", xlabel="sources", ylabel="peak RSS of a crawl process (MB)")
    ax2.axhline(1024, color="grey", lw=0.8, ls=":", label="1 GB")
    ax2.set_ylim(
        0,
        max(
            1100,
            *(
                p["peak_rss_mb"] * 1.1
                for r in results
                for f in r["runs"].values()
                for p in f["processes"]
            ),
        ),
    )
    for ax in (ax1, ax2):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle("nianbao crawl on the demo sites (2 cores; 5 reports a source)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agencies", type=int, nargs="+", default=[200])
    ap.add_argument("--years", default="2021-2025")
    ap.add_argument("--per-page", type=int, default=15)
    ap.add_argument("--processes", type=int, default=0, help="default: one per core")
    ap.add_argument("--plot", type=Path, default=None, help="PNG to draw (needs matplotlib)")
    ap.add_argument("--dir", default=None, help="work folder (default: a temporary one)")
    args = ap.parse_args(argv)
    print(speed_line())
    work = Path(args.dir or tempfile.mkdtemp(prefix="nianbao-crawl-bench-"))
    results = [bench_size(n, args, work) for n in args.agencies]
    (work / "crawl_bench.json").write_text(json.dumps(results, indent=1), "utf-8")
    print(table(results))
    if args.plot:
        plot(results, args.plot)
    print(f"work folder: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
