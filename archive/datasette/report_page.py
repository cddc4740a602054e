"""``/-/report/<report_id>``: one report's tables laid out as on the printed form.

Three phases, one function each: :func:`load` reads the report, its cells, findings and
versions; :func:`layout` arranges 表二/表三/表四 in form order (rows and labels from
:mod:`nianbao.form`) with every cell marked (failed rule, absent); :func:`render` fills
``templates/nianbao_report.html``. Missing rows and cells that kept a hard rule from being
checked (``flag_status = 'incomplete'``) are listed by address and printed label.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field

from datasette.utils.asgi import NotFound, Response

from archive.datasette.links import safe_href, short_url
from archive.datasette.store import blob_path, blobs_dir, database
from nianbao import form

# Read when the report is not current (report_list holds current reports only).
_REPORT_FALLBACK_SQL = """
select id as report_id, agency, region, level, year, format_version, status, flag_status,
  n_errors, n_warnings, url as source_url, published, null as captured_at, doc_format, title,
  source_id, document_id, sha256, 0 as is_primary
from reports where id = ?"""
_FINDINGS_SQL = """
select rule, scope, severity, status, expected, actual, difference, cells, message_zh, message
from findings where report_id = ?
order by status = 'fail' desc, severity = 'error' desc, rule, scope"""
TEXT_EXCERPT = 1500  # characters of the text shown; the full text is in the archive

_ROW_LABELS = {(t, r.key): r.label for t, rows in form.ROWS.items() for r in rows}
_ROW_LABELS[(form.T3, form.T3_OTHER_SINGLE.key)] = form.T3_OTHER_SINGLE.label
_ROW_LABELS.update({(form.T2, r.key): r.label for r in form.T2_ROWS_2019})
_COL_LABELS = {
    **{(form.T2, k): c.label for k, c in {**form.T2_COLUMNS_2019, **form.T2_COLUMNS}.items()},
    **{(form.T3, c.key): c.label for c in form.T3_COLUMNS},
    **{(form.T4, c.key): c.label for c in form.T4_COLUMNS},
}
_TABLE_NAMES = {form.T2: "表二", form.T3: "表三", form.T4: "表四"}


@dataclass
class Loaded:
    """Everything the page shows, as read from the database."""

    report: dict
    is_current: int
    text: str
    missing_rows: list[str]
    cells: dict[str, dict]  # address tbl.row.col → cell row
    findings: list[dict]
    versions: list[dict]
    has_original: bool = False
    marks: dict[str, list[str]] = field(default_factory=dict)  # address → failed rules


async def _rows(db, sql: str, params: list) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params)).rows]


async def load(datasette, db, rid: str) -> Loaded:
    """Read one report (current or superseded) and what belongs to it; 404 when unknown."""
    rows = await _rows(db, "select * from report_list where report_id = ?", [rid])
    rows = rows or await _rows(db, _REPORT_FALLBACK_SQL, [rid])
    if not rows:
        raise NotFound(f"no report {rid}")
    report = rows[0]
    extra = (
        await _rows(db, "select is_current, text, missing_rows from reports where id = ?", [rid])
    )[0]
    cells = await _rows(
        db, "select tbl, row_key, col_key, value, raw, note from cells where report_id = ?", [rid]
    )
    versions = await _rows(
        db,
        "select id, is_current, parsed_at from reports where document_id = ? order by parsed_at",
        [report["document_id"]],
    )
    blobs = blobs_dir(datasette, db)
    return Loaded(
        report=report,
        is_current=extra["is_current"],
        text=extra["text"] or "",
        missing_rows=_json_list(extra["missing_rows"]),
        cells={f"{c['tbl']}.{c['row_key']}.{c['col_key']}": c for c in cells},
        findings=await _rows(db, _FINDINGS_SQL, [rid]),
        versions=versions,
        has_original=bool(
            report.get("sha256") and blobs and os.path.isfile(blob_path(blobs, report["sha256"]))
        ),
    )


def _json_list(text: str | None) -> list:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return f"{int(v)}"
    return f"{v:g}" if isinstance(v, float) else str(v)


# --- layout -----------------------------------------------------------------------------


def failed_cells(findings: list[dict]) -> dict[str, list[str]]:
    """Cell address → the rules that failed on it."""
    out: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        if f["status"] == "fail":
            for addr in _json_list(f["cells"]):
                out[addr].append(f["rule"])
    return out


def _cell(data: Loaded, tbl: str, row: str, col: str) -> dict:
    addr = f"{tbl}.{row}.{col}"
    c = data.cells.get(addr)
    tip = []
    if c is not None and c["raw"] not in (None, ""):
        tip.append(f"原文 printed: {c['raw']}")
    if c is not None and c["note"]:
        tip.append(f"备注 note: {c['note']}")
    if c is None:
        tip.append("本报告缺少此单元格 cell absent in this report")
    if addr in data.marks:
        tip.append("未通过 failed: " + ", ".join(sorted(set(data.marks[addr]))))
    return {
        "addr": addr,
        "present": c is not None,
        "text": "" if c is None else _fmt(c["value"]),
        "flag": addr in data.marks,
        "tip": "；".join(tip),
    }


def _form_rows(tbl: str, fmt2019: bool) -> list[tuple[form.Row, bool]]:
    """(row, in this report's format) for every row 表二/表三 can hold, in form order."""
    if tbl == form.T2:
        ours, other = (form.T2_ROWS_2019, form.T2_ROWS) if fmt2019 else (form.T2_ROWS, ())
        extra = [r for r in other if r.key not in {o.key for o in ours}]
        return [(r, True) for r in ours] + [(r, False) for r in extra]
    out = []
    for r in form.T3_ROWS:
        if r.key == form.T3_OTHER_SPLIT[0]:
            out.append((form.T3_OTHER_SINGLE, fmt2019))
        out.append((r, not (fmt2019 and r.key in form.T3_OTHER_SPLIT)))
    return out


def _columns(data: Loaded, tbl: str, row: form.Row, fmt2019: bool) -> list[str]:
    if tbl == form.T3:
        return [c.key for c in form.T3_COLUMNS]
    order = list(form.T2_COLUMNS_2019 if fmt2019 else form.T2_COLUMNS)
    order += [k for k in {**form.T2_COLUMNS_2019, **form.T2_COLUMNS} if k not in order]
    present = {a.split(".")[2] for a in data.cells if a.startswith(f"{tbl}.{row.key}.")}
    return sorted(present, key=order.index) if present else list(row.columns)


def _table(data: Loaded, tbl: str, fmt2019: bool) -> dict:
    present = {a.rsplit(".", 1)[0] for a in data.cells}
    groups: list[dict] = []  # consecutive rows sharing a block and columns → one sub-table
    for row, in_format in _form_rows(tbl, fmt2019):
        missing = f"{tbl}.{row.key}" not in present
        if missing and not in_format:
            continue
        cols = _columns(data, tbl, row, fmt2019)
        key = (row.block if tbl == form.T2 else "", tuple(cols))
        if not groups or groups[-1]["key"] != key:
            headers = [_COL_LABELS.get((tbl, c), c) for c in cols]
            groups.append({"key": key, "block": key[0], "headers": headers, "rows": []})
        groups[-1]["rows"].append(
            {
                "label": row.label,
                "block": row.block if tbl == form.T3 else "",
                "missing": missing,
                "cells": [_cell(data, tbl, row.key, c) for c in cols],
            }
        )
    return {"tbl": tbl, "title": form.TABLE_TITLES[tbl], "groups": groups}


def _t4(data: Loaded) -> dict:
    groups = [(g.key, g.label) for g in form.T4_GROUPS]
    columns = [(c.key, c.label) for c in form.T4_COLUMNS]
    # The form prints "行政诉讼" once above its two groups: labels are "行政诉讼 未经复议直接起诉".
    litigation = [g.label.split(" ", 1) for g in form.T4_GROUPS[1:]]
    return {
        "title": form.TABLE_TITLES[form.T4],
        "review_label": form.T4_GROUPS[0].label,
        "litigation_label": litigation[0][0],
        "litigation_groups": [sub for _, sub in litigation],
        "groups": groups,
        "columns": columns,
        "cells": [_cell(data, form.T4, g, c) for g, _ in groups for c, _ in columns],
    }


def address_label(addr: str) -> str:
    """``t3.carried_forward[.total]`` → ``表三 四、结转下年度继续办理 · 总计``."""
    tbl, _, rest = addr.partition(".")
    row, _, col = rest.partition(".")
    text = f"{_TABLE_NAMES.get(tbl, tbl)} {_ROW_LABELS.get((tbl, row), row)}"
    return f"{text} · {_COL_LABELS.get((tbl, col), col)}" if col else text


def missing_parts(data: Loaded) -> dict:
    """What is absent: the report's missing rows, and per not-assessable finding the cells
    it needed that the report does not have."""
    rows = [{"addr": a, "label": address_label(a)} for a in data.missing_rows]
    findings = []
    for f in data.findings:
        if f["status"] != "not_assessable":
            continue
        absent = [a for a in _json_list(f["cells"]) if a not in data.cells]
        findings.append(
            {
                **f,
                "absent": [{"addr": a, "label": address_label(a)} for a in absent],
            }
        )
    return {"rows": rows, "findings": findings}


def layout(data: Loaded) -> dict:
    """The template's tables, findings and lists of what is missing."""
    data.marks = failed_cells(data.findings)
    present_rows = {a.rsplit(".", 1)[0] for a in data.cells}
    fmt2019 = (
        data.report["format_version"] == form.FORMAT_2019
        or f"{form.T3}.{form.T3_OTHER_SINGLE.key}" in present_rows
    )
    return {
        "tables": [_table(data, form.T2, fmt2019), _table(data, form.T3, fmt2019)],
        "t4": _t4(data),
        "missing": missing_parts(data),
        "n_fail": sum(f["status"] == "fail" for f in data.findings),
    }


# --- render -----------------------------------------------------------------------------


async def render(datasette, request, db, data: Loaded) -> Response:
    """The HTML page: template ``nianbao_report.html`` with the laid-out report."""
    url = data.report.get("source_url")
    href = safe_href(url)
    context = {
        "report": data.report,
        "is_current": data.is_current,
        "findings": data.findings,
        "has_original": data.has_original,
        "versions": data.versions,
        "source_href": href,
        "source_text": short_url(href) if href else url,
        "text_excerpt": data.text[:TEXT_EXCERPT],
        "text_length": len(data.text),
        "database": db.name,
        **layout(data),
    }
    html = await datasette.render_template("nianbao_report.html", context, request=request)
    return Response.html(html)


async def report_page(datasette, request) -> Response:
    """Route handler for ``/-/report/<report_id>``."""
    db = database(datasette)
    data = await load(datasette, db, request.url_vars["report_id"])
    return await render(datasette, request, db, data)
