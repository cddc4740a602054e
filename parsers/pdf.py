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

SNAP = 3.0  # pdfplumber defaults: snap/join/intersection tolerance, edge min length
EDGE_MIN = 3.0
THIN = 3.0  # a filled rectangle thinner than this is a ruling line
MIN_TEXT_CHARS_PER_PAGE = 8
MIN_TABLE_WORDS = 2  # distinct table words in a page's text before its geometry is read
_PAGE_NO = re.compile(r"^[-—–\s]*(第?\s*\d+\s*页?(共\s*\d+\s*页)?)[-—–\s]*$|^\d+\s*/\s*\d+$")
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


def count_paths(page: pdfium.PdfPage, limit: int = 4) -> int:
    n = 0
    for _ in _iter_paths(page.raw, pr.FPDFPage_CountObjects, pr.FPDFPage_GetObject):
        n += 1
        if n >= limit:
            break
    return n


def _edges(page: pdfium.PdfPage, height: float) -> list[dict]:
    """Axis-aligned ruling lines in top-down page coordinates, as pdfplumber edge dicts.

    Paths inside form XObjects are read with the object's own matrix only (nested form
    matrices are not composed: rare in reports, and such tables are simply not found)."""
    edges: list[dict] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    l_, b_, r_, t_ = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    mat = pr.FS_MATRIX()

    def add(x0: float, y0: float, x1: float, y1: float) -> None:
        t0, t1 = height - y0, height - y1
        if abs(x1 - x0) < 1.0 and abs(t1 - t0) >= 1.0:
            xm = (x0 + x1) / 2
            top, bot = min(t0, t1), max(t0, t1)
            edges.append(
                {
                    "x0": xm,
                    "x1": xm,
                    "top": top,
                    "bottom": bot,
                    "width": 0,
                    "height": bot - top,
                    "orientation": "v",
                    "object_type": "line",
                }
            )
        elif abs(t1 - t0) < 1.0 and abs(x1 - x0) >= 1.0:
            tm = (t0 + t1) / 2
            a, b = min(x0, x1), max(x0, x1)
            edges.append(
                {
                    "x0": a,
                    "x1": b,
                    "top": tm,
                    "bottom": tm,
                    "width": b - a,
                    "height": 0,
                    "orientation": "h",
                    "object_type": "line",
                }
            )

    for raw in _iter_paths(page.raw, pr.FPDFPage_CountObjects, pr.FPDFPage_GetObject):
        pr.FPDFPath_GetDrawMode(raw, fill, stroke)
        if not stroke.value:
            if not fill.value:
                continue
            pr.FPDFPageObj_GetBounds(raw, l_, b_, r_, t_)
            left, b, r, t = l_.value, b_.value, r_.value, t_.value
            if r - left <= THIN:  # a line drawn as a thin filled box
                add((left + r) / 2, b, (left + r) / 2, t)
            elif t - b <= THIN:
                add(left, (b + t) / 2, r, (b + t) / 2)
            continue
        pr.FPDFPageObj_GetMatrix(raw, mat)
        a_, b2, c_, d_, e_, f_ = mat.a, mat.b, mat.c, mat.d, mat.e, mat.f
        start = prev = None
        for i in range(pr.FPDFPath_CountSegments(raw)):
            seg = pr.FPDFPath_GetPathSegment(raw, i)
            pr.FPDFPathSegment_GetPoint(seg, x, y)
            px, py = a_ * x.value + c_ * y.value + e_, b2 * x.value + d_ * y.value + f_
            kind = pr.FPDFPathSegment_GetType(seg)
            if kind == pr.FPDF_SEGMENT_MOVETO or prev is None:
                start = (px, py)
            elif kind == pr.FPDF_SEGMENT_LINETO:
                add(prev[0], prev[1], px, py)
            prev = (px, py)
            if pr.FPDFPathSegment_GetClose(seg) and start is not None:
                add(px, py, start[0], start[1])
                prev = start
    return edges


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
    height = _page_box(page)[1]
    edges = _edges(page, height)
    if len(edges) < 4:
        return []
    edges = pt.merge_edges(edges, SNAP, SNAP, SNAP, SNAP)
    edges = [
        e for e in edges if (e["width"] if e["orientation"] == "h" else e["height"]) >= EDGE_MIN
    ]
    cells = _cells(edges)
    tables = sorted(
        pt.cells_to_tables(cells), key=lambda cs: (min(c[1] for c in cs), min(c[0] for c in cs))
    )
    grids: list[Grid] = []
    chars = None
    for cs in tables:
        xs = _cluster([v for c in cs for v in (c[0], c[2])])
        ys = _cluster([v for c in cs for v in (c[1], c[3])])
        if len(xs) < 3 or len(ys) < 3:
            continue  # one column or one row: a frame around text, not a table
        ti = first_index + len(grids)

        def idx(vals: list[float], v: float) -> int:
            i = bisect.bisect_left(vals, v - 2.0)
            return min(i, len(vals) - 1)

        spans: list[tuple[Span, tuple]] = []
        owner: dict[tuple[int, int], int] = {}
        for bbox in cs:
            c0, c1, r0, r1 = idx(xs, bbox[0]), idx(xs, bbox[2]), idx(ys, bbox[1]), idx(ys, bbox[3])
            if c1 <= c0 or r1 <= r0:
                continue
            k = len(spans)
            spans.append(
                (
                    Span(
                        r0,
                        c0,
                        "",
                        r1 - r0,
                        c1 - c0,
                        Source(
                            page=page_no,
                            bbox=tuple(round(v, 2) for v in bbox),
                            table=ti,
                            row=r0,
                            col=c0,
                        ),
                    ),
                    bbox,
                )
            )
            for r in range(r0, r1):
                for c in range(c0, c1):
                    owner.setdefault((r, c), k)
        if chars is None:
            chars = _chars(tp, height, text)
        texts, crossed = _assign(chars, xs, ys, owner, len(spans))
        for k, (span, _) in enumerate(spans):
            span.text = texts[k]
        g = from_spans([s for s, _ in spans], index=ti, page=page_no)
        for k in crossed:
            g.rows[spans[k][0].row][spans[k][0].col].flag = "digits run across the cell border"
        g.bbox = (xs[0], ys[0], xs[-1], ys[-1])
        g.last_page = page_no
        grids.append(g)
    return grids


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
    return any(not _PAGE_NO.match(t) for t in lines.band(y0, y1))


