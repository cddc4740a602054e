"""Hazards on generated documents (reportlab PDF, python-docx DOCX, Word-paste HTML) and bad
input. The tables are laid out like real reports (merged label cells, a split header) from
nianbao.form's labels; values are distinct per cell so a shifted row or column shows."""

from __future__ import annotations

import io
import textwrap

import pytest

from nianbao import form
from parsers import parse_bytes

T3_COLS = [c.key for c in form.T3_COLUMNS]
T4_COLS = [c.key for c in form.T4_COLUMNS]
RESULTS = "三、本年度办理结果"


def t3_values() -> dict[str, list[int]]:
    out = {}
    for i, r in enumerate(form.T3_ROWS):
        v = [(i + 1) * 10 + j for j in range(6)]
        out[r.key] = v + [sum(v)]
    return out


def t4_values() -> dict[str, list[int]]:
    out = {}
    for i, g in enumerate(form.T4_GROUPS):
        v = [i * 10 + j + 1 for j in range(4)]
        out[g.key] = v + [sum(v)]
    return out


T2_VALUES = {
    ("regulations", "issued"): 1,
    ("regulations", "repealed"): 2,
    ("regulations", "in_force"): 13,
    ("normative_documents", "issued"): 8,
    ("normative_documents", "repealed"): 26,
    ("normative_documents", "in_force"): 66,
    ("licensing", "decisions"): 447228,
    ("penalties", "decisions"): 3985,
    ("enforcement", "decisions"): 88,
    ("fees", "amount_10k_yuan"): 96171.6,
}


# --- logical layouts: spans (row, col, rowspan, colspan, text) --------------------------------
def t2_spans() -> list[tuple]:
    s, r = [], 0
    blocks: dict[str, list] = {}
    for row in form.T2_ROWS:
        blocks.setdefault(row.block, []).append(row)
    for block, rows in blocks.items():
        s.append((r, 0, 1, 4, block))
        r += 1
        cols = rows[0].columns
        s.append((r, 0, 1, 1, "信息内容"))
        if len(cols) == 3:
            for j, c in enumerate(cols):
                s.append((r, 1 + j, 1, 1, form.T2_COLUMNS[c].label))
        else:
            s.append((r, 1, 1, 3, form.T2_COLUMNS[cols[0]].label))
        r += 1
        for row in rows:
            s.append((r, 0, 1, 1, row.label))
            if len(cols) == 3:
                for j, c in enumerate(cols):
                    s.append((r, 1 + j, 1, 1, str(T2_VALUES[(row.key, c)])))
            else:
                s.append((r, 1, 1, 3, str(T2_VALUES[(row.key, cols[0])])))
            r += 1
    return s


