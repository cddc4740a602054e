"""表三 收到和处理政府信息公开申请情况 (25 rows × 7 columns), read in phases.

1. header: each grid's column map from its header rows (a continuation keeps the last one);
2. lines: the printed rows, their label texts (block prefixes split off) and whether they
   print values;
3. fragments: a label cut over two rows (Word → PDF exports print a long label's tail in the
   next row's cell) is joined back when the joined label matches the form better;
4. match: each line's label against the form's rows, with the block it sits in and the
   form's order as tie-breakers;
5. recover: lines with values left unmatched between two matched rows take the form's rows
   missing between those two, in order, when their count and enumerators agree — the form
   is ordered, so a reworded "5.内部管理信息" between 4. and 6. is 5.属于三类内部事务信息;
6. emit: the values of every matched line; every row of the form not read is recorded in
   ``missing_reasons`` with what the table prints where the form has it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nianbao import form

from . import labels as L
from .grid import GCell, Grid
from .rows import Tables, align_values, emit, has_values, row_labels, stack

T3 = form.T3
_T3_TOP = [(r.key, r.label) for r in form.T3_ROWS if r.block in ("", L.T3_RESULTS_HEADER)]
_T3_SUB: dict[str, list[tuple[str, str]]] = {}
for _r in form.T3_ROWS:
    if _r.block in L.T3_BLOCKS:
        _T3_SUB.setdefault(_r.block, []).append((_r.key, _r.label))
_T3_ALL = tuple((r.key, r.label) for r in form.T3_ROWS + (form.T3_OTHER_SINGLE,))
_T3_LABEL = dict(_T3_ALL)
_T3_COLS = [(c.key, c.label) for c in form.T3_COLUMNS]
_T3_ORDER = [c.key for c in form.T3_COLUMNS]
_T3_BLOCK_OF = {r.key: r.block for r in form.T3_ROWS if r.block in L.T3_BLOCKS}
_T3_NEXT = {a.key: b.key for a, b in zip(form.T3_ROWS, form.T3_ROWS[1:])}
ROW_ORDER_2021 = tuple(r.key for r in form.T3_ROWS)
ROW_ORDER_2019 = tuple(dict.fromkeys(k for k, _ in form.expected_cells(T3, form.FORMAT_2019)))
BLOCK_BONUS = 8.0  # a sub-row of the block the row sits in
ORDER_BONUS = 3.0  # the row the form prints next
JOIN_GAIN = 5.0  # a joined label must match this much better than either part
_LEADING_NUMBER = re.compile(r"^\(?(\d{1,2})")


@dataclass
class _Line:
    """One printed row of 表三: the grid row its values are read from, its label cells and
    texts, and (once matched) the form row it is and the label it was matched by."""

    g: Grid
    r: int
    colmap: dict[str, int]
    cells: list[tuple[int, GCell]]
    texts: list[str]
    values: bool
    key: str | None = None
    label: str = ""

    @property
    def own(self) -> list[str]:
        """The row's own labels: its texts that are not a block label."""
        return [t for t in self.texts if not L.match_block(t).key]

    @property
    def shown(self) -> str:
        return " / ".join(self.texts)


@lru_cache(maxsize=65536)
def _match_t3_row(
    text: str, block: str | None, prev_key: str | None
) -> tuple[str | None, float, str | None]:
    """(row key, label score, note) for a 表三 row label.

    Sub-rows "1." … "8." are scored against every block's sub-rows, with a bonus for the
    block the row sits in and for the form's next row: a block label missing on this side of
    a page break, or rows in another order, still land right; a bare "2." stays ambiguous."""
    enum = L.enumerator(text)
    sub = bool(enum and enum[0].isdigit())
    cands = ([] if sub else _T3_TOP) + [x for v in _T3_SUB.values() for x in v]
    scored = []
    for key, label in cands:
        raw = L.best(text, [(key, label)]).score
        bonus = (BLOCK_BONUS if block and _T3_BLOCK_OF.get(key) == block else 0.0) + (
            ORDER_BONUS if prev_key and _T3_NEXT.get(prev_key) == key else 0.0
        )
        scored.append((raw + bonus, raw, key))
    scored.sort(reverse=True)
    if not scored or scored[0][1] < L.MATCH:
        return None, scored[0][1] if scored else 0.0, None
    total, raw, key = scored[0]
    note = None
    if len(scored) > 1 and total - scored[1][0] < 5:
        note = f"ambiguous label (next best {scored[1][2]})"
    elif sub and block and _T3_BLOCK_OF.get(key) != block:
        note = f"label belongs to {_T3_BLOCK_OF.get(key)}, not {block}"
    elif sub and not block and raw < L.SURE:
        note = "sub-row outside any block"
    return key, raw, note


