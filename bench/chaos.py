"""Kill the nightly run with SIGKILL at random points, rerun it, and check nothing was lost.

Builds the demo sites and serves them on 127.0.0.1 (one server for the whole bench, so every
run sees the same URLs), runs ``nianbao run`` once uninterrupted (the reference), then
``--points`` times, each on a fresh data folder: starts ``nianbao run`` in its own process
group, kills the whole group with SIGKILL after a random delay within the reference run's
time, checks no process of that run survived, reruns ``nianbao run`` to completion, and
compares the archive with the reference:

- the rows of documents, reports, cells and findings (their content, not their timestamps
  or run ids) are the same, none missing, none duplicated;
- no process of the killed run is left (in its process group, or elsewhere mentioning its
  data folder: LibreOffice runs in its own session);
- no temporary file is left (blob writes, LibreOffice folders — the runs' TMPDIR is inside
  their data folder);
- ``nianbao archive verify`` finds the archive intact.

    python bench/chaos.py [--points 20] [--seed 1] [--agencies 6] [--keep DIR]

Drives everything through the CLI (the crawler's internals are free to change). Prints one
line per kill and the totals; exits 1 unless every recovery was clean.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from demo.server import DemoServer  # noqa: E402
from demo.sites import add_size_arguments, build_from_args  # noqa: E402

# What must match the reference, per table: the columns that carry content (ids are derived
# from URLs and content hashes, so they are stable across runs; times and run ids are not).
COMPARED = {
    "documents": "url, sha256, http_status, status, error, parsed_sha256 is not null",
    "reports": "id, document_id, sha256, is_current, status, flag_status, year, agency, "
    "format_version, error",
    "cells": "report_id, tbl, row_key, col_key, value, raw",
    "findings": "report_id, rule, scope, status, expected, actual",
}


def nianbao(args: list[str], data: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(data / "tmp")}
    (data / "tmp").mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args, "--data", str(data)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed as a whole below
    )


def run_to_end(registry: Path, data: Path) -> float:
    t = time.perf_counter()
    proc = nianbao(["run", "-r", str(registry), "--fast"], data)
    out, _ = proc.communicate()
    if proc.returncode:
        print(out.decode("utf-8", "replace")[-3000:])
        raise SystemExit(f"nianbao run failed ({proc.returncode}) on {data}")
    return time.perf_counter() - t


def rows(data: Path) -> dict[str, Counter]:
    db = sqlite3.connect(data / "nianbao.db")
    try:
        return {t: Counter(db.execute(f"select {cols} from {t}")) for t, cols in COMPARED.items()}
    finally:
        db.close()


def stage_at_kill(data: Path) -> str:
    """Where the killed run was, judged from what it left in the database."""
    if not (data / "nianbao.db").is_file():
        return "start-up"
    db = sqlite3.connect(data / "nianbao.db")
    try:
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        if not one("select count(*) from sqlite_master where name = 'crawl_runs'"):
            return "start-up"
        if one("select count(*) from crawl_runs where finished_at is not null"):
            return "finished"
        fetched = "sha256 is not null and http_status between 200 and 299"
        parsed = one(f"select count(*) from documents where {fetched} and parsed_sha256 = sha256")
        pending = one(f"select count(*) from documents where {fetched} and parsed_sha256 is null")
        if not parsed:
            return "crawl"
        if pending:
            return "parse"
        return (
            "check"
            if one("select count(*) from reports where rules_version is null")
            else "publish"
        )
    except sqlite3.Error as e:
        return f"unknown ({e})"
    finally:
        db.close()


def survivors(pgid: int, data: Path) -> list[str]:
    """Processes of a killed run still alive: in its group, or mentioning its folder in
    their command line or environment (LibreOffice is in its own session)."""
    out = []
    needle = str(data).encode()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            rest = stat[stat.rfind(")") + 2 :].split()
            if rest[0] == "Z":
                continue  # a zombie holds nothing
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read()
            try:
                with open(f"/proc/{d}/environ", "rb") as f:
                    env = f.read()
            except OSError:
                env = b""
        except OSError:
            continue
        if int(rest[3]) == pgid or needle in cmd or needle in env:
            shown = cmd.replace(b"\0", b" ").decode("utf-8", "replace")[:120]
            out.append(f"{d} {shown}")
    return out


def temp_files(data: Path) -> list[Path]:
    blobs = list((data / "blobs").glob("*/*/.tmp-*"))
    return blobs + list((data / "tmp").glob("nianbao-lo-*"))


def verify(data: Path) -> tuple[bool, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "archive", "verify", "--data", str(data)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return proc.returncode == 0, proc.stdout.strip().splitlines()[-1] if proc.stdout else ""


def diff(ref: dict[str, Counter], got: dict[str, Counter]) -> list[str]:
    out = []
    for table in COMPARED:
        missing = ref[table] - got[table]
        extra = got[table] - ref[table]
        if missing or extra:
            out.append(f"{table}: {sum(missing.values())} missing, {sum(extra.values())} extra")
            for row in list(missing)[:2]:
                out.append(f"  missing {row}")
            for row in list(extra)[:2]:
                out.append(f"  extra   {row}")
    return out


def one_point(i: int, delay: float, registry: Path, work: Path, ref) -> tuple[bool, str]:
    data = work / f"chaos-{i:02d}"
    shutil.rmtree(data, ignore_errors=True)
    proc = nianbao(["run", "-r", str(registry), "--fast"], data)
    time.sleep(delay)
    finished_first = proc.poll() is not None
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()
    time.sleep(0.5)  # the kernel tears namespaces down asynchronously
    left = survivors(proc.pid, data)
    stage = stage_at_kill(data)
    t = time.perf_counter()
    rerun = run_to_end(registry, data)
    problems = [f"survived the kill: {p}" for p in left]
    problems += diff(ref, rows(data))
    problems += [f"temporary file left: {p}" for p in temp_files(data)]
    problems += [f"survived the rerun: {p}" for p in survivors(-1, data)]
    ok, verdict = verify(data)
    if not ok:
        problems.append(f"archive verify: {verdict}")
    what = "finished before the kill" if finished_first else f"killed at {delay:.1f} s ({stage})"
    line = f"point {i:2d}: {what}; rerun {time.perf_counter() - t:.1f} s ({rerun:.1f} s run)"
    if not problems:
        shutil.rmtree(data, ignore_errors=True)
    return not problems, line + ("" if not problems else "\n    " + "\n    ".join(problems))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(ap)
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="work folder (kept)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-chaos-"))
    work.mkdir(parents=True, exist_ok=True)
    demo_root = work / "demo"
    manifest = build_from_args(demo_root, args)
    print(f"demo: {len(manifest.reports)} reports on {len(manifest.sources)} sites")
    clean = 0
    with DemoServer(demo_root):
        registry = demo_root / "sources.yaml"
        shutil.rmtree(work / "reference", ignore_errors=True)
        t_ref = run_to_end(registry, work / "reference")
        ref = rows(work / "reference")
        print(
            f"reference run: {t_ref:.1f} s; "
            + ", ".join(f"{t} {sum(c.values()):,}" for t, c in ref.items())
        )
        for i in range(1, args.points + 1):
            ok, line = one_point(i, rng.uniform(0.2, 0.9 * t_ref), registry, work, ref)
            clean += ok
            print(line, flush=True)
    print(f"\nclean recoveries: {clean}/{args.points}")
    if not args.keep and clean == args.points:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if clean == args.points else 1


if __name__ == "__main__":
    sys.exit(main())
