"""The printed layout of the three standard tables, shared by the HTML, PDF and DOCX renderers.

A layout is a list of rows, each a list of cells with rowspan/colspan, in the order an
HTML table writes them (the official template's merged cells: see
/work/shared/samples/shizuishan-emergency-2023.txt). :func:`place` turns it into grid
coordinates for renderers that need them (reportlab SPAN, python-docx merge).
All row and column labels come from nianbao.form.
"""

from __future__ import annotations

from dataclasses import dataclass

from nianbao import form
from nianbao.model import Report

# Header texts printed on the form that are not row or column labels (form.py has none).
T3_RULE_TEXT = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_APPLICANTS = "申请人情况"
T3_ORGS = "法人或其他组织"
T2_CONTENT = "信息内容"

HEADER, LABEL, VALUE, BLANK = "header", "label", "value", "blank"


@dataclass(frozen=True)
class LCell:
    """One printed cell: text, its span, and what it is (header, row label, value, blank)."""

    text: str
    role: str
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Layout:
    table: str
    ncols: int
    rows: list[list[LCell]]
    header_rows: int  # rows before the first data row


def _h(text: str, rowspan: int = 1, colspan: int = 1) -> LCell:
    return LCell(text, HEADER, rowspan, colspan)


def _l(text: str, rowspan: int = 1, colspan: int = 1) -> LCell:
    return LCell(text, LABEL, rowspan, colspan)


def _values(report: Report, table: str, row: str, cols) -> list[LCell]:
    out = []
    for col in cols:
        cell = report.cell(table, row, col)
        out.append(LCell(cell.raw if cell is not None else "", VALUE))
    return out


def t2_layout(report: Report, pad_blanks: bool = False) -> Layout:
    """表二: one block row per 第二十条 item, a 信息内容 header row, then its rows (4 columns).

    One-value blocks print their value in a cell spanning the three value columns, or, with
    ``pad_blanks`` (as many editors do), in the first column followed by two blank cells.
    """
    rows: list[list[LCell]] = []
    blocks: dict[str, list[form.Row]] = {}
    for r in form.T2_ROWS:
        blocks.setdefault(r.block, []).append(r)
    for block, block_rows in blocks.items():
        rows.append([_h(block, colspan=4)])
        cols = block_rows[0].columns
        labels = [form.T2_COLUMNS[c].label for c in cols]
        if len(cols) == 3:
            rows.append([_h(T2_CONTENT)] + [_h(x) for x in labels])
        elif pad_blanks:
            rows.append([_h(T2_CONTENT), _h(labels[0]), LCell("", BLANK), LCell("", BLANK)])
        else:
            rows.append([_h(T2_CONTENT), _h(labels[0], colspan=3)])
        for r in block_rows:
            vals = _values(report, form.T2, r.key, cols)
            if len(cols) == 1 and pad_blanks:
                vals += [LCell("", BLANK), LCell("", BLANK)]
            elif len(cols) == 1:
                vals = [LCell(vals[0].text, VALUE, colspan=3)]
            rows.append([_l(r.label)] + vals)
    return Layout(form.T2, 4, rows, header_rows=0)