def _rejoin(a: list[GCell], b: list[GCell]) -> bool:
    """Rejoin label cells split by a page break ("（四）无" / "法提供"). True if row b was only
    the rest of row a's label (no numbers), so it can be dropped."""
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
    return joined_any and not any(c.text.strip() and looks_numeric(c.text) for c in b)


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
                if drop:
                    g.rows = g.rows[1:]
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
    warns: list[str] = []
    if b"%%EOF" not in data[-4096:]:
        raise ParseError("truncated PDF (no %%EOF at the end of the file)")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise ParseError("encrypted PDF (password required)") from e
        raise ParseError(f"unreadable PDF: {msg}") from e
    # open pages (None: closed); only pages the table pass may read stay open — a 100k-page
    # PDF once held every page open (3 GB)
    tps: list[tuple[pdfium.PdfPage, pdfium.PdfTextPage] | None] = []
    try:
        n = len(doc)
        if n == 0:
            raise ParseError("PDF has no pages")
        limits.check("pages", n, f"PDF has {n:,} pages")
        texts: list[str] = []
        raw_texts: list[str] = []
        hits_per_page: list[int] = []
        image_flags: list[bool] = []
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
            hits_per_page.append(sum(1 for w in _TABLE_WORDS if w in norm))
            few = len(re.sub(r"\s", "", texts[i])) < MIN_TEXT_CHARS_PER_PAGE
            image_flags.append(few and _has_image(page))
            if hits_per_page[i] < MIN_TABLE_WORDS:
                tp.close()
                page.close()
                tps[i] = None
        visible_per_page = [len(re.sub(r"\s", "", t)) for t in texts]
        visible = sum(visible_per_page)
        if visible < MIN_TEXT_CHARS_PER_PAGE * n:
            raise NeedsOCR(
                f"no text layer ({visible} characters on {n} pages); numbers are not guessed"
            )
        joined = "".join(texts)
        bad = len(_UNREADABLE.findall(joined))
        if bad > 0.3 * visible:
            raise NeedsOCR(
                f"text layer unreadable ({bad} of {visible} characters unmapped: "
                "fonts without a Unicode map); numbers are not guessed"
            )
        image_pages = [i + 1 for i, flag in enumerate(image_flags) if flag]
        if image_pages:
            warns.append(
                "pages without a text layer (scanned images?): " + ", ".join(map(str, image_pages))
            )
        grids: list[Grid] = []
        page_lines: dict[int, list] = {}
        heights: dict[int, float] = {}
        want_next = False
        table_text_pages: list[int] = []
        unruled: list[int] = []
        for i in range(n):
            hits = hits_per_page[i]
            if hits >= 4:
                table_text_pages.append(i + 1)
            if not (want_next or hits >= MIN_TABLE_WORDS):
                want_next = False
                continue
            if tps[i] is None:  # a table continued onto a page without table words
                reopened = doc[i]
                tps[i] = (reopened, reopened.get_textpage())
            page, tp = tps[i]
            width, height = _page_box(page)
            heights[i + 1] = height
            found = _page_grids(page, tp, i + 1, len(grids), raw_texts[i])
            if not found and (hits >= 4 or want_next):
                found = _unruled_grids(page, tp, i + 1, len(grids), raw_texts[i])
                if found:
                    unruled.append(i + 1)
            page_lines[i + 1] = _Lines(tp, width, height)
            grids.extend(found)
            # a table that reaches the page's last text line may continue on the next page
            want_next = bool(found) and not _body_text_between(
                page_lines[i + 1], found[-1].bbox[3] + 1, height + 1
            )
        if not grids and table_text_pages:
            warns.append(
                "no ruled table found on pages with table text ("
                + ", ".join(map(str, table_text_pages))
                + "): tables without ruling lines are not read"
            )
        if unruled:
            warns.append(
                "tables without ruling lines read from word positions on page(s) "
                + ", ".join(map(str, unruled))
                + ": check merged cells by hand"
            )
        grids = stitch(grids, page_lines, heights)
        text = "\n".join(texts)
        return text, grids, warns
    finally:
        for opened in tps:
            if opened is not None:
                opened[1].close()
                opened[0].close()
        doc.close()


