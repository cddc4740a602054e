"""The intermediate every format produces: a table as rows of cells with provenance.

Merged cells are expanded: every grid position a merged cell covers holds the *same*
:class:`GCell` object, so a label spanning rows is known on each row, and code that
needs distinct cells dedupes by identity.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from nianbao.model import Source

from . import limits

_ids = itertools.count()


def check_cells(nrows: int, width: int, used: int = 0, what: str = "tables") -> int:
    """Raise LimitExceeded when a grid of ``nrows`` × ``width`` — with ``used`` cells of the
    document's earlier tables — is over the grid-cell limit; else return the new total. Call
    it *before* allocating: a 40 kB page of colspans can ask for 20 million positions."""
    total = used + nrows * width
    limits.check(
        "cells",
        total,
        f"{what} expand to {total:,} grid cells ({nrows:,} rows × {width:,} columns"
        + (f" + {used:,} cells of earlier tables" if used else "")
        + ")",
    )
    return total


class GCell:
    """One physical cell: its text, provenance, a unique id (merged cells are one GCell at
    several grid positions), and ``flag``: why the text cannot be trusted (e.g. digits cross
    the border). A plain slotted class: grids hold thousands and a dataclass with factories
    was a visible share of HTML parse time.

    Provenance is given either as a ``Source`` or, cheaper, as ``at`` = (table, row, col):
    most cells are labels or never read, so their ``Source`` (a dataclass, ~1 µs to build) is
    only made when ``source`` is first asked for, and is then the cell's own object as before."""

    __slots__ = ("text", "_source", "_at", "uid", "flag")

    def __init__(
        self,
        text: str,
        source: Source | None = None,
        uid: int | None = None,
        flag: str | None = None,
        at: tuple[int, int, int] | None = None,
    ):
        self.text = text
        self._source = source
        self._at = at
        self.uid = next(_ids) if uid is None else uid
        self.flag = flag

    @property
    def source(self) -> Source:
        src = self._source
        if src is None:
            at = self._at
            # (positional: keywords make the class call build a dict, a visible cost per cell)
            src = Source() if at is None else Source(None, None, *at)
            self._source = src
        return src

    @source.setter
    def source(self, src: Source) -> None:
        self._source = src

    def __repr__(self) -> str:  # compact, for debugging
        return f"GCell({self.text!r})"


@dataclass
class Grid:
    rows: list[list[GCell]]
    index: int = 0  # table index in the document (0-based)
    page: int | None = None  # first page (PDF)
    spans_known: bool = True  # False for flattened text: merges were lost
    bbox: tuple[float, float, float, float] | None = None  # PDF: table box on `page`
    last_page: int | None = None
    last_bbox: tuple[float, float, float, float] | None = None  # PDF: box of the part on last_page
    continued: bool = False  # PDF: rows from a following page were appended
    centred: bool = False  # PDF without ruling: a header spanning columns sits over the middle one

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in r] for r in self.rows]

    def distinct(self, r: int) -> list[tuple[int, GCell]]:
        """(first column, cell) for each distinct cell of row r, left to right. Memoised per
        row list (the readers ask for the same rows many times); a new ``rows`` list or a
        replaced row starts afresh."""
        row = self.rows[r]
        memo = self.__dict__.setdefault("_distinct", {})
        hit = memo.get(r)
        if hit is not None and hit[0] is row and hit[1] == len(row):
            return hit[2]
        seen: set[int] = set()
        out = []
        for j, c in enumerate(row):
            if c.uid not in seen:
                seen.add(c.uid)
                out.append((j, c))
        memo[r] = (row, len(row), out)
        return out


