"""DOCX → text + grids (python-docx). Merged cells come back as the same cell repeated:
they are deduplicated by their <w:tc> element and expanded in the grid."""
from __future__ import annotations

import io

import docx
from docx.document import Document as _Doc
from docx.table import Table
from docx.text.paragraph import Paragraph

from nianbao.model import Source

from .grid import GCell, Grid


def _iter_block_items(doc: _Doc):
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.split("}")[-1]
        if tag == "p":
            yield Paragraph(child, doc)
        elif tag == "tbl":
            yield Table(child, doc)


def _cell_text(cell) -> str:
    return "\n".join(p.text for p in cell.paragraphs).strip()


def _grid(table: Table, index: int) -> Grid:
    rows: list[list[GCell]] = []
    by_tc: dict[int, GCell] = {}
    keep: list = []   # keep <w:tc> proxies alive so id() stays unique and stable
    for r, row in enumerate(table.rows):
        out: list[GCell] = []
        before = getattr(row, "grid_cols_before", 0) or 0
        for j in range(before):
            out.append(GCell("", Source(table=index, row=r, col=j)))
        for cell in row.cells:
            key = id(cell._tc)
            g = by_tc.get(key)
            if g is None:
                g = GCell(_cell_text(cell), Source(table=index, row=r, col=len(out)))
                by_tc[key] = g
                keep.append(cell._tc)
            out.append(g)
        rows.append(out)
    width = max((len(r) for r in rows), default=0)
    for r, row in enumerate(rows):
        row.extend(GCell("", Source(table=index, row=r, col=j)) for j in range(len(row), width))
    return Grid(rows, index=index)


def parse_docx(data: bytes) -> tuple[str, list[Grid]]:
    doc = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    grids: list[Grid] = []
    for item in _iter_block_items(doc):
        if isinstance(item, Paragraph):
            if item.text.strip():
                lines.append(item.text.strip())
        else:
            g = _grid(item, len(grids))
            grids.append(g)
            for r in range(len(g.rows)):
                lines.append("\t".join(c.text.replace("\n", "") for _, c in g.distinct(r)))
    return "\n".join(lines), grids
