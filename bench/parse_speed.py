"""Parse speed: reports per second per format, on one core.

Renders reports of each format from the variant corpus (demo/variants.py), warms the parser
up (imports, cpca's tables), then parses every file ``--rounds`` times in this one process
and reports CPU-time throughput (one process = one core). Also times the real samples.

    python bench/parse_speed.py [--per-format 30] [--rounds 2] [--profile html]
Targets: ≥ 15 PDF reports/s (~6-page reports), ≥ 200 HTML reports/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parsers import parse_bytes  # noqa: E402

FORMAT_VARIANTS = {
    "html": ("html_word", "html_layout_table", "html_hazards", "html_2019"),
    "pdf": ("pdf_ruled",),
    "docx": ("docx_merged",),
    "text": ("text_tsv",),
}
TARGETS = {"pdf": 15, "html": 200}
SAMPLES = ROOT.parent / "shared" / "samples"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-format", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", help="profile one format with cProfile")
    args = ap.parse_args(argv)
    from demo import variants

    cases = defaultdict(list)
    for fmt, vs in FORMAT_VARIANTS.items():
        per = max(1, args.per_format // len(vs))
        for c in variants.build(per_variant=per, seed=args.seed, with_doc=False, variants=vs):
            cases[fmt].append(c)
    for _fmt, cs in cases.items():  # warm up: imports, caches of cpca
        parse_bytes(cs[0].data, filename=cs[0].filename, url=cs[0].url)
    if args.profile:
        import cProfile
        import pstats

        cs = cases[args.profile]
        with cProfile.Profile() as pr:
            for c in cs:
                parse_bytes(c.data, filename=c.filename, url=c.url)
        pstats.Stats(pr).sort_stats("cumulative").print_stats(25)
        return 0
    ok = True
    print(
        f"{'format':6} {'reports':>7} {'pages/report':>12} {'reports/s (1 core)':>19} "
        f"{'ms/report':>9}  target"
    )
    for fmt, cs in cases.items():
        pages = ""
        if fmt == "pdf":
            import pypdfium2 as pdfium

            pages = f"{sum(len(pdfium.PdfDocument(c.data)) for c in cs) / len(cs):.1f}"
        t = time.process_time()
        n = 0
        for _ in range(args.rounds):
            for c in cs:
                parse_bytes(c.data, filename=c.filename, url=c.url)
                n += 1
        dt = time.process_time() - t
        rate = n / dt
        target = TARGETS.get(fmt)
        met = "" if target is None else (f"≥ {target}: " + ("met" if rate >= target else "NOT MET"))
        ok &= target is None or rate >= target
        print(f"{fmt:6} {len(cs):7} {pages:>12} {rate:19.1f} {1000 * dt / n:9.2f}  {met}")
    print("by variant:")
    for fmt, cs in cases.items():
        by: dict[str, list] = defaultdict(list)
        for c in cs:
            by[c.variant].append(c)
        for var, vs in by.items():
            t = time.process_time()
            for _ in range(args.rounds):
                for c in vs:
                    parse_bytes(c.data, filename=c.filename, url=c.url)
            dt = time.process_time() - t
            kb = sum(len(c.data) for c in vs) / len(vs) / 1024
            print(
                f"  {fmt:6} {var:18} {args.rounds * len(vs) / dt:7.1f} reports/s  "
                f"({kb:.0f} kB a file)"
            )
    for name in ("huaian-city-2024.pdf", "shizuishan-emergency-2023.txt"):
        p = SAMPLES / name
        if p.exists():
            data = p.read_bytes()
            parse_bytes(data, filename=name)
            t = time.process_time()
            for _ in range(5):
                parse_bytes(data, filename=name)
            print(f"sample {name}: {1000 * (time.process_time() - t) / 5:.1f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
