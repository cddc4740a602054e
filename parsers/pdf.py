"""PDF → text + grids.

pypdfium2 gives the text of every page (fast). Tables are found only on pages whose text
shows table content, with pdfplumber's table algorithm (edges → intersections → cells →
tables, pdfplumber.table) run on ruling lines and character boxes read through pypdfium2:
the same geometry as ``page.extract_tables()`` without pdfminer's ~150 ms/page layout pass.
Tables broken across pages are continued; a row label split by the break is rejoined.
"""

from __future__ import annotations

import bisect
import ctypes
import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pr
from pdfplumber import table as pt

from nianbao.model import Source

from . import labels as L
from . import limits
from .errors import NeedsOCR, ParseError
from .grid import GCell, Grid, Span, append_rows, from_spans
from .numbers import looks_numeric
from .pdfium_lock import PDFIUM_LOCK
from .tables import SIGNATURES
from .unruled import PAGE_NO, grids_from_chars

SNAP = 3.0  # pdfplumber defaults: snap/join/intersection tolerance, edge min length
EDGE_MIN = 3.0
THIN = 3.0  # a filled rectangle thinner than this is a ruling line
MIN_TEXT_CHARS_PER_PAGE = 8
MIN_TABLE_WORDS = 2  # distinct table words in a page's text before its geometry is read
_UNREADABLE = re.compile("[\ue000-\uf8ff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]")
_TABLE_WORDS = tuple(dict.fromkeys(L.norm(w) for ws in SIGNATURES.values() for w in ws))


# --- geometry -------------------------------------------------------------------------------
def _iter_paths(container, count, get, depth: int = 0):
    """Raw page objects of type PATH, descending into form XObjects (with their matrices)."""
    for i in range(count(container)):
        obj = get(container, i)
        kind = pr.FPDFPageObj_GetType(obj)
        if kind == pr.FPDF_PAGEOBJ_PATH:
            yield obj
        elif kind == pr.FPDF_PAGEOBJ_FORM and depth < 4:
            yield from _iter_paths(
                obj, pr.FPDFFormObj_CountObjects, pr.FPDFFormObj_GetObject, depth + 1
            )


def _has_image(page: pdfium.PdfPage) -> bool:
    raw = page.raw
    return any(
        pr.FPDFPageObj_GetType(pr.FPDFPage_GetObject(raw, i)) == pr.FPDF_PAGEOBJ_IMAGE
        for i in range(pr.FPDFPage_CountObjects(raw))
    )


def _edges(page: pdfium.PdfPage, height: float) -> list[dict]:
    """Axis-aligned ruling lines in top-down page coordinates, as pdfplumber edge dicts.

    Paths inside form XObjects are read with the object's own matrix only (nested form
    matrices are not composed: rare in reports, and such tables are simply not found)."""
    edges: list[dict] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    buf = _Buffers()
    for raw in _iter_paths(page.raw, pr.FPDFPage_CountObjects, pr.FPDFPage_GetObject):
        pr.FPDFPath_GetDrawMode(raw, fill, stroke)
        if stroke.value:
            lines = _path_lines(raw, buf)
        elif fill.value:
            lines = _thin_box(raw, buf)
        else:
            continue
        for line in lines:
            e = _edge(*line, height)
            if e is not None:
                edges.append(e)
    return edges


class _Buffers:
    """ctypes out-parameters reused for every path of a page."""

    def __init__(self) -> None:
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self.box = [ctypes.c_float() for _ in range(4)]
        self.mat = pr.FS_MATRIX()


def _path_lines(raw, buf: _Buffers) -> list[tuple[float, float, float, float]]:
    """The straight segments of a stroked path, in page space (PDF coordinates)."""
    out = []
    pr.FPDFPageObj_GetMatrix(raw, buf.mat)
    m, x, y = buf.mat, buf.x, buf.y
    a_, b2, c_, d_, e_, f_ = m.a, m.b, m.c, m.d, m.e, m.f
    start = prev = None
    for i in range(pr.FPDFPath_CountSegments(raw)):
        seg = pr.FPDFPath_GetPathSegment(raw, i)
        pr.FPDFPathSegment_GetPoint(seg, x, y)
        px, py = a_ * x.value + c_ * y.value + e_, b2 * x.value + d_ * y.value + f_
        kind = pr.FPDFPathSegment_GetType(seg)
        if kind == pr.FPDF_SEGMENT_MOVETO or prev is None:
            start = (px, py)
        elif kind == pr.FPDF_SEGMENT_LINETO:
            out.append((prev[0], prev[1], px, py))
        prev = (px, py)
        if pr.FPDFPathSegment_GetClose(seg) and start is not None:
            out.append((px, py, start[0], start[1]))
            prev = start
    return out