def t3_header(split_words: bool = True) -> list[tuple]:
    s = [
        (0, 0, 3, 3, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
        (0, 3, 1, 7, "申请人情况"),
        (1, 3, 2, 1, "自然人"),
        (1, 4, 1, 5, "法人或其他组织"),
        (1, 9, 2, 1, "总计"),
    ]
    for j, c in enumerate(form.T3_COLUMNS[1:6]):
        label = c.label
        if split_words and len(label) >= 4:
            label = label[:2] + "\n" + label[2:]  # "商业\n企业": header words split over lines
        s.append((2, 4 + j, 1, 1, label))
    return s


def t3_body(
    rows: list,
    values: dict,
    start: int,
    *,
    results_col0: bool = True,
    block_text: dict | None = None,
    cell_text=None,
) -> tuple[list[tuple], int]:
    """rows: form.Row list in printed order. Blocks get one merged cell per run of rows."""
    s, r = [], start
    block_text = block_text or {}
    i = 0
    res_start = None
    while i < len(rows):
        row = rows[i]
        if row.block in ("",):
            s.append((r, 0, 1, 3, row.label))
            n = 1
        elif row.block == RESULTS:
            if res_start is None:
                res_start = r
            s.append((r, 1, 1, 2, row.label))
            n = 1
        else:
            if res_start is None:
                res_start = r
            n = 1
            while i + n < len(rows) and rows[i + n].block == row.block:
                n += 1
            s.append((r, 1, n, 1, block_text.get(row.block, row.block)))
            for k in range(n):
                s.append((r + k, 2, 1, 1, rows[i + k].label))
        for k in range(n):
            key = rows[i + k].key
            for j, col in enumerate(T3_COLS):
                text = str(values[key][j])
                if cell_text:
                    text = cell_text(key, col, text)
                s.append((r + k, 3 + j, 1, 1, text))
        if row.block == "" and res_start is not None and results_col0:
            s.append((res_start, 0, r - res_start, 1, RESULTS))
            res_start = None
        r += n
        i += n
    if res_start is not None and results_col0:
        s.append((res_start, 0, r - res_start, 1, RESULTS))
    return s, r


def t4_spans(values: dict) -> list[tuple]:
    s = [
        (0, 0, 1, 5, "行政复议"),
        (0, 5, 1, 10, "行政诉讼"),
        (1, 5, 1, 5, "未经复议直接起诉"),
        (1, 10, 1, 5, "复议后起诉"),
    ]
    for j, c in enumerate(form.T4_COLUMNS):
        s.append((1, j, 2, 1, c.label))
        s.append((2, 5 + j, 1, 1, c.label))
        s.append((2, 10 + j, 1, 1, c.label))
    for gi, g in enumerate(form.T4_GROUPS):
        for j, _c in enumerate(T4_COLS):
            s.append((3, gi * 5 + j, 1, 1, str(values[g.key][j])))
    return s


# --- renderers -------------------------------------------------------------------------------
def to_html_table(spans: list[tuple], cell_html=None) -> str:
    nrows = max(r + rs for r, c, rs, cs, t in spans)
    rows: dict[int, list] = {i: [] for i in range(nrows)}
    for sp in sorted(spans, key=lambda x: (x[0], x[1])):
        rows[sp[0]].append(sp)
    out = ["<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0>"]
    for i in range(nrows):
        out.append("<tr style='height:15.0pt'>")
        for _r, _c, rs, cs, t in rows[i]:
            attrs = (f" rowspan={rs}" if rs > 1 else "") + (f" colspan={cs}" if cs > 1 else "")
            inner = cell_html(t) if cell_html else t
            out.append(f"<td{attrs} valign=top style='border:solid windowtext 1.0pt'>{inner}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


def word_paste(t: str) -> str:
    """Word-export markup: every line in a MsoNormal paragraph full of spans and <o:p>."""
    parts = t.split("\n")
    return "".join(
        f"<p class=MsoNormal align=center style='text-align:center'><span lang=EN-US "
        f"style='font-size:10.5pt;font-family:宋体'><font face=宋体>{p}</font>"
        "<o:p></o:p></span></p>"
        for p in parts
    )


def wrap(t: str, n: int) -> list[str]:
    out = []
    for part in t.split("\n"):
        out.extend(textwrap.wrap(part, n) or [""])
    return out


def draw_table(
    c,
    spans: list[tuple],
    x0: float,
    ytop: float,
    colw: list[float],
    font: str,
    size: float = 7,
    chars_per_pt: float = 1.0,
) -> float:
    """Ruled table on a reportlab canvas; returns the y of its bottom."""
    nrows = max(r + rs for r, cc, rs, cs, t in spans)
    xs = [x0]
    for w in colw:
        xs.append(xs[-1] + w)
    lines_per_row = [1] * nrows
    for r, cc, rs, cs, t in spans:
        width = xs[cc + cs] - xs[cc]
        n = len(wrap(t, max(1, int(width / (size * chars_per_pt)) - 1)))
        if rs == 1:
            lines_per_row[r] = max(lines_per_row[r], n)
    rowh = [n_lines * (size + 2) + 6 for n_lines in lines_per_row]
    ys = [ytop]
    for h in rowh:
        ys.append(ys[-1] - h)
    c.setFont(font, size)
    c.setLineWidth(0.7)
    for r, cc, rs, cs, t in spans:
        x, w = xs[cc], xs[cc + cs] - xs[cc]
        top, bottom = ys[r], ys[r + rs]
        c.rect(x, bottom, w, top - bottom, stroke=1, fill=0)
        lines = wrap(t, max(1, int(w / size) - 1))
        y = top - 3 - size
        for line in lines:
            c.drawString(x + 2, y, line)
            y -= size + 2
    return ys[-1]


def make_pdf(split_label: bool = True) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    F = "STSong-Light"
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    W, H = A4
    c.setFont(F, 16)
    c.drawCentredString(W / 2, H - 60, "测试市交通运输局")
    c.drawCentredString(W / 2, H - 82, "2023年政府信息公开工作年度报告")
    c.setFont(F, 10)
    c.drawString(60, H - 110, "一、总体情况")
    c.drawString(60, H - 126, "2023年，本局共受理政府信息公开申请若干件。")
    c.drawString(60, H - 150, "二、主动公开政府信息情况")
    y = draw_table(c, t2_spans(), 60, H - 160, [160, 95, 95, 95], F, size=8)
    c.setFont(F, 10)
    c.drawString(60, y - 20, "三、收到和处理政府信息公开申请情况")
    rows = list(form.T3_ROWS)
    cut = next(i for i, r in enumerate(rows) if r.key == "unavailable_not_held") + 1
    vals = t3_values()
    colw = [22, 60, 130] + [36] * 7
    top = t3_header()
    body1, _ = t3_body(
        rows[:cut], vals, 3, block_text={"（四）无法提供": "（四）无"} if split_label else None
    )
    draw_table(c, top + body1, 60, y - 30, colw, F)
    c.setFont(F, 9)
    c.drawCentredString(W / 2, 30, "- 1 -")
    c.showPage()
    body2, _ = t3_body(
        rows[cut:],
        vals,
        0,
        block_text={"（四）无法提供": "法提供"} if split_label else None,
        results_col0=False,
    )
    n2 = max(r + rs for r, cc, rs, cs, t in body2)
    body2.append((0, 0, n2 - 2, 1, ""))  # the results column continues, empty, as in WPS output
    y = draw_table(c, body2, 60, H - 60, colw, F)
    c.setFont(F, 10)
    c.drawString(60, y - 20, "四、政府信息公开行政复议、行政诉讼情况")
    y = draw_table(c, t4_spans(t4_values()), 60, y - 30, [30] * 15, F, size=6)
    c.setFont(F, 10)
    c.drawString(60, y - 20, "五、存在的主要问题及改进情况")
    c.drawString(60, y - 36, "无。")
    c.setFont(F, 9)
    c.drawCentredString(W / 2, 30, "- 2 -")
    c.showPage()
    c.save()
    return buf.getvalue()


def _assert_tables(r, t3=None, t2=True, t4=True, skip_rows=()):
    t3 = t3 or t3_values()
    for key, vals in t3.items():
        if key in skip_rows:
            continue
        for col, v in zip(T3_COLS, vals):
            cell = r.cell(form.T3, key, col)
            assert cell is not None, f"t3.{key}.{col} missing"
            assert cell.value == v, f"t3.{key}.{col}: {cell.value} != {v} (raw {cell.raw!r})"
    if t2:
        for (row, col), v in T2_VALUES.items():
            assert r.value(form.T2, row, col) == v, (row, col)
    if t4:
        for g, vals in t4_values().items():
            for col, v in zip(T4_COLS, vals):
                assert r.value(form.T4, g, col) == v, (g, col)


# --- PDF ------------------------------------------------------------------------------------
def test_pdf_table_across_pages_with_split_label():
    r = parse_bytes(make_pdf(split_label=True), filename="report.pdf")
    assert r.status == "parsed", (r.error, r.warnings)
    assert r.doc_format == "pdf"
    assert r.agency == "测试市交通运输局" and r.year == 2023
    _assert_tables(r)
    assert r.missing_rows == [] and r.extra_rows == [], (r.missing_rows, r.extra_rows)
    assert r.warnings == []
    # provenance: the rejoined block's first row is on page 2, with a cell box
    c = r.cell(form.T3, "unavailable_needs_creation", "commercial")
    assert c.source.page == 2 and c.source.bbox is not None
    assert r.cell(form.T3, "unavailable_not_held", "total").source.page == 1
    assert r.format_version == form.FORMAT_2021


def test_pdf_split_label_rejoined_in_grid():
    from parsers.pdf import parse_pdf

    _, grids, _ = parse_pdf(make_pdf(split_label=True))
    texts = {c.text for g in grids for row in g.rows for c in row}
    assert "（四）无法提供" in texts
    assert "（四）无" not in texts and "法提供" not in texts


# --- DOCX -----------------------------------------------------------------------------------
def make_docx(spans_list: list[list[tuple]], ncols: list[int], title: str) -> bytes:
    import docx

    d = docx.Document()
    for line in title.split("\n"):
        d.add_paragraph(line)
    for spans, n in zip(spans_list, ncols):
        d.add_paragraph("表")
        nrows = max(r + rs for r, c, rs, cs, t in spans)
        t = d.add_table(rows=nrows, cols=n)
        for r, c, rs, cs, text in spans:
            cell = t.cell(r, c)
            if rs > 1 or cs > 1:
                cell = cell.merge(t.cell(r + rs - 1, c + cs - 1))
            cell.text = text
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_merged_cells():
    vals = t3_values()
    body, _ = t3_body(list(form.T3_ROWS), vals, 3)
    data = make_docx(
        [t2_spans(), t3_header() + body, t4_spans(t4_values())],
        [4, 10, 15],
        "某某区人民政府办公室\n2022年度政府信息公开工作年度报告\n一、总体情况",
    )
    r = parse_bytes(data, filename="x.docx")
    assert r.status == "parsed", (r.error, r.warnings)
    assert r.doc_format == "docx"
    assert r.agency == "某某区人民政府办公室" and r.year == 2022
    _assert_tables(r)
    assert r.missing_rows == [] and r.extra_rows == []
    c = r.cell(form.T3, "withheld_third_party", "research")
    assert (c.source.table, c.source.col) == (1, 5)
    assert c.source.row == 3 + 2 + 2 + 3  # header 3, two top rows, (一)(二), then 4th sub-row
    # merged label cells are deduplicated: the block cell is one cell, its provenance its origin
    assert len(r.cells) == 175 + 10 + 15


# --- HTML -----------------------------------------------------------------------------------
CHROME_TOP = (
    '<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 年度报告\n'
    "<table><tr><td>网站地图</td><td>无障碍</td><td>12</td><td>34</td></tr></table></div>\n"
    '<div class="related"><ul><li>2022年政府信息公开工作年度报告</li>'
    "<li>行政复议 行政诉讼 公告</li></ul></div>"
)
CHROME_BOTTOM = (
    '<div class="footer">主办：某某市人民政府办公室 网站标识码 1234 ICP备 12345号 联系我们</div>'
)


def html_report(encoding: str = "utf-8") -> tuple[bytes, dict]:
    vals = t3_values()
    rows = list(form.T3_ROWS)
    # rows in another order: 不予处理's sub-rows reversed; a missing row; a typo'd label
    i5 = [i for i, r in enumerate(rows) if r.block == "（五）不予处理"]
    rows[i5[0] : i5[-1] + 1] = list(reversed(rows[i5[0] : i5[-1] + 1]))
    rows = [r for r in rows if r.key != "withheld_admin_query"]
    typo = {"withheld_prohibited_by_law": "2、其他法律行政止公开"}
    rows = [form.Row(r.key, typo.get(r.key, r.label), r.block, r.columns) for r in rows]
    expected = {k: list(v) for k, v in vals.items()}
    special = {
        ("granted", "research"): ("&nbsp;", None),
        ("partially_granted", "public_interest"): ("-", None),
        ("withheld_state_secret", "legal_services"): ("72余", 72),
        ("unavailable_unclear", "natural_person"): ("１２８", 128),
        ("rejected_duplicate", "other_org"): ("1,234", 1234),
        ("other_other", "commercial"): ("／", None),
    }
    for (k, c), (_, v) in special.items():
        expected[k][T3_COLS.index(c)] = v

    def cell_text(key, col, text):
        return special.get((key, col), (text,))[0]

    body, _ = t3_body(rows, vals, 3, cell_text=cell_text)
    t3 = to_html_table(t3_header(split_words=True) + body, cell_html=word_paste)
    t2 = to_html_table(t2_spans(), cell_html=word_paste)
    t4 = to_html_table(t4_spans(t4_values()), cell_html=word_paste)
    html = f"""<!DOCTYPE html><html><head>\
<meta http-equiv="Content-Type" content="text/html; charset={encoding}">
<title>某某市生态环境局2023年政府信息公开工作年度报告_某某市人民政府</title>
<script>var x = "一、总体情况 二、主动公开政府信息情况";</script></head><body>{CHROME_TOP}
<div class="main"><h1>某某市生态环境局2023年政府信息公开工作年度报告</h1>
<div class="info">发布时间：2024-01-25 来源：市生态环境局</div>
<div class="TRS_Editor"><style>p.MsoNormal{{margin:0}}</style>
<p class=MsoNormal><span style='font-family:仿宋'>一、总体情况<o:p></o:p></span></p>
<p class=MsoNormal><span>2023年，本局主动公开政府信息<font>515</font>条。</span></p>
<p>二、主动公开政府信息情况</p>{t2}
<p>三、收到和处理政府信息公开申请情况</p>{t3}
<p>四、政府信息公开行政复议、行政诉讼情况</p>{t4}
<p>五、存在的主要问题及改进情况</p><p>&nbsp;</p><p>六、其他需要报告的事项</p><p>无。</p>
</div></div>{CHROME_BOTTOM}</body></html>"""
    return html.encode(encoding), expected


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_html_word_paste(encoding):
    data, expected = html_report(encoding)
    r = parse_bytes(data, url="http://example.gov.cn/art/2024/1/25/art_1.html")
    assert r.status == "parsed", (r.error, r.warnings)
    assert r.doc_format == "html"
    assert r.agency == "某某市生态环境局" and r.year == 2023
    assert r.published == "2024-01-25"
    assert "网站地图" not in r.text and "ICP" not in r.text and "var x" not in r.text
    assert "一、总体情况" in r.text
    _assert_tables(r, t3=expected, skip_rows=("withheld_admin_query",))
    assert r.missing_rows == ["t3.withheld_admin_query"]
    assert not r.has_row(form.T3, "withheld_admin_query")
    # blanks are None with a note saying what was written; qualifiers kept as notes
    c = r.cell(form.T3, "granted", "research")
    assert c.value is None and c.note
    c = r.cell(form.T3, "partially_granted", "public_interest")
    assert c.value is None and "-" in c.note
    c = r.cell(form.T3, "withheld_state_secret", "legal_services")
    assert c.value == 72 and c.note == "余" and c.raw == "72余"
    # the typo'd label still lands on its row, with a warning
    assert (
        r.value(form.T3, "withheld_prohibited_by_law", "total")
        == t3_values()["withheld_prohibited_by_law"][6]
    )
    assert any("withheld_prohibited_by_law" in w for w in r.warnings)
    # provenance: table/row/col in the document
    c = r.cell(form.T3, "new_requests", "commercial")
    assert (c.source.table, c.source.row, c.source.col) == (1, 3, 4)


def test_html_no_container_fallback_and_2019_single_row():
    vals = t3_values()
    rows = [r for r in form.T3_ROWS if r.key not in form.T3_OTHER_SPLIT]
    i = next(i for i, r in enumerate(rows) if r.key == "total")
    rows.insert(i, form.T3_OTHER_SINGLE)
    vals["other_single"] = [1, 2, 3, 4, 5, 6, 21]
    body, _ = t3_body(rows, vals, 3)
    # the single （六）其他处理 row: block cell spanning the label columns
    body = [
        (r, c, rs, 2 if t == form.T3_OTHER_SINGLE.label else cs, t)
        for r, c, rs, cs, t in body
        if not (t == form.T3_OTHER_SINGLE.label and c == 2)
    ]
    t3 = to_html_table(t3_header() + body)
    html = (
        "<html><body><div id=nav>首页 政务公开</div><div><div>"
        "<p>XX县人民政府2020年政府信息公开工作年度报告</p>"
        f"<p>一、总体情况</p><p>三、收到和处理政府信息公开申请情况</p>{t3}"
        f"<p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题</p></div></div></body></html>"
    )
    r = parse_bytes(html.encode())
    assert r.status == "parsed", (r.error, r.warnings)
    assert r.format_version == form.FORMAT_2019
    assert r.value(form.T3, "other_single", "total") == 21
    assert r.value(form.T3, "carried_forward", "natural_person") == vals["carried_forward"][0]
    assert not any(m.startswith("t3.") for m in r.missing_rows)
    assert "t2.regulations" in r.missing_rows and any(
        "t2: table not found" in w for w in r.warnings
    )


def test_html_header_unreadable_uses_standard_order_with_warning():
    vals = t3_values()
    body, _ = t3_body(list(form.T3_ROWS), vals, 1)
    spans = [(0, 0, 1, 10, "申请人情况（见下）")] + body
    r = parse_bytes(
        (
            "<html><body><h1>某局2023年政府信息公开工作年度报告</h1>"
            + to_html_table(spans)
            + "</body></html>"
        ).encode()
    )
    assert r.status == "parsed"
    _assert_tables(r, t2=False, t4=False)
    assert any("standard" in w for w in r.warnings)


# --- text -------------------------------------------------------------------------------------
def test_text_rows_reordered_and_extra_row():
    lines = [
        "某某镇人民政府2021年政府信息公开工作年度报告",
        "三、收到和处理政府信息公开申请情况",
        "\t\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计",
    ]
    vals = t3_values()
    rows = list(form.T3_ROWS)
    rows = rows[
        ::-1
    ]  # entirely reversed: only labels can place them (blocks follow their sub-rows)
    for r in rows:
        lab = r.label if r.block in ("", RESULTS) else f"{r.block}{r.label}"
        lines.append(lab + "\t\t" + "\t".join(map(str, vals[r.key])))
    lines.append("（八）小计\t\t1\t2\t3\t4\t5\t6\t21")
    r = parse_bytes("\n".join(lines).encode("utf-8"), filename="r.txt")
    assert r.status == "parsed", (r.error, r.warnings)
    _assert_tables(r, t2=False, t4=False)
    assert r.extra_rows and "小计" in r.extra_rows[0]


# --- bad input --------------------------------------------------------------------------------
def test_empty_bytes():
    r = parse_bytes(b"", filename="a.pdf")
    assert r.status == "error" and "empty" in r.error


def test_truncated_pdf():
    data = make_pdf()
    r = parse_bytes(data[: len(data) // 2], filename="a.pdf")
    assert r.status == "error" and r.error
    assert r.cells == []


def test_garbage_with_pdf_header():
    r = parse_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n")
    assert r.status == "error"


def test_docx_that_is_html():
    r = parse_bytes(
        b"<html><head><title>404 Not Found</title></head><body>not here</body></html>",
        filename="report.docx",
        url="http://x.gov.cn/report.docx",
    )
    assert r.status == "error" and "expected docx" in r.error and "404" in r.error


def test_pdf_link_returning_html():
    r = parse_bytes(
        b"<!DOCTYPE html><html><body>\xe7\x99\xbb\xe5\xbd\x95</body></html>",
        content_type="application/pdf",
    )
    assert r.status == "error" and "expected pdf" in r.error


def test_legacy_doc():
    r = parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, filename="a.doc")
    assert r.status == "error" and "doc" in r.error


def test_image_only_pdf_needs_ocr():
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (400, 300), "white")
    d = ImageDraw.Draw(img)
    for i in range(0, 300, 20):
        d.line([(0, i), (400, i)], fill="black")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(ImageReader(img), 50, 400, 400, 300)
    c.showPage()
    c.drawImage(ImageReader(img), 50, 400, 400, 300)
    c.showPage()
    c.save()
    r = parse_bytes(buf.getvalue(), filename="scan.pdf")
    assert r.status == "needs_ocr", (r.status, r.error)
    assert r.cells == []


def test_not_report():
    r = parse_bytes(
        "<html><body><div>关于开展春季植树活动的通知</div><p>各单位：请于3月12日参加。</p></body></html>".encode()
    )
    assert r.status == "not_report"


def test_report_without_tables():
    r = parse_bytes(
        "某某县水利局2017年政府信息公开工作年度报告\n一、概述\n本年度共主动公开信息120条。\n".encode(
            "gb18030"
        )
    )
    assert r.status == "no_tables"
    assert r.year == 2017 and r.format_version == form.FORMAT_PRE2019
    assert r.agency == "某某县水利局"


def test_unreadable_cells_are_missing_with_a_warning_naming_the_cell():
    vals = t3_values()
    odd = {("granted", "research"): "见附件", ("withheld_third_party", "commercial"): "71 3"}
    body, _ = t3_body(list(form.T3_ROWS), vals, 3, cell_text=lambda k, c, t: odd.get((k, c), t))
    html = (
        "<html><body><p>某局2023年政府信息公开工作年度报告</p>"
        + to_html_table(t3_header() + body)
        + "</body></html>"
    )
    r = parse_bytes(html.encode())
    assert r.status == "parsed" and r.extra_rows == []
    for (k, c), raw in odd.items():
        cell = r.cell(form.T3, k, c)
        assert cell.value is None and cell.raw == raw
        assert any(f"t3.{k}.{c}" in w for w in r.warnings)
    assert r.value(form.T3, "granted", "total") == vals["granted"][6]  # the rest of the row is read


def split_header_cells(vals: dict) -> tuple[list, list]:
    """表三 and 表四 cells whose header words are split over two rows of cells."""
    body, _ = t3_body(list(form.T3_ROWS), vals, 4)
    # the header's applicant labels split over two rows of cells: "商业" / "企业", "结果" / "维持"
    head = [
        (0, 0, 4, 3, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
        (0, 3, 1, 7, "申请人情况"),
        (1, 3, 3, 1, "自然人"),
        (1, 4, 1, 5, "法人或其他组织"),
        (1, 9, 3, 1, "总计"),
    ]
    for j, c in enumerate(form.T3_COLUMNS[1:6]):
        a, b = (c.label[:2], c.label[2:]) if len(c.label) >= 4 else (c.label, "")
        head += [(2, 4 + j, 1, 1, a), (3, 4 + j, 1, 1, b)]
    t4 = [
        (0, 0, 1, 5, "行政复议"),
        (0, 5, 1, 10, "行政诉讼"),
        (1, 0, 1, 5, "（行政复议）"),
        (1, 5, 1, 5, "未经复议直接起诉"),
        (1, 10, 1, 5, "复议后起诉"),
    ]
    for j, c in enumerate(form.T4_COLUMNS):
        for base in (0, 5, 10):
            t4 += [(2, base + j, 1, 1, c.label[:2]), (3, base + j, 1, 1, c.label[2:])]
    for gi, g in enumerate(form.T4_GROUPS):
        for j, _c in enumerate(T4_COLS):
            t4.append((4, gi * 5 + j, 1, 1, str(t4_values()[g.key][j])))
    return head + body, t4


def test_header_words_split_over_cells():
    t3, t4 = split_header_cells(t3_values())
    html = (
        "<html><body><div class=TRS_Editor><p>某局2023年政府信息公开工作年度报告</p>"
        + to_html_table(t3)
        + to_html_table(t4)
        + "</div></body></html>"
    )
    r = parse_bytes(html.encode())
    assert r.status == "parsed"
    _assert_tables(r, t2=False)
    assert not any("standard" in w or "unreadable" in w for w in r.warnings), r.warnings


def unruled_t3_pdf(vals: dict) -> bytes:
    """表三 drawn as words only (no ruling lines), labels cut to 16 characters."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 9)
    y = 800
    c.drawString(60, y, "某局2023年政府信息公开工作年度报告")
    for row in form.T3_ROWS:
        y -= 14
        c.drawString(60, y, row.label[:16])
        for j, v in enumerate(vals[row.key]):
            c.drawString(300 + j * 35, y, str(v))
    c.drawString(60, y - 14, "自然人 商业企业 科研机构 社会公益组织 法律服务机构")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_unruled_pdf_read_from_word_positions():
    vals = t3_values()
    r = parse_bytes(unruled_t3_pdf(vals))
    # no ruling: rows and columns come from word positions; what is read is right, labels cut
    # short and the missing header are said in warnings
    assert r.status == "parsed" and len(r.cells) >= 140
    cols = [c.key for c in form.T3_COLUMNS]
    assert [c.address for c in r.cells if c.value != vals[c.row][cols.index(c.col)]] == []
    assert any("without ruling lines read from word positions" in w for w in r.warnings)
    assert any("standard column order assumed" in w for w in r.warnings)


def test_t2_with_block_column_on_the_left_and_odd_values():
    rows = [
        ["第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        [None, "规章", "0", "0", "3"],
        [None, "行政规范性文件", "22（其中修订16件）", "—", "１５"],
        ["第二十条第（五）项", "信息内容", "本年处理决定数量", "", ""],
        [None, "行政许可", "72余", "", ""],
        ["第二十条第（六）项", "信息内容", "本年处理决定数量", "", ""],
        [None, "行政处罚", "1,204", "", ""],
        [None, "行政强制", "无", "", ""],
        ["第二十条第（八）项", "信息内容", "本年收费金额（单位：万元）", "", ""],
        [None, "行政事业性收费", "251000元", "", ""],
    ]
    spans = []
    for i, row in enumerate(rows):
        for j, t in enumerate(row):
            if t is None:
                continue
            rs = 1
            if j == 0:
                while i + rs < len(rows) and rows[i + rs][0] is None:
                    rs += 1
            spans.append((i, j, rs, 1, t))
    html = (
        "<html><body><h1>某局2023年政府信息公开工作年度报告</h1>"
        + to_html_table(spans)
        + "</body></html>"
    )
    r = parse_bytes(html.encode())
    assert r.status == "parsed", r.warnings
    got = {(c.row, c.col): (c.value, c.note) for c in r.cells}
    assert got[("regulations", "in_force")] == (3, None)
    assert got[("normative_documents", "issued")] == (22, "(其中修订16件)")
    assert got[("normative_documents", "repealed")] == (None, "written '—'")
    assert got[("normative_documents", "in_force")] == (15, None)
    assert got[("licensing", "decisions")] == (72, "余")
    assert got[("penalties", "decisions")] == (1204, None)
    assert got[("enforcement", "decisions")][0] is None
    assert got[("fees", "amount_10k_yuan")][0] == 25.1  # 元 converted to the column's 万元
    assert any("t2.fees.amount_10k_yuan" in w for w in r.warnings)
    assert r.format_version == form.FORMAT_2021


def test_pdf_with_scanned_table_pages_needs_ocr():
    """Text pages with a text layer, the table pages scanned: status needs_ocr, nothing guessed."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 12)
    c.drawString(60, 780, "某某县民政局2023年政府信息公开工作年度报告")
    c.drawString(60, 760, "一、总体情况")
    c.drawString(60, 740, "二、主动公开政府信息情况")
    c.showPage()
    c.drawImage(ImageReader(Image.new("RGB", (300, 200), "white")), 50, 400, 400, 300)
    c.showPage()
    c.save()
    r = parse_bytes(buf.getvalue())
    assert r.status == "needs_ocr" and r.cells == []
    assert r.agency == "某某县民政局" and "总体情况" in r.text


def test_truncated_docx_and_random_bytes_never_raise():
    import random

    vals = t3_values()
    body, _ = t3_body(list(form.T3_ROWS), vals, 3)
    data = make_docx([t3_header() + body], [10], "某局\n2023年政府信息公开工作年度报告")
    r = parse_bytes(data[: len(data) // 2], filename="a.docx")
    assert r.status == "error" and "truncated" in r.error
    rng = random.Random(7)
    for n in (1, 10, 1000, 50000):
        blob = bytes(rng.randrange(256) for _ in range(n))
        for name in ("a.pdf", "a.docx", "a.html", None):
            r = parse_bytes(blob, filename=name)
            assert r.status in ("error", "not_report", "no_tables"), (n, name, r.status)
            assert r.cells == []
    r = parse_bytes(b"%PDF-1.4\n%%EOF\n" + data)  # a PDF header on a zip
    assert r.status == "error"


def test_pdf_number_overflowing_into_the_next_cell_is_not_misread():
    """A long number that runs into its neighbour must not be glued to the neighbour's digits."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    vals = t3_values()
    body, _ = t3_body(list(form.T3_ROWS), vals, 3)
    spans = t3_header() + body
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 12)
    c.drawString(60, 800, "某局2023年政府信息公开工作年度报告")
    draw_table(c, spans, 40, 780, [22, 60, 130] + [45] * 7, "STSong-Light")
    c.showPage()
    c.save()
    base = parse_bytes(buf.getvalue())
    assert base.status == "parsed"
    _assert_tables(base, t2=False, t4=False)
    # same page, with an overflowing number drawn over the granted row
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 12)
    c.drawString(60, 800, "某局2023年政府信息公开工作年度报告")
    sp = [
        s if not (s[4] == str(vals["granted"][0]) and s[1] == 3) else (s[0], s[1], s[2], s[3], "")
        for s in spans
    ]
    draw_table(c, sp, 40, 780, [22, 60, 130] + [45] * 7, "STSong-Light")
    cell = base.cell(form.T3, "granted", "natural_person").source
    assert cell.page == 1 and cell.bbox
    x0, top, x1, bottom = cell.bbox
    c.setFont("STSong-Light", 7)
    c.drawString(x1 - 12, 842 - bottom + 3, "1234567")  # runs into the 商业企业 cell
    c.showPage()
    c.save()
    r = parse_bytes(buf.getvalue())
    own = r.cell(form.T3, "granted", "natural_person")
    assert "1234567".startswith(own.raw) and own.raw != "1234567"  # only the digits inside it
    assert own.value is None and "border" in own.note  # ... so it is not trusted
    got = r.cell(form.T3, "granted", "commercial")
    assert got.value is None  # never a glued number
    for col in ("natural_person", "commercial"):
        assert any(f"t3.granted.{col}" in w for w in r.warnings)
    assert r.value(form.T3, "granted", "research") == vals["granted"][2]
