"""Datasette metadata for the archive: titles, descriptions, facets, canned queries, charts.

``archive/datasette/metadata.yaml`` is generated from this module and the tables it imports
(``python -m archive.researcher``); tests/test_datasette.py checks that the two agree.
"""

from __future__ import annotations

import sqlite_utils
import yaml

from archive.researcher.dashboard import DASHBOARD
from archive.researcher.descriptions import COLUMN_DOCS, COLUMN_OVERRIDES, FTS_SHADOW, TABLE_DOCS
from archive.researcher.names import DATABASE_NAME, FTS_TABLE, SEARCH_FACET
from archive.researcher.queries import QUERIES
from archive.researcher.summaries import SUMMARY_TABLES

# Default facets, on the report-level tables only. The long tables (cells and cell_values:
# ~200 rows a report; findings and findings_detail: ~50) have none: at national size a facet
# over 40 M rows takes seconds whatever the index. Facet them after filtering
# (?rule=T3-BALANCE&_facet=year); docs/scaling.md has the figures.
FACETS = {
    "report_list": ["year", "region", "level", "flag_status", "status"],
    "reports": ["year", "region", "level", "flag_status"],
    "key_figures": ["year", "region", "level", "flag_status"],
    "flagged_reports": ["rule", "year"],
    "completeness": ["status", "year", "region", "level"],
    "documents": ["status", "role"],
}
# The search box: report_list's (FTS declared below) computes its default facets in one
# query after a search (archive/datasette/facets.py); reports' (found by Datasette) answers a
# search in id order without facets or a count: sorting, counting and faceting its matches
# each read every matching row with its text, 2.8 s for a term in all of 200,000 reports
# (docs/scaling.md).
SEARCHABLE = ("report_list",)
PLAIN_SEARCH = ("reports",)
# Tables whose unfiltered page is shown without its total (Datasette counts every row);
# cell_totals has ~30 rows a region and year (6 M at 200,000 reports).
UNCOUNTED = ("cells", "cell_values", "findings", "findings_detail", "cell_totals")


def _facets(table: str) -> list:
    if table in SEARCHABLE:
        return [{SEARCH_FACET: c} for c in FACETS[table]]
    return FACETS[table]


def _col_doc(table: str, col: str) -> str:
    zh, en = COLUMN_OVERRIDES.get((table, col)) or COLUMN_DOCS[col]
    return f"{zh} — {en}"


def metadata(columns: dict[str, list[str]]) -> dict:
    """Datasette metadata for a database whose tables and views have ``columns``."""
    tables = {}
    for name, cols in columns.items():
        if name in FTS_SHADOW:
            tables[name] = {
                "hidden": True,
                "title": f"全文索引内部表 · FTS internal ({name})",
                "description": "SQLite FTS5 内部表 — SQLite FTS5 internal table",
            }
            continue
        title, zh, en = TABLE_DOCS[name]
        t: dict = {
            "title": title,
            "description": f"{zh} — {en}",
            "columns": {c: _col_doc(name, c) for c in cols},
        }
        if name in FACETS:
            t["facets"] = _facets(name)
        if name in ("report_list", "reports", "key_figures", "completeness"):
            t["sort_desc"] = "year"
        if name == "report_list":
            t["fts_table"] = FTS_TABLE
            t["fts_pk"] = "text_rowid"
        if name in ("report_list", "reports"):
            t["description"] += (
                " 全文检索框需 3 个字以上；1–2 个字（如“复议”）请用“全文检索”查询 "
                "(search)。 — The search box needs 3+ characters; for 1–2 "
                "characters use the search query."
            )
        if name in PLAIN_SEARCH:
            t["description"] += (
                " 此处检索结果按编号排列，不计总数、不分面；计数和分面请在报告一览 "
                "(report_list) 检索。 — Search results here come in id order without a "
                "count or facets; search report_list for those."
            )
        if name in (FTS_TABLE, *SUMMARY_TABLES):
            t["hidden"] = True
        tables[name] = t
    return {
        "title": "政府信息公开工作年度报告数据库 · nianbao: China's government information "
        "disclosure annual reports",
        "description_html": (
            "<p>政府信息公开工作年度报告的存档、解析与勾稽核查结果。从 "
            '<a href="/nianbao/report_list">'
            '报告一览</a>、<a href="/nianbao/completeness">齐全情况</a>、'
            '<a href="/-/dashboards/nianbao">图表</a> 开始；单份报告的版式页面为 '
            "<code>/-/report/&lt;report_id&gt;</code>。</p>"
            "<p>Archived, parsed and checked 政府信息公开工作年度报告. Start at "
            '<a href="/nianbao/report_list">Reports</a>, <a href="/nianbao/completeness">'
            'Completeness</a> or the <a href="/-/dashboards/nianbao">charts</a>; each report '
            "has a page at <code>/-/report/&lt;report_id&gt;</code> with its tables as printed, "
            "its findings and the archived original.</p>"
        ),
        "source": "nianbao (docs/researchers.md)",
        "databases": {
            DATABASE_NAME: {
                "title": "年报数据库 · nianbao archive",
                "description": "表和视图说明见 docs/researchers.md — Tables and views are "
                "described in docs/researchers.md",
                "tables": tables,
                "queries": QUERIES,
            }
        },
        "plugins": {"datasette-dashboards": {"nianbao": DASHBOARD}},
    }


def schema_columns(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Every table and view of ``db`` with its columns, tables first."""
    out = {}
    for t in db.tables:
        out[t.name] = list(t.columns_dict)
    for v in db.views:
        out[v.name] = list(v.columns_dict)
    return out


def metadata_yaml(db: sqlite_utils.Database) -> str:
    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):  # a shared piece (an axis) is written out each time
            return True

    def _str(dumper, s):
        style = "|" if "\n" in s else None
        return dumper.represent_scalar(
            "tag:yaml.org,2002:str", s.strip("\n") if style else s, style=style
        )

    _Dumper.add_representer(str, _str)
    head = (
        "# Datasette metadata for `nianbao serve` — GENERATED by `python -m archive.researcher`\n"
        "# from archive/researcher/ (descriptions.py, queries.py, dashboard.py, metadata.py).\n"
        "# Edit those and regenerate; tests/test_datasette.py checks the two agree.\n"
    )
    return head + yaml.dump(
        metadata(schema_columns(db)), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )
