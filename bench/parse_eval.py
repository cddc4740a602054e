"""Parser and checks accuracy, cell by cell, on generated corpora and on real reports.

Builds the variant corpus (demo/variants.py: ten publishing variants) and the hazard corpus
(demo/hazards.py: layouts that broke the parser on real reports, ~45 % of them with one injected
error), parses every file as the pipeline does (``parsers.parse_bytes`` with the file name and
URL), runs the single-report checks, and compares with the truth:

- every truth cell: present with the same value (blank marks such as "-" read as None);
- no cell the truth does not have (a guessed cell is a wrong cell);
- rows lost: a row of the truth with no cell read (silently: not in ``missing_rows`` either);
- report level: status, format version, year, agency, administrative level, publication date
  (where the rendering carries it), region code, the rows recorded as missing, extra rows,
  section texts;
- checks: the hard-rule failures found against those injected (recall), failures no injection
  explains (false), reports whose hard rules are not all assessable (incomplete).

Then the two real samples against their hand-read values. ``--real DIR`` (repeatable) reads a
folder of real reports without truth: per report, the form rows found, whether every hard rule
was assessable, the rules' pass rate; a ``NAME.json`` truth beside a file (keys table2 / table3 /
table4, expected_findings: ../shared/real) scores its cells and hard findings too.

    python bench/parse_eval.py [--n 320] [--seed 2024] [--per-hazard 22] [--corpus DIR]
                               [--no-doc] [--no-hazards] [--quiet] [--real DIR …]
    nianbao eval …      (the same)
Exit code 1 when anything is wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks import run_checks  # noqa: E402
from nianbao import form  # noqa: E402
from nianbao.model import FAIL, NOT_ASSESSABLE, SEVERITY_ERROR, Report  # noqa: E402
from parsers import parse_bytes, parse_file  # noqa: E402

# The team's reference notes (real samples, real pages) sit beside the repository; another
# place can be given with NIANBAO_SHARED.
SHARED = Path(os.environ.get("NIANBAO_SHARED") or ROOT.parent / "shared")
SAMPLES = SHARED / "samples"


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
        elif form.is_decimal(c.table, c.col, truth.format_version) and g.unit != c.unit:
            wrong_cells.append(f"{c.table}.{c.row}.{c.col}: unit {g.unit!r}, truth {c.unit!r}")
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
    lost = sorted(set(truth.sections) - set(got.sections))
    if lost:
        fields.append(f"sections not found: {', '.join(lost)} (found {', '.join(got.sections)})")
    return right, len(truth.cells), wrong_cells, fields


def compare_case(case, got: Report) -> tuple[int, int, list[str], list[str]]:
    """:func:`compare` with the expectations a corpus case carries."""
    return compare(
        case.truth,
        got,
        region_code=case.region_code,
        expect_published=case.expect_published,
        expect_missing=case.expect_missing,
        expect_extra=case.expect_extra,
    )


def rows_lost(truth: Report, got: Report) -> tuple[list[str], list[str]]:
    """(rows of the truth with no cell read, those of them not recorded missing either)."""
    have = {(c.table, c.row) for c in got.cells}
    lost = sorted({f"{c.table}.{c.row}" for c in truth.cells if (c.table, c.row) not in have})
    return lost, [r for r in lost if r not in got.missing_rows]


def hard_findings(findings) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(failing, not assessable) hard findings, as (rule, scope)."""
    hard = [f for f in findings if f.severity == SEVERITY_ERROR]
    return (
        {(f.rule, f.scope) for f in hard if f.status == FAIL},
        {(f.rule, f.scope) for f in hard if f.status == NOT_ASSESSABLE},
    )


def label_problems(truth: Report, got: Report, findings) -> list[str]:
    """FORMAT-DRIFT label findings against the labels the truth printed otherwise."""
    found = {
        f.scope.removeprefix("label:")
        for f in findings
        if f.rule == "FORMAT-DRIFT" and f.scope.startswith("label:")
    }
    expected = set(truth.row_labels)
    return [
        f"label drift not found: {a} printed {truth.row_labels[a]!r}"
        for a in sorted(expected - found)
    ] + [
        f"label drift not expected: {a} read as {got.row_labels.get(a)!r}"
        for a in sorted(found - expected)
    ]


def _load(corpus: Path):
    from demo.variants import Case

    out = []
    for d in json.loads((corpus / "truth.json").read_text(encoding="utf-8")):
        rep = Report.from_dict(d.pop("report"))
        data = (corpus / "files" / d["filename"]).read_bytes()
        out.append(Case(data=data, truth=rep, **d))
    return out


_COUNTS = ("reports", "full", "cells", "right", "lost", "silent", "expected", "found", "false")


def _stats() -> dict:
    return {k: 0 for k in _COUNTS} | {"incomplete": 0, "seconds": 0.0}


