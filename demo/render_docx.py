"""Render a truth report as a DOCX (python-docx): paragraphs plus the three tables with
merged cells as Word writes them (gridSpan for column spans, vMerge for row spans)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from demo.corpus import TruthReport
from demo.layout import Layout, LCell, layout, place

FONT = "仿宋_GB2312"


def _set_fonts(doc) -> None:
    """Document-wide fonts, set once on the Normal style (per-run formatting is slow)."""
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    # python-docx sets only the Latin font; Chinese text uses the eastAsia slot.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _paragraph(
    doc, text: str, size: float | None = None, bold: bool = False, center: bool = False
) -> None:
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:
        p.paragraph_format.first_line_indent = Pt(24)
    run = p.add_run(text)
    if size:
        run.font.size = Pt(size)
    if bold:
        run.font.bold = True


def _tc(text: str, width: int, colspan: int, vmerge: str | None) -> str:
    props = f'<w:tcW w:w="{width * colspan}" w:type="dxa"/>'
    if colspan > 1:
        props += f'<w:gridSpan w:val="{colspan}"/>'
    if vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        props += "<w:vMerge/>"
    props += '<w:vAlign w:val="center"/>'
    run = (
        '<w:r><w:rPr><w:sz w:val="18"/></w:rPr>'
        f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
        if text
        else ""
    )
    return (
        f"<w:tc><w:tcPr>{props}</w:tcPr>"
        f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{run}</w:p></w:tc>'
    )


def table_xml(lay: Layout, width_twips: int = 9000) -> str:
    """One table as WordprocessingML with gridSpan/vMerge merges.

    This is exactly what ``_Cell.merge`` writes, emitted in one go: python-docx's merge walks
    the table for every merge (about 0.2 s per report), too slow for a 1000-report corpus.
    """
    col_w = width_twips // lay.ncols
    origin = {(r, c): cell for r, c, cell in place(lay)}
    covered: dict[tuple[int, int], LCell] = {}  # vertically merged continuation slots
    for (r, c), cell in origin.items():
        for dr in range(1, cell.rowspan):
            covered[(r + dr, c)] = cell
    rows = []
    for r in range(len(lay.rows)):
        tcs, c = [], 0
        while c < lay.ncols:
            if (r, c) in origin:
                cell = origin[(r, c)]
                tcs.append(
                    _tc(cell.text, col_w, cell.colspan, "restart" if cell.rowspan > 1 else None)
                )
            elif (r, c) in covered:
                cell = covered[(r, c)]
                tcs.append(_tc("", col_w, cell.colspan, "continue"))
            else:
                raise ValueError(f"layout leaves grid slot ({r}, {c}) of {lay.table} empty")
            c += cell.colspan
        rows.append("<w:tr>" + "".join(tcs) + "</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{col_w}"/>' for _ in range(lay.ncols))
    return (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
        '<w:tblW w:w="0" w:type="auto"/><w:jc w:val="center"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def _add_table(doc, lay: Layout) -> None:
    doc.element.body.sectPr.addprevious(parse_xml(table_xml(lay)))


def _fixed_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite the package with fixed member timestamps, so a rebuild gives the same bytes."""
    out = io.BytesIO()
    stamp = (when.year, when.month, when.day, 9, 0, 0)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(
                zipfile.ZipInfo(info.filename, stamp),
                src.read(info.filename),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def render_docx(truth: TruthReport, layouts: dict[str, Layout] | None = None) -> bytes:
    """The report as DOCX bytes (deterministic: same report, same bytes)."""
    rep = truth.report
    doc = Document()
    when = datetime.fromisoformat(rep.published) if rep.published else datetime(2000, 1, 1)
    props = doc.core_properties
    props.title, props.author, props.created, props.modified = (
        rep.title or "",
        rep.agency or "",
        when,
        when,
    )
    props.last_modified_by = rep.agency or ""
    _set_fonts(doc)
    _paragraph(doc, rep.agency or "", 18, bold=True, center=True)
    _paragraph(doc, (rep.title or "")[len(rep.agency or "") :], 18, bold=True, center=True)
    for p in truth.intro:
        _paragraph(doc, p)
    for section in truth.sections:
        _paragraph(doc, section.heading, bold=True)
        for p in section.paragraphs:
            _paragraph(doc, p)
        if section.table:
            _add_table(doc, (layouts or {}).get(section.table) or layout(rep, section.table))
            doc.add_paragraph()
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue(), when)
