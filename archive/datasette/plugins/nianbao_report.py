"""Datasette plugin (loaded by `nianbao serve --plugins-dir archive/datasette/plugins`).

- ``/-/report/<report_id>``: one report's 表二/表三/表四 laid out as on the form, cells that a
  failing rule involves highlighted, its findings beside them, a link to the archived original.
- ``/-/original/<sha256>``: the archived bytes, with the content type recorded at capture,
  served sandboxed (no scripts of the archived page run on this origin).
- report ids in views and canned queries link to the report page.

The blob store is ``<folder of the database>/blobs`` (archive/store.py), or the plugin
setting ``nianbao-report: {blobs_dir: …}`` in metadata.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
from collections import defaultdict

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

DB = "nianbao"
T4_GROUPS = ("review", "litigation_direct", "litigation_after_review")
VIEWS = {
    "report_list",
    "cell_values",
    "key_figures",
    "findings_detail",
    "completeness",
    "table2",
    "table3",
    "table4",
    "flagged_reports",
}
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _db(datasette):
    try:
        return datasette.get_database(DB)
    except KeyError:
        return datasette.get_database()


def _blobs_dir(datasette, db) -> str | None:
    cfg = datasette.plugin_config("nianbao-report") or {}
    if cfg.get("blobs_dir"):
        return cfg["blobs_dir"]
    if db.path:
        return os.path.join(os.path.dirname(os.path.abspath(db.path)), "blobs")
    return None


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return f"{int(v)}"
    return f"{v:g}" if isinstance(v, float) else str(v)


async def report_page(datasette, request):
    rid = request.url_vars["report_id"]
    db = _db(datasette)
    rows = (await db.execute("select * from report_list where report_id = ?", [rid])).rows
    if not rows:
        rows = (
            await db.execute(
                "select id as report_id, agency, region, level, year, format_version, status, "
                "flag_status, n_errors, n_warnings, url as source_url, published, "
                "null as captured_at, "
                "doc_format, title, source_id, document_id, sha256, 0 as is_primary "
                "from reports where id = ?",
                [rid],
            )
        ).rows
    if not rows:
        raise NotFound(f"no report {rid}")
    report = dict(rows[0])
    cur = await db.execute("select is_current, text from reports where id = ?", [rid])
    is_current, text = cur.rows[0]
    cells = [
        dict(r)
        for r in (
            await db.execute(
                "select c.tbl, c.row_key, c.col_key, c.value, c.raw, c.note from cells c "
                "where c.report_id = ?",
                [rid],
            )
        ).rows
    ]
    form_rows = [
        dict(r)
        for r in (await db.execute("select * from form_rows order by tbl, position, row_key")).rows
    ]
    form_cols = [
        dict(r)
        for r in (await db.execute("select * from form_columns order by tbl, position")).rows
    ]
    findings = [
        dict(r)
        for r in (
            await db.execute(
                "select rule, scope, severity, status, expected, actual, difference, cells, "
                "message_zh, message from findings where report_id = ? "
                "order by status = 'fail' desc, severity = 'error' desc, rule, scope",
                [rid],
            )
        ).rows
    ]

    flagged: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        if f["status"] == "fail":
            for addr in json.loads(f["cells"] or "[]"):
                flagged[addr].append(f["rule"])
    by_addr = {f"{c['tbl']}.{c['row_key']}.{c['col_key']}": c for c in cells}
    col_label = {(c["tbl"], c["col_key"]): c["label"] for c in form_cols}

    def cell(tbl, row, col):
        addr = f"{tbl}.{row}.{col}"
        c = by_addr.get(addr)
        tip = []
        if c is not None:
            if c["raw"] not in (None, ""):
                tip.append(f"原文 printed: {c['raw']}")
            if c["note"]:
                tip.append(f"备注 note: {c['note']}")
        if addr in flagged:
            tip.append("未通过 failed: " + ", ".join(sorted(set(flagged[addr]))))
        return {
            "addr": addr,
            "present": c is not None,
            "text": "" if c is None else _fmt(c["value"]),
            "flag": addr in flagged,
            "tip": "；".join(tip),
        }

    present_rows = {(c["tbl"], c["row_key"]) for c in cells}
    fmt2019 = report["format_version"] == "2019" or ("t3", "other_single") in present_rows
    tables = []
    for tbl, title in (
        ("t2", "二、主动公开政府信息情况"),
        ("t3", "三、收到和处理政府信息公开申请情况"),
    ):
        groups = []  # consecutive rows sharing a block and column set → one sub-table
        for r in (x for x in form_rows if x["tbl"] == tbl):
            if (tbl, r["row_key"]) not in present_rows:
                in_format = ("2019" if fmt2019 else "2021") in (r["formats"] or "2019 2021")
                if not in_format:
                    continue
            cols = (
                [c["col_key"] for c in form_cols if c["tbl"] == tbl]
                if tbl == "t3"
                else sorted(
                    {
                        c["col_key"]
                        for c in cells
                        if c["tbl"] == tbl and c["row_key"] == r["row_key"]
                    }
                    or _t2_default_cols(r["row_key"]),
                    key=lambda k: [c["col_key"] for c in form_cols if c["tbl"] == "t2"].index(k),
                )
            )
            key = (r["block"] if tbl == "t2" else "", tuple(cols))
            if not groups or groups[-1]["key"] != key:
                groups.append(
                    {
                        "key": key,
                        "block": key[0],
                        "headers": [col_label[(tbl, c)] for c in cols],
                        "rows": [],
                    }
                )
            groups[-1]["rows"].append(
                {
                    "label": r["label"],
                    "block": r["block"] if tbl == "t3" else "",
                    "missing": (tbl, r["row_key"]) not in present_rows,
                    "cells": [cell(tbl, r["row_key"], c) for c in cols],
                }
            )
        tables.append({"tbl": tbl, "title": title, "groups": groups})
    t4 = {
        "groups": [
            (g, next((r["label"] for r in form_rows if r["tbl"] == "t4" and r["row_key"] == g), g))
            for g in T4_GROUPS
        ],
        "columns": [(c["col_key"], c["label"]) for c in form_cols if c["tbl"] == "t4"],
    }
    t4["cells"] = [cell("t4", g, c) for g, _ in t4["groups"] for c, _ in t4["columns"]]

    blobs = _blobs_dir(datasette, db)
    has_original = bool(
        report.get("sha256")
        and blobs
        and os.path.isfile(
            os.path.join(blobs, report["sha256"][:2], report["sha256"][2:4], report["sha256"])
        )
    )
    versions = [
        dict(r)
        for r in (
            await db.execute(
                "select id, is_current, parsed_at from reports where document_id = ? "
                "order by parsed_at",
                [report["document_id"]],
            )
        ).rows
    ]
    return Response.html(
        await datasette.render_template(
            "nianbao_report.html",
            {
                "report": report,
                "is_current": is_current,
                "tables": tables,
                "t4": t4,
                "findings": findings,
                "has_original": has_original,
                "versions": versions,
                "n_fail": sum(f["status"] == "fail" for f in findings),
                "text_excerpt": (text or "")[:1500],
                "text_length": len(text or ""),
                "database": db.name,
            },
            request=request,
        )
    )


def _t2_default_cols(row_key):
    if row_key in ("regulations", "normative_documents"):
        return ["issued", "repealed", "in_force"]
    return ["amount_10k_yuan"] if row_key == "fees" else ["decisions"]


async def original(datasette, request):
    sha = request.url_vars["sha256"]
    if not _SHA.match(sha):
        raise NotFound("not a sha256")
    db = _db(datasette)
    blobs = _blobs_dir(datasette, db)
    path = os.path.join(blobs or "", sha[:2], sha[2:4], sha)
    if not blobs or not os.path.isfile(path):
        raise NotFound("this original is not in the archive's blob store")
    row = (
        await db.execute(
            "select content_type, url from captures where sha256 = ? and content_type is not null "
            "order by id limit 1",
            [sha],
        )
    ).rows
    ctype = row[0][0] if row else None
    url = row[0][1] if row else ""
    if not ctype:
        ctype = mimetypes.guess_type(url or "")[0] or "application/octet-stream"
    with open(path, "rb") as f:
        body = f.read()
    ext = mimetypes.guess_extension(ctype.split(";")[0].strip()) or ""
    return Response(
        body,
        content_type=ctype,
        headers={
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{sha[:16]}{ext}"',
        },
    )


@hookimpl
def register_routes():
    return [
        (r"^/-/report/(?P<report_id>[^/]+)$", report_page),
        (r"^/-/original/(?P<sha256>[^/]+)$", original),
    ]


@hookimpl
def render_cell(value, column, table, datasette):
    if not isinstance(value, str) or not value:
        return None
    if (column == "report_id" or column.endswith("_report_id")) and (
        table is None or table in VIEWS
    ):
        return Markup(
            f'<a href="{datasette.urls.path("/-/report/")}{escape(value)}">{escape(value)}</a>'
        )
    return None


@hookimpl
def menu_links(datasette):
    return [
        {"href": datasette.urls.path("/-/dashboards/nianbao"), "label": "图表 Charts"},
        {"href": datasette.urls.path(f"/{DB}/report_list"), "label": "报告一览 Reports"},
    ]
