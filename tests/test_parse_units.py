"""Unit tables for the parser's rules: numbers, labels, sniffing/decoding, metadata; plus
small documents for statuses that need no rendering (listing pages, attachments, encrypted PDF)."""

from __future__ import annotations

import io

import pytest

from nianbao import form
from parsers import labels, parse_bytes
from parsers.core import decode, sniff
from parsers.metadata import find_title, level_of
from parsers.numbers import parse_number


@pytest.mark.parametrize(
    "text,decimal,value,note,ok",
    [
        ("360", False, 360, None, True),
        ("１２８", False, 128, None, True),  # full-width digits
        ("1,234", False, 1234, None, True),  # thousands separator
        ("3 119", False, None, None, False),  # two cells run together? never guess
        (" 3119\n", False, 3119, None, True),
        ("", False, None, "blank", True),
        ("\xa0", False, None, "blank", True),  # &nbsp;
        ("&nbsp;", False, None, "written '&nbsp;'", True),  # double-escaped entity
        ("-", False, None, "written '-'", True),
        ("—", False, None, "written '—'", True),
        ("/", False, None, "written '/'", True),
        ("无", False, None, "written '无'", True),
        ("72余", False, 72, "余", True),
        ("约30", False, 30, "约", True),
        ("22（其中修订16件）", False, 22, "(其中修订16件)", True),
        ("15件", False, 15, "unit '件'", True),
        ("96171.6", True, 96171.6, None, True),  # only 收费金额 is decimal
        ("4166.241619", True, 4166.241619, None, True),
        ("251000元", True, 25.1, "written '251000元', converted from 元 to 万元", True),
        ("3.5", False, None, None, False),  # a fraction in a count column
        ("251000元", False, None, None, False),  # money in a count column
        ("见附件", False, None, None, False),
        ("12.0", False, 12, None, True),
    ],
)
def test_number_rules(text, decimal, value, note, ok):
    p = parse_number(text, decimal, "万元" if decimal else None)
    assert p.value == value and p.ok == ok
    if ok:
        assert p.note == note
    else:
        assert p.note and "unreadable" in p.note


def test_decimal_only_for_fee_column():
    assert form.is_decimal(form.T2, "amount_10k_yuan")
    assert not form.is_decimal(form.T3, "total")


@pytest.mark.parametrize(
    "a,b",
    [
        ("1、申请人无正当理由逾期不补正", "1.申请人无正当理由逾期不补正"),
        (
            "（二）部分公开(区分处理的，只计这一情形，不计其他情形）",
            "(二)部分公开（区分处理的,只计这一情形,不计其他情形)",
        ),
        ("3.危及\u201c三安全一稳定\u201d", '3.危及"三安全一稳定"'),
        ("商 业\n企业", "商业企业"),
        ("１．属于国家秘密", "1.属于国家秘密"),
    ],
)
def test_label_normalisation(a, b):
    assert labels.norm(a) == labels.norm(b)


def test_typo_label_still_matches_with_lower_score():
    m = labels.best("2.其他法律行政止公开", [(r.key, r.label) for r in form.T3_ROWS])
    assert m.key == "withheld_prohibited_by_law" and labels.MATCH <= m.score < labels.SURE


