"""Shared row and cell helpers of the table readers: which cells of a grid row are labels
and which are values, header stacks, value alignment, and turning value cells into
:class:`nianbao.model.Cell` objects (numbers, units, notes, warnings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from nianbao import form
from nianbao.model import Cell

from . import labels as L
from .grid import GCell, Grid
from .numbers import ParsedNumber, looks_numeric, parse_number

T2, T3, T4, T5 = form.T2, form.T3, form.T4, form.T5


@dataclass
class Tables:
    """What the table readers found: cells, the rows read per table, rows the form does not
    have, the label each row was read by, why rows were not read, warnings."""

    cells: list[Cell] = field(default_factory=list)
    rows_found: dict[str, list[str]] = field(
        default_factory=lambda: {T2: [], T3: [], T4: [], T5: []}
    )
    tables_found: set[str] = field(default_factory=set)
    extra_rows: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    t2_2019_columns: bool = False
    t2_2021_columns: bool = False
    row_labels: dict[str, str] = field(default_factory=dict)  # "t3.granted" → label printed
    missing_reasons: dict[str, str] = field(default_factory=dict)  # "t3.total" → why not read


# --- helpers --------------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def is_label_text(text: str) -> bool:
    return bool(text.strip()) and not looks_numeric(text)


@lru_cache(maxsize=65536)
def is_value_text(text: str) -> bool:
    return bool(text.strip()) and looks_numeric(text)


def row_kinds(g: Grid, r: int) -> tuple[list[tuple[int, GCell]], bool]:
    """(label cells, whether any cell holds a number) of row r. The readers ask this of the
    same rows many times; memoised on the row's distinct-cell list (see Grid.distinct), so a
    replaced row starts afresh."""
    dist = g.distinct(r)
    memo = g.__dict__.setdefault("_kinds", {})
    hit = memo.get(r)
    if hit is not None and hit[0] is dist:
        return hit[1], hit[2]
    labels = [(j, c) for j, c in dist if is_label_text(c.text)]
    has_values = any(is_value_text(c.text) for _, c in dist)
    memo[r] = (dist, labels, has_values)
    return labels, has_values


def row_labels(g: Grid, r: int, limit: int | None = None) -> list[tuple[int, GCell]]:
    """Label cells of row r; with `limit` (the first value column, where merges are known)
    only cells starting left of it, so unreadable text in a value cell is not a label."""
    labels = row_kinds(g, r)[0]
    if limit is None:
        return list(labels)
    return [(j, c) for j, c in labels if j < limit]


def has_values(g: Grid, r: int) -> bool:
    return row_kinds(g, r)[1]


def header_rows_text(g: Grid, rows: list[int]) -> list[list[str]]:
    """Header texts per row; for text grids (merges lost) a header cell is assumed to span
    the empty cells to its right."""
    out = []
    for r in rows:
        texts = [c.text for c in g.rows[r]]
        if not g.spans_known:
            last = ""
            filled = []
            for t in texts:
                if t.strip():
                    last = t
                filled.append(t if t.strip() else last)
            texts = filled
        out.append(texts)
    return out


def stack(hdr: list[list[str]], j: int) -> list[str]:
    out: list[str] = []
    for row in hdr:
        if j < len(row) and row[j].strip() and (not out or L.norm(out[-1]) != L.norm(row[j])):
            out.append(row[j])
    return out


def align_values(
    g: Grid, r: int, colmap: dict[str, int], order: list[str], warn: list[str], where: str
) -> dict[str, GCell] | None:
    """Value cells of row r for the column keys in `order`.

    Index alignment (the header's column positions) is used where merges are known and every
    position holds a number-like cell; otherwise the cells after the row's last label are taken
    in header order (text tables lose merged label cells, which shifts the numbers right)."""
    row = g.rows[r]
    # (loops and map() rather than generator expressions: this runs for every row read, and
    # a generator's creation and close cost more than its few steps)
    complete = all(map(colmap.__contains__, order))
    limit = min(colmap.values()) if g.spans_known and colmap and complete else None
    label_uids = {c.uid for _, c in row_labels(g, r, limit)}
    last_label = -1  # the row's last position holding a label
    for j in range(len(row) - 1, -1, -1) if label_uids else ():
        if row[j].uid in label_uids:
            last_label = j
            break
    by_index = _by_index(row, colmap, order, label_uids) if complete else None
    seq: list[GCell] = []
    seen: set[int] = set()
    for c in row[last_label + 1 :]:
        if c.uid not in seen:
            seen.add(c.uid)
            seq.append(c)
    while len(seq) > len(order) and not seq[-1].text.strip():
        seq.pop()
    by_seq = dict(zip(order, seq)) if len(seq) == len(order) else None
    if g.spans_known:
        if by_index is not None:
            return by_index
        if by_seq is not None:
            if colmap:  # (without a header map the caller has already warned)
                warn.append(
                    f"{where}: values taken in header order (cells not under their headers)"
                )
            return by_seq
    else:
        if by_seq is not None:
            return by_seq
        if by_index is not None:
            return by_index
        while len(seq) > len(order) and not seq[0].text.strip():
            seq.pop(0)
        if len(seq) == len(order):
            warn.append(f"{where}: leading empty cells dropped to align values with the header")
            return dict(zip(order, seq))
    warn.append(
        f"{where}: could not align {len(seq)} value cells with {len(order)} columns; row not read"
    )
    return None


def _by_index(
    row: list[GCell], colmap: dict[str, int], order: list[str], label_uids: set[int]
) -> dict[str, GCell] | None:
    """The cells under the header's columns, or None when one is missing or a label."""
    out = {}
    for k in order:
        j = colmap[k]
        if j >= len(row) or row[j].uid in label_uids:
            return None
        out[k] = row[j]
    return out


def emit(
    out: Tables,
    table: str,
    row: str,
    vals: dict[str, GCell],
    fmt: str = form.FORMAT_2021,
    units: dict[str, str] | None = None,
) -> None:
    """Cells of one row. ``units``: the unit a column's header prints, where it differs from
    the form's (本年收费金额（单位：元）): the values are converted to the form's unit."""
    for col, c in vals.items():
        decimal, unit = _amount_unit(table, col, fmt)
        printed = units.get(col) if units else None
        p = parse_number(c.text, decimal, printed or unit)
        if c.flag and p.ok and not p.blank:
            p = ParsedNumber(None, f"unreadable '{c.text.strip()}' ({c.flag})", ok=False)
        if printed and unit and printed != unit and p.value is not None:
            p = convert_unit(p, printed, unit)
        if not p.ok:
            out.warnings.append(
                f"{table}.{row}.{col}: unreadable value '{c.text.strip()}' (read as missing)"
            )
        elif p.note and "converted" in p.note:
            out.warnings.append(f"{table}.{row}.{col}: {p.note}")
        # positional: keywords make the class call build a dict, a visible cost per cell
        out.cells.append(
            Cell(table, row, col, p.value, c.text, p.note, c.source, p.unit if decimal else None)
        )
    out.rows_found[table].append(row)


@lru_cache(maxsize=256)
def _amount_unit(table: str, col: str, fmt: str) -> tuple[bool, str | None]:
    """(the column holds amounts, the form's unit for them) of a column, looked up once."""
    spec = form.column(table, col, fmt)
    decimal = spec is not None and spec.decimal
    return decimal, spec.unit if decimal else None


def convert_unit(p: ParsedNumber, printed: str, unit: str) -> ParsedNumber:
    """A value in the unit its column header prints, converted to the form's unit."""
    v = round(p.value * form.YUAN_PER_UNIT[printed] / form.YUAN_PER_UNIT[unit], 6)
    note = f"header says {printed}, converted to {unit}" + (f"; {p.note}" if p.note else "")
    return ParsedNumber(v, note, p.ok, p.blank, unit)
