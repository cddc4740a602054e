"""The hazard corpus: layouts that broke the parser on reports no one here made, as data.

Each :class:`Hazard` is one way real reports are printed that a parser written from the
official template gets wrong (issue 10, ../shared/FORMAT.md "Hazards", the two real pages in
../shared/real). A hazard is a transformation of the *printed layout* (demo/layout.py's rows
of cells with spans), of the drawing habits of the exporting office suite
(demo.render_pdf.PdfStyle) or of the truth report itself (a blank 表四 group, the 2025
信息处理费 section): never a call into the parser. This module, like demo/corpus.py and
demo/layout.py, imports nothing from ``parsers``: the corpus must not share the parser's
assumptions (a test keeps it so).

About 45 % of the reports also carry one injected error (demo.corpus.apply_defect), so the
corpus measures the checks' recall on what the parser read, not only the parser.

    build(per_hazard=22)  → [variants.Case], ~240 reports over the hazards below
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from demo import variants
from demo.corpus import (
    DEFECT_BALANCE,
    DEFECT_NEGATIVE,
    DEFECT_RESULTS,
    DEFECT_T4_SUM,
    DEFECTS,
    SECTION_OTHER,
    SECTION_PROBLEMS,
    DefectNotApplicable,
    Section,
    TruthReport,
    format_number,
    make_truth,
)
from demo.layout import (
    BLANK,
    HEADER,
    LABEL,
    VALUE,
    Layout,
    LCell,
    layout,
    place,
    t2_layout_2019,
    t3_layout,
    t5_layout,
)
from demo.render_pdf import RULED, PdfStyle
from nianbao import form
from nianbao.model import Cell

DEFECT_SHARE = 0.45  # reports that carry one injected error
CANONICAL_SECTIONS = ("一", "二", "三", "四", "五", "六")


@dataclass
class Rendering:
    """How one hazard case is printed: table layouts replacing the standard ones, the PDF
    drawing habits, the HTML house style."""

    layouts: dict[str, Layout] = field(default_factory=dict)
    pdf: PdfStyle = RULED
    html_style: str = "word"


Apply = Callable[[random.Random, TruthReport, str], Rendering]


@dataclass(frozen=True)
class Hazard:
    name: str
    formats: tuple[str, ...]  # rendered in these formats, in turn
    what: str  # what is printed
    seen: str  # where it was seen
    apply: Apply
    years: tuple[int, ...] = (2021, 2022, 2023, 2024)
    defects: tuple[str, ...] = DEFECTS


# --- layout transformations (pure data operations on demo.layout rows) ------------------------
def _rebuild(lay: Layout, placed: list[tuple[int, int, LCell]], nrows: int) -> Layout:
    """Rows in HTML order again from placed cells (top-left corner, cell)."""
    rows: list[list[LCell]] = [[] for _ in range(nrows)]
    for r, _c, cell in sorted(placed, key=lambda x: (x[0], x[1])):
        rows[r].append(cell)
    return Layout(lay.table, lay.ncols, rows, lay.header_rows)


def split_row(lay: Layout, r: int, cut: int, values_on: str) -> Layout:
    """Row ``r``'s own label (its rightmost label cell) printed over two grid rows, the tail in
    the next row's cell, as Word-converted PDFs do; the values on the ``head`` or ``tail`` row,
    blank cells on the other. Cells spanning the row grow by one row."""
    placed = place(lay)
    own = max((p for p in placed if p[0] == r and p[2].role == LABEL), key=lambda p: p[1])
    out: list[tuple[int, int, LCell]] = []
    for pr, pc, cell in placed:
        if pr > r:
            out.append((pr + 1, pc, cell))
        elif pr < r or cell.rowspan > 1:
            grow = pr + cell.rowspan - 1 >= r
            out.append((pr, pc, dataclasses.replace(cell, rowspan=cell.rowspan + grow)))
        elif (pr, pc) == own[:2]:
            out.append((r, pc, dataclasses.replace(cell, text=cell.text[:cut])))
            out.append((r + 1, pc, dataclasses.replace(cell, text=cell.text[cut:])))
        elif cell.role in (VALUE, BLANK):
            blank = LCell("", BLANK, 1, cell.colspan)
            head, tail = (cell, blank) if values_on == "head" else (blank, cell)
            out += [(r, pc, head), (r + 1, pc, tail)]
        else:
            out.append((pr, pc, dataclasses.replace(cell, rowspan=2)))
    return _rebuild(lay, out, len(lay.rows) + 1)


def retext(lay: Layout, texts: dict[str, str], roles=(HEADER, LABEL)) -> Layout:
    """Cells of the given roles printed with other texts (exact-text mapping)."""
    rows = [
        [
            dataclasses.replace(c, text=texts[c.text]) if c.role in roles and c.text in texts else c
            for c in row
        ]
        for row in lay.rows
    ]
    return Layout(lay.table, lay.ncols, rows, lay.header_rows)


def t3_row_index(key: str, rows: tuple[form.Row, ...] = form.T3_ROWS) -> int:
    """Layout row of a 表三 row key in the standard t3_layout."""
    return 3 + [r.key for r in rows].index(key)


# --- the hazards -----------------------------------------------------------------------------
def _pdf_open_break(rng, truth, fmt) -> Rendering:
    # row heights vary, so the page break falls after different rows
    return Rendering(pdf=PdfStyle(open_break=True, t3_padding=rng.choice((4, 5, 6, 7, 8, 9))))


NARROW_LABELS = ((30, 30, 64), (34, 34, 60), (36, 36, 72), (40, 40, 84))


def _pdf_unruled_narrow(rng, truth, fmt) -> Rendering:
    return Rendering(pdf=PdfStyle(ruled=False, t3_label_widths=rng.choice(NARROW_LABELS)))


# Rows whose labels are long enough to wrap in a Word table and be cut in a PDF export.
LONG_LABEL_ROWS = (
    "new_requests",
    "carried_over",
    "partially_granted",
    "withheld_prohibited_by_law",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "rejected_complaint",
    "rejected_excessive",
    "rejected_reconfirm",
    "other_no_correction",
    "other_no_fee",
    "carried_forward",
)


def _split_labels(rng, truth, fmt) -> Rendering:
    keys = sorted(
        rng.sample(LONG_LABEL_ROWS, rng.randint(1, 3)), key=t3_row_index, reverse=True
    )  # bottom first: indices above stay valid
    lay = layout(truth.report, form.T3)
    labels = {r.key: r.label for r in form.T3_ROWS}
    for key in keys:
        n = len(labels[key])
        lay = split_row(lay, t3_row_index(key), rng.randint(4, n - 3), rng.choice(("head", "tail")))
    return Rendering(layouts={form.T3: lay})


# Other printings of 表三's row labels seen in reports: (row key, label, differs in words).
# Wording variants are FORMAT-DRIFT label findings; punctuation variants are not.
VARIANT_LABELS: dict[str, tuple[tuple[str, bool], ...]] = {
    "other_other": (
        ("3.其它", True),
        ("（3）其他", False),
        ("3、其他情形", True),
        ("3.其他情况", True),
        ("③其他", False),
        ("其他", True),  # the enumerator is a digit, not punctuation
        ("3.其他处理", True),
    ),
    "new_requests": (("一、本年度新收政府信息公开申请数量", True),),
    "carried_over": (("二、上年度结转政府信息公开申请数量", True),),
    "partially_granted": (("（二）部分公开", True),),
    "unavailable_unclear": (("3.补正后申请内容仍不明确的", True),),
    "rejected_reconfirm": (("5.要求行政机关确认或重新出具已获取的信息", True),),
    "total": (("（七）合计", True), ("（七）总 计", False)),
    "carried_forward": (("四、结转下年度继续办理数量", True), ("四、结转至下年度继续办理", True)),
}


def _label_variants(rng, truth, fmt) -> Rendering:
    keys = ["other_other"] + rng.sample(sorted(set(VARIANT_LABELS) - {"other_other"}), 3)
    labels = {}
    for key in keys:
        text, words = rng.choice(VARIANT_LABELS[key])
        labels[key] = text
        if words:
            truth.report.row_labels[f"{form.T3}.{key}"] = text
    style = rng.choice(("word", "plain"))
    return Rendering(layouts={form.T3: t3_layout(truth.report, labels=labels)}, html_style=style)


# Other wordings of a row, as a writer rephrases it: the label alone no longer matches the
# form; only its place between the rows around it says which row it is.
REWORDED_LABELS = {
    "withheld_third_party": "4.会损害第三方合法权益的",
    "withheld_internal_affairs": "5.内部管理信息",
    "withheld_process_info": "6.过程性信息",
    "withheld_enforcement_file": "7.执法案卷信息",
    "unavailable_needs_creation": "2.需另行加工分析",
    "unavailable_unclear": "3.经补正仍不明确",
    "rejected_publication": "3.属于公开出版物",
}


def _reworded(rng, truth, fmt) -> Rendering:
    keys = rng.sample(sorted(REWORDED_LABELS), 2)
    labels = {k: REWORDED_LABELS[k] for k in keys}
    for k in keys:
        truth.report.row_labels[f"{form.T3}.{k}"] = REWORDED_LABELS[k]
    return Rendering(layouts={form.T3: t3_layout(truth.report, labels=labels)})


def _t4_blank_group(rng, truth, fmt) -> Rendering:
    rep = truth.report
    zero = [
        g.key
        for g in form.T4_GROUPS
        if all(rep.value(form.T4, g.key, c.key) == 0 for c in form.T4_COLUMNS)
    ]
    group = rng.choice(zero)  # (the truth was drawn with a zero group: see _truth)
    for c in rep.cells:
        if c.table == form.T4 and c.row == group:
            c.value, c.raw = None, ""
    return Rendering(html_style=rng.choice(("word", "plain")))


def _fees_2025(rng, truth, fmt) -> Rendering:
    """The 2025 section 五、信息处理费收取情况 with its one-row table; 存在的主要问题 and
    其他需要报告的事项 renumbered 六 and 七."""
    rep = truth.report
    n = rng.choice((0, 0, 1, 2, 3, 5))
    notified = round(n * rng.uniform(20, 400), rng.choice((0, 1, 2))) if n else 0.0
    collected = round(notified * rng.choice((1, 1, 0.5, 0)), 2) if n else 0.0
    values = {
        "notified_count": n,
        "notified_amount_yuan": notified,
        "collected_amount_yuan": collected,
    }
    for col, v in values.items():
        rep.cells.append(Cell(form.T5, "processing_fees", col, v, raw=format_number(v)))
        if col != "notified_count":
            rep.cells[-1].unit = "元"
    text = (
        f"本年度向{n}名申请人发出收取信息处理费通知，通知收取金额{format_number(notified)}元，"
        f"实际收取{format_number(collected)}元。"
        if n
        else "本年度未收取信息处理费。"
    )
    renumber = {
        SECTION_PROBLEMS: "六、存在的主要问题及改进情况",
        SECTION_OTHER: "七、其他需要报告的事项",
    }
    sections = [
        dataclasses.replace(s, heading=renumber.get(s.heading, s.heading)) for s in truth.sections
    ]
    sections.insert(4, Section(form.T5_TITLE, [text], form.T5))
    truth.sections[:] = sections
    rep.sections = dict.fromkeys(CANONICAL_SECTIONS + (form.T5_TITLE[2:],), "")
    label = rng.choice((None, "信息处理费", "收取情况"))
    return Rendering(
        layouts={form.T5: t5_layout(rep, label)}, html_style=rng.choice(("word", "plain"))
    )


def _rowspan_filler(rng, truth, fmt) -> Rendering:
    """pingtan-haitan-2025: 三、本年度办理结果 spans 19 rows (to （六）1); the rows （六）2,
    （六）3 and （七）总计 start with an extra empty cell spanning them, so （七）总计 sits at
    colspan=2 one column to the right."""
    lay = t3_layout(truth.report)
    keys = [r.key for r in form.T3_ROWS]
    first, last = keys.index("granted"), keys.index("other_no_correction")
    filler_at = t3_row_index("other_no_fee")
    results = form.T3_ROWS[first].block
    rows = []
    for i, row in enumerate(lay.rows):
        row = [
            dataclasses.replace(c, rowspan=last - first + 1)
            if c.role == LABEL and c.text == results
            else c
            for c in row
        ]
        if i == filler_at:
            row = [
                LCell("", BLANK, rowspan=keys.index("total") - keys.index("other_no_fee") + 1)
            ] + row
        rows.append(row)
    return Rendering(layouts={form.T3: Layout(lay.table, lay.ncols, rows, lay.header_rows)})


# Where Word and CMS editors break header words (<br/> in the cell, or two <p>).
HEADER_BREAKS = {
    "商业企业": "商业\n企业",
    "科研机构": "科研\n机构",
    "社会公益组织": "社会公益\n组织",
    "法律服务机构": "法律服务\n机构",
    "结果维持": "结果\n维持",
    "结果纠正": "结果\n纠正",
    "其他结果": "其他\n结果",
    "尚未审结": "尚未\n审结",
    "未经复议直接起诉": "未经复议\n直接起诉",
    "复议后起诉": "复议后\n起诉",
    "行政复议": "行政\n复议",
}


def _header_breaks(rng, truth, fmt) -> Rendering:
    chosen = dict(rng.sample(sorted(HEADER_BREAKS.items()), rng.randint(4, len(HEADER_BREAKS))))
    rep = truth.report
    return Rendering(
        layouts={t: retext(layout(rep, t), chosen, (HEADER,)) for t in (form.T3, form.T4)},
        html_style=rng.choice(("word", "plain")),
    )


PROCUREMENT_HEADERS = (
    ("采购总金额", None),
    ("采购总金额（元）", "元"),
    ("采购总金额（万元）", "万元"),
)


def _trial_negative(rng, truth, fmt) -> Rendering:
    """The 2019 trial format with net decreases in 本年增/减 and procurement amounts with
    decimals, in the unit its header prints (or none)."""
    rep = truth.report
    lays = variants._to_2019(rng, truth)
    changes = [c for c in rep.cells if c.table == form.T2 and c.col == "change"]
    for c in rng.sample(changes, rng.randint(1, 3)):
        c.value = -rng.randint(1, 9)
        c.raw = format_number(c.value)
    header, unit = rng.choice(PROCUREMENT_HEADERS)
    amount = rep.cell(form.T2, "procurement", "procurement_amount")
    amount.value = round(rng.uniform(1, 900000), 2)
    amount.raw, amount.unit = format_number(amount.value), unit
    lays[form.T2] = retext(t2_layout_2019(rep), {"采购总金额": header}, (HEADER,))
    return Rendering(layouts=lays, html_style=rng.choice(("word", "plain")))


def _fee_units(rng, truth, fmt) -> Rendering:
    """表二's fee amount printed in 元 (the form says 万元): in the cell ("251000元") or in the
    column header (本年收费金额（单位：元）); the truth stays in 万元, converted."""
    rep = truth.report
    fee = rep.cell(form.T2, "fees", "amount_10k_yuan")
    yuan = rng.randint(1, 900000) if rng.random() < 0.8 else 0
    fee.value, fee.unit = round(yuan / 10000, 6), "万元"
    lay = layout(rep, form.T2)
    if rng.random() < 0.5:
        fee.raw = f"{yuan}元"
    else:
        fee.raw = str(yuan)
        lay = retext(lay, {"本年收费金额（单位：万元）": "本年收费金额（单位：元）"}, (HEADER,))
    at = _fee_row(lay)
    rows = [
        [dataclasses.replace(c, text=fee.raw) if c.role == VALUE and i == at else c for c in row]
        for i, row in enumerate(lay.rows)
    ]
    return Rendering(layouts={form.T2: Layout(lay.table, lay.ncols, rows, lay.header_rows)})


def _fee_row(lay: Layout) -> int:
    label = next(r.label for r in form.T2_ROWS if r.key == "fees")
    return next(i for i, row in enumerate(lay.rows) if any(c.text == label for c in row))


HAZARDS: tuple[Hazard, ...] = (
    Hazard(
        "pdf_break_open_row",
        ("pdf",),
        "表三 breaks across pages; the last row on the page has no closing rule",
        "issue 10 (a 2023 district report: 2.没有现成信息需要另行制作 at the bottom margin)",
        _pdf_open_break,
    ),
    Hazard(
        "pdf_unruled_narrow",
        ("pdf",),
        "三线表 with a narrow label column: labels wrapped over two to five lines",
        "issue 10 (unruled PDFs lose 一、本年新收… and wrapped rows); FORMAT.md hazards",
        _pdf_unruled_narrow,
    ),
    Hazard(
        "pdf_split_labels",
        ("pdf", "docx"),
        "a long row label cut over two table rows, the values on the first or the second",
        "issue 10 (PDFs converted from Word: a label's tail in the next line's cell)",
        _split_labels,
    ),
    Hazard(
        "html_label_variants",
        ("html",),
        "表三 labels printed with other words or enumerators (3.其它, （3）其他, ③其他, 其他 …)",
        "issue 10 (HTML pages whose 3.其他 row was dropped)",
        _label_variants,
    ),
    Hazard(
        "reworded_labels",
        ("html", "docx", "text"),
        "two 表三 sub-rows reworded beyond recognition: only their place says which row",
        "FORMAT.md hazards (label typos), issue 10 (recover a row from the form's order)",
        _reworded,
    ),
    Hazard(
        "t4_blank_group",
        ("html", "pdf", "docx"),
        "a 表四 group printed as five empty cells",
        "issue 10; FORMAT.md hazards (a 表四 group printed all blank)",
        _t4_blank_group,
    ),
    Hazard(
        "fees_2025",
        ("html", "pdf", "docx"),
        "an inserted section 五、信息处理费收取情况 with a one-row table; 六, 七 renumbered",
        "FORMAT.md (real reports on 2025)",
        _fees_2025,
        years=(2025,),
    ),
    Hazard(
        "html_rowspan_filler",
        ("html",),
        "三、本年度办理结果 spans 19 rows; an empty rowspan cell pushes （七）总计 to colspan=2",
        "../shared/real/pingtan-haitan-2025.html",
        _rowspan_filler,
    ),
    Hazard(
        "html_header_breaks",
        ("html",),
        "header words broken by <br/> or over two <p> (商业/企业, 结果/维持, 复议后/起诉)",
        "../shared/real/pingtan-nongye-2023.html",
        _header_breaks,
    ),
    Hazard(
        "trial_negative",
        ("html", "pdf", "docx"),
        "2019 trial format: negative 本年增/减, procurement amounts with decimals, in 元",
        "issue 10 (every trial-format report was flagged by DOMAIN)",
        _trial_negative,
        years=(2019, 2020),
        defects=(DEFECT_BALANCE, DEFECT_RESULTS, DEFECT_T4_SUM, DEFECT_NEGATIVE),
    ),
    Hazard(
        "fee_units",
        ("html", "docx", "pdf"),
        '表二\'s fee amount in 元 (cell "251000元" or header 单位：元) where the form says 万元',
        "FORMAT.md hazards (units in cells)",
        _fee_units,
    ),
)
NAMES = tuple(h.name for h in HAZARDS)


# --- building --------------------------------------------------------------------------------
def _truth(rng, agency, year, published, fmt, hazard: Hazard) -> TruthReport:
    """A truth report with (sometimes) one injected error; drawn again until the hazard can
    apply (a blank 表四 group needs a group of zeros)."""
    while True:
        defect = rng.choice(hazard.defects) if rng.random() < DEFECT_SHARE else None
        try:
            truth = make_truth(rng, agency, year, published, fmt, defect=defect)
        except DefectNotApplicable:
            continue
        rep = truth.report
        if hazard.name == "t4_blank_group" and not any(
            all(rep.value(form.T4, g.key, c.key) == 0 for c in form.T4_COLUMNS)
            for g in form.T4_GROUPS
        ):
            continue
        rep.level = agency.level
        if hazard.name != "fees_2025":
            rep.sections = dict.fromkeys(CANONICAL_SECTIONS, "")
        return truth


def _render(truth: TruthReport, fmt: str, r: Rendering, page: Callable) -> bytes:
    from demo.render_docx import render_docx
    from demo.render_html import article_html
    from demo.render_pdf import render_pdf
    from demo.render_text import render_text

    rep = truth.report
    if fmt == "html":
        article = article_html(truth, r.html_style, layouts=r.layouts)
        return page(rep.title, rep.published, article, rep.agency, rep.year).encode()
    if fmt == "pdf":
        return render_pdf(truth, r.layouts, style=r.pdf)
    if fmt == "docx":
        return render_docx(truth, r.layouts)
    return render_text(truth, r.layouts)


def build(
    per_hazard: int = 22, seed: int = 10, hazards: tuple[str, ...] | None = None
) -> list[variants.Case]:
    """``per_hazard`` reports for each hazard (formats in turn), seeded."""
    rng = random.Random(seed)
    cases: list[variants.Case] = []
    for hz in HAZARDS:
        if hazards and hz.name not in hazards:
            continue
        for i in range(per_hazard):
            fmt = hz.formats[i % len(hz.formats)]
            agency, region, code = variants._agency(rng)
            year = rng.choice(hz.years)
            published = variants._published(rng, year)
            truth = _truth(rng, agency, year, published, fmt, hz)
            rendering = hz.apply(rng, truth, fmt)
            variants._signed(truth)
            n = len(cases)
            cid = f"{n:04d}-{hz.name}"
            url = (
                f"http://www.example.gov.cn/xxgk/ndbg/{year + 1}{published[5:7]}/"
                f"t{published.replace('-', '')}_{200000 + n}.html"
            )
            page = variants.page_trs if rng.random() < 0.7 else variants.page_layout_table
            data = _render(truth, fmt, rendering, page)
            truth.report.doc_format = fmt
            cases.append(
                variants.Case(
                    cid,
                    hz.name,
                    fmt,
                    f"{cid}.{variants.EXT[fmt]}",
                    url,
                    data,
                    truth.report,
                    region,
                    code,
                    expect_published=True,
                    hazards=[hz.name] + truth.defects,
                    expect_findings=truth.expected_findings,
                )
            )
    return cases