def _thin_box(raw, buf: _Buffers) -> list[tuple[float, float, float, float]]:
    """A filled box thinner than THIN is a ruling line drawn as a rectangle."""
    pr.FPDFPageObj_GetBounds(raw, *buf.box)
    left, b, r, t = (v.value for v in buf.box)
    if r - left <= THIN:
        return [((left + r) / 2, b, (left + r) / 2, t)]
    if t - b <= THIN:
        return [(left, (b + t) / 2, r, (b + t) / 2)]
    return []


def _edge(x0: float, y0: float, x1: float, y1: float, height: float) -> dict | None:
    """A vertical or horizontal segment (PDF coordinates) as an edge, top-down; else None."""
    t0, t1 = height - y0, height - y1
    if abs(x1 - x0) < 1.0 and abs(t1 - t0) >= 1.0:
        x = (x0 + x1) / 2
        return _line(x, x, min(t0, t1), max(t0, t1))
    if abs(t1 - t0) < 1.0 and abs(x1 - x0) >= 1.0:
        y = (t0 + t1) / 2
        return _line(min(x0, x1), max(x0, x1), y, y)
    return None


def _line(x0: float, x1: float, top: float, bottom: float) -> dict:
    """A ruling line as pdfplumber's table finder takes it: vertical when x0 == x1."""
    return {
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": "v" if x0 == x1 else "h",
        "object_type": "line",
    }


def _close_open_ends(edges: list[dict]) -> list[dict]:
    """Add the closing rule of a table part that a page break ends (or starts) without one.

    WPS and Word exports often leave the last row on a page without its bottom rule: its
    vertical rules run down to where the row ends, but no horizontal rule joins them, so no
    cell is formed and the row would be lost. Where three or more vertical rules end (or
    start) at one height with no horizontal rule there, that rule is added, from the leftmost
    to the rightmost of them. A table drawn completely has no such ends: nothing changes."""
    hs = [e for e in edges if e["orientation"] == "h"]
    vs = [e for e in edges if e["orientation"] == "v"]

    def closed(x: float, y: float) -> bool:
        return any(abs(h["top"] - y) <= SNAP and h["x0"] - SNAP <= x <= h["x1"] + SNAP for h in hs)

    added = []
    for end in ("bottom", "top"):
        loose = sorted((v[end], v["x0"]) for v in vs if not closed(v["x0"], v[end]))
        groups: list[list[tuple[float, float]]] = []
        for y, x in loose:
            if groups and y - groups[-1][-1][0] <= SNAP:
                groups[-1].append((y, x))
            else:
                groups.append([(y, x)])
        for grp in groups:
            if len(grp) < 3:
                continue
            y = max(p[0] for p in grp) if end == "bottom" else min(p[0] for p in grp)
            x0, x1 = min(p[1] for p in grp), max(p[1] for p in grp)
            added.append(_line(x0, x1, y, y))
    return edges + added


def _cells(edges: list[dict]) -> list[tuple[float, float, float, float]]:
    """pdfplumber's intersections_to_cells, indexed: the smallest box whose four corners are
    intersections and whose four sides lie on shared edges."""
    inter = pt.edges_to_intersections(edges, SNAP, SNAP)
    ids: dict[int, int] = {}
    pts: dict[tuple[float, float], tuple[frozenset, frozenset]] = {}
    for pt_, es in inter.items():
        pts[pt_] = (
            frozenset(ids.setdefault(id(e), len(ids)) for e in es["v"]),
            frozenset(ids.setdefault(id(e), len(ids)) for e in es["h"]),
        )
    by_y: dict[float, list[float]] = {}
    by_x: dict[float, list[float]] = {}
    for px, py in pts:
        by_y.setdefault(py, []).append(px)
        by_x.setdefault(px, []).append(py)
    for v in by_y.values():
        v.sort()
    for v in by_x.values():
        v.sort()
    out = []
    for (px, py), (pv, ph) in pts.items():
        rights = [x2 for x2 in by_y[py] if x2 > px and pts[(x2, py)][1] & ph]
        belows = [y2 for y2 in by_x[px] if y2 > py and pts[(px, y2)][0] & pv]
        done = False
        for y2 in belows:
            for x2 in rights:
                q = pts.get((x2, y2))
                if q is None:
                    continue
                if q[0] & pts[(x2, py)][0] and q[1] & pts[(px, y2)][1]:
                    out.append((px, py, x2, y2))
                    done = True
                    break
            if done:
                break
    return out