@lru_cache(maxsize=65536)
def _best_score(text: str) -> float:
    """How well a label matches any row of 表三 (0-100)."""
    return L.best(text, _T3_ALL).score


# --- 1. header ---------------------------------------------------------------------------------
def _t3_colmap(g: Grid, header: list[int]) -> dict[str, int]:
    hdr = [[c.text for c in g.rows[r]] for r in header]  # leaf labels: no fill-right
    colmap: dict[str, int] = {}
    for j in range(g.width):
        leaf = [
            t for t in stack(hdr, j) if not any(L.norm(x) in L.norm(t) for x in L.T3_HEADER_GROUPS)
        ]
        # bottom cell first, then the bottom cells joined ("商业" / "企业" in two header rows)
        for k in range(1, len(leaf) + 1):
            m = L.best("".join(leaf[-k:]), _T3_COLS)
            if m.key and m.score >= L.SURE:
                colmap.setdefault(m.key, j)
                break
    return colmap


def _is_header_row(g: Grid, r: int) -> bool:
    """A row printing a column label or a header group word of 表三."""
    for _, c in g.distinct(r):
        t = L.norm(c.text)
        if t and (
            any(L.norm(x) in t for x in L.T3_HEADER_GROUPS) or L.best(t, _T3_COLS).score >= L.SURE
        ):
            return True
    return False


@dataclass
class _State:
    colmap: dict[str, int] | None = None
    width: int | None = None


def _header(g: Grid, state: _State, out: Tables) -> int:
    """Set the grid's column map; return the first row after its header."""
    first_data = next((r for r in range(len(g.rows)) if has_values(g, r)), len(g.rows))
    header = [r for r in range(first_data) if row_labels(g, r)]
    if header:
        cm = _t3_colmap(g, header)
        if len(cm) == len(_T3_ORDER):
            state.colmap, state.width = cm, g.width
        else:
            got = ", ".join(k for k in _T3_ORDER if k in cm) or "none"
            out.warnings.append(
                f"t3: header unreadable (columns found: {got}); standard column order assumed"
            )
            state.colmap, state.width = {}, g.width
    elif state.colmap is None or g.width != state.width:
        out.warnings.append(
            "t3: no header"
            + (" on a continuation table" if state.colmap is not None else "")
            + f" (table {g.index}); standard column order assumed"
        )
        state.colmap, state.width = {}, g.width
    heads = [r for r in header if _is_header_row(g, r)]
    return heads[-1] + 1 if heads else 0


# --- 2. lines ----------------------------------------------------------------------------------
def _lines(g: Grid, start: int, colmap: dict[str, int]) -> list[_Line]:
    limit = min(colmap.values()) if g.spans_known and colmap else None
    out = []
    for r in range(start, len(g.rows)):
        cells = row_labels(g, r, limit)
        texts: list[str] = []
        for _, c in cells:
            if L.is_results_header(c.text):
                continue
            b, rest = L.split_block_prefix(c.text)
            texts.extend([b, rest] if b else [rest])
        values = has_values(g, r)
        if texts or values:
            out.append(_Line(g, r, colmap, cells, texts, values))
    return out


