"""Apply the rules of :mod:`checks.rules` to a report and describe each result."""

from __future__ import annotations

from checks.corpus import CORPUS_RULES, duplicate_findings, history_findings
from checks.form_drift import drift_findings, late_findings
from checks.rules import DOMAIN_RULE, DOMAIN_TESTS, EQUALITY_RULES, CellRef, EqualityRule
from checks.text import text_findings
from nianbao import form
from nianbao.model import FAIL, NOT_ASSESSABLE, PASS, STATUS_PARSED, Finding, Report

# Bump when a rule changes, so stored findings are recomputed (archive stores it per finding).
RULES_VERSION = "2"  # 2: DOMAIN by column domain, LATE by regulation, label typos, t5


def _addr(ref: CellRef) -> str:
    return ".".join(ref)


def _sum(report: Report, refs: list[CellRef]) -> tuple[float | None, list[str]]:
    """Sum of the cells; blanks read as 0 (FORMAT.md), absent rows make it unknown."""
    total, missing = 0, []
    for ref in refs:
        cell = report.cell(*ref)
        if cell is None:
            missing.append(_addr(ref))
        elif cell.value is not None:
            total += cell.value
    return (None if missing else total), missing


def _equality(report: Report, rule: EqualityRule) -> list[Finding]:
    findings = []
    for scope in rule.scopes(report):
        stated, parts = rule.stated(report, scope), rule.parts(report, scope)
        actual, missing_a = _sum(report, stated)
        expected, missing_e = _sum(report, parts)
        cells = [_addr(r) for r in stated + parts]
        base = dict(rule=rule.id, severity=rule.severity, scope=scope, cells=cells)
        if missing_a or missing_e:
            gone = ", ".join(missing_a + missing_e)
            findings.append(
                Finding(
                    **base,
                    status=NOT_ASSESSABLE,
                    message=f"{rule.title_en} [{scope}]: not assessable, cells absent: {gone}",
                    message_zh=f"{rule.title_zh}（{scope}）：缺少单元格，无法核对：{gone}",
                )
            )
            continue
        ok = abs(actual - expected) < 1e-9
        findings.append(
            Finding(
                **base,
                status=PASS if ok else FAIL,
                expected=expected,
                actual=actual,
                message=f"{rule.title_en} [{scope}]: stated {actual:g}, parts sum to {expected:g}",
                message_zh=f"{rule.title_zh}（{scope}）：填报 {actual:g}，分项合计 {expected:g}",
            )
        )
    return findings


def _domain(report: Report) -> list[Finding]:
    """DOMAIN: each cell against its column's domain for the report's format version
    (a 2019 trial report's 本年增/减 may be negative, its amounts decimal)."""
    rule_id, severity, en, zh = DOMAIN_RULE
    findings = []
    for c in report.cells:
        if c.value is None:
            continue
        test, allows_en, allows_zh = DOMAIN_TESTS[
            form.domain(c.table, c.col, report.format_version)
        ]
        if not test(c.value):
            findings.append(
                Finding(
                    rule=rule_id,
                    severity=severity,
                    status=FAIL,
                    scope=c.address,
                    actual=c.value,
                    cells=[c.address],
                    message=f"{en}: {c.address} is {c.value:g} (printed {c.raw!r}), "
                    f"not {allows_en}",
                    message_zh=f"{zh}：{c.address} 为 {c.value:g}（原文 {c.raw!r}），"
                    f"应为{allows_zh}",
                )
            )
    if not findings:
        findings.append(
            Finding(
                rule=rule_id,
                severity=severity,
                status=PASS,
                scope="*",
                message=f"{en}: all {len(report.cells)} cells",
                message_zh=f"{zh}：共 {len(report.cells)} 个单元格",
            )
        )
    return findings


# Rules that read one report alone, in the order findings are listed.
REPORT_RULES = (
    *((rule.id, lambda r, rule=rule: _equality(r, rule)) for rule in EQUALITY_RULES),
    (DOMAIN_RULE[0], _domain),
    ("FORMAT-DRIFT", drift_findings),
    ("TEXT-TABLE", text_findings),
    ("LATE", late_findings),
)


def run_checks(report: Report) -> list[Finding]:
    """Every single-report rule on one report: one Finding per rule and scope.

    Reports that were not parsed get none (their status already says why); LATE still
    applies to them since it needs only the metadata.
    """
    if report.status != STATUS_PARSED:
        return late_findings(report) if report.year else []
    findings: list[Finding] = []
    for _rule_id, apply in REPORT_RULES:
        findings.extend(apply(report))
    return findings


def run_corpus_checks(reports: dict[str, Report]) -> dict[str, list[Finding]]:
    """The rules that compare reports (CORPUS_RULES) over a set of current parsed reports."""
    out: dict[str, list[Finding]] = {rid: [] for rid in reports}
    for part in (history_findings(reports), duplicate_findings(reports)):
        for rid, findings in part.items():
            out[rid].extend(findings)
    return out


__all__ = ["CORPUS_RULES", "RULES_VERSION", "run_checks", "run_corpus_checks"]
