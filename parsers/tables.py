"""Grids → cells of 表二/表三/表四.

Which grid is which table is decided by content (signature words), rows and columns
are mapped by label (never by position alone); positions are only the fallback when a
header is unreadable, and then a warning says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from nianbao import form
from nianbao.model import Cell

from . import labels as L
from .grid import GCell, Grid
from .numbers import ParsedNumber, looks_numeric, parse_number

T2, T3, T4 = form.T2, form.T3, form.T4

# Words whose presence identifies a grid as one of the standard tables.
SIGNATURES: dict[str, tuple[str, ...]] = {
    T2: (
        "第二十条",
        "信息内容",
        "规章",
        "规范性文件",
        "行政许可",
        "行政处罚",
        "行政强制",
        "行政事业性收费",
        "本年制发件数",
        "本年处理决定数量",
        "本年新制作数量",
        "本年收费金额",
    ),
    T3: (
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "本年新收",
        "上年结转",
        "予以公开",
        "部分公开",
        "不予公开",
        "无法提供",
        "不予处理",
        "其他处理",
        "结转下年度",
    ),
    T4: ("行政复议", "行政诉讼", "未经复议", "复议后起诉", "结果维持", "结果纠正", "尚未审结"),
}
MIN_HITS = 3

# 表二: extra header spellings, and the 2019 trial-format headers (no 2021 key).
T2_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "decisions": ("处理决定数量",),
    "amount_10k_yuan": ("本年收费金额", "收费金额（单位：万元）", "本年收费金额（万元）"),
}
T2_COLUMNS_2019 = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "本年增/减",
)
# 表四: column group by words in its header stack (first rule that matches wins).
T4_GROUP_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("litigation_direct", ("未经复议", "直接起诉")),
    ("litigation_after_review", ("复议后起诉",)),
    ("review", ("行政复议",)),
)
T4_SUB_ALIASES: dict[str, tuple[str, ...]] = {
    "upheld": ("维持",),
    "corrected": ("纠正",),
    "other": ("其他",),
    "pending": ("未审结", "尚未"),
    "total": ("总计", "合计"),
}


@dataclass
class Tables:
    cells: list[Cell] = field(default_factory=list)
    rows_found: dict[str, list[str]] = field(default_factory=lambda: {T2: [], T3: [], T4: []})
    tables_found: set[str] = field(default_factory=set)
    extra_rows: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    t2_2019_columns: bool = False
    t2_2021_columns: bool = False


# --- helpers --------------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def _is_label_text(text: str) -> bool:
    return bool(text.strip()) and not looks_numeric(text)


@lru_cache(maxsize=65536)
def _is_value_text(text: str) -> bool:
    return bool(text.strip()) and looks_numeric(text)


def _is_label(c: GCell) -> bool:
    return _is_label_text(c.text)


def _grid_text(g: Grid) -> str:
    return "".join(L.norm(c.text) for r in range(len(g.rows)) for _, c in g.distinct(r))


def classify(g: Grid) -> dict[str, int]:
    t = _grid_text(g)
    return {tab: sum(1 for w in words if L.norm(w) in t) for tab, words in SIGNATURES.items()}


def _row_kinds(g: Grid, r: int) -> tuple[list[tuple[int, GCell]], bool]:
    """(label cells, whether any cell holds a number) of row r. The readers ask this of the
    same rows many times; memoised on the row's distinct-cell list (see Grid.distinct), so a
    replaced row starts afresh."""
    dist = g.distinct(r)
    memo = g.__dict__.setdefault("_kinds", {})
    hit = memo.get(r)
    if hit is not None and hit[0] is dist:
        return hit[1], hit[2]
    labels = [(j, c) for j, c in dist if _is_label_text(c.text)]
    has_values = any(_is_value_text(c.text) for _, c in dist)
    memo[r] = (dist, labels, has_values)
    return labels, has_values


def _row_labels(g: Grid, r: int, limit: int | None = None) -> list[tuple[int, GCell]]:
    """Label cells of row r; with `limit` (the first value column, where merges are known)
    only cells starting left of it, so unreadable text in a value cell is not a label."""
    labels = _row_kinds(g, r)[0]
    if limit is None:
        return list(labels)
    return [(j, c) for j, c in labels if j < limit]


def _has_values(g: Grid, r: int) -> bool:
    return _row_kinds(g, r)[1]


def _header_rows_text(g: Grid, rows: list[int]) -> list[list[str]]:
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


def _stack(hdr: list[list[str]], j: int) -> list[str]:
    out: list[str] = []
    for row in hdr:
        if j < len(row) and row[j].strip() and (not out or L.norm(out[-1]) != L.norm(row[j])):
            out.append(row[j])
    return out


def _values(
    g: Grid, r: int, colmap: dict[str, int], order: list[str], warn: list[str], where: str
) -> dict[str, GCell] | None:
    """Value cells of row r for the column keys in `order`.

    Index alignment (the header's column positions) is used where merges are known and every
    position holds a number-like cell; otherwise the cells after the row's last label are taken
    in header order (text tables lose merged label cells, which shifts the numbers right)."""
    row = g.rows[r]
    limit = (
        min(colmap.values())
        if g.spans_known and colmap and all(k in colmap for k in order)
        else None
    )
    label_uids = {c.uid for _, c in _row_labels(g, r, limit)}
    last_label = max((j for j, c in enumerate(row) if c.uid in label_uids), default=-1)
    by_index = None
    if all(k in colmap for k in order):
        cand = {k: row[colmap[k]] if colmap[k] < len(row) else None for k in order}
        if all(c is not None and c.uid not in label_uids for c in cand.values()):
            by_index = cand
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


def _emit(
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
        spec = form.column(table, col, fmt)
        decimal = spec is not None and spec.decimal
        unit = spec.unit if decimal else None
        printed = (units or {}).get(col)
        p = parse_number(c.text, decimal, printed or unit)
        if c.flag and p.ok and not p.blank:
            p = ParsedNumber(None, f"unreadable '{c.text.strip()}' ({c.flag})", ok=False)
        if printed and unit and printed != unit and p.value is not None:
            p = _convert(p, printed, unit)
        if not p.ok:
            out.warnings.append(
                f"{table}.{row}.{col}: unreadable value '{c.text.strip()}' (read as missing)"
            )
        elif p.note and "converted" in p.note:
            out.warnings.append(f"{table}.{row}.{col}: {p.note}")
        out.cells.append(
            Cell(
                table,
                row,
                col,
                p.value,
                raw=c.text,
                note=p.note,
                source=c.source,
                unit=p.unit if decimal else None,
            )
        )
    out.rows_found[table].append(row)


def _convert(p: ParsedNumber, printed: str, unit: str) -> ParsedNumber:
    """A value in the unit its column header prints, converted to the form's unit."""
    v = round(p.value * form.YUAN_PER_UNIT[printed] / form.YUAN_PER_UNIT[unit], 6)
    note = f"header says {printed}, converted to {unit}" + (f"; {p.note}" if p.note else "")
    return ParsedNumber(v, note, p.ok, p.blank, unit)


# --- 表三 --------------------------------------------------------------------------------
_T3_TOP = [(r.key, r.label) for r in form.T3_ROWS if r.block in ("", L.T3_RESULTS_HEADER)]
_T3_SUB: dict[str, list[tuple[str, str]]] = {}
for _r in form.T3_ROWS:
    if _r.block in L.T3_BLOCKS:
        _T3_SUB.setdefault(_r.block, []).append((_r.key, _r.label))
_T3_COLS = [(c.key, c.label) for c in form.T3_COLUMNS]
_T3_ORDER = [c.key for c in form.T3_COLUMNS]


_T3_BLOCK_OF = {r.key: r.block for r in form.T3_ROWS if r.block in L.T3_BLOCKS}
_T3_NEXT = {a.key: b.key for a, b in zip(form.T3_ROWS, form.T3_ROWS[1:])}
BLOCK_BONUS = 8.0  # a sub-row of the block the row sits in
ORDER_BONUS = 3.0  # the row the form prints next


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


def _t3_colmap(g: Grid, header: list[int]) -> dict[str, int]:
    hdr = [[c.text for c in g.rows[r]] for r in header]  # leaf labels: no fill-right
    colmap: dict[str, int] = {}
    for j in range(g.width):
        stack = [
            t for t in _stack(hdr, j) if not any(L.norm(x) in L.norm(t) for x in L.T3_HEADER_GROUPS)
        ]
        # bottom cell first, then the bottom cells joined ("商业" / "企业" in two header rows)
        for k in range(1, len(stack) + 1):
            m = L.best("".join(stack[-k:]), _T3_COLS)
            if m.key and m.score >= L.SURE:
                colmap.setdefault(m.key, j)
                break
    return colmap


def read_t3(grids: list[Grid], out: Tables) -> None:
    block: str | None = None
    colmap: dict[str, int] | None = None
    width = None
    seen: dict[str, str] = {}
    prev_key: str | None = None
    block_cell: tuple[int, int, int] | None = None  # (grid, column, cell) of the block label
    for g in grids:
        first_data = next((r for r in range(len(g.rows)) if _has_values(g, r)), len(g.rows))
        header = [r for r in range(first_data) if _row_labels(g, r)]
        if header:
            cm = _t3_colmap(g, header)
            if len(cm) == len(_T3_ORDER):
                colmap, width = cm, g.width
            else:
                got = ", ".join(k for k in _T3_ORDER if k in cm) or "none"
                out.warnings.append(
                    f"t3: header unreadable (columns found: {got}); standard column order assumed"
                )
                colmap, width = {}, g.width
        elif colmap is None or g.width != width:
            out.warnings.append(
                "t3: no header"
                + (" on a continuation table" if colmap is not None else "")
                + f" (table {g.index}); standard column order assumed"
            )
            colmap, width = {}, g.width
        for r in range(first_data, len(g.rows)):
            limit = min(colmap.values()) if g.spans_known and colmap else None
            labs = [c.text for _, c in _row_labels(g, r, limit)]
            labs = [t for t in labs if not L.is_results_header(t)]
            split = []
            for t in labs:
                b, rest = L.split_block_prefix(t)
                split.extend([b, rest] if b else [rest])
            labs = split
            if not labs:
                if _has_values(g, r):
                    out.warnings.append(
                        f"t3: row {r} of table {g.index} has numbers but no label; ignored"
                    )
                continue
            row_blocks = [m.key for t in labs if (m := L.match_block(t)).key]
            spec = [t for t in labs if not L.match_block(t).key]
            if row_blocks:
                block = row_blocks[-1]
                bcell = next(
                    ((j, c) for j, c in _row_labels(g, r, limit) if L.match_block(c.text).key), None
                )
                block_cell = (g.index, bcell[0], bcell[1].uid) if bcell else None
            elif (
                g.spans_known
                and block_cell
                and block_cell[0] == g.index
                and block_cell[1] < len(g.rows[r])
            ):
                c = g.rows[r][block_cell[1]]
                if c.uid != block_cell[2] and not c.text.strip():
                    block = None  # the block's label is not printed on this part of the table
            label_text = " / ".join(labs)
            if not spec:
                if block == "（六）其他处理" and row_blocks and _has_values(g, r):
                    key = form.T3_OTHER_SINGLE.key
                    score = 100.0
                else:
                    if _has_values(g, r):
                        out.extra_rows.append(f"t3: {label_text}")
                    continue
            else:
                text = spec[-1]
                key, score, note = _match_t3_row(text, block, prev_key)
                if key is None:
                    if _has_values(g, r):  # label-only rows: repeated headers, notes
                        out.extra_rows.append(f"t3: {label_text}")
                    continue
                if note:
                    out.warnings.append(f"t3: '{L.norm(label_text)}' matched {key}: {note}")
                if score < L.SURE:
                    out.warnings.append(
                        f"t3: label '{L.norm(label_text)}' matched {key} "
                        f"with low confidence ({score:.0f})"
                    )
                block = _T3_BLOCK_OF.get(key)  # None after a top-level row
            if key in seen:
                out.warnings.append(
                    f"t3: row {key} appears twice ('{seen[key]}', '{label_text}'); second ignored"
                )
                out.extra_rows.append(f"t3: {label_text}")
                continue
            seen[key] = label_text
            prev_key = key
            vals = _values(g, r, colmap or {}, _T3_ORDER, out.warnings, f"t3.{key}")
            if vals is not None:
                _emit(out, T3, key, vals)
        out.tables_found.add(T3)


# --- 表二 --------------------------------------------------------------------------------
_T2_ROWS = {r.key: r for r in form.T2_ROWS}
_T2_ROW_CANDS = [(r.key, r.label) for r in form.T2_ROWS]
_T2_COL_CANDS = [(c.key, c.label) for c in form.T2_COLUMNS.values()] + [
    (k, a) for k, al in T2_COLUMN_ALIASES.items() for a in al
]


_T2_ROWS_2019 = {r.key: r for r in form.T2_ROWS_2019}
_T2_ROW_CANDS_2019 = [(r.key, r.label) for r in form.T2_ROWS_2019]
_T2_COL_CANDS_2019 = [(c.key, c.label) for c in form.T2_COLUMNS_2019.values()] + [
    ("decisions", "本年处理决定数量"),
    ("procurement_amount", "采购总金额（万元）"),
]
# Header labels only the trial format prints (处理决定数量 is in both).
_ONLY_2019 = {k for k in form.T2_COLUMNS_2019 if k != "decisions"}


def read_t2(grids: list[Grid], out: Tables) -> None:
    """表二 by its header rows: each block's header row says which columns (2021 or the 2019
    trial format's) the rows under it have; rows are matched against that format's labels."""
    colmap: dict[str, int] = {}
    mode = "2021"
    seen: set[str] = set()
    for g in grids:
        for r in range(len(g.rows)):
            labs = _row_labels(g, r)
            if not labs:
                continue
            # A header row: one of its cells is a 表二 column label.
            hits21: dict[str, int] = {}
            hits19: dict[str, int] = {}
            hdr = _header_rows_text(g, [r])[0] if not g.spans_known else None
            cells = (
                list(enumerate(hdr)) if hdr is not None else [(j, c.text) for j, c in g.distinct(r)]
            )
            for j, text in cells:
                m = L.best(text, _T2_COL_CANDS)
                if m.key and m.score >= L.SURE:
                    hits21.setdefault(m.key, j)
                m = L.best(text, _T2_COL_CANDS_2019)
                if m.key and m.score >= L.SURE:
                    hits19.setdefault(m.key, j)
            if hits19.keys() & _ONLY_2019:
                colmap, mode = hits19, "2019"
                out.t2_2019_columns = True
                continue
            if hits21:
                colmap, mode = hits21, "2021"
                out.t2_2021_columns |= any(k in colmap for k in ("issued", "repealed", "in_force"))
                continue
            # the row's label: its best-matching label cell (a block label such as
            # "第二十条第（一）项" may sit in a merged column on the left)
            cands = _T2_ROW_CANDS_2019 if mode == "2019" else _T2_ROW_CANDS
            m, lab = max(
                ((L.best(c.text, cands), c.text) for _, c in labs), key=lambda x: x[0].score
            )
            if m.key is None or m.score < L.MATCH:
                if _has_values(g, r):
                    out.extra_rows.append("t2: " + " / ".join(c.text for _, c in labs))
                continue
            key = m.key
            if m.score < L.SURE:
                out.warnings.append(
                    f"t2: label '{lab.strip()}' matched {key} with low confidence ({m.score:.0f})"
                )
            if key in seen:
                out.warnings.append(f"t2: row {key} appears twice; second ignored")
                continue
            spec = _T2_ROWS_2019[key] if mode == "2019" else _T2_ROWS[key]
            cols = list(spec.columns)
            if not any(k in colmap for k in cols):
                out.warnings.append(f"t2.{key}: no column header; standard column order assumed")
            vals = _values(g, r, colmap, cols, out.warnings, f"t2.{key}")
            seen.add(key)
            if vals is not None:
                _emit(out, T2, key, vals)
        out.tables_found.add(T2)


# --- 表四 --------------------------------------------------------------------------------
_T4_ORDER = [(g.key, c.key) for g in form.T4_GROUPS for c in form.T4_COLUMNS]


def _t4_sub(text: str) -> str | None:
    m = L.best(text, [(c.key, c.label) for c in form.T4_COLUMNS])
    if m.key and m.score >= L.SURE:
        return m.key
    n = L.norm(text)
    hits = [k for k, words in T4_SUB_ALIASES.items() if any(w in n for w in words)]
    return hits[0] if len(hits) == 1 else None


def read_t4(grids: list[Grid], out: Tables) -> None:
    """表四 from its header structure; a group whose five columns are all identified is read
    (so 行政复议 and 行政诉讼 printed as two tables both work). Standard order only when no
    header is readable and the row has exactly 15 values."""
    done: set[str] = set()
    for g in grids:
        counts = [
            sum(1 for _, c in g.distinct(r) if _is_value_text(c.text)) for r in range(len(g.rows))
        ]
        if not counts or max(counts) < 4:
            continue
        data = counts.index(max(counts))
        hdr = _header_rows_text(g, list(range(data)))  # groups: filled right in text
        raw = [[c.text for c in g.rows[r]] for r in range(data)]  # leaf labels: as printed
        colmap: dict[str, int] = {}
        for j in range(g.width):
            joined = "".join(L.norm(t) for t in _stack(hdr, j))
            group = next(
                (k for k, words in T4_GROUP_RULES if any(w in joined for w in words)), None
            )
            leaf = _stack(raw, j)
            sub = next(
                (x for k in range(1, len(leaf) + 1) if (x := _t4_sub("".join(leaf[-k:])))), None
            )
            if group and sub:
                colmap.setdefault(f"{group}|{sub}", j)
        if g.centred:
            colmap = {}  # filling right from a centred group label would misplace it
            _t4_runs(g, data, raw, colmap)
        elif not g.spans_known:
            _t4_runs(g, data, raw, colmap)
        groups = [
            x.key
            for x in form.T4_GROUPS
            if x.key not in done and all(f"{x.key}|{c.key}" in colmap for c in form.T4_COLUMNS)
        ]
        if groups:
            keys = [f"{gk}|{c.key}" for gk in groups for c in form.T4_COLUMNS]
            vals = _values(g, data, {k: colmap[k] for k in keys}, keys, out.warnings, "t4")
            partial = {k.split("|")[0] for k in colmap} - set(groups) - done
            for gk in sorted(partial):
                out.warnings.append(f"t4.{gk}: header columns incomplete; group not read")
        elif not done and max(counts) == len(_T4_ORDER):
            out.warnings.append(
                f"t4: header unreadable ({len(colmap)} of 15 columns identified); "
                "standard column order assumed"
            )
            groups = [x.key for x in form.T4_GROUPS]
            keys = [f"{a}|{b}" for a, b in _T4_ORDER]
            vals = _values(g, data, {}, keys, out.warnings, "t4")
        else:
            out.warnings.append(
                f"t4: table {g.index} not understood ({len(colmap)} columns identified)"
            )
            out.tables_found.add(T4)
            continue
        out.tables_found.add(T4)
        if vals is None:
            continue
        for gk in groups:
            _emit(
                out, T4, gk, {k.split("|")[1]: c for k, c in vals.items() if k.split("|")[0] == gk}
            )
            done.add(gk)
        if len(done) == len(form.T4_GROUPS):
            return


def _t4_runs(g: Grid, data: int, raw: list[list[str]], colmap: dict[str, int]) -> None:
    """Text grids (merges lost, e.g. a PDF without ruling): a group label printed over its five
    columns sits above one of them only. A group is given the run of five consecutive columns
    whose sub-headers read 结果维持 … 总计 in order and that holds its label's column."""
    subs = [c.key for c in form.T4_COLUMNS]
    leaf_sub = []
    for j in range(g.width):
        leaf = _stack(raw, j)
        leaf_sub.append(
            next((x for k in range(1, len(leaf) + 1) if (x := _t4_sub("".join(leaf[-k:])))), None)
        )
    used = {j for k, j in colmap.items() if all(f"{k.split('|')[0]}|{s}" in colmap for s in subs)}
    for gk, words in T4_GROUP_RULES:
        if all(f"{gk}|{s}" in colmap for s in subs):
            continue
        label_cols = [
            j
            for j in range(g.width)
            for r in range(data)
            if j < len(raw[r])
            and any(w in L.norm(raw[r][j]) for w in words)
            and not (gk == "review" and "诉讼" in L.norm(raw[r][j]))
        ]
        for start in range(0, g.width - 4):
            run = range(start, start + 5)
            if (
                [leaf_sub[j] for j in run] == subs
                and not used & set(run)
                and any(j in run for j in label_cols)
            ):
                for s_, j in zip(subs, run):
                    colmap[f"{gk}|{s_}"] = j
                used |= set(run)
                break


READERS = {T2: read_t2, T3: read_t3, T4: read_t4}


def read_tables(grids: list[Grid]) -> Tables:
    out = Tables()
    assigned: dict[str, list[Grid]] = {T2: [], T3: [], T4: []}
    prev: str | None = None
    for g in grids:
        hits = classify(g)
        best_tab = max(hits, key=lambda k: hits[k])
        if hits[best_tab] >= MIN_HITS:
            tab = best_tab
        elif prev and hits[prev] >= 1 and hits[prev] == hits[best_tab]:
            tab = prev  # a short continuation of the previous table
        else:
            prev = None
            continue
        assigned[tab].append(g)
        prev = tab
    for tab, gs in assigned.items():
        if gs:
            READERS[tab](gs, out)
    return out
