"""The hard consistency rules of the 2021 form, as data.

Each equality rule says, for every scope (a column, a row or a group), that a stated
figure equals the sum of its parts. ``stated`` and ``parts`` map a scope to the cells
involved, as (table, row, column) triples. The engine needs nothing else, so adding a
rule is adding an entry here. See docs/checks.md for why each rule holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nianbao import form
from nianbao.model import SEVERITY_ERROR, Report

CellRef = tuple[str, str, str]

T3_COLS = tuple(c.key for c in form.T3_COLUMNS)


def _is_trial_t3(report: Report) -> bool:
    """A single （六）其他处理 row (trial format) stands where the 2021 form has three."""
    return report.has_row(form.T3, "other_single") and not any(
        report.has_row(form.T3, r) for r in form.T3_OTHER_SPLIT
    )


def t3_rows(report: Report) -> tuple[str, ...]:
    """The 表三 row keys this report's format has, in form order."""
    keys = [r.key for r in form.T3_ROWS]
    if _is_trial_t3(report):
        i = keys.index(form.T3_OTHER_SPLIT[0])
        keys[i : i + len(form.T3_OTHER_SPLIT)] = ["other_single"]
    return tuple(keys)


def t3_result_rows(report: Report) -> tuple[str, ...]:
    """The result rows summed by （七）总计: everything from 予以公开 up to 总计."""
    keys = t3_rows(report)
    return keys[keys.index("granted") : keys.index("total")]


@dataclass(frozen=True)
class EqualityRule:
    """``sum(stated(scope)) == sum(parts(scope))`` for every scope."""

    id: str
    severity: str
    title_en: str
    title_zh: str
    scopes: Callable[[Report], tuple[str, ...]]
    stated: Callable[[Report, str], list[CellRef]]
    parts: Callable[[Report, str], list[CellRef]]


EQUALITY_RULES: tuple[EqualityRule, ...] = (
    EqualityRule(
        "T3-BALANCE",
        SEVERITY_ERROR,
        "new + carried over = total handled + carried forward",
        "本年新收 + 上年结转 = 办理结果总计 + 结转下年度",
        scopes=lambda r: T3_COLS,
        stated=lambda r, c: [(form.T3, "total", c), (form.T3, "carried_forward", c)],
        parts=lambda r, c: [(form.T3, "new_requests", c), (form.T3, "carried_over", c)],
    ),
    EqualityRule(
        "T3-RESULTS",
        SEVERITY_ERROR,
        "（七）总计 = sum of the result rows",
        "（七）总计 = 各项办理结果之和",
        scopes=lambda r: T3_COLS,
        stated=lambda r, c: [(form.T3, "total", c)],
        parts=lambda r, c: [(form.T3, row, c) for row in t3_result_rows(r)],
    ),
    EqualityRule(
        "T3-ROWSUM",
        SEVERITY_ERROR,
        "总计 column = sum of the six applicant columns",
        "总计列 = 自然人与各类法人或其他组织之和",
        scopes=t3_rows,
        stated=lambda r, row: [(form.T3, row, "total")],
        parts=lambda r, row: [(form.T3, row, c) for c in form.T3_APPLICANT_COLUMNS],
    ),
    EqualityRule(
        "T4-SUM",
        SEVERITY_ERROR,
        "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
        "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
        scopes=lambda r: tuple(g.key for g in form.T4_GROUPS),
        stated=lambda r, g: [(form.T4, g, "total")],
        parts=lambda r, g: [(form.T4, g, p) for p in form.T4_PARTS],
    ),
)

# DOMAIN: every cell holds what its column's domain (nianbao.form, per format version) allows.
DOMAIN_RULE = (
    "DOMAIN",
    SEVERITY_ERROR,
    "each cell within its column's domain",
    "数值应在所在栏目的取值范围内",
)
# domain → (test, what it allows in English, in Chinese)
DOMAIN_TESTS: dict[str, tuple[Callable[[float], bool], str, str]] = {
    form.COUNT: (lambda v: v >= 0 and v == int(v), "a non-negative integer", "非负整数"),
    form.AMOUNT: (lambda v: v >= 0, "a non-negative amount", "非负数额"),
    form.SIGNED: (lambda v: v == int(v), "an integer (a signed change)", "整数（增减数，可为负）"),
}
