"""Rules that compare reports with each other.

- T3-CARRY (warning): 上年结转 of year N equals 结转下年度继续办理 of year N−1, per column,
  same agency.
- T2-INFORCE (warning): 现行有效件数(N) = 现行有效件数(N−1) + 本年制发(N) − 本年废止(N).
- DUPLICATE (warning): text near-identical to another agency's report or to the same agency's
  previous year (内容雷同), found with MinHash LSH so it scales to tens of thousands of
  reports, then confirmed with the exact Jaccard similarity; or identical non-trivial tables.

Each function takes ``{report_id: Report}`` (current, parsed reports) and returns
``{report_id: [Finding]}`` for the reports it judged.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from nianbao import form
from nianbao.model import FAIL, NOT_ASSESSABLE, PASS, SEVERITY_WARNING, Finding, Report

if TYPE_CHECKING:
    from datasketch import MinHash, MinHashLSH

CORPUS_RULES = ("T3-CARRY", "T2-INFORCE", "DUPLICATE")

DUPLICATE_THRESHOLD = 0.85  # Jaccard similarity of distinctive 5-character shingles
SHINGLE = 5
NUM_PERM = 128
# A shingle found in more than this share of reports (and at least BOILERPLATE_MIN of them)
# is boilerplate — the 30号 preamble, section headings, stock phrases every report uses —
# and copying it is not 内容雷同. Only the rest is compared.
BOILERPLATE_SHARE = 0.05
BOILERPLATE_MIN = 5
MIN_DISTINCTIVE = 30  # fewer distinctive shingles than this: too little own text to compare


def _agency_key(name: str | None) -> str:
    return re.sub(r"\s+", "", name or "")


def _by_agency_year(reports: dict[str, Report]) -> dict[str, dict[int, str]]:
    series: dict[str, dict[int, str]] = defaultdict(dict)
    for rid, r in reports.items():
        if r.agency and r.year:
            series[_agency_key(r.agency)][r.year] = rid
    return series


def history_findings(reports: dict[str, Report]) -> dict[str, list[Finding]]:
    """T3-CARRY and T2-INFORCE for every report whose previous year is archived."""
    out: dict[str, list[Finding]] = defaultdict(list)
    for years in _by_agency_year(reports).values():
        for year, rid in years.items():
            prev_id = years.get(year - 1)
            if prev_id is None:
                continue
            cur, prev = reports[rid], reports[prev_id]
            for col in (c.key for c in form.T3_COLUMNS):
                out[rid].append(
                    _pair(
                        "T3-CARRY",
                        col,
                        prev_id,
                        stated=(cur, (form.T3, "carried_over", col)),
                        parts=[(prev, (form.T3, "carried_forward", col), 1, prev_id)],
                        en=f"carried over from {year - 1}",
                        zh=f"上年结转应等于{year - 1}年度结转下年度",
                    )
                )
            for row in ("regulations", "normative_documents"):
                out[rid].append(
                    _pair(
                        "T2-INFORCE",
                        row,
                        prev_id,
                        stated=(cur, (form.T2, row, "in_force")),
                        parts=[
                            (prev, (form.T2, row, "in_force"), 1, prev_id),
                            (cur, (form.T2, row, "issued"), 1, None),
                            (cur, (form.T2, row, "repealed"), -1, None),
                        ],
                        en=f"in force = {year - 1} in force + issued − repealed",
                        zh=f"现行有效件数应为{year - 1}年度现行有效件数加本年制发减本年废止",
                    )
                )
    return dict(out)


def _pair(rule, scope, prev_id, stated, parts, en, zh) -> Finding:
    def addr(ref, rid):
        return (f"{rid}:" if rid else "") + ".".join(ref)

    cur, ref = stated
    cells = [addr(ref, None)] + [addr(p[1], p[3]) for p in parts]
    base = dict(rule=rule, severity=SEVERITY_WARNING, scope=scope, cells=cells)
    values = [cur.cell(*ref)] + [p[0].cell(*p[1]) for p in parts]
    if any(v is None for v in values):
        return Finding(
            **base,
            status=NOT_ASSESSABLE,
            message=f"{en}: a cell is absent",
            message_zh=f"{zh}：缺少单元格，无法核对",
        )
    actual = values[0].value or 0
    expected = sum((v.value or 0) * p[2] for v, p in zip(values[1:], parts))
    ok = abs(actual - expected) < 1e-9
    return Finding(
        **base,
        status=PASS if ok else FAIL,
        expected=expected,
        actual=actual,
        message=f"{en} [{scope}]: stated {actual:g}, expected {expected:g}",
        message_zh=f"{zh}（{scope}）：填报{actual:g}，应为{expected:g}",
    )


# --- DUPLICATE ------------------------------------------------------------------------


def _shingles(report: Report) -> set[str]:
    # Copy-paste survives a change of agency name, year and figures: drop those first.
    text = report.text or ""
    if report.agency:
        text = text.replace(report.agency, "")
    text = re.sub(r"[\s\d０-９,，.。、；;：:（）()“”\"'《》·-]+", "", text)
    return {text[i : i + SHINGLE] for i in range(max(0, len(text) - SHINGLE + 1))}


def _distinctive(shingles: dict[str, set[str]]) -> dict[str, set[str]]:
    """Drop boilerplate shingles (see BOILERPLATE_SHARE) from every report's set."""
    df: Counter = Counter()
    for s in shingles.values():
        df.update(s)
    limit = max(BOILERPLATE_MIN, BOILERPLATE_SHARE * len(shingles))
    common = {s for s, n in df.items() if n > limit}
    return {rid: s - common for rid, s in shingles.items()} if common else shingles


