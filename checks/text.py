"""TEXT-TABLE: figures stated in the report's prose must agree with its tables.

Each :class:`TextClaim` is a phrase real reports use ("本年度共收到政府信息公开申请12件",
"未收到政府信息公开申请", "行政复议2件") and the cells it states the value of.
The first sentence that matches is the claim; no match means the text states nothing and
no finding is made. Chinese numerals are converted with cn2an.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao import form
from nianbao.model import FAIL, NOT_ASSESSABLE, PASS, SEVERITY_WARNING, Finding, Report

RULE = "TEXT-TABLE"
NUM = r"(?P<n>[0-9０-９]+|[零〇一二两三四五六七八九十百千万]+)"
_T3, _T4 = form.T3, form.T4


@dataclass(frozen=True)
class TextClaim:
    scope: str
    pattern: str
    cells: tuple[tuple[str, str, str], ...]  # the text states the sum of these cells
    value: int | None = None  # for phrases without a number ("未收到…")
    what_zh: str = ""


CLAIMS: tuple[TextClaim, ...] = (
    TextClaim(
        "new_requests",
        r"(?:新收|收到|受理|接收)(?:各类|了)?(?:政府信息公开|依申请公开)?申请(?:共计|共|合计)?"
        + NUM
        + r"\s*(?:件|份|个|条)",
        ((_T3, "new_requests", "total"),),
        what_zh="本年新收申请",
    ),
    TextClaim(
        "new_requests",
        r"未(?:收到|受理|接到|接收)(?:任何|过)?(?:政府信息公开|依申请公开)?(?:的)?申请",
        ((_T3, "new_requests", "total"),),
        value=0,
        what_zh="本年新收申请",
    ),
    TextClaim(
        "carried_over",
        r"上年(?:度)?结转(?:政府信息公开)?(?:申请)?" + NUM + r"\s*件",
        ((_T3, "carried_over", "total"),),
        what_zh="上年结转申请",
    ),
    TextClaim(
        "review",
        r"行政复议(?:案件|申请)?(?:共|共计)?" + NUM + r"\s*(?:件|起)",
        ((_T4, "review", "total"),),
        what_zh="行政复议",
    ),
    TextClaim(
        "litigation",
        r"行政诉讼(?:案件)?(?:共|共计)?" + NUM + r"\s*(?:件|起)",
        ((_T4, "litigation_direct", "total"), (_T4, "litigation_after_review", "total")),
        what_zh="行政诉讼",
    ),
)
_COMPILED = [(c, re.compile(c.pattern)) for c in CLAIMS]

# 主动公开 N 条 with its channels in the same sentence: "…主动公开政府信息515条，通过网站公开45条，
# 微信公众号公开293条、微博公开105条，其他方式公开72余条。" — the channels must add up to N.
_PROACTIVE = re.compile(
    r"主动公开(?:政府)?信息(?:共计|共)?" + NUM + r"\s*(?:余)?条(?P<rest>[^。]*)"
)
_CHANNEL = re.compile(r"公开" + NUM + r"\s*(?P<q>余)?\s*条")


def to_int(text: str) -> int:
    """'12', '１２', '十二', '两百' → int."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    import cn2an  # (here: ~0.2 s to import, and most reports write their numbers in digits)

    return int(cn2an.cn2an(text, "smart"))


def _compact(text: str) -> str:
    # Reports break sentences over lines and pad numbers with spaces ("2023 年"); claims are
    # matched on the text without whitespace.
    return re.sub(r"\s+", "", text or "")


def text_findings(report: Report) -> list[Finding]:
    """TEXT-TABLE findings for one report (warnings)."""
    text = _compact(report.text)
    findings: list[Finding] = []
    seen: set[str] = set()
    for claim, rx in _COMPILED:
        if claim.scope in seen:
            continue
        m = rx.search(text)
        if not m:
            continue
        seen.add(claim.scope)
        try:
            stated = claim.value if claim.value is not None else to_int(m.group("n"))
        except (ValueError, TypeError):
            continue
        findings.append(
            _compare(report, claim.scope, stated, claim.cells, m.group(0), claim.what_zh)
        )
    findings.extend(_proactive(text))
    return findings


def _compare(report: Report, scope: str, stated: int, cells, quote: str, what: str) -> Finding:
    addresses = [".".join(c) for c in cells]
    base = dict(rule=RULE, severity=SEVERITY_WARNING, scope=scope, cells=addresses)
    present = [report.cell(*c) for c in cells]
    if any(c is None for c in present):
        return Finding(
            **base,
            status=NOT_ASSESSABLE,
            expected=stated,
            message=f"text says {quote!r} but the table cell is absent",
            message_zh=f"正文称“{quote}”，但表格中缺少对应单元格",
        )
    table_value = sum(c.value or 0 for c in present)
    ok = table_value == stated
    return Finding(
        **base,
        status=PASS if ok else FAIL,
        expected=stated,
        actual=table_value,
        message=f"text says {quote!r} ({stated}); the table says {table_value:g}",
        message_zh=f"正文“{quote}”（{what}{stated}）与表格（{table_value:g}）"
        + ("一致" if ok else "不一致"),
    )


def _proactive(text: str) -> list[Finding]:
    m = _PROACTIVE.search(text)
    if not m:
        return []
    channels = list(_CHANNEL.finditer(m.group("rest")))
    if len(channels) < 2:
        return []
    stated = to_int(m.group("n"))
    parts = sum(to_int(c.group("n")) for c in channels)
    approx = any(c.group("q") for c in channels)  # "72余条": a lower bound, not a count
    ok = parts == stated or (approx and parts <= stated)
    return [
        Finding(
            rule=RULE,
            severity=SEVERITY_WARNING,
            scope="proactive_channels",
            status=PASS if ok else FAIL,
            expected=stated,
            actual=parts,
            message=f"主动公开 {stated} 条 stated; the channels listed add up to {parts}",
            message_zh=f"正文称主动公开{stated}条，各渠道合计{parts}条"
            + ("" if ok else "，不一致"),
        )
    ]
