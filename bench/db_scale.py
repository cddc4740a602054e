"""The published database at national size: build a synthetic archive, time Datasette on it.

    python bench/db_scale.py --reports 200000 --copies 20 --db /work/big/nianbao.db
    python bench/db_scale.py --reports 5000 --export     # quick run, plus `nianbao export`

Builds the archive with bench/synth_archive.py (skipped when the file exists), prints its
size per report and per cell, starts `nianbao serve`'s Datasette on it (a free port on
127.0.0.1) and requests every page a researcher starts from: the home page, every table
and view with default facets, every canned query, the report page, the full-text search
(3+ characters through FTS, 2 characters through the fallback) and the README's three
queries (and the third as it was written before ``cell_totals``, over ``cell_values``).
Each URL is asked once to warm the cache, then ``--repeat`` times; the table
lists the median and the slowest, and any facet that timed out (Datasette then leaves it
off the page, so a fast page can hide a failure). ``--export`` runs `nianbao export` on
the archive and reports its wall time and peak RSS (os.wait4 on the child).

Figures, not pass/fail: docs/scaling.md has the measured ones.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_archive  # noqa: E402

from archive.researcher.metadata import FACETS, UNCOUNTED  # noqa: E402
from archive.researcher.names import DATABASE_NAME  # noqa: E402
from archive.researcher.queries import QUERIES  # noqa: E402
from archive.researcher.serve import datasette_command  # noqa: E402
from flows.local_pool import free_port  # noqa: E402

SLOW = 1.0  # seconds: the target for every researcher page


def readme_queries() -> list[str]:
    """The three SQL queries of the README's "For researchers" section."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## For researchers", 1)[1].split("\n## ", 1)[0]
    return [b.split("```", 1)[0].strip().rstrip(";") for b in section.split("```sql\n")[1:]]


def _examples(db_path: Path) -> dict[str, str]:
    """Parameters for the canned queries and the report page, taken from the archive."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rid = conn.execute(
        "select id from reports where flag_status = 'flagged' and is_current = 1 limit 1"
    ).fetchone()[0]
    conn.close()
    # 行政复议 is in every report (the worst case of the search box); 退役军人事务局 in ~5 %.
    return {"report_id": rid, "rule": "T3-BALANCE", "q": "行政复议", "rare": "退役军人事务局"}


def urls(db_path: Path) -> list[tuple[str, str]]:
    """(label, path) of every page measured."""
    ex = _examples(db_path)
    db = f"/{DATABASE_NAME}"
    out = [("home", "/")]
    out += [(f"table {t} (facets: {', '.join(f)})", f"{db}/{t}") for t, f in FACETS.items()]
    out += [(f"table {t} (long: no facets, no count)", f"{db}/{t}") for t in UNCOUNTED]
    out += [
        ("findings_detail, failures, facet rule", f"{db}/findings_detail?status=fail&_facet=rule"),
        (
            "cell_values, one cell of the form, facet year",
            f"{db}/cell_values?tbl=t3&row_key=granted&col_key=total&_facet=year",
        ),
        (
            "cell_totals, one cell of the form, facet year",
            f"{db}/cell_totals?tbl=t3&row_key=granted&col_key=total&_facet=year",
        ),
    ]
    for name, q in QUERIES.items():
        params = {p: ex[p] for p in ("report_id", "rule", "q") if f":{p}" in q["sql"]}
        out.append((f"query {name}", f"{db}/{name}?{urllib.parse.urlencode(params)}"))
    out.append(("query search, 2 characters", f"{db}/search?q=" + urllib.parse.quote("复议")))
    out.append(
        ("FTS box on report_list", f"{db}/report_list?_search=" + urllib.parse.quote(ex["q"]))
    )
    out.append(
        (
            "FTS box on report_list, a rarer term",
            f"{db}/report_list?_search=" + urllib.parse.quote(ex["rare"]),
        )
    )
    out.append(("FTS box on reports", f"{db}/reports?_search=" + urllib.parse.quote(ex["q"])))
    out.append(("report page", f"/-/report/{ex['report_id']}"))
    for i, sql in enumerate(readme_queries(), 1):
        out.append((f"README query {i}", f"{db}?sql=" + urllib.parse.quote(sql)))
    out.append(("README query 3 over cell_values", f"{db}?sql=" + urllib.parse.quote(_WITHHELD)))
    return out


# The README's third query as it was before cell_totals: the same answer, summed per request.
_WITHHELD = """select year, row_label, sum(value) as requests
from cell_values
where tbl = 't3' and col_key = 'total' and row_key like 'withheld_%' and is_primary = 1
group by year, row_key order by year, row_position"""


def _get(base: str, path: str) -> tuple[float, int, bytes]:
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=120) as r:
            body, status = r.read(), r.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    return time.perf_counter() - t, status, body


def _timed_out_facets(base: str, path: str) -> list[str]:
    if not path.startswith(f"/{DATABASE_NAME}/") or "?" in path:
        return []
    _, status, body = _get(base, path + ".json?_size=1")
    return json.loads(body).get("facets_timed_out", []) if status == 200 else ["(json error)"]


def measure(base: str, pages: list[tuple[str, str]], repeat: int) -> list[dict]:
    """Median and slowest of ``repeat`` timed requests per page, after one warm-up."""
    rows = []
    for label, path in pages:
        first, status, _ = _get(base, path)
        times = [_get(base, path)[0] for _ in range(repeat)]
        rows.append(
            {
                "label": label,
                "first": first,
                "median": statistics.median(times),
                "max": max(times),
                "status": status,
                "timed_out": _timed_out_facets(base, path),
            }
        )
        print(f"  {label}: {statistics.median(times):.3f} s", file=sys.stderr)
    return rows


def serve(db_path: Path, metadata: Path | None = None):
    """Start Datasette as `nianbao serve` does; return (process, base URL)."""
    port = free_port()
    proc = subprocess.Popen(
        datasette_command(db_path, port, metadata=metadata),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("Datasette did not start")


def print_table(rows: list[dict]) -> None:
    print("| page | first (s) | median (s) | slowest (s) | status | note |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        note = []
        if r["timed_out"]:
            note.append("facets timed out: " + ", ".join(r["timed_out"]))
        if r["max"] >= SLOW:
            note.append("over 1 s")
        print(
            f"| {r['label']} | {r['first']:.3f} | {r['median']:.3f} | {r['max']:.3f} | "
            f"{r['status']} | {'; '.join(note)} |"
        )


def sizes(db_path: Path) -> dict:
    """Bytes of the file per report and per cell."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    reports = conn.execute("select count(*) from reports").fetchone()[0]
    cells = conn.execute("select count(*) from cells").fetchone()[0]
    findings = conn.execute("select count(*) from findings").fetchone()[0]
    conn.close()
    size = db_path.stat().st_size
    return {
        "bytes": size,
        "reports": reports,
        "cells": cells,
        "findings": findings,
        "bytes_per_report": size / reports,
        "bytes_per_cell": size / cells,
    }