def evaluate(cases, *, quiet: bool = False) -> dict:
    """Parse and check every case; per (format, variant) counts and the list of problems."""
    per = defaultdict(_stats)
    problems: list[str] = []
    for case in cases:
        t = time.perf_counter()
        got = parse_bytes(case.data, filename=case.filename, url=case.url)
        dt = time.perf_counter() - t
        right, total, wc, wf = compare_case(case, got)
        lost, silent = rows_lost(case.truth, got)
        expected = {(f["rule"], f["scope"]) for f in case.expect_findings}
        findings = run_checks(got) if got.status == "parsed" else []
        failing, unassessable = hard_findings(findings)
        wf += label_problems(case.truth, got, findings)
        wf += [f"row {r} lost" + ("" if r in silent else " (recorded missing)") for r in lost]
        wf += [f"hard finding missed: {r}[{sc}]" for r, sc in sorted(expected - failing)]
        wf += [f"false hard finding: {r}[{sc}]" for r, sc in sorted(failing - expected)]
        s = per[(case.doc_format, case.variant)]
        for k, v in (
            ("reports", 1),
            ("cells", total),
            ("right", right),
            ("seconds", dt),
            ("lost", len(lost)),
            ("silent", len(silent)),
            ("expected", len(expected)),
            ("found", len(expected & failing)),
            ("false", len(failing - expected)),
            ("incomplete", bool(unassessable) and not case.expect_missing),
        ):
            s[k] += v
        if not wc and not wf:
            s["full"] += 1
        else:
            problems += [f"{case.id} [{case.filename}] {x}" for x in wf + wc]
    return {"per": dict(per), "problems": problems}


def print_table(res: dict) -> None:
    """Per (format, variant): reports fully right, cells right, rows lost (silently), hard
    findings injected / found / false, reports incomplete though the truth is complete."""
    per = res["per"]
    print(
        f"{'format':6} {'variant':20} {'reports':>7} {'fully right':>13} {'cells':>6} "
        f"{'cells right':>11} {'rows lost':>9} {'injected':>8} {'found':>5} {'false':>5} "
        f"{'incompl.':>8} {'ms/rep':>6}"
    )
    tot = _stats()
    for (fmt, var), s in sorted(per.items()):
        _line(fmt, var, s)
        for k in tot:
            tot[k] += s[k]
    if tot["reports"]:
        _line("all", "", tot)


def _line(fmt: str, var: str, s: dict) -> None:
    cells = f"{100 * s['right'] / s['cells']:.2f}%" if s["cells"] else "n/a"
    lost = f"{s['lost']}" + (f" ({s['silent']})" if s["silent"] else "")
    print(
        f"{fmt:6} {var:20} {s['reports']:7} {s['full']:5} ({100 * s['full'] / s['reports']:5.1f}%)"
        f" {s['cells']:6} {cells:>11} {lost:>9} {s['expected']:8} {s['found']:5} {s['false']:5}"
        f" {s['incomplete']:8} {1000 * s['seconds'] / s['reports']:6.1f}"
    )


def recall_line(res: dict) -> str:
    """One line: the checks' recall on injected errors and their false hard findings."""
    t = {k: sum(s[k] for s in res["per"].values()) for k in ("expected", "found", "false")}
    rate = f"{100 * t['found'] / t['expected']:.1f} %" if t["expected"] else "n/a"
    return (
        f"hard findings: {t['found']}/{t['expected']} injected errors found (recall {rate}), "
        f"{t['false']} false"
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


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=320, help="variant corpus size (default 320)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument(
        "--corpus", help="read a corpus written by demo.variants.write instead of building one"
    )
    ap.add_argument("--write", help="also write the built corpus to this folder")
    ap.add_argument("--no-doc", action="store_true", help="skip the LibreOffice .doc cases")
    ap.add_argument("--per-hazard", type=int, default=22, help="hazard corpus reports per hazard")
    ap.add_argument("--no-hazards", action="store_true", help="skip the hazard corpus")
    ap.add_argument("--quiet", action="store_true", help="do not list every wrong cell")
    ap.add_argument(
        "--real",
        action="append",
        default=[],
        metavar="DIR",
        help="only evaluate this folder of real reports (truth-free; NAME.json truths scored)",
    )
    return ap.parse_args(argv)


def _run(title: str, cases, quiet: bool) -> list[str]:
    print(f"\n{title}")
    res = evaluate(cases)
    print_table(res)
    print(recall_line(res))
    if res["problems"]:
        print(f"\n{len(res['problems'])} problems:")
        for p in res["problems"][: None if not quiet else 40]:
            print("  " + p)
    return res["problems"]


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    if args.real:
        import real_eval

        problems = []
        for d in args.real:
            problems += real_eval.print_results(Path(d), real_eval.evaluate_folder(Path(d)))
        return 1 if problems else 0
    from demo import hazards, variants

    t = time.perf_counter()
    if args.corpus:
        cases = _load(Path(args.corpus))
    else:
        from parsers.convert import convert_with_libreoffice

        convert = None if args.no_doc else convert_with_libreoffice
        cases = variants.build(args.n, args.seed, convert=convert)
        if args.write:
            variants.write(cases, args.write)
    print(
        f"variant corpus: {len(cases)} reports, {len({c.variant for c in cases})} variants "
        f"({time.perf_counter() - t:.1f} s to build)"
    )
    problems = _run("variant corpus", cases, args.quiet)
    if not args.no_hazards and not args.corpus:
        t = time.perf_counter()
        hz = hazards.build(args.per_hazard, seed=args.seed)
        problems += _run(
            f"hazard corpus: {len(hz)} reports, {len(hazards.NAMES)} hazards "
            f"({time.perf_counter() - t:.1f} s to build)",
            hz,
            args.quiet,
        )
    print()
    sample_problems = eval_samples()
    for p in sample_problems:
        print("  " + p)
    return 1 if problems or sample_problems else 0


if __name__ == "__main__":
    sys.exit(main())