# --- tables without ruling: rows and columns from word positions -----------------------------
class _Seg:
    """A run of characters on one text line with no wide gap: one cell's line of text."""

    __slots__ = ("text", "x0", "x1", "y", "size", "numeric", "row")

    def __init__(self, chars: list[tuple[float, float, float, str]]):
        self.text = "".join(c[3] for c in chars)
        self.x0, self.x1 = chars[0][0], max(c[1] for c in chars)
        self.y = sum(c[2] for c in chars) / len(chars)
        self.size = max(c[1] - c[0] for c in chars)
        self.numeric = bool(re.search(r"\d", self.text)) and looks_numeric(self.text)
        self.row: int | None = None

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2


def _segments(chars: list[tuple[float, float, float, str]]) -> list[_Seg]:
    out: list[_Seg] = []
    run: list[tuple[float, float, float, str]] = []
    for ch in chars + [(0.0, 0.0, 0.0, "\n")]:
        if ch[3] == "\n":
            if run:
                out.append(_Seg(run))
            run = []
            continue
        if run:
            p = run[-1]
            w = max(p[1] - p[0], ch[1] - ch[0], 1.0)
            if (
                ch[0] - p[1] > 0.9 * w
                or abs(ch[2] - p[2]) > 0.6 * max(w, 6.0)
                or ch[0] < p[0] - 0.5
            ):
                out.append(_Seg(run))
                run = []
        run.append(ch)
    return [s for s in out if s.text.strip()]


