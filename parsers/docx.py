"""DOCX → text + grids, read from ``word/document.xml`` with lxml.

Merged cells as Word writes them: ``w:gridSpan`` (columns) and ``w:vMerge`` (rows: a
"restart" cell and "continue" cells below it) become one GCell repeated over the grid
positions it covers. python-docx gives the same grid, but its ``row.cells`` looks up the
cell above for every vMerge continuation with XPath (~100 ms for one report's tables); the
direct read is ~10x faster. Content controls (``w:sdt``) are looked through.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from lxml import etree

from nianbao.model import Source

from . import limits
from .errors import ParseError
from .grid import GCell, Grid, check_cells

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (
    W + x for x in ("p", "tbl", "tr", "tc", "sdt", "sdtContent")
)
_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True)


def _children(el, *tags):
    """Children with the given tags, looking through content controls (w:sdt)."""
    for ch in el.iterchildren():
        if ch.tag == _SDT:
            content = ch.find(_SDT_CONTENT)
            if content is not None:
                yield from _children(content, *tags)
        elif ch.tag in tags:
            yield ch


def _p_text(p) -> str:
    out = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        if el.tag == W + "t":
            out.append(el.text or "")
        elif el.tag == W + "tab":
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out)


def _cell_text(tc) -> str:
    return "\n".join(_p_text(p) for p in _children(tc, _P)).strip()


def _val(el, path: str) -> str | None:
    x = el.find(path)
    return None if x is None else x.get(W + "val", "")


def _columns(el, path: str, what: str, max_span: int) -> int:
    """A count of grid columns (w:gridBefore, w:gridSpan), checked against the span limit
    before anything is allocated for it (a 36 kB file asked for 3,000,000)."""
    v = _val(el, path)
    n = int(v) if v and v.isdigit() else 0
    if n > max_span:
        limits.check("span", n, f"a DOCX table {what} {n:,} grid columns")
    return n


def _grid(tbl, index: int, used: int = 0) -> Grid:
    """One w:tbl as a grid; ``used``: grid cells of the document's earlier tables (the
    grid-cell limit is per document, checked as rows grow and before padding)."""
    rows: list[list[GCell]] = []
    above: dict[int, GCell] = {}  # grid column → the vertically merged cell it belongs to
    max_cells = limits.get("cells") - used
    max_span = limits.get("span")
    total = 0
    for r, tr in enumerate(_children(tbl, _TR)):
        out: list[GCell] = []
        before = _columns(tr, f"{W}trPr/{W}gridBefore", "row skips", max_span)
        for j in range(before):
            out.append(GCell("", Source(table=index, row=r, col=j)))
        for tc in _children(tr, _TC):
            col = len(out)
            span = max(1, min(_columns(tc, f"{W}tcPr/{W}gridSpan", "cell spans", max_span), 100))
            if total + col + span > max_cells:
                n = used + total + col + span
                limits.check(
                    "cells", n, f"the DOCX's tables expand to {n:,} grid cells by row {r + 1:,}"
                )
            vmerge = _val(tc, f"{W}tcPr/{W}vMerge")  # None, "restart", or "" / "continue"
            if vmerge is not None and vmerge != "restart" and col in above:
                cell = above[col]
            else:
                cell = GCell(_cell_text(tc), Source(table=index, row=r, col=col))
            for c in range(col, col + span):
                if vmerge is not None:
                    above[c] = cell
                else:
                    above.pop(c, None)
            out.extend([cell] * span)
        rows.append(out)
        total += len(out)
    width = max((len(r) for r in rows), default=0)
    check_cells(len(rows), width, used, what="the DOCX's tables")  # before padding
    for r, row in enumerate(rows):
        row.extend(GCell("", Source(table=index, row=r, col=j)) for j in range(len(row), width))
    return Grid(rows, index=index)


def read_member(z: zipfile.ZipFile, name: str) -> bytes:
    """One member of a zip, bounded by the decompressed-size limit: checked from the zip
    directory before reading (a 1 MB zip can hold a 1 GiB document.xml), and again while
    reading, for a directory that lies (zipfile stops at the declared size and then fails
    the CRC; never more than the limit is read either way)."""
    info = z.getinfo(name)
    mb = 2**20
    limits.check(
        "unzipped_mb",
        info.file_size / mb,
        f"{name} unzips to {info.file_size / mb:,.1f} MB (zip directory; "
        f"{info.compress_size / mb:,.1f} MB compressed)",
    )
    cap = limits.get("unzipped_mb") * mb
    try:
        with z.open(info) as f:
            data = f.read(cap + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise ParseError(f"corrupt DOCX: {name}: {e}") from e
    limits.check(
        "unzipped_mb",
        len(data) / mb,
        f"{name} unzips to more than {cap / mb:,.0f} MB although the zip directory says "
        f"{info.file_size:,} bytes",
    )
    return data


def parse_docx(data: bytes) -> tuple[str, list[Grid]]:
    """(text, grids) of a DOCX: paragraphs and tables of word/document.xml in order."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = read_member(z, "word/document.xml")
    except (zipfile.BadZipFile, KeyError) as e:
        raise ParseError(f"corrupt DOCX: {e}") from e
    root = etree.fromstring(xml, _PARSER)
    body = root.find(W + "body")
    if body is None:
        raise ValueError("word/document.xml has no body")
    lines: list[str] = []
    grids: list[Grid] = []
    used = 0
    for item in _children(body, _P, _TBL):
        if item.tag == _P:
            t = _p_text(item).strip()
            if t:
                lines.append(t)
        else:
            g = _grid(item, len(grids), used)
            used += len(g.rows) * g.width
            grids.append(g)
            for r in range(len(g.rows)):
                lines.append("\t".join(c.text.replace("\n", "") for _, c in g.distinct(r)))
    return "\n".join(lines), grids