@pytest.mark.parametrize(
    "data,fmt",
    [
        (b"", "empty"),
        (b"%PDF-1.4\n", "pdf"),
        (b"\xef\xbb\xbf<!DOCTYPE html><html>", "html"),
        ("政府信息公开\t0\t0".encode(), "text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 10, "ole"),
        (b"PK\x03\x04junk", "badzip"),
    ],
)
def test_sniff(data, fmt):
    assert sniff(data) == fmt


def test_decode_prefers_valid_utf8_over_wrong_declaration():
    html = '<meta charset="gbk"><p>淮安市人民政府</p>'.encode()
    assert "淮安市人民政府" in decode(html)[0]
    html = '<meta charset="gbk"><p>淮安市人民政府</p>'.encode("gbk")
    assert "淮安市人民政府" in decode(html)[0]
    # an HTTP header that wrongly says UTF-8 on a GBK page
    assert (
        "淮安"
        in decode("<p>淮安市人民政府</p>".encode("gbk"), content_type="text/html; charset=utf-8")[0]
    )


@pytest.mark.parametrize(
    "text,title_agency,year",
    [
        ("淮安市人民政府\n2024 年政府信息公开工作年度报告\n本报告由…", "淮安市人民政府", 2024),
        ("2023年度淮安市人民政府政府信息公开工作年度报告", "淮安市人民政府", 2023),
        ("二〇二二年度XX区人民政府政府信息公开工作年度报告", "XX区人民政府", 2022),
        ("关于石嘴山市应急管理局2023年政府信息公开工作年度报告", "石嘴山市应急管理局", 2023),
    ],
)
def test_title_agency_year(text, title_agency, year):
    _, agency, y = find_title(text)
    assert agency == title_agency and y == year


def test_level():
    assert level_of("淮安市人民政府") == "government"
    assert level_of("石嘴山市应急管理局") == "department"
    assert level_of(None) is None


def test_listing_page_is_not_a_report():
    items = "".join(
        f"<li><a href='/a{y}.html'>清河市人民政府{y}年政府信息公开工作年度报告</a> "
        f"{y + 1}-02-01</li>"
        for y in (2021, 2022, 2023)
    )
    r = parse_bytes(f"<html><body><div class='list'><ul>{items}</ul></div></body></html>".encode())
    assert r.status == "not_report"


def test_attachment_page_names_the_attachment():
    html = (
        "<html><head><meta name='PubDate' content='2024-01-25 10:00'>"
        "<title>清河市交通运输局2023年政府信息公开工作年度报告</title></head><body>"
        "<div id='zoom'><p>现将清河市交通运输局2023年政府信息公开工作年度报告予以公布。</p>"
        "<p>附件：<a href='/pic/1.pdf'>年度报告.pdf</a></p></div></body></html>"
    )
    r = parse_bytes(html.encode())
    assert r.status == "no_tables"
    assert r.published == "2024-01-25" and r.year == 2023 and r.agency == "清河市交通运输局"
    assert any("/pic/1.pdf" in w for w in r.warnings)


def test_encrypted_pdf_is_an_error():
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner"))
    c.drawString(100, 700, "report")
    c.showPage()
    c.save()
    r = parse_bytes(buf.getvalue(), filename="a.pdf")
    assert r.status == "error" and "encrypted" in r.error


def _table(rows):
    return (
        "<table>"
        + "".join(
            "<tr>"
            + "".join(
                f"<td colspan={c[1]}>{c[0]}</td>" if isinstance(c, tuple) else f"<td>{c}</td>"
                for c in row
            )
            + "</tr>"
            for row in rows
        )
        + "</table>"
    )


def test_t4_as_two_tables_and_2019_t2():
    subs = [c.label for c in form.T4_COLUMNS]
    review = _table([[("行政复议", 5)], subs, [1, 2, 3, 4, 10]])
    lit = _table(
        [
            [("行政诉讼", 10)],
            [("未经复议直接起诉", 5), ("复议后起诉", 5)],
            subs + subs,
            [5, 0, 0, 1, 6, 0, 0, 0, 0, 0],
        ]
    )
    t2 = _table(
        [
            [("第二十条第（一）项", 4)],
            ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
            ["规章", 1, 1, 9],
            ["规范性文件", 3, 3, 40],
        ]
    )
    html = (
        "<html><body><div class=TRS_Editor><p>某县人民政府2020年政府信息公开工作年度报告</p>"
        "<p>一、总体情况</p>"
        f"{t2}<p>四、政府信息公开行政复议、行政诉讼情况</p>{review}{lit}</div></body></html>"
    )
    r = parse_bytes(html.encode())
    assert r.status == "parsed"
    assert r.format_version == form.FORMAT_2019
    assert [r.value(form.T4, "review", c.key) for c in form.T4_COLUMNS] == [1, 2, 3, 4, 10]
    assert [r.value(form.T4, "litigation_direct", c.key) for c in form.T4_COLUMNS] == [
        5,
        0,
        0,
        1,
        6,
    ]
    assert r.value(form.T4, "litigation_after_review", "total") == 0
    # 2019 表二 columns are read into the trial format's own keys, never the 2021 ones
    assert r.value(form.T2, "regulations", "new_made") == 1
    assert r.value(form.T2, "normative_documents", "published_total") == 40
    assert not any(c.col in ("issued", "repealed", "in_force") for c in r.cells)


@pytest.mark.parametrize(
    "text,date",
    [
        (
            "报告正文……\n六、其他需要报告的事项\n无。\n清河市人民政府办公室\n2024年1月20日\n- 6 -",
            "2024-01-20",
        ),
        ("发布时间：2024-03-05 09:00\n正文", "2024-03-05"),
        ("本报告统计数据从2023年1月1日至12月31日。\n正文", None),
    ],
)
def test_published_date(text, date):
    from parsers.metadata import find_published

    assert find_published(text) == date


def test_html_container_found_when_its_class_is_a_character_reference():
    # find_container skips XPath rules whose word is not in the page source; "&#95;" spells
    # the "_" of TRS_Editor only in the parsed tree, so such pages must still try every rule
    from lxml import etree

    from parsers import html as H

    body = "一、总体情况" * 5
    for page, cls in (
        (
            f'<html><body><div>导航</div><div class="TRS&#95;Editor">{body}</div></body></html>',
            "TRS_Editor",
        ),
        (
            f'<html><body><div>导航</div><DIV CLASS="x  TRS_Editor">{body}</DIV></body></html>',
            "x  TRS_Editor",
        ),
    ):
        root = etree.fromstring(page, H._PARSER)
        H.mark_blocks(root)
        assert H.find_container(root, page).get("class") == cls


def test_grid_cell_source_is_built_once_and_settable():
    from nianbao.model import Source
    from parsers.grid import GCell, place_html_like

    g = place_html_like([[("a", 1, 2, None), ("1", 2, 1, None)], [("b", 1, 1, None)]], index=3)
    assert [[c.text for c in r] for r in g.rows] == [["a", "a", "1"], ["b", "", "1"]]
    c = g.rows[0][2]
    assert c.source is c.source and (c.source.table, c.source.row, c.source.col) == (3, 0, 2)
    assert (g.rows[1][1].source.row, g.rows[1][1].source.col) == (1, 1)
    c.source = Source(page=2)
    assert c.source.page == 2 and GCell("x").source == Source()


def test_html_container_tag_rule_is_case_insensitive():
    from lxml import etree

    from parsers import html as H

    page = f"<html><body><div>导航</div><ARTICLE>{'一、总体情况' * 40}</ARTICLE></body></html>"
    root = etree.fromstring(page, H._PARSER)
    H.mark_blocks(root)
    assert H.find_container(root, page).tag == "article"


def test_text_after_a_table_is_written_once():
    from lxml import html as lxml_html

    from parsers.html import _doc_text

    root = lxml_html.fromstring(
        "<div><p>一、总体情况</p><table><tr><td>项目</td><td>5</td></tr>"
        "</table>表后说明文字。<p>二、其他</p></div>"
    )
    text = _doc_text(root)
    assert text.count("表后说明文字。") == 1
    assert text.index("项目\t5") < text.index("表后说明文字。") < text.index("二、其他")