def t3_layout(
    report: Report,
    rows: list[form.Row] | None = None,
    labels: dict[str, str] | None = None,
    extra_values: dict[str, list[str]] | None = None,
) -> Layout:
    """表三: 3 header rows (rule text, 申请人情况, 法人或其他组织), 25 data rows, 3 label columns.

    ``rows`` replaces the form's rows (another order, a row left out, the trial format's single
    （六）其他处理 row, or rows the form does not have); ``labels`` prints other spellings of
    row labels; ``extra_values`` gives the printed values of rows that have no truth cells."""
    cols = [c.key for c in form.T3_COLUMNS]
    col_labels = {c.key: c.label for c in form.T3_COLUMNS}
    orgs = [c for c in form.T3_APPLICANT_COLUMNS if c != "natural_person"]
    out: list[list[LCell]] = [
        [_h(T3_RULE_TEXT, rowspan=3, colspan=3), _h(T3_APPLICANTS, colspan=7)],
        [
            _h(col_labels["natural_person"], rowspan=2),
            _h(T3_ORGS, colspan=5),
            _h(col_labels["total"], rowspan=2),
        ],
        [_h(col_labels[c]) for c in orgs],
    ]
    rows = list(form.T3_ROWS) if rows is None else list(rows)
    labels = labels or {}
    results_block = form.T3_ROWS[2].block  # 三、本年度办理结果

    def run_length(i: int, same) -> int:
        n = 0
        while i + n < len(rows) and same(rows[i + n]):
            n += 1
        return n

    for i, r in enumerate(rows):
        lead: list[LCell] = []
        label = labels.get(r.key, r.label)
        prev = rows[i - 1] if i else None
        if r.block == "":
            lead = [_l(label, colspan=3)]
        else:
            if prev is None or prev.block == "":
                lead.append(_l(results_block, rowspan=run_length(i, lambda x: x.block != "")))
            if r.block == results_block:
                lead.append(_l(label, colspan=2))
            else:
                if prev is None or prev.block != r.block:
                    lead.append(
                        _l(
                            r.block,
                            rowspan=run_length(i, lambda x, block=r.block: x.block == block),
                        )
                    )
                lead.append(_l(label))
        if extra_values and r.key in extra_values:
            vals = [LCell(v, VALUE) for v in extra_values[r.key]]
        else:
            vals = _values(report, form.T3, r.key, cols)
        out.append(lead + vals)
    return Layout(form.T3, 10, out, header_rows=3)


def t2_layout_2019(report: Report) -> Layout:
    """表二 of the 2019–2020 trial format: per 第二十条 item a block row, a 信息内容 header row with
    that block's columns (三 or two; the last one spans what is left of the 4 columns), its rows."""
    rows: list[list[LCell]] = []
    blocks: dict[str, list[form.Row]] = {}
    for r in form.T2_ROWS_2019:
        blocks.setdefault(r.block, []).append(r)
    for block, block_rows in blocks.items():
        rows.append([_h(block, colspan=4)])
        cols = block_rows[0].columns
        span = 4 - len(cols)
        heads = [_h(form.T2_COLUMNS_2019[c].label) for c in cols]
        heads[-1] = _h(heads[-1].text, colspan=span)
        rows.append([_h(T2_CONTENT)] + heads)
        for r in block_rows:
            vals = _values(report, form.T2, r.key, cols)
            vals[-1] = LCell(vals[-1].text, VALUE, colspan=span)
            rows.append([_l(r.label)] + vals)
    return Layout(form.T2, 4, rows, header_rows=0)


def t4_layout(report: Report) -> Layout:
    """表四: 行政复议 / 行政诉讼 over two header rows, the column labels, one row of 15 numbers."""
    review, direct, after = form.T4_GROUPS
    top = direct.label.split()[0]  # 行政诉讼
    parts = [c.label for c in form.T4_COLUMNS]
    rows = [
        [_h(review.label, colspan=5), _h(top, colspan=10)],
        [_h(p, rowspan=2) for p in parts]
        + [_h(direct.label.split()[-1], colspan=5), _h(after.label.split()[-1], colspan=5)],
        [_h(p) for p in parts] * 2,
        [
            v
            for g in form.T4_GROUPS
            for v in _values(report, form.T4, g.key, [c.key for c in form.T4_COLUMNS])
        ],
    ]
    return Layout(form.T4, 15, rows, header_rows=3)


def t5_layout(report: Report, row_label: str | None = None) -> Layout:
    """表五 信息处理费收取情况 (an inserted section of some 2025 reports): a header row of the
    three column labels and one row of values; with ``row_label``, a label column on the left."""
    cols = list(form.T5_COLUMNS.values())
    row = form.T5_ROWS[0]
    head = [_h(c.label) for c in cols]
    vals = _values(report, form.T5, row.key, [c.key for c in cols])
    if row_label is not None:
        head = [_h("项目")] + head
        vals = [_l(row_label)] + vals
    return Layout(form.T5, len(head), [head, vals], header_rows=1)


def layout(report: Report, table: str, pad_blanks: bool = False) -> Layout:
    """The layout of one standard table of ``report``."""
    if table == form.T2:
        return t2_layout(report, pad_blanks)
    if table == form.T5:
        return t5_layout(report)
    return t3_layout(report) if table == form.T3 else t4_layout(report)


def place(lay: Layout) -> list[tuple[int, int, LCell]]:
    """Grid positions (row, column, cell) of every printed cell, skipping covered slots."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(lay.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return out
