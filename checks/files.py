"""``nianbao check FILE…``: parse local files and run the single-report rules on them.

For the journalist with a PDF in hand and the auditor with a folder: each file is parsed as
the pipeline parses a download, checked by every rule that reads one report (the hard rules,
DOMAIN, FORMAT-DRIFT, TEXT-TABLE, LATE), and given the flag status the archive would give it
(nianbao.model.flag_status). Findings are printed in Chinese and English with the cells they
involve; the exit status says whether every file is ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from checks.engine import run_checks
from nianbao.model import (
    FAIL,
    FLAG_OK,
    NOT_ASSESSABLE,
    PASS,
    SEVERITY_ERROR,
    Finding,
    Report,
    flag_status,
)

MARK = {(SEVERITY_ERROR, FAIL): "✗", (SEVERITY_ERROR, NOT_ASSESSABLE): "?"}


@dataclass
class Checked:
    """One checked file: the parsed report, its findings and its flag status."""

    path: Path
    report: Report
    findings: list[Finding]
    flag: str

    @property
    def ok(self) -> bool:
        return self.flag == FLAG_OK

    def to_dict(self) -> dict:
        r = self.report
        return {
            "file": str(self.path),
            "flag_status": self.flag,
            "report": {
                k: getattr(r, k)
                for k in (
                    "status",
                    "error",
                    "agency",
                    "year",
                    "level",
                    "published",
                    "format_version",
                    "doc_format",
                    "missing_rows",
                    "missing_reasons",
                    "extra_rows",
                    "warnings",
                )
            },
            "findings": [f.to_dict() for f in self.findings],
        }


def check_file(path: str | Path) -> Checked:
    """Parse one local file (in this process) and run the single-report rules on it."""
    from parsers import parse_file

    return check_report(path, parse_file(path))


def check_report(path: str | Path, report: Report) -> Checked:
    """Run the single-report rules on the report parsed from ``path``."""
    findings = run_checks(report)
    flag = flag_status(report.status, [(f.severity, f.status) for f in findings])
    return Checked(Path(path), report, findings, flag)


def format_checked(c: Checked, warnings: bool = True) -> str:
    """The result of one file as text: a head line, then every failing or not assessable
    finding (hard rules first), in Chinese and English, with its cells."""
    r = c.report
    what = " ".join(str(x) for x in (r.agency, r.year) if x) or "(agency and year not found)"
    head = f"{c.path}: {c.flag.upper()} — {what}, {r.doc_format or '?'}, format {r.format_version}"
    if r.error:
        head += f"; {r.status}: {r.error}"
    elif r.status != "parsed":
        head += f"; {r.status}"
    lines = [head]
    shown = [f for f in c.findings if f.status != PASS]
    if not warnings:
        shown = [f for f in shown if f.severity == SEVERITY_ERROR]
    shown.sort(key=lambda f: (f.severity != SEVERITY_ERROR, f.status != FAIL))
    for f in shown:
        mark = MARK.get((f.severity, f.status), "!" if f.status == FAIL else "·")
        lines.append(f"  {mark} {f.rule} [{f.scope}] {f.severity} {f.status}")
        lines.append(f"      {f.message_zh}")
        lines.append(f"      {f.message}")
        if f.cells:
            lines.append(f"      cells: {' '.join(f.cells)}")
    if not warnings:  # (with warnings, FORMAT-DRIFT lists them)
        for m in r.missing_rows:
            lines.append(f"  - missing {m}: {r.missing_reasons.get(m, '')}".rstrip(": "))
    return "\n".join(lines)


def summary_line(results: list[Checked]) -> str:
    counts: dict[str, int] = {}
    for c in results:
        counts[c.flag] = counts.get(c.flag, 0) + 1
    return f"{len(results)} file(s): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