def _cluster_pos(values: list[float], tol: float) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _is_prose(s: _Seg, width: float) -> bool:
    t = L.norm(s.text)
    return (
        s.x1 - s.x0 > 0.6 * width
        or t.endswith("。")
        or bool(re.match(r"^[一二三四五六七八九十]、.*(情况|事项)$", t))
    )


def _unruled_grids(
    page: pdfium.PdfPage,
    tp: pdfium.PdfTextPage,
    page_no: int,
    first_index: int,
    text: str | None = None,
) -> list[Grid]:
    """Tables drawn without (full) ruling, e.g. 三线表: data rows are the lines holding numbers,
    value columns the clusters of the numbers' centres; label lines are attached to the data
    row they are centred on (multi-line labels by chaining lines of the same column), the
    other lines between a table's rows are header rows. Grids come out with spans unknown
    (like text), so the readers align values by header and say so when they cannot."""
    width, height = _page_box(page)
    return grids_from_chars(_chars(tp, height, text), height, page_no, first_index)


def grids_from_chars(
    chars: list[tuple[float, float, float, str]], height: float, page_no: int, first_index: int
) -> list[Grid]:
    """The word-position table reader on characters (x0, x1, y centre, char; "\n" between
    lines) from any source: a PDF text layer, or OCR."""
    segs = [
        s
        for s in _segments(chars)  # page numbers in the margins
        if not (_PAGE_NO.match(s.text) and (s.y < 60 or s.y > height - 60))
    ]
    if not segs:
        return []
    sizes = sorted(s.size for s in segs if not s.numeric)
    leading = 1.25 * (sizes[len(sizes) // 2] if sizes else 8.0)
    text_w = max(s.x1 for s in segs) - min(s.x0 for s in segs)
    anchors = _cluster_pos([s.y for s in segs if s.numeric], 0.3 * leading)
    if not anchors:
        return []
    # regions: runs of data rows with no prose line between them
    prose = sorted(s.y for s in segs if not s.numeric and _is_prose(s, text_w))
    regions: list[list[float]] = []
    for a in anchors:
        if regions and not any(regions[-1][-1] < p < a for p in prose):
            regions[-1].append(a)
        else:
            regions.append([a])
    grids: list[Grid] = []
    for rows_y in regions:
        top = max([p for p in prose if p < rows_y[0]], default=-1.0)
        bottom = min([p for p in prose if p > rows_y[-1]], default=height + 1)
        inside = [
            s for s in segs if top < s.y < bottom and not (not s.numeric and _is_prose(s, text_w))
        ]
        nums = [
            s for s in inside if s.numeric and any(abs(s.y - a) <= 0.3 * leading for a in rows_y)
        ]
        if len(rows_y) < 2 and len({round(s.xc) for s in nums}) < 4:
            continue
        # value columns: positions where numbers line up on several rows; a lone number
        # elsewhere (a digit of a label, a figure in a note) is text
        tol = max(6.0, leading * 0.8)
        cols = [
            c
            for c in _cluster_pos([s.xc for s in nums], tol)
            if sum(1 for s in nums if abs(s.xc - c) <= tol)
            >= max(1 if len(rows_y) == 1 else 2, 0.25 * len(rows_y))
        ]
        if not cols:
            continue
        for s in inside:
            if s.numeric and not any(abs(s.xc - c) <= tol for c in cols):
                s.numeric = False
        nums = [s for s in nums if s.numeric]
        rows_y = [a for a in rows_y if any(abs(s.y - a) <= 0.3 * leading for s in nums)]
        if not rows_y:
            continue
        pitch = min((b - a for a, b in zip(cols, cols[1:])), default=40.0)
        value_left = cols[0] - pitch / 2
        for s in nums:
            s.row = min(range(len(rows_y)), key=lambda i: abs(rows_y[i] - s.y))
        labels = [s for s in inside if not s.numeric and s.xc < value_left]
        # attach label lines: centred on a data row, or chained to a line that is
        attached: set[int] = set()
        for s in labels:
            i = min(range(len(rows_y)), key=lambda k: abs(rows_y[k] - s.y))
            if abs(rows_y[i] - s.y) <= 0.75 * leading:
                s.row = i
                attached.add(id(s))
        changed = True
        while changed:
            changed = False
            for s in labels:
                if id(s) in attached:
                    continue
                for t in labels:
                    if (
                        id(t) in attached
                        and abs(t.y - s.y) <= 1.3 * leading
                        and min(s.x1, t.x1) - max(s.x0, t.x0) > 0
                    ):
                        s.row = t.row
                        attached.add(id(s))
                        changed = True
                        break
        loose = [s for s in inside if s.row is None and id(s) not in attached]
        header_y = _cluster_pos([s.y for s in loose], 0.3 * leading)
        # grid rows in page order: header rows and data rows
        order = sorted(
            [(y, "h", k) for k, y in enumerate(header_y)]
            + [(y, "d", k) for k, y in enumerate(rows_y)]
        )
        label_groups: dict[tuple[str, int], list[list[_Seg]]] = {}
        values: dict[tuple[str, int], dict[int, list[_Seg]]] = {}
        for s in inside:
            if s.row is not None:
                key = ("d", s.row)
            else:
                key = ("h", min(range(len(header_y)), key=lambda k: abs(header_y[k] - s.y)))
            if s.xc < value_left:
                groups = label_groups.setdefault(key, [])
                for grp in groups:
                    if any(min(s.x1, t.x1) - max(s.x0, t.x0) > 0 for t in grp):
                        grp.append(s)
                        break
                else:
                    groups.append([s])
            else:
                for j, cx in enumerate(cols):
                    covers = (
                        s.x0 - 2 <= cx <= s.x1 + 2
                        if not s.numeric
                        else abs(s.xc - cx) == min(abs(s.xc - c) for c in cols)
                    )
                    if covers:
                        values.setdefault(key, {}).setdefault(j, []).append(s)
        nlab = max((len(v) for v in label_groups.values()), default=0)
        ti = first_index + len(grids)
        rows: list[list[GCell]] = []
        for r, (_y, kind, k) in enumerate(order):
            key = (kind, k)
            groups = sorted(label_groups.get(key, []), key=lambda g: min(x.x0 for x in g))
            cells: list[GCell] = [
                GCell("", Source(page=page_no, table=ti, row=r, col=j))
                for j in range(nlab - len(groups))
            ]
            for g in groups:
                g.sort(key=lambda x: (round(x.y, 1), x.x0))
                cells.append(
                    GCell(
                        "".join(x.text for x in g),
                        Source(
                            page=page_no,
                            table=ti,
                            row=r,
                            col=len(cells),
                            bbox=(
                                round(min(x.x0 for x in g), 2),
                                round(min(x.y for x in g) - leading / 2, 2),
                                round(max(x.x1 for x in g), 2),
                                round(max(x.y for x in g) + leading / 2, 2),
                            ),
                        ),
                    )
                )
            for j in range(len(cols)):
                segs_j = sorted(values.get(key, {}).get(j, []), key=lambda x: (round(x.y, 1), x.x0))
                src = Source(page=page_no, table=ti, row=r, col=nlab + j)
                if segs_j:
                    src.bbox = (
                        round(min(x.x0 for x in segs_j), 2),
                        round(min(x.y for x in segs_j) - leading / 2, 2),
                        round(max(x.x1 for x in segs_j), 2),
                        round(max(x.y for x in segs_j) + leading / 2, 2),
                    )
                c = GCell(
                    " ".join(x.text for x in segs_j)
                    if kind == "d"
                    else "".join(x.text for x in segs_j),
                    src,
                )
                if kind == "d" and len(segs_j) > 1:
                    c.flag = "two numbers under one column"
                cells.append(c)
            rows.append(cells)
        g = Grid(rows, index=ti, page=page_no, spans_known=False, centred=True)
        ys = [s.y for s in inside]
        g.bbox = (
            min(s.x0 for s in inside),
            min(ys) - leading,
            max(s.x1 for s in inside),
            max(ys) + leading,
        )
        g.last_page = page_no
        grids.append(g)
    return grids
