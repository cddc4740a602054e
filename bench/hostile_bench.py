"""Time and peak memory of the parse worker on every hostile document (demo/hostile.py).

Each file is parsed alone through the parse stage's pool (flows.parse_pool.parse_isolated,
one fresh worker, the default limits unless overridden by the environment) while a sampler
thread reads the peak resident set size (VmHWM) of every process descended from this one
every 20 ms: the worker's figure, and LibreOffice's (soffice.bin) where a .doc is converted.
VmHWM only grows, so a worker that dies is measured up to its last sample.

    python bench/hostile_bench.py [--only KIND …] [--timeout S]

Prints one line per file: size, what was recorded, elapsed seconds, worker peak, LibreOffice
peak. Target (issue 11): every worker peak under 1 GB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from demo import hostile  # noqa: E402
from flows.parse_pool import Job, parse_isolated  # noqa: E402
from parsers.convert import convert_with_libreoffice, soffice  # noqa: E402

GIB_KB = 1024 * 1024


def _children_of(root: int) -> dict[int, str]:
    """pid → command name of every live descendant of ``root``."""
    parent, name = {}, {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            rest = stat[stat.rfind(")") + 2 :].split()
            parent[int(d)] = int(rest[1])
            name[int(d)] = stat[stat.find("(") + 1 : stat.rfind(")")]
    out, todo = {}, [root]
    kids: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        kids.setdefault(ppid, []).append(pid)
    while todo:
        for k in kids.get(todo.pop(), []):
            out[k] = name[k]
            todo.append(k)
    return out


def _vmhwm_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Sampler(hostile.Poller):
    """Peak VmHWM of this process's descendants, by kind: python (the parse worker) and
    soffice.bin (LibreOffice)."""

    interval = 0.02

    def __init__(self):
        self.peak = {"worker": 0, "libreoffice": 0}

    def poll(self):
        for pid, name in _children_of(os.getpid()).items():
            kb = _vmhwm_kb(pid) or 0
            kind = "libreoffice" if name.startswith("soffice") else "worker"
            if kind == "worker" and not name.startswith("python"):
                continue  # unshare, setpriv, prlimit, oosplash: small launchers
            self.peak[kind] = max(self.peak[kind], kb)


def files(only: list[str]) -> list[tuple[str, str, bytes]]:
    out = [(h.kind, h.filename, h.make()) for h in hostile.FILES if not only or h.kind in only]
    if soffice() and (not only or "doc-busy" in only):
        html = hostile.busy_doc_html()
        doc = convert_with_libreoffice(html, "html", "doc:MS Word 97")
        out.append(("doc-busy", "report.doc", doc))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=[], help="kinds to run (default: all)")
    ap.add_argument("--timeout", type=int, help="NIANBAO_PARSE_TIMEOUT for this run")
    args = ap.parse_args(argv)
    if args.timeout:
        os.environ["NIANBAO_PARSE_TIMEOUT"] = str(args.timeout)
    work = Path(tempfile.mkdtemp(prefix="nianbao-hostile-bench-"))
    print(f"{'file':24} {'bytes':>12}  {'s':>6} {'worker MB':>9} {'soffice MB':>10}  recorded")
    worst = 0
    for kind, filename, data in files(args.only):
        path = work / f"{kind}-{filename}"
        path.write_bytes(data)
        with Sampler() as s:
            t = time.perf_counter()
            (o,) = parse_isolated([Job(kind, str(path), None, None, filename)], workers=1)
            dt = time.perf_counter() - t
            time.sleep(0.05)
        path.unlink()
        r = o.report or {}
        what = r.get("status", "error") + ": " + (r.get("error") or o.failure or "")
        worst = max(worst, s.peak["worker"])
        lo = f"{s.peak['libreoffice'] / 1024:10.0f}" if s.peak["libreoffice"] else f"{'':10}"
        print(
            f"{kind:24} {len(data):12,}  {dt:6.1f} {s.peak['worker'] / 1024:9.0f} {lo}  "
            f"{what[:110]}",
            flush=True,
        )
    print(
        f"\nlargest parse worker peak: {worst / 1024:.0f} MB "
        f"({'under' if worst < GIB_KB else 'OVER'} 1 GB)"
    )
    work.rmdir()
    return 0 if worst < GIB_KB else 1


if __name__ == "__main__":
    sys.exit(main())