def _chars(
    tp: pdfium.PdfTextPage, height: float, text: str | None = None
) -> list[tuple[float, float, float, str]]:
    """(x0, x1, y centre from the top, char) in pdfium's reading order; "\n" entries mark the
    line breaks pdfium puts between text lines. Whitespace is dropped (gaps are measured)."""
    raw = tp.raw
    n = pr.FPDFText_CountChars(raw)
    out: list[tuple[float, float, float, str]] = []
    left, r, b, t = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    if text is None or len(text) != n:  # surrogate pairs: the slow, exact path
        text = "".join(chr(pr.FPDFText_GetUnicode(raw, i)) for i in range(n))
    for i, ch in enumerate(text):
        if ch in "\r\n":
            out.append((0.0, 0.0, 0.0, "\n"))
            continue
        if ch.isspace() or ch in "\x00\ufffe":
            continue
        pr.FPDFText_GetCharBox(raw, i, left, r, b, t)
        out.append((left.value, r.value, height - (b.value + t.value) / 2, ch))
    return out


def _assign(
    chars: list[tuple[float, float, float, str]],
    xs: list[float],
    ys: list[float],
    owner: dict[tuple[int, int], int],
    n: int,
) -> tuple[list[str], set[int]]:
    """Text of each cell: the characters whose centre lies inside it, in reading order, lines
    kept. A character is never counted in two cells; a wide gap inside a line becomes a space,
    so digits that overflowed from a neighbour cell read "34 5", which no number rule accepts."""
    parts: list[list[str]] = [[] for _ in range(n)]
    last: list[tuple[int, float]] = [(-1, 0.0)] * n  # (line, right edge) of the last char
    line = 0
    prev: tuple[int, int, float, str] | None = None  # (cell, line, right edge, char)
    crossed: set[int] = set()
    x_lo, x_hi, y_lo, y_hi = xs[0], xs[-1], ys[0], ys[-1]
    for x0, x1, cy, ch in chars:
        if ch == "\n":
            line += 1
            continue
        cx = (x0 + x1) / 2
        if not (x_lo <= cx <= x_hi and y_lo <= cy <= y_hi):
            continue
        k = owner.get((bisect.bisect_right(ys, cy) - 1, bisect.bisect_right(xs, cx) - 1))
        if k is None:
            continue
        if (
            prev
            and prev[0] != k
            and prev[1] == line
            and prev[3].isdigit()
            and ch.isdigit()
            and x0 - prev[2] < (x1 - x0) * 0.8
        ):
            crossed.update((k, prev[0]))  # one run of digits across a cell border
        prev = (k, line, x1, ch)
        if parts[k]:
            if last[k][0] != line:
                parts[k].append("\n")
            elif x0 - last[k][1] > max(2.0, (x1 - x0) * 1.2):
                parts[k].append(" ")
        parts[k].append(ch)
        last[k] = (line, x1)
    return ["".join(p).strip() for p in parts], crossed


