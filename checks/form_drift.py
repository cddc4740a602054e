"""FORMAT-DRIFT and LATE: how the report departs from the form and the calendar.

FORMAT-DRIFT (warning): trial-format (2019–2020) rows in a report for 2021 or later, rows
of the form that are missing, rows the form does not have.
LATE (warning): published after the Art. 49 deadline — departments by 31 January, local
governments by 31 March of the following year.
"""

from __future__ import annotations

from datetime import date

from nianbao import form
from nianbao.model import FAIL, NOT_ASSESSABLE, PASS, SEVERITY_WARNING, Finding, Report

# (level → (month, day) of the deadline in the year after the report year), Art. 49 条例.
DEADLINES = {"department": (1, 31), "government": (3, 31)}
FIRST_2021_FORMAT_YEAR = 2021  # 国办公开办函〔2021〕30号 applies from the 2021 reports on


def drift_findings(report: Report) -> list[Finding]:
    """FORMAT-DRIFT findings: one per departure, or one pass."""
    base = dict(rule="FORMAT-DRIFT", severity=SEVERITY_WARNING)
    out = []
    if (
        report.year
        and report.year >= FIRST_2021_FORMAT_YEAR
        and (report.format_version == form.FORMAT_2019 or report.has_row(form.T3, "other_single"))
    ):
        out.append(
            Finding(
                **base,
                status=FAIL,
                scope="trial_format",
                message=f"{report.year} report uses the 2019 trial format rows",
                message_zh=f"{report.year}年度报告仍使用2019年试行格式",
            )
        )
    for row in report.missing_rows:
        out.append(
            Finding(
                **base,
                status=FAIL,
                scope=f"missing:{row}",
                cells=[row],
                message=f"row {row} of the form is missing",
                message_zh=f"缺少表格行 {row}",
            )
        )
    for label in report.extra_rows:
        out.append(
            Finding(
                **base,
                status=FAIL,
                scope=f"extra:{label}",
                message=f"row {label!r} is not on the form",
                message_zh=f"多出表格行“{label}”",
            )
        )
    return out or [
        Finding(
            **base,
            status=PASS,
            scope="*",
            message="rows as on the form",
            message_zh="表格行与格式一致",
        )
    ]


def deadline(year: int, level: str) -> date | None:
    md = DEADLINES.get(level or "")
    return date(year + 1, *md) if md and year else None


def late_findings(report: Report) -> list[Finding]:
    """LATE: one finding, pass / fail / not assessable (no date or level)."""
    base = dict(rule="LATE", severity=SEVERITY_WARNING, scope="deadline")
    due = deadline(report.year, report.level)
    if due is None or not report.published:
        return [
            Finding(
                **base,
                status=NOT_ASSESSABLE,
                message="publication date, year or level unknown",
                message_zh="发布日期、年度或机关层级不明，无法判断是否逾期",
            )
        ]
    published = date.fromisoformat(report.published[:10])
    days = (published - due).days
    ok = days <= 0
    return [
        Finding(
            **base,
            status=PASS if ok else FAIL,
            expected=0,
            actual=max(days, 0),
            message=f"published {published}, deadline {due}"
            + ("" if ok else f": {days} days late"),
            message_zh=f"发布于{published}，法定期限{due}" + ("" if ok else f"，逾期{days}天"),
        )
    ]
