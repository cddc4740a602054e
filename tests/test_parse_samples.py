"""The two real samples in ../shared/samples: every 表三 cell (175 per report), 表二, 表四."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from nianbao import form
from parsers import PARSER_ID, parse_bytes, parse_file

SAMPLES = (
    Path(os.environ.get("NIANBAO_SHARED") or Path(__file__).resolve().parents[2] / "shared")
    / "samples"
)
HUAIAN = SAMPLES / "huaian-city-2024.pdf"
SHIZUISHAN = SAMPLES / "shizuishan-emergency-2023.txt"

T3_COLS = [c.key for c in form.T3_COLUMNS]

# 淮安市人民政府 2024, read by hand from the PDF (pages 4-5); columns in form order:
# 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计.
HUAIAN_T3 = {
    "new_requests": [3001, 53, 0, 0, 61, 4, 3119],
    "carried_over": [34, 0, 0, 0, 0, 0, 34],
    "granted": [1288, 21, 0, 0, 50, 3, 1362],
    "partially_granted": [447, 7, 0, 0, 0, 0, 454],
    "withheld_state_secret": [2, 0, 0, 0, 0, 0, 2],
    "withheld_prohibited_by_law": [30, 1, 0, 0, 0, 0, 31],
    "withheld_three_safeties": [5, 0, 0, 0, 0, 0, 5],
    "withheld_third_party": [6, 0, 0, 0, 0, 0, 6],
    "withheld_internal_affairs": [7, 1, 0, 0, 0, 0, 8],
    "withheld_process_info": [12, 0, 0, 0, 0, 0, 12],
    "withheld_enforcement_file": [9, 0, 0, 0, 0, 0, 9],
    "withheld_admin_query": [105, 0, 0, 0, 0, 0, 105],
    "unavailable_not_held": [746, 12, 0, 0, 10, 1, 769],
    "unavailable_needs_creation": [11, 0, 0, 0, 0, 0, 11],  # row label split by the page break
    "unavailable_unclear": [1, 0, 0, 0, 0, 0, 1],
    "rejected_complaint": [56, 6, 0, 0, 0, 0, 62],
    "rejected_duplicate": [25, 0, 0, 0, 0, 0, 25],
    "rejected_publication": [0, 0, 0, 0, 0, 0, 0],
    "rejected_excessive": [0, 0, 0, 0, 0, 0, 0],
    "rejected_reconfirm": [1, 0, 0, 0, 0, 0, 1],
    "other_no_correction": [67, 3, 0, 0, 1, 0, 71],
    "other_no_fee": [6, 0, 0, 0, 0, 0, 6],
    "other_other": [108, 2, 0, 0, 0, 0, 110],
    "total": [2932, 53, 0, 0, 61, 4, 3050],
    "carried_forward": [103, 0, 0, 0, 0, 0, 103],
}
HUAIAN_T2 = {
    ("regulations", "issued"): 1,
    ("regulations", "repealed"): 0,
    ("regulations", "in_force"): 11,
    ("normative_documents", "issued"): 8,
    ("normative_documents", "repealed"): 26,
    ("normative_documents", "in_force"): 66,
    ("licensing", "decisions"): 447228,
    ("penalties", "decisions"): 3985758,
    ("enforcement", "decisions"): 88283,
    ("fees", "amount_10k_yuan"): 96171.6,
}
# 表四: (upheld, corrected, other, pending, total) per group.
HUAIAN_T4 = {
    "review": [72, 64, 178, 37, 351],
    "litigation_direct": [13, 4, 8, 1, 26],
    "litigation_after_review": [12, 1, 1, 6, 20],
}

SHIZUISHAN_T3 = {r.key: [0] * 7 for r in form.T3_ROWS}
SHIZUISHAN_T2 = {
    ("regulations", "issued"): 0,
    ("regulations", "repealed"): 0,
    ("regulations", "in_force"): 0,
    ("normative_documents", "issued"): 0,
    ("normative_documents", "repealed"): 0,
    ("normative_documents", "in_force"): 7,
    ("licensing", "decisions"): 360,
    ("penalties", "decisions"): 31,
    ("enforcement", "decisions"): 0,
    ("fees", "amount_10k_yuan"): 0,
}
SHIZUISHAN_T4 = {g.key: [0] * 5 for g in form.T4_GROUPS}


def _need(p: Path) -> None:
    if not p.exists():
        pytest.skip(f"sample {p} not present (expected the shared samples folder next to the repo)")


def _check_expected_is_consistent(t3: dict[str, list[int]], t4: dict[str, list[int]]) -> None:
    """The hand-read expectations themselves satisfy the form's rules (catches typos in them)."""
    for i, _c in enumerate(T3_COLS):
        assert (
            t3["new_requests"][i] + t3["carried_over"][i]
            == t3["total"][i] + t3["carried_forward"][i]
        )
        assert sum(t3[k][i] for k in form.T3_RESULT_ROWS) == t3["total"][i]
    for k, v in t3.items():
        assert sum(v[:6]) == v[6], k
    for g, v in t4.items():
        assert sum(v[:4]) == v[4], g