def _cluster(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _page_box(page: pdfium.PdfPage) -> tuple[float, float]:
    """(right, top) of the media box: coordinates stay in unrotated PDF user space, y measured
    down from the top (pdfplumber's convention), so bboxes and text queries agree."""
    _l, _b, r, t = page.get_mediabox()
    return r, t


def _page_grids(
    page: pdfium.PdfPage,
    tp: pdfium.PdfTextPage,
    page_no: int,
    first_index: int,
    text: str | None = None,
) -> list[Grid]:
    """The ruled tables of a page: pdfplumber's cells from the ruling lines, grouped into
    tables, each filled with the characters inside its cells."""
    height = _page_box(page)[1]
    edges = _edges(page, height)
    if len(edges) < 4:
        return []
    edges = pt.merge_edges(edges, SNAP, SNAP, SNAP, SNAP)
    edges = [
        e for e in edges if (e["width"] if e["orientation"] == "h" else e["height"]) >= EDGE_MIN
    ]
    cells = _cells(_close_open_ends(edges))
    tables = sorted(
        pt.cells_to_tables(cells), key=lambda cs: (min(c[1] for c in cs), min(c[0] for c in cs))
    )
    grids: list[Grid] = []
    chars = None
    for cs in tables:
        xs = _cluster([v for c in cs for v in (c[0], c[2])])
        ys = _cluster([v for c in cs for v in (c[1], c[3])])
        if len(xs) < 3 or (len(ys) < 3 and len(xs) < 4):
            # one column, or one row of one or two cells: a frame around text. One row of
            # three or more cells is a table: often the last row of 表三 alone on a page.
            continue
        if chars is None:
            chars = _chars(tp, height, text)
        grids.append(_grid(cs, xs, ys, chars, page_no, first_index + len(grids)))
    return grids


def _index(vals: list[float], v: float) -> int:
    i = bisect.bisect_left(vals, v - 2.0)
    return min(i, len(vals) - 1)


def _grid(cs, xs: list[float], ys: list[float], chars, page_no: int, ti: int) -> Grid:
    """One ruled table: its cells placed on the grid of its rule positions, with their text."""
    spans: list[Span] = []
    owner: dict[tuple[int, int], int] = {}
    for bbox in cs:
        c0, c1 = _index(xs, bbox[0]), _index(xs, bbox[2])
        r0, r1 = _index(ys, bbox[1]), _index(ys, bbox[3])
        if c1 <= c0 or r1 <= r0:
            continue
        box = tuple(round(v, 2) for v in bbox)
        src = Source(page=page_no, bbox=box, table=ti, row=r0, col=c0)
        for r in range(r0, r1):
            for c in range(c0, c1):
                owner.setdefault((r, c), len(spans))
        spans.append(Span(r0, c0, "", r1 - r0, c1 - c0, src))
    texts, crossed = _assign(chars, xs, ys, owner, len(spans))
    for span, t in zip(spans, texts):
        span.text = t
    g = from_spans(spans, index=ti, page=page_no)
    for k in crossed:
        g.rows[spans[k].row][spans[k].col].flag = "digits run across the cell border"
    g.bbox = (xs[0], ys[0], xs[-1], ys[-1])
    g.last_page = page_no
    return g


# --- pages and continuation ---------------------------------------------------------------
class _Lines:
    """Text of a horizontal band of a page, read natively (top-down coordinates)."""

    def __init__(self, tp: pdfium.PdfTextPage, width: float, height: float):
        self.tp, self.width, self.height = tp, width, height

    def band(self, y0: float, y1: float) -> list[str]:
        y0, y1 = max(y0, 0.0), min(y1, self.height)
        if y1 <= y0:
            return []
        t = self.tp.get_text_bounded(0, self.height - y1, self.width, self.height - y0)
        return [x.strip() for x in re.split(r"[\r\n]+", t) if x.strip()]


def _body_text_between(lines, y0: float, y1: float) -> bool:
    """Any text line in the band other than a page number."""
    if lines is None:
        return False
    return any(not PAGE_NO.match(t) for t in lines.band(y0, y1))


def _rejoin(a: list[GCell], b: list[GCell]) -> str | None:
    """Rejoin label cells split by a page break ("（四）无" / "法提供"). Returns the row that
    held only a part of the label and no numbers, now redundant: "b" (the rest of row a's
    label), "a" (the head of row b's label: the joined label goes to b), or None."""
    joined_any = False
    for j in range(min(len(a), len(b))):
        ca, cb = a[j], b[j]
        if ca.uid == cb.uid or not ca.text.strip() or not cb.text.strip():
            continue
        if looks_numeric(ca.text) or looks_numeric(cb.text):
            continue
        joined = ca.text.rstrip() + cb.text.lstrip()
        sj = L.best_known(joined)
        if sj >= L.SURE and sj > max(L.best_known(ca.text), L.best_known(cb.text)) + 5:
            ca.text = cb.text = joined
            joined_any = True
    if not joined_any:
        return None
    if not any(c.text.strip() and looks_numeric(c.text) for c in b):
        return "b"
    return "a" if not any(c.text.strip() and looks_numeric(c.text) for c in a) else None


def stitch(
    grids: list[Grid], page_lines: dict[int, _Lines], page_heights: dict[int, float]
) -> list[Grid]:
    """Continue a table on the next page: the next page's first table, with no body text
    between the two parts (page numbers aside) and the same number of columns."""
    out: list[Grid] = []
    for g in grids:
        prev = out[-1] if out else None
        if (
            prev is not None
            and g.page == (prev.last_page or prev.page) + 1
            and prev.bbox
            and g.bbox
        ):
            first_on_page = not any(
                x.page == g.page and x.bbox[1] < g.bbox[1] for x in grids if x is not g
            )
            above = _body_text_between(page_lines.get(g.page), -1, g.bbox[1] - 1)
            prev_bottom = (prev.last_bbox or prev.bbox)[3]
            below = _body_text_between(
                page_lines.get(prev.last_page),
                prev_bottom + 1,
                page_heights.get(prev.last_page, 1e9) + 1,
            )
            if first_on_page and not above and not below and g.width == prev.width:
                drop = _rejoin(prev.rows[-1], g.rows[0])
                if drop == "b":
                    g.rows = g.rows[1:]
                elif drop == "a":
                    prev.rows = prev.rows[:-1]
                offset = len(prev.rows)
                seen: set[int] = set()
                for row in g.rows:
                    for c in row:
                        if c.uid not in seen and c.source.page == g.page:
                            seen.add(c.uid)
                            c.source.row = (c.source.row or 0) + offset
                out[-1] = append_rows(prev, g)
                continue
        out.append(g)
    for i, g in enumerate(out):
        g.index = i
        for _r, row in enumerate(g.rows):
            for c in row:
                c.source.table = i
    return out


def parse_pdf(data: bytes) -> tuple[str, list[Grid], list[str]]:
    """(text of all pages, table grids, warnings). Raises ParseError / NeedsOCR."""
    with PDFIUM_LOCK:
        return _parse_pdf(data)


def _parse_pdf(data: bytes) -> tuple[str, list[Grid], list[str]]:
    doc = _open(data)
    tps: list[tuple[pdfium.PdfPage, pdfium.PdfTextPage]] = []
    try:
        texts, raw_texts, hits, image_flags = _read_pages(doc, tps)
        warns = _check_text_layer(texts, image_flags)
        found = _find_tables(doc, tps, texts, raw_texts, hits)
        warns += found.warnings()
        grids = stitch(found.grids, found.page_lines, found.heights)
        return "\n".join(texts), grids, warns
    finally:
        for opened in tps:
            if opened is not None:
                opened[1].close()
                opened[0].close()
        doc.close()


def _open(data: bytes) -> pdfium.PdfDocument:
    if b"%%EOF" not in data[-4096:]:
        raise ParseError("truncated PDF (no %%EOF at the end of the file)")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise ParseError("encrypted PDF (password required)") from e
        raise ParseError(f"unreadable PDF: {msg}") from e
    n = len(doc)
    if n == 0:
        doc.close()
        raise ParseError("PDF has no pages")
    try:
        limits.check("pages", n, f"PDF has {n:,} pages")
    except ParseError:
        doc.close()
        raise
    return doc


def _read_pages(
    doc: pdfium.PdfDocument, tps: list
) -> tuple[list[str], list[str], list[int], list[bool]]:
    """Every page's text (line breaks normalised), its raw text, its count of table words
    and whether it is an image page. Pages that may hold a table stay open in ``tps`` (the
    caller closes them); the others are closed at once and left as None — a 100k-page PDF
    once held every page open (3 GB)."""
    texts: list[str] = []
    raw_texts: list[str] = []
    hits: list[int] = []
    image_flags: list[bool] = []
    n = len(doc)
    for i in range(n):
        try:
            page = doc[i]
        except pdfium.PdfiumError as e:  # e.g. a page tree whose /Kids holds itself
            raise ParseError(f"unreadable PDF: page {i + 1} of {n} cannot be loaded") from e
        tp = page.get_textpage()
        tps.append((page, tp))
        raw_texts.append(tp.get_text_range())
        texts.append(raw_texts[-1].replace("\r\n", "\n").replace("\r", "\n"))
        norm = L.norm(texts[i])
        hits.append(sum(1 for w in _TABLE_WORDS if w in norm))
        few = len(re.sub(r"\s", "", texts[i])) < MIN_TEXT_CHARS_PER_PAGE
        image_flags.append(few and _has_image(page))
        if hits[i] < MIN_TABLE_WORDS:
            tp.close()
            page.close()
            tps[i] = None
    return texts, raw_texts, hits, image_flags


def _check_text_layer(texts: list[str], image_flags: list[bool]) -> list[str]:
    """Raise NeedsOCR for a document without a (readable) text layer; warn about pages
    that are images."""
    n = len(texts)
    visible_per_page = [len(re.sub(r"\s", "", t)) for t in texts]
    visible = sum(visible_per_page)
    if visible < MIN_TEXT_CHARS_PER_PAGE * n:
        raise NeedsOCR(
            f"no text layer ({visible} characters on {n} pages); numbers are not guessed"
        )
    bad = len(_UNREADABLE.findall("".join(texts)))
    if bad > 0.3 * visible:
        raise NeedsOCR(
            f"text layer unreadable ({bad} of {visible} characters unmapped: "
            "fonts without a Unicode map); numbers are not guessed"
        )
    image_pages = [i + 1 for i, flag in enumerate(image_flags) if flag]
    if not image_pages:
        return []
    return ["pages without a text layer (scanned images?): " + ", ".join(map(str, image_pages))]


@dataclass
class _Found:
    """The tables found page by page, before stitching."""

    grids: list[Grid] = field(default_factory=list)
    page_lines: dict[int, _Lines] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    table_text_pages: list[int] = field(default_factory=list)  # pages whose text reads tabular
    unruled: list[int] = field(default_factory=list)  # pages read from word positions

    def warnings(self) -> list[str]:
        out = []
        if not self.grids and self.table_text_pages:
            out.append(
                "no ruled table found on pages with table text ("
                + ", ".join(map(str, self.table_text_pages))
                + "): tables without ruling lines are not read"
            )
        if self.unruled:
            out.append(
                "tables without ruling lines read from word positions on page(s) "
                + ", ".join(map(str, self.unruled))
                + ": check merged cells by hand"
            )
        return out


def _find_tables(
    doc: pdfium.PdfDocument, tps: list, texts: list[str], raw_texts: list[str], hits_per_page
) -> _Found:
    """Tables of the pages whose text holds table words (and of the page after a table that
    reaches its page's last line): ruled grids, else grids from word positions."""
    found = _Found()
    want_next = False
    for i, hits in enumerate(hits_per_page):
        if hits >= 4:
            found.table_text_pages.append(i + 1)
        if not (want_next or hits >= MIN_TABLE_WORDS):
            want_next = False
            continue
        if tps[i] is None:  # a table continued onto a page without table words
            reopened = doc[i]
            tps[i] = (reopened, reopened.get_textpage())
        page, tp = tps[i]
        width, height = _page_box(page)
        found.heights[i + 1] = height
        grids = _page_grids(page, tp, i + 1, len(found.grids), raw_texts[i])
        if not grids and (hits >= 4 or want_next):
            grids = _unruled_grids(page, tp, i + 1, len(found.grids), raw_texts[i])
            if grids:
                found.unruled.append(i + 1)
        lines = found.page_lines[i + 1] = _Lines(tp, width, height)
        found.grids.extend(grids)
        # a table that reaches the page's last text line may continue on the next page
        want_next = bool(grids) and not _body_text_between(lines, grids[-1].bbox[3] + 1, height + 1)
    return found


# --- tables without ruling: rows and columns from word positions (parsers/unruled.py) -------
def _unruled_grids(
    page: pdfium.PdfPage,
    tp: pdfium.PdfTextPage,
    page_no: int,
    first_index: int,
    text: str | None = None,
) -> list[Grid]:
    """Tables drawn without (full) ruling, e.g. 三线表, read from word positions."""
    _width, height = _page_box(page)
    return grids_from_chars(_chars(tp, height, text), height, page_no, first_index)
