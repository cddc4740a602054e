"""Parser accuracy, cell by cell, on the variant corpus (demo/variants.py) and the real samples.

Builds the corpus (or reads one written by ``demo.variants.write``), parses every file as the
pipeline does (``parsers.parse_bytes`` with the file name and URL), and compares with the truth:

- every truth cell: present with the same value (blank marks such as "-" read as None);
- no cell the truth does not have (a guessed cell is a wrong cell);
- report level: status, format version, year, agency, administrative level, publication date
  (where the rendering carries it), region code, the rows recorded as missing, extra rows.

Prints, per format and variant, the share of reports fully right and of cells right, then
every wrong cell and every wrong report field, then the two real samples.

    python bench/parse_eval.py [--n 320] [--seed 2024] [--corpus DIR] [--no-doc] [--quiet]
    nianbao eval …      (the same)
Exit code 1 when anything is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nianbao import form  # noqa: E402
from nianbao.model import Report  # noqa: E402
from parsers import parse_bytes, parse_file  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "samples"


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) < 1e-9


def compare(
    truth: Report,
    got: Report,
    *,
    region_code: str = "",
    expect_published: bool = False,
    expect_missing: list[str] = (),
    expect_extra: int = 0,
) -> tuple[int, int, list[str], list[str]]:
    """(cells right, cells in truth, wrong cells, wrong report fields)."""
    wrong_cells: list[str] = []
    right = 0
    for c in truth.cells:
        g = got.cell(c.table, c.row, c.col)
        if g is None:
            wrong_cells.append(
                f"{c.table}.{c.row}.{c.col}: missing (truth {c.value!r}, printed {c.raw!r})"
            )
        elif not _same(g.value, c.value):
            wrong_cells.append(
                f"{c.table}.{c.row}.{c.col}: read {g.value!r} from {g.raw!r}, truth {c.value!r}"
            )
        else:
            right += 1
    known = {(c.table, c.row, c.col) for c in truth.cells}
    for g in got.cells:
        if (g.table, g.row, g.col) not in known:
            wrong_cells.append(
                f"{g.table}.{g.row}.{g.col}: not in the truth, read {g.value!r} from {g.raw!r}"
            )
    fields: list[str] = []
    for name in ("status", "format_version", "year", "agency", "level"):
        if getattr(truth, name) != getattr(got, name):
            fields.append(f"{name}: read {getattr(got, name)!r}, truth {getattr(truth, name)!r}")
    if expect_published and got.published != truth.published:
        fields.append(f"published: read {got.published!r}, truth {truth.published!r}")
    if region_code and getattr(got, "region_code", None) != region_code:
        fields.append(
            f"region_code: read {getattr(got, 'region_code', None)!r}, truth {region_code!r}"
        )
    for m in expect_missing:
        if m not in got.missing_rows:
            fields.append(f"missing row {m} not recorded")
    for m in got.missing_rows:
        if m not in expect_missing:
            fields.append(f"row {m} recorded missing, but it is printed")
    if len(got.extra_rows) != expect_extra:
        fields.append(
            f"extra rows: {len(got.extra_rows)} recorded {got.extra_rows}, truth {expect_extra}"
        )
    if truth.status == "parsed" and not got.sections:
        fields.append("section texts not found")
    return right, len(truth.cells), wrong_cells, fields


def _load(corpus: Path):
    from demo.variants import Case

    out = []
    for d in json.loads((corpus / "truth.json").read_text(encoding="utf-8")):
        rep = Report.from_dict(d.pop("report"))
        data = (corpus / "files" / d["filename"]).read_bytes()
        out.append(Case(data=data, truth=rep, **d))
    return out


def evaluate(cases, *, quiet: bool = False) -> dict:
    per = defaultdict(lambda: {"reports": 0, "full": 0, "cells": 0, "right": 0, "seconds": 0.0})
    problems: list[str] = []
    for case in cases:
        t = time.perf_counter()
        got = parse_bytes(case.data, filename=case.filename, url=case.url)
        dt = time.perf_counter() - t
        right, total, wc, wf = compare(
            case.truth,
            got,
            region_code=case.region_code,
            expect_published=case.expect_published,
            expect_missing=case.expect_missing,
            expect_extra=case.expect_extra,
        )
        s = per[(case.doc_format, case.variant)]
        s["reports"] += 1
        s["cells"] += total
        s["right"] += right
        s["seconds"] += dt
        if not wc and not wf:
            s["full"] += 1
        else:
            problems += [f"{case.id} [{case.filename}] {x}" for x in wf + wc]
    return {"per": dict(per), "problems": problems}


def print_table(res: dict) -> None:
    per = res["per"]
    print(
        f"{'format':6} {'variant':18} {'reports':>7} {'fully right':>12} {'cells':>7} "
        f"{'cells right':>12} {'ms/report':>9}"
    )
    tot = {"reports": 0, "full": 0, "cells": 0, "right": 0}
    for (fmt, var), s in sorted(per.items()):
        cells = f"{100 * s['right'] / s['cells']:.2f}%" if s["cells"] else "n/a"
        print(
            f"{fmt:6} {var:18} {s['reports']:7} {s['full']:5} "
            f"({100 * s['full'] / s['reports']:5.1f}%)"
            f" {s['cells']:7} {cells:>12} {1000 * s['seconds'] / s['reports']:9.1f}"
        )
        for k in tot:
            tot[k] += s[k]
    if tot["reports"]:
        print(
            f"{'all':25} {tot['reports']:7} {tot['full']:5} "
            f"({100 * tot['full'] / tot['reports']:5.1f}%)"
            f" {tot['cells']:7} {100 * tot['right'] / max(1, tot['cells']):11.2f}%"
        )


def eval_samples() -> list[str]:
    """The real samples against the expectations of tests/test_parse_samples.py."""
    sys.path.insert(0, str(ROOT / "tests"))
    import test_parse_samples as ts

    out = []
    for name, t2, t3, t4, agency, year in (
        ("huaian-city-2024.pdf", ts.HUAIAN_T2, ts.HUAIAN_T3, ts.HUAIAN_T4, "淮安市人民政府", 2024),
        (
            "shizuishan-emergency-2023.txt",
            ts.SHIZUISHAN_T2,
            ts.SHIZUISHAN_T3,
            ts.SHIZUISHAN_T4,
            "石嘴山市应急管理局",
            2023,
        ),
    ):
        p = SAMPLES / name
        if not p.exists():
            out.append(f"{name}: not found")
            continue
        r = parse_file(p)
        n, wrong = ts._compare(r, t2, t3, t4)
        meta = (
            []
            if (r.agency, r.year, r.format_version) == (agency, year, form.FORMAT_2021)
            else [f"metadata {r.agency} {r.year} {r.format_version}"]
        )
        ok = not wrong and not meta and not r.missing_rows
        print(
            f"sample {name}: {n - len(wrong)}/{n} cells right, status {r.status}, "
            f"{r.agency} {r.year} "
            f"format {r.format_version}, region {r.region} {r.region_code}, published {r.published}"
            + ("  FULLY RIGHT" if ok else "  WRONG")
        )
        out += [f"{name}: {w}" for w in wrong + meta + [f"missing {m}" for m in r.missing_rows]]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=320, help="corpus size (default 320)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument(
        "--corpus", help="read a corpus written by demo.variants.write instead of building one"
    )
    ap.add_argument("--write", help="also write the built corpus to this folder")
    ap.add_argument("--no-doc", action="store_true", help="skip the LibreOffice .doc cases")
    ap.add_argument("--quiet", action="store_true", help="do not list every wrong cell")
    args = ap.parse_args(argv)
    from demo import variants

    t = time.perf_counter()
    if args.corpus:
        cases = _load(Path(args.corpus))
    else:
        cases = variants.build(args.n, args.seed, with_doc=False if args.no_doc else None)
        if args.write:
            variants.write(cases, args.write)
    print(
        f"corpus: {len(cases)} reports, {len({c.variant for c in cases})} variants "
        f"({time.perf_counter() - t:.1f} s to build)"
    )
    res = evaluate(cases)
    print_table(res)
    if res["problems"]:
        print(f"\n{len(res['problems'])} problems:")
        for p in res["problems"][: None if not args.quiet else 40]:
            print("  " + p)
    print()
    sample_problems = eval_samples()
    for p in sample_problems:
        print("  " + p)
    return 1 if res["problems"] or sample_problems else 0


if __name__ == "__main__":
    sys.exit(main())
