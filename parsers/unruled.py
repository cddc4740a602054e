"""Tables without ruling (三线表, OCR word boxes): rows and columns from word positions.

Data rows are the text lines holding numbers, value columns the clusters of the numbers'
centres; label lines are attached to the data row they are centred on, multi-line labels by
chaining lines of one column (at the labels' own line pitch); the other lines between a
table's rows are header rows. Grids come out with spans unknown (like text), so the readers
align values by header and say so when they cannot.

Phases of :func:`grids_from_chars`: segments (runs of characters) → regions (runs of data
rows with no prose between) → per region: value columns, rows of the numbers, label lines
attached, header rows, cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.model import Source

from . import labels as L
from .grid import GCell, Grid
from .numbers import looks_numeric

Char = tuple[float, float, float, str]  # x0, x1, y centre (top-down), character; "\n" = line
PAGE_NO = re.compile(r"^[-—–\s]*(第?\s*\d+\s*页?(共\s*\d+\s*页)?)[-—–\s]*$|^\d+\s*/\s*\d+$")


class _Seg:
    """A run of characters on one text line with no wide gap: one cell's line of text."""

    __slots__ = ("text", "x0", "x1", "y", "size", "numeric", "row")

    def __init__(self, chars: list[Char]):
        self.text = "".join(c[3] for c in chars)
        self.x0, self.x1 = chars[0][0], max(c[1] for c in chars)
        self.y = sum(c[2] for c in chars) / len(chars)
        self.size = max(c[1] - c[0] for c in chars)
        self.numeric = bool(re.search(r"\d", self.text)) and looks_numeric(self.text)
        self.row: int | None = None

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2


def _segments(chars: list[Char]) -> list[_Seg]:
    out: list[_Seg] = []
    run: list[Char] = []
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


def _overlap(a: _Seg, b: _Seg) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0


@dataclass
class _Page:
    """The segments of a page and the measures every region uses."""

    segs: list[_Seg]
    height: float
    leading: float  # a line of body text, from the characters' size
    text_w: float  # width of the text block
    prose: list[float]  # y of prose lines: they separate tables