def _numbers_key(report: Report) -> tuple | None:
    values = tuple(sorted((c.table, c.row, c.col, c.value) for c in report.cells))
    # Tables of zeros are common to every small agency: identical zeros prove nothing.
    return values if any(c.value for c in report.cells) else None


def _text_index(shingles: dict[str, set[str]]) -> tuple[MinHashLSH, dict[str, MinHash]]:
    """MinHash LSH over the reports with enough distinctive text."""
    # Imported here: datasketch brings scipy (~0.7 s), and every `nianbao` command and
    # nightly run imports this module, most of them (a no-change night) never comparing texts.
    from datasketch import MinHash, MinHashLSH

    ids = [rid for rid, s in shingles.items() if len(s) >= MIN_DISTINCTIVE]
    lsh = MinHashLSH(threshold=DUPLICATE_THRESHOLD * 0.9, num_perm=NUM_PERM)
    hashes = dict(
        zip(
            ids,
            MinHash.bulk(
                [[s.encode("utf-8") for s in shingles[rid]] for rid in ids], num_perm=NUM_PERM
            ),
        )
    )
    for rid, mh in hashes.items():
        lsh.insert(rid, mh)
    return lsh, hashes


def _duplicate(rid: str, other: str, o: Report, kind: str, jaccard: float | None) -> Finding:
    if kind == "text":
        return Finding(
            rule="DUPLICATE",
            severity=SEVERITY_WARNING,
            status=FAIL,
            scope=f"text:{other}",
            expected=DUPLICATE_THRESHOLD,
            actual=round(jaccard, 3),
            message=f"text {jaccard:.0%} identical to {o.agency} {o.year} ({other})",
            message_zh=f"正文与{o.agency}{o.year}年度报告雷同（相似度{jaccard:.0%}）",
        )
    return Finding(
        rule="DUPLICATE",
        severity=SEVERITY_WARNING,
        status=FAIL,
        scope=f"numbers:{other}",
        message=f"every table value identical to {o.agency} {o.year} ({other})",
        message_zh=f"表格数据与{o.agency}{o.year}年度报告完全相同",
    )


def duplicate_findings(reports: dict[str, Report]) -> dict[str, list[Finding]]:
    """DUPLICATE for every report: fail when another report has near-identical text
    (another agency, or the same agency's previous year) or identical non-zero tables."""
    shingles = _distinctive({rid: _shingles(r) for rid, r in reports.items()})
    lsh, hashes = _text_index(shingles)
    by_numbers: dict[tuple, list[str]] = defaultdict(list)
    for rid, r in reports.items():
        key = _numbers_key(r)
        if key is not None:
            by_numbers[key].append(rid)
    out: dict[str, list[Finding]] = {}
    for rid, r in reports.items():
        findings = []
        for other in lsh.query(hashes[rid]) if rid in hashes else []:
            if other == rid or not _comparable(r, reports[other]):
                continue
            a, b = shingles[rid], shingles[other]
            jaccard = len(a & b) / len(a | b)
            if jaccard >= DUPLICATE_THRESHOLD:
                findings.append(_duplicate(rid, other, reports[other], "text", jaccard))
        for other in by_numbers.get(_numbers_key(r) or (), []):
            if other != rid and _comparable(r, reports[other]):
                findings.append(_duplicate(rid, other, reports[other], "numbers", None))
        out[rid] = findings or [
            Finding(
                rule="DUPLICATE",
                severity=SEVERITY_WARNING,
                status=PASS,
                scope="*",
                message="no near-identical report found",
                message_zh="未发现雷同报告",
            )
        ]
    return out


def _comparable(a: Report, b: Report) -> bool:
    """内容雷同 is across agencies, or the same agency across years — not a report and its
    own copy in another format (HTML page and PDF attachment of one report)."""
    same_agency = _agency_key(a.agency) == _agency_key(b.agency)
    return not (same_agency and a.year == b.year)