def export_rss(db_path: Path) -> dict:
    """Run `nianbao export` on the archive; wall time, peak RSS, rows written."""
    with tempfile.TemporaryDirectory(dir=db_path.parent) as out:
        cmd = [sys.executable, "-m", "flows.cli", "export", "--data", str(db_path.parent)]
        t = time.perf_counter()
        proc = subprocess.Popen(cmd + ["--out", out], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        written = sum(f.stat().st_size for f in Path(out).iterdir())
    return {
        "wall_s": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "exit": os.waitstatus_to_exitcode(status),
        "bytes_written": written,
        "files": stdout.strip().splitlines(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=5000)
    ap.add_argument("--db", default=None, help="default data-scale/<reports>/nianbao.db")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--copies",
        type=int,
        default=1,
        help="generate 1/COPIES of the agencies report by report, copy the rest in SQL",
    )
    ap.add_argument("--export", action="store_true", help="also time `nianbao export`")
    ap.add_argument("--no-serve", action="store_true", help="build (and export) only")
    ap.add_argument(
        "--no-open",
        action="store_true",
        help="measure the file as it is: no open_db (which adds indexes and summary tables)",
    )
    ap.add_argument("--metadata", type=Path, help="Datasette metadata (default: the project's)")
    args = ap.parse_args()
    db_path = Path(args.db or ROOT / "data-scale" / str(args.reports) / "nianbao.db").resolve()
    if not db_path.exists():
        t = time.perf_counter()
        built = synth_archive.build(
            db_path, args.reports, args.workers, copies=args.copies, log=_progress
        )
        built["total_s"] = time.perf_counter() - t
        print(f"built {db_path}: {built}")
    if not args.no_open:
        from archive.db import open_db

        t = time.perf_counter()
        open_db(db_path).close()
        print(f"open_db (schema, indexes, summary refresh): {time.perf_counter() - t:.1f} s")
    print(f"size: {sizes(db_path)}")
    if not args.no_serve:
        proc, base = serve(db_path, args.metadata)
        try:
            print_table(measure(base, urls(db_path), args.repeat))
        finally:
            proc.terminate()
            proc.wait()
    if args.export:
        print(f"export: {export_rss(db_path)}")


def _progress(msg: str = "", end: str = "\n") -> None:
    print(msg, end=end, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
