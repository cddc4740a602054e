"""Time the parse stage (flows.stages.parse_pending) on a crawled demo archive.

Builds the demo (default 200 agencies × 5 years: 1,000 reports), serves it on 127.0.0.1,
crawls it once with ``nianbao crawl`` (no parsing) and keeps that archive; then, ``--rounds``
times, copies the crawled archive and times ``parse_pending`` on the copy (every document
pending, as on a first night). Prints documents, seconds and documents/s per round.

    python bench/parse_stage_bench.py [--agencies 200] [--workers 2] [--rounds 2] [--keep DIR]

With ``--keep DIR`` the demo and the crawled archive are kept and reused by the next call,
so a before/after comparison parses exactly the same bytes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from demo.server import DemoServer  # noqa: E402
from demo.sites import add_size_arguments, build_from_args  # noqa: E402
from nianbao.config import paths as data_paths  # noqa: E402


def crawled_archive(work: Path, args: argparse.Namespace) -> Path:
    """The demo crawled once (kept in ``work/crawled``); built and crawled when missing."""
    crawled = work / "crawled"
    if (crawled / "nianbao.db").is_file():
        return crawled
    demo_root = work / "demo"
    manifest = build_from_args(demo_root, args)
    print(f"demo: {len(manifest.reports)} reports on {len(manifest.sources)} sites")
    with DemoServer(demo_root):
        subprocess.run(
            [sys.executable, "-m", "flows.cli", "crawl", "-r", str(demo_root / "sources.yaml")]
            + ["--fast", "--data", str(crawled)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return crawled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(ap, agencies=200, years="2021-2025", per_page=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep and reuse")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-parse-bench-"))
    crawled = crawled_archive(work, args)
    from flows.stages import parse_pending

    for i in range(args.rounds):
        data = work / f"round-{i}"
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(crawled, data)
        t = time.perf_counter()
        result = parse_pending(data_paths(data), workers=args.workers)
        dt = time.perf_counter() - t
        n = result["documents"]
        print(
            f"round {i + 1}: {n} documents in {dt:.1f} s = {n / dt:.1f} documents/s "
            f"({args.workers} workers) {result['by_status']}"
        )
        shutil.rmtree(data, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