# --- 3. fragments ------------------------------------------------------------------------------
def _merge_fragments(lines: list[_Line]) -> None:
    """Join a row holding only part of a label (no value printed) to the row above or below
    it, when the joined label matches a form row (≥ SURE): at least as well as either part
    when the other row prints the values (a head such as "1.申请人无正当理由逾期不补正" is
    itself a known short form), clearly better when neither does."""
    i = 0
    while i < len(lines):
        frag = lines[i]
        if frag.values or not frag.own:
            i += 1
            continue
        best = None
        for j in (i - 1, i + 1):
            if not 0 <= j < len(lines) or not lines[j].own:
                continue
            other = lines[j].own[-1]
            joined = other + frag.own[-1] if j < i else frag.own[-1] + other
            s = _best_score(joined)
            parts = max(_best_score(frag.own[-1]), _best_score(other))
            gain = 0.0 if lines[j].values else JOIN_GAIN
            if s >= L.SURE and s >= parts + gain and (best is None or s > best[0]):
                best = (s, j, joined)
        if best is None:
            i += 1
            continue
        _, j, joined = best
        keep = lines[j]
        k = len(keep.texts) - 1 - keep.texts[::-1].index(keep.own[-1])
        keep.texts[k] = joined
        del lines[i]


# --- 4. match ----------------------------------------------------------------------------------
def _match(lines: list[_Line], out: Tables) -> None:
    block: str | None = None
    prev_key: str | None = None
    block_cell: tuple[int, int, int] | None = None  # (grid, column, cell) of the block label
    seen: dict[str, str] = {}
    for ln in lines:
        g, r = ln.g, ln.r
        row_blocks = [m.key for t in ln.texts if (m := L.match_block(t)).key]
        if row_blocks:
            block = row_blocks[-1]
            bcell = next(((j, c) for j, c in ln.cells if L.match_block(c.text).key), None)
            block_cell = (g.index, bcell[0], bcell[1].uid) if bcell else None
        elif g.spans_known and block_cell and block_cell[0] == g.index:
            c = g.rows[r][block_cell[1]] if block_cell[1] < len(g.rows[r]) else None
            if c is not None and c.uid != block_cell[2] and not c.text.strip():
                block = None  # the block's label is not printed on this part of the table
        key = _line_key(ln, block, row_blocks, prev_key, out)
        if key is None:
            continue
        block = _T3_BLOCK_OF.get(key) if ln.own else block
        if key in seen:
            out.warnings.append(
                f"t3: row {key} appears twice ('{seen[key]}', '{ln.shown}'); second ignored"
            )
            out.extra_rows.append(f"t3: {ln.shown}")
            continue
        seen[key] = ln.shown
        prev_key = ln.key = key
        ln.label = ln.own[-1] if ln.own else row_blocks[-1]


def _line_key(
    ln: _Line, block: str | None, row_blocks: list[str], prev_key: str | None, out: Tables
) -> str | None:
    spec = ln.own
    if not spec:  # the trial format's single （六）其他处理 row: the block label with values
        if block == "（六）其他处理" and row_blocks and ln.values:
            return form.T3_OTHER_SINGLE.key
        return None
    key, score, note = _match_t3_row(spec[-1], block, prev_key)
    if key is None:
        return None
    if note:
        out.warnings.append(f"t3: '{L.norm(ln.shown)}' matched {key}: {note}")
    if score < L.SURE:
        out.warnings.append(
            f"t3: label '{L.norm(ln.shown)}' matched {key} with low confidence ({score:.0f})"
        )
    return key


# --- 5. recover --------------------------------------------------------------------------------
def _order(lines: list[_Line]) -> tuple[str, ...]:
    single = any(ln.key == form.T3_OTHER_SINGLE.key for ln in lines)
    return ROW_ORDER_2019 if single else ROW_ORDER_2021


def _number(text: str) -> str | None:
    m = _LEADING_NUMBER.match(L.norm(text))
    return m.group(1) if m else None


def _plausible(text: str | None, key: str) -> bool:
    """Could a printed label be this form row? Their leading numbers agree (or the label has
    none and resembles the form's), or no label is printed at all."""
    if not text:
        return True
    a, b = _number(text), _number(_T3_LABEL[key])
    if a and b:
        return a == b
    return L.score(text, _T3_LABEL[key]) >= 40


