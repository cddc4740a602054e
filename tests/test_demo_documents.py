"""The rendered documents read back: PDF with pdfplumber, DOCX with python-docx, HTML markup."""

from __future__ import annotations

import io
import random

import docx
import pdfplumber
import pytest

from demo import corpus
from demo.render_docx import render_docx
from demo.render_html import PLAIN, WORD, article_html, table_html
from demo.render_pdf import render_pdf
from nianbao import form


@pytest.fixture(scope="module")
def truth():
    agency = corpus.Agency("清河市人民政府", "市政府", "示范省清河市", "government", "large")
    return corpus.make_truth(random.Random(7), agency, 2023, "2024-02-15", "pdf")


def raw(t, table, row):
    cols = [c.key for c in (form.T3_COLUMNS if table == form.T3 else form.T4_COLUMNS)]
    return [t.report.cell(table, row, c).raw for c in cols]


def test_pdf_reads_back(truth):
    data = render_pdf(truth)
    assert data.startswith(b"%PDF") and len(data) < 40_000
    assert render_pdf(truth) == data  # deterministic bytes
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "".join(p.extract_text() for p in pdf.pages)
        assert "清河市人民政府" in text and "2023年政府信息公开工作年度报告" in text
        assert form.TABLE_TITLES[form.T3] in text
        tables = [(p.page_number, t) for p in pdf.pages for t in p.extract_tables()]
    # 表二, 表三 in two parts (it always breaks across a page), 表四.
    assert len(tables) == 4
    (p2, t2), (p3a, t3a), (p3b, t3b), (p4, t4) = tables
    assert p3b == p3a + 1
    assert t2[0][0] == "第二十条第（一）项"
    rows = {r[2] or r[0]: r[3:] for r in t3a[3:] + t3b if r[0] or r[2]}
    first = form.T3_ROWS[0]
    assert rows[first.label] == raw(truth, form.T3, first.key)
    assert rows[form.T3_ROWS[-1].label] == raw(truth, form.T3, "carried_forward")
    assert len(t3a) - 3 + len(t3b) == len(form.T3_ROWS)
    assert t4[-1] == [x for g in form.T4_GROUPS for x in raw(truth, form.T4, g.key)]


def test_docx_reads_back_with_merged_cells(truth):
    data = render_docx(truth)
    assert render_docx(truth) == data
    d = docx.Document(io.BytesIO(data))
    assert d.paragraphs[0].text == "清河市人民政府"
    assert d.core_properties.title == truth.title
    t2, t3, t4 = d.tables
    assert (len(t3.rows), len(t3.columns)) == (28, 10)
    xml = t3._tbl.xml
    assert 'w:gridSpan w:val="3"' in xml and 'w:vMerge w:val="restart"' in xml
    # A merged cell is the same cell object in every grid slot it covers.
    assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc
    assert t3.cell(5, 0)._tc is t3.cell(26, 0)._tc  # 三、本年度办理结果 over 22 rows
    assert t3.cell(5, 0).text == form.T3_ROWS[2].block
    for i, row in enumerate(form.T3_ROWS):
        cells = [c.text for c in t3.rows[3 + i].cells]
        assert row.label in cells[:3]
        assert cells[3:] == raw(truth, form.T3, row.key)
    assert [c.text for c in t4.rows[3].cells] == [
        x for g in form.T4_GROUPS for x in raw(truth, form.T4, g.key)
    ]
    assert t2.cell(0, 0)._tc is t2.cell(0, 3)._tc


def test_html_house_styles(truth):
    word = article_html(truth, WORD)
    assert '<font face="仿宋_GB2312">' in word and "<o:p></o:p>" in word
    assert 'rowspan="22"' in word and 'rowspan="8"' in word and 'colspan="5"' in word
    assert "&nbsp;" in word
    for heading in ("一、总体情况", form.TABLE_TITLES[form.T2], "六、其他需要报告的事项"):
        assert heading in word
    plain = table_html(truth.report, form.T2, PLAIN)
    assert "<td>&nbsp;</td>" not in plain and "&nbsp;</td>" in plain
    assert "<o:p>" not in plain
