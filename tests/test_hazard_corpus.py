"""The hazard corpus (demo/hazards.py): layouts that broke the parser on reports no one here
made, rendered into real HTML / PDF / DOCX / text files, parsed and checked like any download.

Every hazard must read cell for cell right, lose no row, find every injected error and no
other hard finding; the corpus itself must stay independent of the parser (no imports)."""

from __future__ import annotations

import ast
import inspect
import io
import random
import sys
from pathlib import Path

import pdfplumber
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import parse_eval  # noqa: E402

from checks import run_checks  # noqa: E402
from demo import hazards  # noqa: E402
from demo.corpus import Agency, make_truth  # noqa: E402
from demo.render_pdf import PdfStyle, render_pdf  # noqa: E402
from nianbao import form  # noqa: E402
from parsers import parse_bytes  # noqa: E402

# The modules that describe truth and layouts, and render them: none may import the parsers.
CORPUS_MODULES = (
    "demo/corpus.py",
    "demo/layout.py",
    "demo/hazards.py",
    "demo/variants.py",
    "demo/render_html.py",
    "demo/render_pdf.py",
    "demo/render_docx.py",
    "demo/render_text.py",
)


@pytest.fixture(scope="module")
def cases() -> dict[str, list]:
    out: dict[str, list] = {}
    for c in hazards.build(per_hazard=3, seed=5):
        out.setdefault(c.variant, []).append(c)
    return out


def test_the_default_corpus_has_200_reports_and_20_of_each_hazard():
    per = inspect.signature(hazards.build).parameters["per_hazard"].default
    assert per >= 20 and per * len(hazards.HAZARDS) >= 200
    assert len(set(hazards.NAMES)) == len(hazards.HAZARDS) >= 6
    assert "fees_2025" in hazards.NAMES and "t4_blank_group" in hazards.NAMES


@pytest.mark.parametrize("path", CORPUS_MODULES)
def test_corpus_modules_never_import_the_parsers(path):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    imported = [
        n.module if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    ]
    assert not [m for m in imported if m and m.split(".")[0] == "parsers"], imported


@pytest.mark.parametrize("hazard", hazards.NAMES)
def test_every_hazard_reads_right_loses_no_row_and_flags_only_what_was_injected(cases, hazard):
    for case in cases[hazard]:
        got = parse_bytes(case.data, filename=case.filename, url=case.url)
        _, _, wrong_cells, wrong_fields = parse_eval.compare(
            case.truth, got, region_code=case.region_code, expect_published=True
        )
        assert wrong_cells == [] and wrong_fields == [], (case.id, wrong_fields, wrong_cells[:5])
        assert parse_eval.rows_lost(case.truth, got) == ([], [])
        findings = run_checks(got)
        failing, unassessable = parse_eval.hard_findings(findings)
        assert failing == {(f["rule"], f["scope"]) for f in case.expect_findings}, case.id
        assert unassessable == set(), case.id
        assert parse_eval.label_problems(case.truth, got, findings) == []


def test_a_share_of_the_corpus_carries_injected_errors(cases):
    injected = [c for cs in cases.values() for c in cs if c.expect_findings]
    assert 5 <= len(injected) < sum(len(cs) for cs in cases.values())


def test_a_blank_t4_group_reads_as_blanks_not_as_a_missing_group(cases):
    case = cases["t4_blank_group"][0]
    blank = {c.row for c in case.truth.cells if c.table == form.T4 and c.value is None}
    assert len(blank) == 1
    got = parse_bytes(case.data, filename=case.filename)
    cells = [c for c in got.cells if c.table == form.T4 and c.row in blank]
    assert len(cells) == 5 and all(c.value is None and c.raw == "" for c in cells)
    assert not [m for m in got.missing_rows if m.startswith("t4.")]


def test_the_2025_fee_section_is_read_into_t5_and_sections_still_found(cases):
    for case in cases["fees_2025"]:
        got = parse_bytes(case.data, filename=case.filename)
        row = {c.col: c for c in got.cells if c.table == form.T5}
        assert set(row) == set(form.T5_COLUMNS)
        assert row["notified_amount_yuan"].unit == "元" and row["notified_count"].unit is None
        assert {"一", "二", "三", "四", "五", "六", "信息处理费收取情况"} <= set(got.sections)
        assert got.sections["五"].startswith("六、存在的主要问题")


def test_trial_format_negative_changes_and_yuan_amounts_pass_domain(cases):
    for case in cases["trial_negative"]:
        got = parse_bytes(case.data, filename=case.filename)
        assert got.format_version == form.FORMAT_2019
        assert any(c.col == "change" and c.value < 0 for c in got.cells)
        domain = [f for f in run_checks(got) if f.rule == "DOMAIN" and f.status == "fail"]
        assert all(f.scope == "t3.granted.commercial" for f in domain)  # only injected ones


def _bottom_lines(pdf: bytes, page: int) -> tuple[float, float]:
    """(lowest horizontal rule, lowest end of a vertical rule) of a page, top-down."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        lines = doc.pages[page].lines
    h = [ln["top"] for ln in lines if abs(ln["top"] - ln["bottom"]) < 1]
    v = [ln["bottom"] for ln in lines if abs(ln["x0"] - ln["x1"]) < 1]
    return max(h), max(v)


def test_the_open_break_rendering_leaves_the_last_row_without_its_rule(cases):
    """The generator draws what the hazard says (checked with pdfplumber, not with ours)."""
    case = cases["pdf_break_open_row"][0]
    h, v = _bottom_lines(case.data, 1)  # 表三 starts on page 1 (0-based) and breaks
    assert v > h + 10  # vertical rules run past the last horizontal one: no closing rule
    agency = Agency("清河市财政局", "本局", "示范省清河市", "department", "large")
    t = make_truth(random.Random(1), agency, 2023, "2024-01-20", "pdf")
    h, v = _bottom_lines(render_pdf(t, style=PdfStyle()), 1)
    assert abs(v - h) < 1  # the ordinary rendering closes every row
