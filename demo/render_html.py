"""Render a truth report as the HTML a CMS editor publishes.

Two house styles occur on real sites and both are produced here:

- ``word``: a Word document pasted into the editor: ``MsoNormal`` paragraphs, every text
  wrapped in ``<span style=…><font face="仿宋_GB2312">``, ``<o:p></o:p>`` tags, header
  words broken over two ``<p>`` ("商业" / "企业"), ``&nbsp;`` paragraphs in header cells.
- ``plain``: a UEditor table: bare ``<td>`` cells, and one-value 表二 rows padded with
  blank ``&nbsp;`` cells instead of a colspan.

Both keep the official merged cells (rowspan/colspan) of :mod:`demo.layout`.
"""

from __future__ import annotations

from html import escape

from demo.corpus import TruthReport
from demo.layout import BLANK, HEADER, LABEL, Layout, LCell, layout
from nianbao.model import Report

WORD, PLAIN = "word", "plain"
STYLES = (WORD, PLAIN)

_FONT = "仿宋_GB2312"
_P_CELL = '<p class="MsoNormal" align="center" style="text-align:center;line-height:14.0pt">'
_SPAN_CELL = f'<span style="font-size:10.0pt;font-family:{_FONT};color:black">'
_TD_STYLE = "border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt"


def _split_header(text: str) -> list[str]:
    """Word wraps narrow header cells; the paste keeps each line as its own paragraph."""
    if len(text) in (4, 6) and not text.startswith("（"):
        half = len(text) // 2
        return [text[:half], text[half:]]
    return [text]


def _word_p(text: str) -> str:
    """One Word paragraph; a "\n" in the text is a manual line break (<br/>)."""
    body = "<br/>".join(escape(x) for x in text.split("\n"))
    body = f'<font face="{_FONT}">{body}</font>' if text else "&nbsp;"
    return f"{_P_CELL}{_SPAN_CELL}{body}<o:p></o:p></span></p>"


def _span_attrs(cell: LCell) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    return attrs


def _td(cell: LCell, style: str, index: int) -> str:
    attrs = _span_attrs(cell)
    if style == PLAIN:
        text = (
            "&nbsp;"
            if cell.role == BLANK or not cell.text
            else "<br/>".join(escape(x) for x in cell.text.split("\n"))
        )
        align = ' style="text-align:center"' if cell.role != LABEL else ""
        return f"<td{attrs}{align}>{text}</td>"
    split = cell.role == HEADER and "\n" not in cell.text  # an explicit break: one <p>, <br/>
    lines = _split_header(cell.text) if split else [cell.text]
    inner = "".join(_word_p(line) for line in lines)
    if cell.role == HEADER and cell.rowspan > 1 and index % 2 == 0:
        # A leftover empty paragraph Word keeps above a vertically spanning header.
        inner = _word_p("") + inner
    return f'<td{attrs} valign="center" style="{_TD_STYLE}">{inner}</td>'


def layout_html(lay: Layout, style: str = WORD) -> str:
    """One table as HTML in the given house style."""
    if style == PLAIN:
        head = (
            '<table border="1" cellspacing="0" cellpadding="0" width="100%" '
            'style="border-collapse:collapse">'
        )
    else:
        head = (
            '<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
            'style="border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt">'
        )
    parts = [head, "<tbody>"]
    n = 0
    for row in lay.rows:
        parts.append("<tr>")
        for cell in row:
            parts.append(_td(cell, style, n))
            n += 1
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def table_html(report: Report, table: str, style: str = WORD) -> str:
    """表二/表三/表四 (``form.T2``…) of ``report`` as an HTML ``<table>``."""
    return layout_html(layout(report, table, pad_blanks=style == PLAIN), style)


def _para(text: str, style: str, heading: bool = False, center: bool = False) -> str:
    if style == PLAIN:
        tag_style = "text-align:center" if center else "text-indent:2em"
        body = f"<strong>{escape(text)}</strong>" if heading or center else escape(text)
        return f'<p style="{tag_style}">{body}</p>'
    font = "黑体" if heading else ("方正小标宋简体" if center else _FONT)
    size = "22.0pt" if center else "16.0pt"
    align = (
        ' align="center" style="text-align:center;line-height:28.0pt"'
        if center
        else ' style="text-indent:32.0pt;line-height:28.0pt"'
    )
    return (
        f'<p class="MsoNormal"{align}><span style="font-size:{size};font-family:{font}">'
        f'<font face="{font}">{escape(text)}</font></span>'
        f'<span lang="EN-US" style="font-size:{size}"><o:p></o:p></span></p>'
    )


def article_html(
    truth: TruthReport,
    style: str = WORD,
    with_title: bool = True,
    layouts: dict[str, Layout] | None = None,
) -> str:
    """The whole report as the body of an article: title, preface, sections and tables.
    ``layouts`` replaces the standard layout of some tables (variant corpora)."""
    rep = truth.report
    parts = []
    if with_title:
        parts.append(_para(rep.agency or "", style, center=True))
        parts.append(
            _para(rep.title[len(rep.agency or "") :] if rep.title else "", style, center=True)
        )
    parts += [_para(p, style) for p in truth.intro]
    for section in truth.sections:
        parts.append(_para(section.heading, style, heading=True))
        parts += [_para(p, style) for p in section.paragraphs]
        if section.table:
            wrap = '<div align="center">' if style == WORD else "<div>"
            lay = (layouts or {}).get(section.table)
            html = layout_html(lay, style) if lay else table_html(rep, section.table, style)
            parts.append(wrap + html + "</div>")
            if style == WORD:
                parts.append('<p class="MsoNormal"><span lang="EN-US"><o:p>&nbsp;</o:p></span></p>')
    return "\n".join(parts)