def _compare(report, t2, t3, t4) -> tuple[int, list[str]]:
    wrong = []
    n = 0
    for row, vals in t3.items():
        for col, v in zip(T3_COLS, vals):
            n += 1
            c = report.cell(form.T3, row, col)
            if c is None or c.value != v or isinstance(c.value, bool):
                wrong.append(f"t3.{row}.{col}: expected {v}, got {None if c is None else c.value}")
    for (row, col), v in t2.items():
        n += 1
        c = report.cell(form.T2, row, col)
        if c is None or c.value != v:
            wrong.append(f"t2.{row}.{col}: expected {v}, got {None if c is None else c.value}")
    for g, vals in t4.items():
        for col, v in zip([c.key for c in form.T4_COLUMNS], vals):
            n += 1
            c = report.cell(form.T4, g, col)
            if c is None or c.value != v:
                wrong.append(f"t4.{g}.{col}: expected {v}, got {None if c is None else c.value}")
    return n, wrong


def test_expectations_are_consistent():
    _check_expected_is_consistent(HUAIAN_T3, HUAIAN_T4)
    _check_expected_is_consistent(SHIZUISHAN_T3, SHIZUISHAN_T4)


def test_huaian_pdf():
    _need(HUAIAN)
    r = parse_file(HUAIAN)
    assert r.status == "parsed", r.error
    assert r.doc_format == "pdf"
    assert r.parser == PARSER_ID
    assert r.agency == "淮安市人民政府"
    assert r.year == 2024
    assert r.format_version == form.FORMAT_2021
    assert "2024 年政府信息公开工作年度报告" in r.text or "2024年政府信息公开工作年度报告" in r.text
    n, wrong = _compare(r, HUAIAN_T2, HUAIAN_T3, HUAIAN_T4)
    assert not wrong, wrong
    assert n == 175 + 10 + 15
    assert len([c for c in r.cells if c.table == form.T3]) == 175
    assert r.missing_rows == [] and r.extra_rows == []
    assert r.warnings == []
    # provenance: page and cell box of a value on each side of the page break
    c = r.cell(form.T3, "new_requests", "total")
    assert c.source.page == 4 and c.source.bbox is not None and c.raw == "3119"
    c = r.cell(form.T3, "unavailable_needs_creation", "natural_person")
    assert c.source.page == 5 and c.raw == "11"
    x0, top, x1, bottom = c.source.bbox
    assert x0 < x1 and top < bottom
    assert r.cell(form.T2, "fees", "amount_10k_yuan").source.page == 4
    assert r.cell(form.T4, "review", "total").source.page == 5


def test_shizuishan_text():
    _need(SHIZUISHAN)
    r = parse_file(SHIZUISHAN)
    assert r.status == "parsed", r.error
    assert r.doc_format == "text"
    assert r.agency == "石嘴山市应急管理局"
    assert r.year == 2023
    assert r.format_version == form.FORMAT_2021
    n, wrong = _compare(r, SHIZUISHAN_T2, SHIZUISHAN_T3, SHIZUISHAN_T4)
    assert not wrong, wrong
    assert len([c for c in r.cells if c.table == form.T3]) == 175
    assert r.missing_rows == [] and r.extra_rows == []
    # provenance for text: table / row / column of the tab-separated grid
    c = r.cell(form.T2, "licensing", "decisions")
    assert c.raw == "360" and c.source.table is not None and c.source.row is not None
    assert "72 余条" in r.text


def test_json_roundtrip():
    _need(SHIZUISHAN)
    from nianbao.model import Report

    r = parse_file(SHIZUISHAN)
    d = r.to_dict()
    r2 = Report.from_dict(d)
    assert r2.value(form.T2, "licensing", "decisions") == 360


def test_cli_json(capsys):
    _need(SHIZUISHAN)
    import json

    from parsers import main

    assert main(["parse", str(SHIZUISHAN), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["agency"] == "石嘴山市应急管理局" and out["status"] == "parsed"


def test_speed_huaian():
    """Prints (does not assert) parse speed on the Huaian PDF."""
    _need(HUAIAN)
    data = HUAIAN.read_bytes()
    parse_bytes(data)
    n = 20
    t = time.perf_counter()
    for _ in range(n):
        parse_bytes(data, filename=HUAIAN.name)
    dt = (time.perf_counter() - t) / n
    print(f"\nHuaian PDF (6 pages): {dt * 1000:.1f} ms/report, {1 / dt:.1f} reports/s on one core")
