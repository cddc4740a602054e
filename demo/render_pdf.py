"""Render a truth report as a text-based PDF (reportlab platypus, built-in CID font STSong-Light).

Tables are real ruled tables (GRID) with the official merged cells (SPAN). 表三 is taller
than a page, so it always breaks across pages, and it breaks where the page ends, even
inside a merged block, the way WPS/Word exports do: the merged label is then drawn on
both pages, its text only on the page holding most of the block, and no header row is
repeated. (reportlab on its own refuses to split inside a row span and would push the
whole block to the next page.)
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from demo.corpus import TruthReport
from demo.layout import Layout, layout, place
from nianbao import form

FONT = "STSong-Light"
_PAGE_W, _PAGE_H = A4
_MARGIN = 20 * mm
_WIDTH = _PAGE_W - 2 * _MARGIN


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = dict(fontName=FONT, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", fontSize=16, leading=24, alignment=TA_CENTER, **base),
        "heading": ParagraphStyle("heading", fontSize=12, leading=20, spaceBefore=6, **base),
        "body": ParagraphStyle("body", fontSize=10.5, leading=17, firstLineIndent=21, **base),
    }


@dataclass(frozen=True)
class PdfStyle:
    """How the tables are drawn: the publishing habits of the office suite that exported the
    PDF, as data (the hazard corpus of demo/hazards.py varies them).

    ``ruled``: a full grid (GRID), or a 三线表 (a rule above, under the header, at the end).
    ``t3_label_widths``: widths in points of 表三's three label columns; narrow ones wrap long
    labels over two or three lines. ``open_break``: the last row of a table part that a page
    break ends has no closing rule (its vertical rules reach down to the row's bottom).
    ``t3_padding``: space above and below the text of 表三's rows (moves the page break)."""

    ruled: bool = True
    t3_label_widths: tuple[float, float, float] = (46, 46, 120)
    open_break: bool = False
    t3_padding: float = 7


RULED, UNRULED = PdfStyle(), PdfStyle(ruled=False)


# Column widths in points, per table (they sum to the frame width).
def _widths(lay: Layout, style: PdfStyle = RULED) -> list[float]:
    if lay.table == form.T3:
        label = list(style.t3_label_widths)
        rest = (_WIDTH - sum(label)) / 7
        return label + [rest] * 7
    if lay.table == form.T2:
        return [_WIDTH * 0.34] + [_WIDTH * 0.22] * 3
    return [_WIDTH / lay.ncols] * lay.ncols


_CHAR_W: dict[str, float] = {}


def _wrap(text: str, width: float, size: float = 8) -> str:
    """Break ``text`` into lines that fit ``width`` points (CJK wraps at any character).

    Plain strings with newlines draw far faster than Paragraph flowables in table cells,
    which matters when a benchmark corpus holds hundreds of PDFs.
    """
    lines, line, used = [], "", 0.0
    for ch in text:
        w = _CHAR_W.get(ch)
        if w is None:
            w = _CHAR_W[ch] = pdfmetrics.stringWidth(ch, FONT, size)
        if line and used + w > width:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    return "\n".join(lines + [line])


def _lines(lay: Layout, r0: int, r1: int, style: PdfStyle, open_bottom: bool) -> list[tuple]:
    """reportlab line commands for the layout rows r0..r1 in ``style``."""
    if style.ruled and open_bottom:
        # the grid without the closing rule: inner lines (vertical ones reach the bottom),
        # the top rule and the two outer verticals
        return [
            ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black),
            ("LINEBEFORE", (0, 0), (0, -1), 0.5, colors.black),
            ("LINEAFTER", (-1, 0), (-1, -1), 0.5, colors.black),
        ]
    if style.ruled:
        return [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
    # 三线表: a rule above, one under the header, one at the end; no vertical rules
    lines = [
        ("LINEABOVE", (0, 0), (-1, 0), 1.0, colors.black),
        ("LINEBELOW", (0, -1), (-1, -1), 1.0, colors.black),
    ]
    if r0 <= lay.header_rows - 1 < r1:
        h = lay.header_rows - 1 - r0
        lines.append(("LINEBELOW", (0, h), (-1, h), 0.5, colors.black))
    return lines


def _table(
    lay: Layout,
    rows: range,
    keep_text: dict[tuple[int, int], bool] | None = None,
    style: PdfStyle = RULED,
    open_bottom: bool = False,
) -> Table:
    """A reportlab Table of the layout rows in ``rows``; spans are clipped to that range."""
    _styles()  # registers the font the cell text is measured in
    r0, r1 = rows.start, rows.stop
    # 表三 gets roomy rows: taller than a page, so it always breaks across pages.
    pad = style.t3_padding if lay.table == form.T3 else 4
    grid = [[""] * lay.ncols for _ in range(r1 - r0)]
    lines = _lines(lay, r0, r1, style, open_bottom)
    cmds = lines + [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    widths = _widths(lay, style)
    for r, c, cell in place(lay):
        top, bottom = max(r, r0), min(r + cell.rowspan, r1)
        if top >= bottom:
            continue
        show = r >= r0 if keep_text is None else keep_text.get((r, c), r >= r0)
        if show:
            grid[top - r0][c] = _wrap(cell.text, sum(widths[c : c + cell.colspan]) - 5)
        if bottom - top > 1 or cell.colspan > 1:
            cmds.append(("SPAN", (c, top - r0), (c + cell.colspan - 1, bottom - 1 - r0)))
    return Table(grid, colWidths=widths, style=TableStyle(cmds))


class BreakingTable(Flowable):
    """A table that splits at any row boundary, cutting merged cells like an office suite."""

    def __init__(
        self, lay: Layout, start: int = 0, table: Table | None = None, style: PdfStyle = RULED
    ):
        super().__init__()
        self.lay, self.start, self.style = lay, start, style
        self._full = table or _table(lay, range(start, len(lay.rows)), style=style)

    def wrap(self, avail_width, avail_height):
        self.width, self.height = self._full.wrap(avail_width, avail_height)
        return self.width, self.height

    def draw(self):
        self._full.drawOn(self.canv, 0, 0)

    def split(self, avail_width, avail_height):
        self._full.wrap(avail_width, avail_height)
        heights = self._full._rowHeights
        n, used = 0, 0.0
        while n < len(heights) and used + heights[n] <= avail_height:
            used += heights[n]
            n += 1
        cut = self.start + n
        # Never between the header rows (a page holding only half a header looks broken).
        if n == 0 or n == len(heights) or cut <= self.lay.header_rows:
            return []
        # A block cut by the page break keeps its text on the side holding more of its rows.
        keep = {}
        for r, c, cell in place(self.lay):
            if r < cut < r + cell.rowspan:
                keep[(r, c)] = (cut - r) >= (r + cell.rowspan - cut)
        st = self.style
        first = _table(self.lay, range(self.start, cut), keep, st, open_bottom=st.open_break)
        rest = _table(
            self.lay, range(cut, len(self.lay.rows)), {k: not v for k, v in keep.items()}, st
        )
        return [first, BreakingTable(self.lay, cut, rest, st)]


def render_pdf(
    truth: TruthReport,
    layouts: dict[str, Layout] | None = None,
    ruled: bool = True,
    style: PdfStyle | None = None,
) -> bytes:
    """The report as PDF bytes (deterministic: same report, same bytes). ``ruled=False`` draws
    the tables as 三线表 (no vertical rules, no row rules): only word positions tell the cells;
    ``style`` sets every drawing habit at once (it overrides ``ruled``)."""
    return _render_pdf(truth, layouts, style or (RULED if ruled else UNRULED))


def _render_pdf(truth: TruthReport, layouts: dict[str, Layout] | None, style: PdfStyle) -> bytes:
    st = _styles()
    rep = truth.report
    story = [
        Paragraph(rep.agency or "", st["title"]),
        Paragraph((rep.title or "")[len(rep.agency or "") :], st["title"]),
        Spacer(1, 8),
    ]
    story += [Paragraph(p, st["body"]) for p in truth.intro]
    for section in truth.sections:
        story.append(Paragraph(section.heading, st["heading"]))
        story += [Paragraph(p, st["body"]) for p in section.paragraphs]
        if section.table:
            lay = (layouts or {}).get(section.table) or layout(rep, section.table)
            if section.table == form.T3:
                story.append(BreakingTable(lay, style=style))
            else:
                story.append(KeepTogether([_table(lay, range(len(lay.rows)), style=style)]))
            story.append(Spacer(1, 6))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=rep.title or "",
        author=rep.agency or "",
        invariant=1,
    )
    doc.build(story)
    return buf.getvalue()
