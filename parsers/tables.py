"""Grids → cells of 表二/表三/表四.

Which grid is which table is decided by content (signature words), rows and columns
are mapped by label (never by position alone); positions are only the fallback when a
header is unreadable, and then a warning says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao import form

from . import labels as L
from .grid import Grid
from .rows import (
    Tables,
    align_values,
    emit,
    has_values,
    header_rows_text,
    is_value_text,
    row_labels,
    stack,
)
from .table3 import read_t3

T2, T3, T4, T5 = form.T2, form.T3, form.T4, form.T5

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
    T5: ("通知收取件数", "通知收取金额", "实际收取金额", "信息处理费"),
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


def _grid_text(g: Grid) -> str:
    return "".join(L.norm(c.text) for r in range(len(g.rows)) for _, c in g.distinct(r))


def classify(g: Grid) -> dict[str, int]:
    t = _grid_text(g)
    return {tab: sum(1 for w in words if L.norm(w) in t) for tab, words in SIGNATURES.items()}


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


_UNIT_IN_HEADER = re.compile(r"[(（]\s*(?:单位\s*[:：]?\s*)?(亿元|万元|元)\s*[)）]")


def header_unit(text: str) -> str | None:
    """The amount unit a column header prints: 本年收费金额（单位：万元） → 万元.

    >>> header_unit("通知收取金额（元）"), header_unit("采购总金额")
    ('元', None)
    """
    m = _UNIT_IN_HEADER.search(text or "")
    return m.group(1) if m else None


@dataclass
class _T2Header:
    """The columns the rows under a 表二 header row have: their positions, the format whose
    columns they are, and units printed in the header."""

    colmap: dict[str, int] = field(default_factory=dict)
    fmt: str = form.FORMAT_2021
    units: dict[str, str] = field(default_factory=dict)


def _t2_header(g: Grid, r: int, out: Tables) -> _T2Header | None:
    """A header row of 表二 (one of its cells is a column label), or None."""
    hits = {form.FORMAT_2021: {}, form.FORMAT_2019: {}}
    units: dict[str, str] = {}
    hdr = header_rows_text(g, [r])[0] if not g.spans_known else None
    cells = list(enumerate(hdr)) if hdr is not None else [(j, c.text) for j, c in g.distinct(r)]
    for j, text in cells:
        for fmt, cands in (
            (form.FORMAT_2021, _T2_COL_CANDS),
            (form.FORMAT_2019, _T2_COL_CANDS_2019),
        ):
            m = L.best(text, cands)
            if m.key and m.score >= L.SURE:
                hits[fmt].setdefault(m.key, j)
                if unit := header_unit(text):
                    units.setdefault(m.key, unit)
    if hits[form.FORMAT_2019].keys() & _ONLY_2019:
        out.t2_2019_columns = True
        return _T2Header(hits[form.FORMAT_2019], form.FORMAT_2019, units)
    if hits[form.FORMAT_2021]:
        colmap = hits[form.FORMAT_2021]
        out.t2_2021_columns |= any(k in colmap for k in ("issued", "repealed", "in_force"))
        return _T2Header(colmap, form.FORMAT_2021, units)
    return None


def _t2_row(g: Grid, r: int, head: _T2Header, seen: set[str], out: Tables) -> None:
    """One data row of 表二 under ``head``: matched by its best label cell (a block label such
    as "第二十条第（一）项" may sit in a merged column on the left)."""
    labs = row_labels(g, r)
    trial = head.fmt == form.FORMAT_2019
    cands = _T2_ROW_CANDS_2019 if trial else _T2_ROW_CANDS
    m, lab = max(((L.best(c.text, cands), c.text) for _, c in labs), key=lambda x: x[0].score)
    if m.key is None or m.score < L.MATCH:
        if has_values(g, r):
            out.extra_rows.append("t2: " + " / ".join(c.text for _, c in labs))
        return
    key = m.key
    if m.score < L.SURE:
        out.warnings.append(
            f"t2: label '{lab.strip()}' matched {key} with low confidence ({m.score:.0f})"
        )
    if key in seen:
        out.warnings.append(f"t2: row {key} appears twice; second ignored")
        return
    cols = list((_T2_ROWS_2019 if trial else _T2_ROWS)[key].columns)
    if not any(k in head.colmap for k in cols):
        out.warnings.append(f"t2.{key}: no column header; standard column order assumed")
    vals = align_values(g, r, head.colmap, cols, out.warnings, f"t2.{key}")
    seen.add(key)
    if vals is not None:
        emit(out, T2, key, vals, head.fmt, head.units)
        out.row_labels[f"{T2}.{key}"] = "".join(lab.split())


def read_t2(grids: list[Grid], out: Tables) -> None:
    """表二 by its header rows: each block's header row says which columns (2021 or the 2019
    trial format's) the rows under it have; rows are matched against that format's labels."""
    head = _T2Header()
    seen: set[str] = set()
    for g in grids:
        for r in range(len(g.rows)):
            if not row_labels(g, r):
                continue
            found = _t2_header(g, r, out)
            if found is not None:
                head = found
                continue
            _t2_row(g, r, head, seen, out)
        out.tables_found.add(T2)


# --- 表五 (信息处理费, an inserted section of some 2025 reports) --------------------------------
_T5_COL_CANDS = [(c.key, c.label) for c in form.T5_COLUMNS.values()]
_T5_ORDER = list(form.T5_COLUMNS)
_T5_ROW = form.T5_ROWS[0].key


def read_t5(grids: list[Grid], out: Tables) -> None:
    """表五: a header row naming 通知收取件数 / 通知收取金额 / 实际收取金额 and one row of values
    under it (amounts in the unit the header prints, converted to 元)."""
    for g in grids:
        colmap: dict[str, int] = {}
        units: dict[str, str] = {}
        for r in range(len(g.rows)):
            if has_values(g, r) and colmap and _T5_ROW not in out.rows_found[T5]:
                vals = align_values(g, r, colmap, _T5_ORDER, out.warnings, f"t5.{_T5_ROW}")
                if vals is not None:
                    emit(out, T5, _T5_ROW, vals, units=units)
                    labs = [c.text for j, c in row_labels(g, r) if j < min(colmap.values())]
                    out.row_labels[f"{T5}.{_T5_ROW}"] = "".join("".join(labs).split())
                continue
            for j, c in g.distinct(r):
                m = L.best(c.text, _T5_COL_CANDS)
                if m.key and m.score >= L.SURE:
                    colmap.setdefault(m.key, j)
                    if unit := header_unit(c.text):
                        units.setdefault(m.key, unit)
        out.tables_found.add(T5)


# --- 表四 --------------------------------------------------------------------------------
_T4_ORDER = [(g.key, c.key) for g in form.T4_GROUPS for c in form.T4_COLUMNS]


def _t4_sub(text: str) -> str | None:
    m = L.best(text, [(c.key, c.label) for c in form.T4_COLUMNS])
    if m.key and m.score >= L.SURE:
        return m.key
    n = L.norm(text)
    hits = [k for k, words in T4_SUB_ALIASES.items() if any(w in n for w in words)]
    return hits[0] if len(hits) == 1 else None


def _t4_colmap(g: Grid, data: int) -> dict[str, int]:
    """ "group|column" → grid column, from the header rows above the data row ``data``."""
    hdr = header_rows_text(g, list(range(data)))  # groups: filled right in text
    raw = [[c.text for c in g.rows[r]] for r in range(data)]  # leaf labels: as printed
    colmap: dict[str, int] = {}
    for j in range(g.width):
        joined = "".join(L.norm(t) for t in stack(hdr, j))
        group = next((k for k, words in T4_GROUP_RULES if any(w in joined for w in words)), None)
        leaf = stack(raw, j)
        sub = next((x for k in range(1, len(leaf) + 1) if (x := _t4_sub("".join(leaf[-k:])))), None)
        if group and sub:
            colmap.setdefault(f"{group}|{sub}", j)
    if g.centred:
        colmap = {}  # filling right from a centred group label would misplace it
        _t4_runs(g, data, raw, colmap)
    elif not g.spans_known:
        _t4_runs(g, data, raw, colmap)
    return colmap


def read_t4(grids: list[Grid], out: Tables) -> None:
    """表四 from its header structure; a group whose five columns are all identified is read
    (so 行政复议 and 行政诉讼 printed as two tables both work). Standard order only when no
    header is readable and the row has exactly 15 values."""
    done: set[str] = set()
    for g in grids:
        counts = [
            sum(1 for _, c in g.distinct(r) if is_value_text(c.text)) for r in range(len(g.rows))
        ]
        if not counts or max(counts) < 4:
            continue
        out.tables_found.add(T4)
        data = counts.index(max(counts))
        colmap = _t4_colmap(g, data)
        groups = [
            x.key
            for x in form.T4_GROUPS
            if x.key not in done and all(f"{x.key}|{c.key}" in colmap for c in form.T4_COLUMNS)
        ]
        if groups:
            keys = [f"{gk}|{c.key}" for gk in groups for c in form.T4_COLUMNS]
            vals = align_values(g, data, {k: colmap[k] for k in keys}, keys, out.warnings, "t4")
            for gk in sorted({k.split("|")[0] for k in colmap} - set(groups) - done):
                out.warnings.append(f"t4.{gk}: header columns incomplete; group not read")
                out.missing_reasons[f"{T4}.{gk}"] = "not read: its header columns are incomplete"
        elif not done and max(counts) == len(_T4_ORDER):
            out.warnings.append(
                f"t4: header unreadable ({len(colmap)} of 15 columns identified); "
                "standard column order assumed"
            )
            groups = [x.key for x in form.T4_GROUPS]
            keys = [f"{a}|{b}" for a, b in _T4_ORDER]
            vals = align_values(g, data, {}, keys, out.warnings, "t4")
        else:
            msg = f"table {g.index} not understood ({len(colmap)} columns identified)"
            out.warnings.append(f"t4: {msg}")
            for x in form.T4_GROUPS:
                out.missing_reasons.setdefault(f"{T4}.{x.key}", f"not read: {msg}")
            continue
        if vals is None:
            continue
        for gk in groups:
            row = {k.split("|")[1]: c for k, c in vals.items() if k.split("|")[0] == gk}
            emit(out, T4, gk, row)
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
        leaf = stack(raw, j)
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


READERS = {T2: read_t2, T3: read_t3, T4: read_t4, T5: read_t5}


def read_tables(grids: list[Grid]) -> Tables:
    out = Tables()
    assigned: dict[str, list[Grid]] = {T2: [], T3: [], T4: [], T5: []}
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