def _recover(lines: list[_Line], out: Tables) -> None:
    """Unmatched lines with values between two matched lines take the form rows missing
    between those two, when there are as many of each and every pairing is plausible."""
    order = _order(lines)
    pos = {k: i for i, k in enumerate(order)}
    found = {ln.key for ln in lines if ln.key}
    matched = [i for i, ln in enumerate(lines) if ln.key]
    for a, b in zip([-1] + matched, matched + [len(lines)]):
        gap = [ln for ln in lines[a + 1 : b] if ln.values]
        if not gap:
            continue
        lo = pos.get(lines[a].key, -1) if a >= 0 else -1
        hi = pos.get(lines[b].key, len(order)) if b < len(lines) else len(order)
        missing = [k for k in order[lo + 1 : hi] if k not in found]
        pairs = list(zip(gap, missing))
        if len(gap) != len(missing) or not all(
            _plausible(ln.own[-1] if ln.own else None, k) for ln, k in pairs
        ):
            continue
        after = lines[a].key if a >= 0 else "the header"
        before = lines[b].key if b < len(lines) else "the end of the table"
        for ln, k in pairs:
            ln.key, ln.label = k, ln.own[-1] if ln.own else ""
            found.add(k)
            out.warnings.append(
                f"t3: '{L.norm(ln.shown) or '(no label)'}' read as {k} by its place between "
                f"{after} and {before} (the label does not match the form's)"
            )


# --- 6. emit -----------------------------------------------------------------------------------
def _emit_lines(lines: list[_Line], out: Tables) -> None:
    for ln in lines:
        if ln.key is None:
            if ln.values and ln.texts:
                out.extra_rows.append(f"t3: {ln.shown}")
            elif ln.values:
                out.warnings.append(
                    f"t3: row {ln.r} of table {ln.g.index} has numbers but no label; ignored"
                )
            continue
        vals = align_values(ln.g, ln.r, ln.colmap, _T3_ORDER, out.warnings, f"t3.{ln.key}")
        if vals is not None:
            emit(out, T3, ln.key, vals)
            out.row_labels[f"{T3}.{ln.key}"] = "".join(ln.label.split())


def _printed(ln: _Line) -> str:
    vals = [c.text.strip() for _, c in ln.g.distinct(ln.r) if c.text.strip()]
    vals = [v for v in vals if v not in ln.texts and not L.match_block(v).key]
    return f"'{L.norm(ln.shown)}'" + (f" {' '.join(vals)}" if vals else "")


def _missing_reasons(lines: list[_Line], out: Tables) -> None:
    """Why each row of the form was not read: what the table prints between the rows read
    before and after it."""
    order = _order(lines)
    read = {k for k in out.rows_found[T3]}
    at = {ln.key: i for i, ln in enumerate(lines) if ln.key in read}
    for n, key in enumerate(order):
        if key in read:
            continue
        before = next((k for k in reversed(order[:n]) if k in at), None)
        after = next((k for k in order[n + 1 :] if k in at), None)
        lo = at[before] + 1 if before else 0
        hi = at[after] if after else len(lines)
        between = [_printed(ln) for ln in lines[lo:hi] if ln.key not in read] if lo <= hi else []
        where = f"between {T3}.{before or '(header)'} and {T3}.{after or '(end of table)'}"
        out.missing_reasons[f"{T3}.{key}"] = (
            f"not read: {where} the table prints " + "; ".join(between)[:300]
            if between
            else f"not printed: nothing {where}"
        )


def read_t3(grids: list[Grid], out: Tables) -> None:
    """表三 from its grids (a table broken across pages comes as several): every row of the
    form read, or recorded missing with what was printed where it should be."""
    state = _State()
    lines: list[_Line] = []
    for g in grids:
        start = _header(g, state, out)
        lines += _lines(g, start, state.colmap or {})
        out.tables_found.add(T3)
    _merge_fragments(lines)
    _match(lines, out)
    _recover(lines, out)
    _emit_lines(lines, out)
    _missing_reasons(lines, out)
