"""Throughput of the distributed run on this machine: crawl with 1 and 2 Prefect workers,
parse with 1 and 2 Dask workers, in the same run (the best of ``--rounds``).

Builds the demo (``--agencies`` × ``--years``), serves it on 127.0.0.1, starts a real
Prefect server (free port, own home) and ``nianbao deploy``; then, for width 1 and 2, starts
that many process workers (one flow run each at a time) and runs ``nianbao run --fast
--shards 2 --dask-workers WIDTH`` on a fresh data folder (a first night: everything
fetched and parsed). Crawl time is from the first crawl-shard flow run's start to the last
one's end (Prefect's own records: it includes each flow run's process start, ~3–6 s, and
the merge is not in it); parse time is the parse-on-dask flow run's (LocalCluster start
included). Prints requests/s, documents/s and the ratio of width 2 to width 1.

    python bench/scale_bench.py [--agencies 40] [--years 2022-2024] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import urllib.request
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from demo.server import DemoServer  # noqa: E402
from demo.sites import add_size_arguments, build_from_args  # noqa: E402
from flows import local_pool  # noqa: E402


def _api(api: str, path: str, body: dict) -> list[dict]:
    req = urllib.request.Request(
        api + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def _span(runs: list[dict]) -> float:
    """Seconds from the first start to the last end of some flow runs."""
    start = min(datetime.fromisoformat(r["start_time"]) for r in runs)
    end = max(datetime.fromisoformat(r["end_time"]) for r in runs)
    return (end - start).total_seconds()


def one_width(api: str, env: dict, registry: Path, work: Path, width: int) -> dict:
    """Run the nightly flow with ``width`` Prefect and Dask workers; its figures."""
    data = work / f"data-{width}"
    with local_pool.workers(env, width, work / f"logs-{width}"):
        out = subprocess.run(
            [sys.executable, "-m", "flows.cli", "run", "-r", str(registry), "--fast",
             "--data", str(data), "--shards", "2", "--dask-workers", str(width)],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    runs = _api(api, "/flow_runs/filter", {"sort": "START_TIME_DESC", "limit": 50})
    nightly = next(
        r for r in runs if "registry" in r["parameters"] and r["parameters"]["data"] == str(data)
    )
    mine = [r for r in runs if r["start_time"] and r["start_time"] >= nightly["start_time"]]
    shards = [r for r in mine if r["parameters"].get("shard") is not None]
    parse = [r for r in mine if set(r["parameters"]) == {"data", "workers"}]
    fetches = int(re.search(r"fetches this run: (\d+)", out).group(1))
    documents = int(re.search(r"- documents: (\d+)", out).group(1))
    crawl_s, parse_s = _span(shards), _span(parse)
    return {
        "width": width,
        "shards": len(shards),
        "fetches": fetches,
        "crawl_s": crawl_s,
        "requests_per_s": fetches / crawl_s,
        "documents": documents,
        "parse_s": parse_s,
        "documents_per_s": documents / parse_s,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(ap, agencies=40)
    ap.add_argument("--keep", help="work folder to keep (default: a temporary one)")
    ap.add_argument(
        "--rounds", type=int, default=2, help="widths 1, 2, 1, 2…: the best of each is kept"
    )
    args = ap.parse_args(argv)
    work = Path(args.keep or tempfile.mkdtemp(prefix="nianbao-scale-"))
    manifest = build_from_args(work / "demo", args)
    print(f"demo: {len(manifest.reports)} reports on {len(manifest.sources)} sites; work {work}")
    results = []
    with DemoServer(work / "demo"), local_pool.prefect_server(work / "server") as api:
        env = local_pool.client_env(api, work / "client")
        local_pool.deploy(env)
        for rnd in range(args.rounds):
            for width in (1, 2):
                r = one_width(api, env, work / "demo" / "sources.yaml", work / f"r{rnd}", width)
                results.append(r)
                print(json.dumps(r))
    best = {
        w: {
            **min((r for r in results if r["width"] == w), key=lambda r: r["crawl_s"]),
            **{k: v for k, v in min((r for r in results if r["width"] == w),
                                    key=lambda r: r["parse_s"]).items() if "parse" in k
               or k == "documents_per_s"},
        }
        for w in (1, 2)
    }  # fmt: skip
    one, two = best[1], best[2]
    results = [one, two]
    print("\n| workers | crawl: fetches, s, requests/s | parse: documents, s, documents/s |")
    print("|---|---|---|")
    for r in results:
        print(
            f"| {r['width']} Prefect + {r['width']} Dask | {r['fetches']}, {r['crawl_s']:.1f} s, "
            f"{r['requests_per_s']:.1f}/s | {r['documents']}, {r['parse_s']:.1f} s, "
            f"{r['documents_per_s']:.1f}/s |"
        )
    print(
        f"\nratio 2:1 — crawl {two['requests_per_s'] / one['requests_per_s']:.2f}×, "
        f"parse {two['documents_per_s'] / one['documents_per_s']:.2f}×"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
