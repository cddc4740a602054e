"""Truth-free evaluation on a folder of real reports (``nianbao eval --real DIR``).

Real reports mostly balance, so a parser error shows up as a failing or an unassessable hard
rule: for every report file in the folder this prints the form rows found (of those the form
has), whether every hard rule was assessable, and the pass rate of the rules. Where a truth
``NAME.json`` sits beside ``NAME.html`` (keys ``table2`` / ``table3`` / ``table4`` in the
canonical keys, ``expected_findings``: see ../shared/real/README.md), the cells and the hard
findings are scored against it too: all expected hard findings found, none false.

    python bench/real_eval.py DIR [DIR …]
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks import run_checks  # noqa: E402
from nianbao import form  # noqa: E402
from nianbao.model import (  # noqa: E402
    FAIL,
    NOT_ASSESSABLE,
    PASS,
    SEVERITY_ERROR,
    Report,
    flag_status,
)
from parsers import parse_file  # noqa: E402

REPORT_SUFFIXES = (".pdf", ".html", ".htm", ".shtml", ".docx", ".doc", ".wps", ".txt")
TRUTH_TABLES = {"table2": form.T2, "table3": form.T3, "table4": form.T4, "table5": form.T5}
# How a truth file's "where" (table3.<row>.<col>) names the scope of each hard rule's finding.
SCOPE_PART = {"T3-ROWSUM": 1, "T3-BALANCE": 2, "T3-RESULTS": 2, "T4-SUM": 1}


@dataclass
class RealResult:
    """One real report: what was read and checked, and its score against a truth if any."""

    path: Path
    report: Report
    rows_found: int
    rows_expected: int
    hard: dict[str, int]  # pass / fail / not_assessable counts of hard findings
    soft: dict[str, int]
    flag: str
    cells: tuple[int, int] | None = None  # (right, in truth)
    wrong: list[str] = field(default_factory=list)  # wrong cells, missed / false findings

    @property
    def all_rows(self) -> bool:
        return self.rows_found == self.rows_expected

    @property
    def assessable(self) -> bool:
        return self.hard[NOT_ASSESSABLE] == 0 and self.report.status == "parsed"


def _counts(findings, severity_error: bool) -> dict[str, int]:
    out = dict.fromkeys((PASS, FAIL, NOT_ASSESSABLE), 0)
    for f in findings:
        if (f.severity == SEVERITY_ERROR) == severity_error:
            out[f.status] += 1
    return out


def _scope(rule: str, where: str) -> str:
    parts = where.split(".")
    if rule in SCOPE_PART:
        return parts[SCOPE_PART[rule]]
    return ".".join([TRUTH_TABLES.get(parts[0], parts[0]), *parts[1:]])


def score_truth(report: Report, failing: set[tuple[str, str]], truth: dict) -> tuple[tuple, list]:
    """(cells right, cells in truth), and every wrong cell, missed or false hard finding."""
    wrong, right, n = [], 0, 0
    for key, tab in TRUTH_TABLES.items():
        for row, cols in (truth.get(key) or {}).items():
            for col, v in cols.items():
                n += 1
                c = report.cell(tab, row, col)
                if c is not None and c.value == v:
                    right += 1
                else:
                    got = "absent" if c is None else f"{c.value!r} from {c.raw!r}"
                    wrong.append(f"{tab}.{row}.{col}: read {got}, truth {v!r}")
    expected = {
        (f["rule"], _scope(f["rule"], f["where"]))
        for f in truth.get("expected_findings", [])
        if f.get("severity") == SEVERITY_ERROR
    }
    wrong += [f"hard finding missed: {r}[{s}]" for r, s in sorted(expected - failing)]
    wrong += [f"false hard finding: {r}[{s}]" for r, s in sorted(failing - expected)]
    return (right, n), wrong


def evaluate_file(path: Path) -> RealResult:
    """Parse and check one real report; score it against ``path.with_suffix('.json')``."""
    report = parse_file(path)
    findings = run_checks(report)
    rows = {(c.table, c.row) for c in report.cells}
    hard = _counts(findings, True)
    res = RealResult(
        path,
        report,
        rows_found=len(rows),
        rows_expected=len(rows) + len(report.missing_rows),
        hard=hard,
        soft=_counts(findings, False),
        flag=flag_status(report.status, [(f.severity, f.status) for f in findings]),
    )
    truth_path = path.with_suffix(".json")
    if truth_path.exists():
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if any(k in truth for k in TRUTH_TABLES):
            failing = {
                (f.rule, f.scope)
                for f in findings
                if f.severity == SEVERITY_ERROR and f.status == FAIL
            }
            res.cells, res.wrong = score_truth(report, failing, truth)
    return res


def report_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in REPORT_SUFFIXES)


def evaluate_folder(folder: Path) -> list[RealResult]:
    return [evaluate_file(p) for p in report_files(folder)]


def _rate(d: dict[str, int]) -> str:
    n = d[PASS] + d[FAIL]
    return f"{d[PASS]}/{n}" if n else "0/0"


def print_results(folder: Path, results: list[RealResult]) -> list[str]:
    """Print one line per report and the folder's totals; return the problems found."""
    print(f"\nreal reports in {folder}: {len(results)}")
    problems = []
    for x in results:
        r = x.report
        line = (
            f"  {x.path.name}: {r.status} {r.agency} {r.year} format {r.format_version}; "
            f"form rows {x.rows_found}/{x.rows_expected}; hard rules pass {_rate(x.hard)}, "
            f"not assessable {x.hard[NOT_ASSESSABLE]}; soft pass {_rate(x.soft)}; {x.flag}"
        )
        if x.cells:
            line += f"; truth: {x.cells[0]}/{x.cells[1]} cells right"
        print(line)
        for m in r.missing_rows:
            print(f"      missing {m}: {r.missing_reasons.get(m, '(no reason recorded)')}")
        for w in x.wrong:
            print(f"      WRONG {w}")
        problems += [f"{x.path.name}: {w}" for w in x.wrong]
    if results:
        hard = {k: sum(x.hard[k] for x in results) for k in (PASS, FAIL, NOT_ASSESSABLE)}
        n = hard[PASS] + hard[FAIL]
        print(
            f"  every form row found: {sum(x.all_rows for x in results)}/{len(results)}; "
            f"every hard rule assessable: {sum(x.assessable for x in results)}/{len(results)}; "
            f"hard rules passing: {hard[PASS]}/{n}"
            + (f" ({100 * hard[PASS] / n:.1f} %)" if n else "")
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    dirs = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    problems = []
    for d in dirs:
        problems += print_results(d, evaluate_folder(d))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