@dataclass
class Span:
    """One physical cell before expansion."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    source: Source | None = None


def from_spans(spans: list[Span], *, index: int = 0, page: int | None = None) -> Grid:
    """Expand cells with explicit row/col/rowspan/colspan into a rectangular grid."""
    nrows = max((s.row + max(s.rowspan, 1) for s in spans), default=0)
    ncols = max((s.col + max(s.colspan, 1) for s in spans), default=0)
    check_cells(nrows, ncols, what="a table's ruled cells")
    grid: list[list[GCell | None]] = [[None] * ncols for _ in range(nrows)]
    for s in spans:
        src = s.source or Source(table=index, row=s.row, col=s.col)
        cell = GCell(s.text, src)
        for r in range(s.row, s.row + max(s.rowspan, 1)):
            for c in range(s.col, s.col + max(s.colspan, 1)):
                if grid[r][c] is None:
                    grid[r][c] = cell
    rows = [
        [
            c if c is not None else GCell("", Source(table=index, row=i, col=j))
            for j, c in enumerate(row)
        ]
        for i, row in enumerate(grid)
    ]
    return Grid(rows, index=index, page=page)


def place_html_like(
    rows: list[list[tuple[str, int, int, Source | None]]], *, index: int = 0, used: int = 0
) -> Grid:
    """HTML/DOCX placement: cells given row by row (text, rowspan, colspan), positions taken
    by earlier rowspans are skipped (the HTML table model). Spans past the table's end are
    clipped; the first cell placed at a position keeps it. Rowspans are capped at 200 and
    colspans at 100; the grid (rows × widest row, ``used`` cells of the document's earlier
    tables added) is checked against the grid-cell limit whenever it widens."""
    nrows = len(rows)
    grid: list[list[GCell | None]] = [[] for _ in range(nrows)]
    max_width = (limits.get("cells") - used) // max(nrows, 1)  # wider raises LimitExceeded
    for r, cells in enumerate(rows):
        row = grid[r]
        c = 0
        for text, rowspan, colspan, src in cells:
            n = len(row)
            while c < n and row[c] is not None:
                c += 1
            cell = GCell(text, src, None, None, (index, r, c))  # (positional: see .source)
            if rowspan == 1 and colspan == 1 and c >= n:
                row.append(cell)  # the common case: a plain cell at the row's end
                c += 1
                if c > max_width:
                    check_cells(nrows, c, used)
                continue
            rowspan = min(max(1, min(rowspan, 200)), nrows - r)
            colspan = max(1, min(colspan, 100))
            end = c + colspan
            if end > max_width:
                check_cells(nrows, end, used)
            for rr in range(r, r + rowspan):
                target = grid[rr]
                if len(target) < end:
                    target.extend([None] * (end - len(target)))
                for cc in range(c, end):
                    if target[cc] is None:
                        target[cc] = cell
            c = end
    width = max((len(r) for r in grid), default=0)
    for i, row in enumerate(grid):
        if len(row) < width:
            row.extend([None] * (width - len(row)))
        if None in row:
            row[:] = [
                x if x is not None else GCell("", None, None, None, (index, i, j))
                for j, x in enumerate(row)
            ]
    return Grid(grid, index=index)


def from_rows(
    rows: list[list[str]], *, index: int = 0, spans_known: bool = False, used: int = 0
) -> Grid:
    """A grid from plain rows of text (no merges known), e.g. tab-separated text; ``used``:
    grid cells of the document's earlier tables (the grid-cell limit is per document)."""
    width = max((len(r) for r in rows), default=0)
    check_cells(len(rows), width, used, what="tab-separated rows")
    out = []
    for i, r in enumerate(rows):
        out.append(
            [GCell(t, Source(table=index, row=i, col=j)) for j, t in enumerate(r)]
            + [GCell("", Source(table=index, row=i, col=j)) for j in range(len(r), width)]
        )
    return Grid(out, index=index, spans_known=spans_known)


def append_rows(top: Grid, bottom: Grid) -> Grid:
    """Continue `top` with `bottom`'s rows (a table broken across pages)."""
    width = max(top.width, bottom.width)
    rows = [
        r + [GCell("", r[-1].source if r else Source()) for _ in range(width - len(r))]
        for r in top.rows + bottom.rows
    ]
    g = Grid(
        rows,
        index=top.index,
        page=top.page,
        spans_known=top.spans_known and bottom.spans_known,
        bbox=top.bbox,
        last_page=bottom.last_page or bottom.page,
        last_bbox=bottom.last_bbox or bottom.bbox,
        continued=True,
        centred=top.centred or bottom.centred,
    )
    return g
