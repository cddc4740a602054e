"""FORMAT-DRIFT and LATE: how the report departs from the form and the calendar.

FORMAT-DRIFT (warning): trial-format (2019–2020) rows in a report for 2021 or later, rows
of the form that are missing (with why), rows the form does not have, and row labels printed
otherwise than on the form (beyond whitespace and punctuation: typos, other wordings).
LATE (warning): published after the deadline of the regulation in force for the report year
(``REGULATIONS``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from nianbao import form
from nianbao.model import FAIL, NOT_ASSESSABLE, PASS, SEVERITY_WARNING, Finding, Report


@dataclass(frozen=True)
class Regulation:
    """A version of the 条例 and the publication deadlines it sets, as (month, day) of the
    year after the report year, per level (``None``: every body)."""

    name: str
    first_year: int  # the first report year it governs
    last_year: int | None  # the last one (None: still in force)
    deadlines: dict[str | None, tuple[int, int]]


REGULATIONS: tuple[Regulation, ...] = (
    # 2008 条例 (国务院令第492号) Art. 31: every body by 31 March.
    Regulation(
        "《政府信息公开条例》（2007年，国务院令第492号）第三十一条", 2008, 2018, {None: (3, 31)}
    ),
    # 2019 revision (国务院令第711号, in force 2019-05-15) Art. 49: departments by 31 January,
    # people's governments at county level and above by 31 March. Reports on 2019 on.
    Regulation(
        "《政府信息公开条例》（2019年修订，国务院令第711号）第四十九条",
        2019,
        None,
        {"department": (1, 31), "government": (3, 31)},
    ),
)
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
        why = report.missing_reasons.get(row)
        out.append(
            Finding(
                **base,
                status=FAIL,
                scope=f"missing:{row}",
                cells=[row],
                message=f"row {row} of the form is missing" + (f": {why}" if why else ""),
                message_zh=f"缺少表格行 {row}" + (f"（{why}）" if why else ""),
            )
        )
    out += _label_findings(report)
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


def regulation(year: int | None) -> Regulation | None:
    """The regulation in force for reports on ``year`` (None before 2008)."""
    for reg in REGULATIONS:
        if year and reg.first_year <= year and (reg.last_year is None or year <= reg.last_year):
            return reg
    return None


def _form_labels(report: Report) -> dict[str, str]:
    """Row address → the label the form prints, for the report's format (表四's groups and
    the inserted 表五 have no row label of their own)."""
    t2 = form.T2_ROWS_2019 if report.format_version == form.FORMAT_2019 else form.T2_ROWS
    other = form.T2_ROWS if t2 is form.T2_ROWS_2019 else form.T2_ROWS_2019
    labels = {f"{form.T2}.{r.key}": r.label for r in other}  # a drifting 表二 mixes them
    labels.update({f"{form.T2}.{r.key}": r.label for r in t2})
    for r in form.T3_ROWS + (form.T3_OTHER_SINGLE,):
        labels[f"{form.T3}.{r.key}"] = r.label
    return labels


def letters(text: str) -> str:
    """The letters and digits of a label (NFKC): what is left when whitespace and
    punctuation are ignored.

    >>> letters("2、其他法律行政法规禁止公开") == letters("2.其他法律行政法规禁止公开")
    True
    """
    s = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in s if unicodedata.category(ch)[0] in "LN")


def _label_findings(report: Report) -> list[Finding]:
    """One finding per row whose label, as printed, differs from the form's beyond
    whitespace and punctuation (a typo, another wording, a missing enumerator)."""
    out = []
    known = _form_labels(report)
    for address, printed in report.row_labels.items():
        expected = known.get(address)
        if expected is None or letters(printed) == letters(expected):
            continue
        out.append(
            Finding(
                rule="FORMAT-DRIFT",
                severity=SEVERITY_WARNING,
                status=FAIL,
                scope=f"label:{address}",
                cells=[address],
                message=f"row {address} is printed '{printed}', the form says '{expected}'",
                message_zh=f"表格行 {address} 印作“{printed}”，格式为“{expected}”",
            )
        )
    return out


def deadline(year: int | None, level: str | None) -> date | None:
    """The publication deadline of a report on ``year`` by a body of ``level`` (None when the
    regulation in force distinguishes levels and the level is unknown)."""
    reg = regulation(year)
    if reg is None:
        return None
    md = reg.deadlines.get(None) or reg.deadlines.get(level or "")
    return date(year + 1, *md) if md else None


def late_findings(report: Report) -> list[Finding]:
    """LATE: one finding, pass / fail / not assessable (no date or level)."""
    base = dict(rule="LATE", severity=SEVERITY_WARNING, scope="deadline")
    due = deadline(report.year, report.level)
    if due is None or not report.published:
        unknown = [
            (en, zh)
            for en, zh, known in (
                ("publication date", "发布日期", report.published),
                ("report year", "报告年度", regulation(report.year)),
                ("level", "机关层级", due or not regulation(report.year)),
            )
            if not known
        ]
        return [
            Finding(
                **base,
                status=NOT_ASSESSABLE,
                message=", ".join(en for en, _ in unknown) + " unknown",
                message_zh="、".join(zh for _, zh in unknown) + "不明，无法判断是否逾期",
            )
        ]
    reg = regulation(report.year)
    published = date.fromisoformat(report.published[:10])
    days = (published - due).days
    ok = days <= 0
    return [
        Finding(
            **base,
            status=PASS if ok else FAIL,
            expected=0,
            actual=max(days, 0),
            message=f"published {published}, deadline {due} ({reg.name})"
            + ("" if ok else f": {days} days late"),
            message_zh=f"发布于{published}，法定期限{due}（{reg.name}）"
            + ("" if ok else f"，逾期{days}天"),
        )
    ]