def _page(chars: list[Char], height: float) -> _Page | None:
    segs = [
        s
        for s in _segments(chars)  # page numbers in the margins
        if not (PAGE_NO.match(s.text) and (s.y < 60 or s.y > height - 60))
    ]
    if not segs:
        return None
    sizes = sorted(s.size for s in segs if not s.numeric)
    leading = 1.25 * (sizes[len(sizes) // 2] if sizes else 8.0)
    text_w = max(s.x1 for s in segs) - min(s.x0 for s in segs)
    prose = sorted(s.y for s in segs if not s.numeric and _is_prose(s, text_w))
    return _Page(segs, height, leading, text_w, prose)


def _regions(pg: _Page) -> list[list[float]]:
    """Runs of data rows (y of lines holding numbers) with no prose line between them."""
    anchors = _cluster_pos([s.y for s in pg.segs if s.numeric], 0.3 * pg.leading)
    regions: list[list[float]] = []
    for a in anchors:
        if regions and not any(regions[-1][-1] < p < a for p in pg.prose):
            regions[-1].append(a)
        else:
            regions.append([a])
    return regions


@dataclass
class _Region:
    """One table: its segments, data rows (y), value columns (x) and the left edge of the
    values (labels sit left of it)."""

    inside: list[_Seg]
    rows_y: list[float]
    cols: list[float]
    value_left: float


def _region(pg: _Page, rows_y: list[float]) -> _Region | None:
    """Value columns: positions where numbers line up on several rows (a lone number
    elsewhere — a digit of a label, a figure in a note — is text)."""
    lead = pg.leading
    top = max([p for p in pg.prose if p < rows_y[0]], default=-1.0)
    bottom = min([p for p in pg.prose if p > rows_y[-1]], default=pg.height + 1)
    inside = [
        s for s in pg.segs if top < s.y < bottom and not (not s.numeric and _is_prose(s, pg.text_w))
    ]
    nums = [s for s in inside if s.numeric and any(abs(s.y - a) <= 0.3 * lead for a in rows_y)]
    if len(rows_y) < 2 and len({round(s.xc) for s in nums}) < 4:
        return None
    tol = max(6.0, lead * 0.8)
    need = max(1 if len(rows_y) == 1 else 2, 0.25 * len(rows_y))
    cols = [
        c
        for c in _cluster_pos([s.xc for s in nums], tol)
        if sum(1 for s in nums if abs(s.xc - c) <= tol) >= need
    ]
    if not cols:
        return None
    for s in inside:
        if s.numeric and not any(abs(s.xc - c) <= tol for c in cols):
            s.numeric = False
    nums = [s for s in nums if s.numeric]
    rows_y = [a for a in rows_y if any(abs(s.y - a) <= 0.3 * lead for s in nums)]
    if not rows_y:
        return None
    for s in nums:
        s.row = min(range(len(rows_y)), key=lambda i: abs(rows_y[i] - s.y))
    pitch = min((b - a for a, b in zip(cols, cols[1:])), default=40.0)
    return _Region(inside, rows_y, cols, cols[0] - pitch / 2)


def _line_pitch(labels: list[_Seg], leading: float) -> float | None:
    """The distance between the lines of one wrapped label, measured: the smallest gap
    between a label line and the next overlapping one below it, if it is a line's height
    (≤ 1.5 leadings: farther apart are separate rows). Office suites print labels at 1.0–1.5
    × the font size, and punctuation shifts a line's centre, so the leading alone misses."""
    gaps = []
    by_y = sorted(labels, key=lambda s: s.y)
    for i, s in enumerate(by_y):
        for t in by_y[i + 1 :]:
            if t.y - s.y > 1.5 * leading:
                break
            if t.y - s.y > 0.5 * leading and _overlap(s, t):
                gaps.append(t.y - s.y)
                break
    return min(gaps) if gaps else None


def _attach_labels(reg: _Region, leading: float) -> None:
    """Label lines centred on a data row belong to it; the lines above and below such a line
    in the same column (one line pitch apart) continue its label."""
    labels = [s for s in reg.inside if not s.numeric and s.xc < reg.value_left]
    pitch = _line_pitch(labels, leading)
    reach = max(1.3 * leading, 1.25 * pitch) if pitch else 1.3 * leading
    attached: set[int] = set()
    for s in labels:
        i = min(range(len(reg.rows_y)), key=lambda k: abs(reg.rows_y[k] - s.y))
        if abs(reg.rows_y[i] - s.y) <= 0.75 * leading:
            s.row = i
            attached.add(id(s))
    changed = True
    while changed:
        changed = False
        for s in labels:
            if id(s) in attached:
                continue
            for t in labels:
                if id(t) in attached and abs(t.y - s.y) <= reach and _overlap(s, t):
                    s.row = t.row
                    attached.add(id(s))
                    changed = True
                    break


def _place(reg: _Region, leading: float):
    """Grid rows in page order (header rows "h", data rows "d"), and per row the label groups
    (lines of one column) and the segments under each value column."""
    loose = [s for s in reg.inside if s.row is None]
    header_y = _cluster_pos([s.y for s in loose], 0.3 * leading)
    order = sorted(
        [(y, "h", k) for k, y in enumerate(header_y)]
        + [(y, "d", k) for k, y in enumerate(reg.rows_y)]
    )
    label_groups: dict[tuple[str, int], list[list[_Seg]]] = {}
    values: dict[tuple[str, int], dict[int, list[_Seg]]] = {}
    for s in reg.inside:
        if s.row is not None:
            key = ("d", s.row)
        else:
            key = ("h", min(range(len(header_y)), key=lambda k: abs(header_y[k] - s.y)))
        if s.xc < reg.value_left:
            groups = label_groups.setdefault(key, [])
            grp = next((g for g in groups if any(_overlap(s, t) for t in g)), None)
            if grp is None:
                groups.append([s])
            else:
                grp.append(s)
            continue
        for j, cx in enumerate(reg.cols):
            covers = (
                s.x0 - 2 <= cx <= s.x1 + 2
                if not s.numeric
                else abs(s.xc - cx) == min(abs(s.xc - c) for c in reg.cols)
            )
            if covers:
                values.setdefault(key, {}).setdefault(j, []).append(s)
    return order, label_groups, values


def _box(segs: list[_Seg], leading: float) -> tuple[float, float, float, float]:
    return (
        round(min(x.x0 for x in segs), 2),
        round(min(x.y for x in segs) - leading / 2, 2),
        round(max(x.x1 for x in segs), 2),
        round(max(x.y for x in segs) + leading / 2, 2),
    )


def _cells(reg: _Region, leading: float, page_no: int, ti: int) -> list[list[GCell]]:
    order, label_groups, values = _place(reg, leading)
    nlab = max((len(v) for v in label_groups.values()), default=0)
    rows: list[list[GCell]] = []
    for r, (_y, kind, k) in enumerate(order):
        key = (kind, k)
        groups = sorted(label_groups.get(key, []), key=lambda g: min(x.x0 for x in g))
        cells = [
            GCell("", Source(page=page_no, table=ti, row=r, col=j))
            for j in range(nlab - len(groups))
        ]
        for g in groups:
            g.sort(key=lambda x: (round(x.y, 1), x.x0))
            src = Source(page=page_no, table=ti, row=r, col=len(cells), bbox=_box(g, leading))
            cells.append(GCell("".join(x.text for x in g), src))
        for j in range(len(reg.cols)):
            segs_j = sorted(values.get(key, {}).get(j, []), key=lambda x: (round(x.y, 1), x.x0))
            src = Source(page=page_no, table=ti, row=r, col=nlab + j)
            if segs_j:
                src.bbox = _box(segs_j, leading)
            sep = " " if kind == "d" else ""
            c = GCell(sep.join(x.text for x in segs_j), src)
            if kind == "d" and len(segs_j) > 1:
                c.flag = "two numbers under one column"
            cells.append(c)
        rows.append(cells)
    return rows


def grids_from_chars(
    chars: list[Char], height: float, page_no: int, first_index: int
) -> list[Grid]:
    """The word-position table reader on characters (x0, x1, y centre, char; "\\n" between
    lines) from any source: a PDF text layer, or OCR."""
    pg = _page(chars, height)
    if pg is None:
        return []
    grids: list[Grid] = []
    for rows_y in _regions(pg):
        reg = _region(pg, rows_y)
        if reg is None:
            continue
        _attach_labels(reg, pg.leading)
        ti = first_index + len(grids)
        rows = _cells(reg, pg.leading, page_no, ti)
        g = Grid(rows, index=ti, page=page_no, spans_known=False, centred=True)
        ys = [s.y for s in reg.inside]
        g.bbox = (
            min(s.x0 for s in reg.inside),
            min(ys) - pg.leading,
            max(s.x1 for s in reg.inside),
            max(ys) + pg.leading,
        )
        g.last_page = page_no
        grids.append(g)
    return grids
