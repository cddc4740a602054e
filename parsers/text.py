"""Plain text: tables are runs of tab-separated lines (merged cells lost)."""

from __future__ import annotations

from nianbao.model import Source

from .grid import Grid, from_rows


def grids_from_text(text: str) -> list[Grid]:
    grids: list[Grid] = []
    block: list[tuple[int, list[str]]] = []
    used = [0]  # grid cells of the tables so far: the grid-cell limit is per document

    def flush() -> None:
        if len(block) >= 2:
            g = from_rows(
                [cells for _, cells in block], index=len(grids), spans_known=False, used=used[0]
            )
            used[0] += len(g.rows) * g.width
            for i, (_lineno, _) in enumerate(block):
                for j, c in enumerate(g.rows[i]):
                    # provenance: table index, row inside it, column; row also maps to a line
                    c.source = Source(table=g.index, row=i, col=j)
            grids.append(g)
        block.clear()

    for lineno, line in enumerate(text.splitlines()):
        if "\t" in line:
            block.append((lineno, [c.strip() for c in line.rstrip("\r\n").split("\t")]))
        elif line.strip() or block:
            flush()
    flush()
    return grids


def parse_text(text: str) -> tuple[str, list[Grid]]:
    return text, grids_from_text(text)
