"""The researcher's side of the database: stable views, facet indexes, Chinese full-text search.

Called at the end of :func:`archive.db.ensure_schema`, so every ``open_db`` brings an older
database up to date. Everything here is derived from the pipeline's tables and safe to run
again: indexes ``if not exists``, views replaced, the FTS index created once (and filled
from existing rows) and then kept current by triggers.

Views (docs/researchers.md explains each column; ``archive/datasette/metadata.yaml`` is
generated from :data:`TABLE_DOCS` / :data:`COLUMN_DOCS` below by ``python -m archive.researcher``):

- ``report_list``    one row per current report, with capture time and ``is_primary``
                     (the one report counted per agency and year when several documents parsed)
- ``cell_values``    every 表二/表三/表四 value in long form, with the labels printed on the form
- ``key_figures``    one row per report: the headline 表三/表四 numbers and the grant rate
- ``findings_detail`` every finding with its report's agency, region, level and year
- ``completeness``   agency × year: found / flagged / unparseable / missing

Full-text search: ``reports_fts`` (FTS5, trigram tokenizer) over title, agency and text.
SQLite 3.40's trigram index only answers queries of 3+ characters, so :data:`SEARCH_SQL`
falls back to ``instr`` on the base table for 1–2 character queries (e.g. 复议).
"""

from __future__ import annotations

import sqlite_utils

from nianbao import form

FTS_TABLE = "reports_fts"
FTS_COLUMNS = ("title", "agency", "text")
DATABASE_NAME = "nianbao"  # Datasette names a database after its file: data/nianbao.db

INDEXES = [
    ("reports", ["is_current", "year"]),
    ("reports", ["region"]),
    ("reports", ["level"]),
    ("reports", ["status"]),
    ("reports", ["source_id"]),
    ("reports", ["agency", "year"]),
    ("findings", ["status", "rule"]),
    ("findings", ["severity"]),
    ("documents", ["capture_id"]),
    ("cells", ["tbl", "row_key", "col_key"]),
    ("sources", ["region"]),
    ("sources", ["level"]),
]

# --- reference tables: the form's rows and columns, labels as printed --------------------


def _form_rows() -> list[dict]:
    out = []
    for tbl, rows in form.ROWS.items():
        for i, r in enumerate(rows, 1):
            out.append(
                {
                    "tbl": tbl,
                    "row_key": r.key,
                    "position": i,
                    "block": r.block,
                    "label": r.label,
                    "formats": "2019 2021",
                }
            )
            if tbl == form.T3 and r.key == "other_no_correction":
                s = form.T3_OTHER_SINGLE
                out.append(
                    {
                        "tbl": tbl,
                        "row_key": s.key,
                        "position": i,
                        "block": s.block,
                        "label": s.label,
                        "formats": "2019",
                    }
                )
    for row in out:
        if row["row_key"] in form.T3_OTHER_SPLIT:
            row["formats"] = "2021"
    return out


def _form_columns() -> list[dict]:
    out = [
        {
            "tbl": form.T2,
            "col_key": c.key,
            "position": i,
            "label": c.label,
            "is_decimal": int(c.decimal),
        }
        for i, c in enumerate(form.T2_COLUMNS.values(), 1)
    ]
    out += [
        {"tbl": form.T3, "col_key": c.key, "position": i, "label": c.label, "is_decimal": 0}
        for i, c in enumerate(form.T3_COLUMNS, 1)
    ]
    out += [
        {"tbl": form.T4, "col_key": c.key, "position": i, "label": c.label, "is_decimal": 0}
        for i, c in enumerate(form.T4_COLUMNS, 1)
    ]
    return out


def _sync(db: sqlite_utils.Database, name: str, rows: list[dict], pk: tuple[str, ...]) -> None:
    """Write a small reference table only when it differs (open_db runs on every stage)."""
    cols = list(rows[0])
    if db[name].exists() and set(cols) <= set(db[name].columns_dict):
        have = [
            tuple(r)
            for r in db.execute(
                f"select {', '.join(cols)} from [{name}] order by {', '.join(pk)}"
            ).fetchall()
        ]
        want = sorted(tuple(r[c] for c in cols) for r in rows)
        if sorted(have) == want:
            return
    with db.conn:
        if db[name].exists():
            db[name].drop()
        db[name].insert_all(rows, pk=pk)


# --- views ------------------------------------------------------------------------------


def _t3(row: str, col: str = "total") -> str:
    return (
        f"max(case when c.tbl = 't3' and c.row_key = '{row}' and c.col_key = '{col}' "
        f"then c.value end)"
    )


def _t3_sum(rows: list[str]) -> str:
    keys = ", ".join(f"'{r}'" for r in rows)
    return (
        f"sum(case when c.tbl = 't3' and c.col_key = 'total' and c.row_key in ({keys}) "
        f"then c.value end)"
    )


def _t4(group: str) -> str:
    return (
        f"max(case when c.tbl = 't4' and c.row_key = '{group}' and c.col_key = 'total' "
        f"then c.value end)"
    )


_WITHHELD = [r.key for r in form.T3_ROWS if r.key.startswith("withheld_")]
_UNAVAILABLE = [r.key for r in form.T3_ROWS if r.key.startswith("unavailable_")]
_REJECTED = [r.key for r in form.T3_ROWS if r.key.startswith("rejected_")]
_OTHER = [*form.T3_OTHER_SPLIT, form.T3_OTHER_SINGLE.key]

VIEWS: dict[str, str] = {
    "report_list": """
select r.id as report_id,
  coalesce(r.agency, s.agency) as agency,
  coalesce(r.region, s.region) as region,
  coalesce(r.level, s.level) as level,
  r.year, r.format_version, r.status, r.flag_status, r.n_errors, r.n_warnings,
  r.url as source_url, r.published,
  coalesce(case when cap.sha256 = r.sha256 then cap.fetched_at end,
           (select min(c2.fetched_at) from captures c2 where c2.sha256 = r.sha256),
           cap.fetched_at) as captured_at,
  r.doc_format, r.title, coalesce(r.source_id, d.source_id) as source_id,
  r.document_id, r.sha256,
  case when row_number() over (
      partition by coalesce(r.agency, s.agency, r.source_id), r.year
      order by r.status = 'parsed' desc, coalesce(r.n_errors, 0),
               (select count(*) from cells cc where cc.report_id = r.id) desc, r.id) = 1
    then 1 else 0 end as is_primary,
  r.rowid as text_rowid
from reports r
left join documents d on d.id = r.document_id
left join captures cap on cap.id = d.capture_id
left join sources s on s.id = coalesce(r.source_id, d.source_id)
where r.is_current = 1
""",
    "cell_values": """
select r.report_id, r.agency, r.region, r.level, r.year, r.format_version, r.is_primary,
  c.tbl, fr.position as row_position, c.row_key, fr.block as row_block, fr.label as row_label,
  fc.position as col_position, c.col_key, fc.label as col_label, c.value, c.raw, c.note
from cells c
join report_list r on r.report_id = c.report_id
left join form_rows fr on fr.tbl = c.tbl and fr.row_key = c.row_key
left join form_columns fc on fc.tbl = c.tbl and fc.col_key = c.col_key
""",
    "key_figures": f"""
select k.*,
  round(1.0 * (coalesce(k.granted, 0) + coalesce(k.partially_granted, 0))
        / nullif(k.processed, 0), 4) as grant_rate
from (
  select r.report_id, r.agency, r.region, r.level, r.year, r.is_primary, r.status, r.flag_status,
    {_t3("new_requests")} as new_requests,
    {_t3("new_requests", "natural_person")} as new_requests_natural_person,
    {_t3("carried_over")} as carried_over,
    {_t3("granted")} as granted,
    {_t3("partially_granted")} as partially_granted,
    {_t3_sum(_WITHHELD)} as withheld,
    {_t3_sum(_UNAVAILABLE)} as unavailable,
    {_t3_sum(_REJECTED)} as rejected,
    {_t3_sum(_OTHER)} as other_handling,
    {_t3("total")} as processed,
    {_t3("carried_forward")} as carried_forward,
    {_t4("review")} as review_total,
    {_t4("litigation_direct")} as litigation_direct_total,
    {_t4("litigation_after_review")} as litigation_after_review_total
  from report_list r
  left join cells c on c.report_id = r.report_id and c.tbl in ('t3', 't4')
  group by r.report_id
) k
""",
    "findings_detail": """
select f.report_id, r.agency, r.region, r.level, r.year, r.is_primary, f.rule, f.scope,
  f.severity, f.status, f.expected, f.actual, f.difference, f.cells, f.message_zh, f.message,
  f.rules_version
from findings f join report_list r on r.report_id = f.report_id
""",
    "completeness": """
with recursive
bounds as (
  select min(year) as y0, max(year) as y1 from report_list where year is not null),
years(year) as (
  select y0 from bounds where y0 is not null
  union all
  select year + 1 from years, bounds where year < bounds.y1),
agencies as (
  select agency, max(region) as region, max(level) as level, min(year) as first_year
  from report_list where agency is not null and year is not null group by agency
  union all
  select s.agency, max(s.region), max(s.level), null from sources s
  where s.agency is not null
    and s.agency not in (select agency from report_list where agency is not null)
  group by s.agency),
per_year as (
  select agency, year, count(*) as n_reports,
    max(case when is_primary = 1 then report_id end) as report_id,
    max(case when is_primary = 1 then status end) as report_status,
    max(case when is_primary = 1 then flag_status end) as flag_status,
    max(case when is_primary = 1 then n_errors end) as n_errors
  from report_list where agency is not null and year is not null group by agency, year)
select a.agency, a.region, a.level, y.year,
  case when p.n_reports is null then 'missing'
       when p.report_status != 'parsed' or p.flag_status = 'unparseable' then 'unparseable'
       when p.flag_status = 'flagged' then 'flagged'
       when p.flag_status = 'incomplete' then 'incomplete'
       else 'found' end as status,
  coalesce(p.n_reports, 0) as n_reports, p.report_id, p.n_errors
from agencies a
join years y on y.year >= coalesce(a.first_year, (select y0 from bounds))
left join per_year p on p.agency = a.agency and p.year = y.year
order by a.agency, y.year
""",
}


def _ensure_fts(db: sqlite_utils.Database) -> None:
    if db[FTS_TABLE].exists():
        return
    cols = ", ".join(FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    # content="reports" (double quotes) is how Datasette detects the FTS table of ``reports``.
    # The update trigger fires only when an indexed column changes, not on status updates.
    db.executescript(f"""
create virtual table [{FTS_TABLE}] using fts5({cols}, content="reports", tokenize='trigram');
insert into [{FTS_TABLE}] (rowid, {cols}) select rowid, {cols} from reports;
create trigger if not exists reports_fts_ai after insert on reports begin
  insert into [{FTS_TABLE}] (rowid, {cols}) values (new.rowid, {new});
end;
create trigger if not exists reports_fts_ad after delete on reports begin
  insert into [{FTS_TABLE}] ([{FTS_TABLE}], rowid, {cols}) values ('delete', old.rowid, {old});
end;
create trigger if not exists reports_fts_au after update of {cols} on reports begin
  insert into [{FTS_TABLE}] ([{FTS_TABLE}], rowid, {cols}) values ('delete', old.rowid, {old});
  insert into [{FTS_TABLE}] (rowid, {cols}) values (new.rowid, {new});
end;
""")


def ensure_researcher_schema(db: sqlite_utils.Database) -> None:
    """Indexes, reference tables, views and the FTS index; idempotent."""
    for table, cols in INDEXES:
        if db[table].exists():
            db[table].create_index(cols, if_not_exists=True)
    _sync(db, "form_rows", _form_rows(), ("tbl", "row_key"))
    _sync(db, "form_columns", _form_columns(), ("tbl", "col_key"))
    _ensure_fts(db)
    for name, sql in VIEWS.items():  # in dependency order: report_list first
        db.create_view(name, sql.rstrip(), replace=True)


# --- queries researchers ask for (canned queries in Datasette) ---------------------------

SEARCH_SQL = """
select rl.report_id as report_id, rl.agency as agency, rl.region as region,
  rl.year as year, rl.title as title,
  substr(r.text, max(instr(r.text, :q) - 40, 1), 120) as excerpt,
  (length(r.text) - length(replace(r.text, :q, ''))) / length(:q) as occurrences,
  rl.source_url as source_url
from reports r join report_list rl on rl.report_id = r.id
where length(:q) >= 3
  and r.rowid in (select rowid from reports_fts
                  where reports_fts match '"' || replace(:q, '"', '""') || '"')
union all
select rl.report_id, rl.agency, rl.region, rl.year, rl.title,
  substr(r.text, max(instr(r.text, :q) - 40, 1), 120) as excerpt,
  (length(r.text) - length(replace(r.text, :q, ''))) / length(:q) as occurrences,
  rl.source_url
from reports r join report_list rl on rl.report_id = r.id
where length(:q) between 1 and 2
  and (instr(r.text, :q) > 0 or instr(r.title, :q) > 0 or instr(r.agency, :q) > 0)
order by occurrences desc, year desc, agency
"""

QUERIES: dict[str, dict] = {
    "applications_by_year_region": {
        "title": "各地区历年政府信息公开申请量 · Applications by year and region",
        "description": "每个地区、每个年度：报告数、本年新收申请数（表三 一、总计）、办理结果合计、"
        "予以公开与部分公开。每个机关每年只计一份报告（is_primary）。 — Per region and "
        "year: reports, new requests (表三 row 一, column 总计), requests processed, "
        "granted and partially granted. One report per agency and year.",
        "sql": """
select year, region, count(*) as reports, sum(new_requests) as new_requests,
  sum(processed) as processed, sum(granted) as granted,
  sum(partially_granted) as partially_granted
from key_figures where is_primary = 1 and status = 'parsed'
group by year, region order by year, region""",
    },
    "grant_rates": {
        "title": "公开率（予以公开＋部分公开 ÷ 办理总数） · Grant rates",
        "description": "每个地区、每个年度的公开率：（予以公开 + 部分公开）÷ 办理结果总计，"
        "并列出最低的机关。"
        " — Grant rate per region and year: (granted + partially granted) ÷ "
        "total processed, with the agency that granted least.",
        "sql": """
select year, region, count(*) as reports,
  sum(granted) + sum(partially_granted) as granted_or_partly, sum(processed) as processed,
  round(1.0 * (sum(granted) + sum(partially_granted)) / nullif(sum(processed), 0), 4)
    as grant_rate,
  min(grant_rate) as lowest_agency_rate
from key_figures where is_primary = 1 and status = 'parsed' and processed > 0
group by year, region order by year, region""",
    },
    "reports_failing_rule": {
        "title": "未通过某条规则的报告 · Reports failing a rule",
        "description": "输入规则编号（如 T3-BALANCE、T4-SUM、TEXT-TABLE、DUPLICATE，"
        "见 docs/checks.md），"
        "列出未通过该规则的报告及涉及的单元格、应为值与填报值。 — Reports failing the "
        "given rule (e.g. T3-BALANCE, T4-SUM, TEXT-TABLE, DUPLICATE; see "
        "docs/checks.md), with the cells involved, expected and actual values.",
        "sql": """
select r.agency, r.region, r.year, f.scope, f.expected, f.actual, f.difference, f.cells,
  f.message_zh, f.message, r.id as report_id, r.url as source_url
from findings f join reports r on r.id = f.report_id
where f.rule = :rule and f.status = 'fail' and r.is_current = 1
order by r.year desc, r.agency, f.scope""",
    },
    "flagged_two_years_running": {
        "title": "连续两年报告有勾稽错误的机关 · Agencies flagged two years running",
        "description": "同一机关相邻两个年度的报告都有硬性规则（勾稽关系）错误，"
        "列出两年的错误规则。 — "
        "Agencies whose reports failed a hard consistency rule in two consecutive "
        "years, with the rules that failed.",
        "sql": """
select a.agency, a.region, a.level, a.year as first_year, b.year as second_year,
  (select group_concat(distinct rule) from findings
    where report_id = a.report_id and status = 'fail' and severity = 'error') as first_year_rules,
  (select group_concat(distinct rule) from findings
    where report_id = b.report_id and status = 'fail' and severity = 'error') as second_year_rules,
  a.report_id as first_report_id, b.report_id as second_report_id
from report_list a
join report_list b on b.agency = a.agency and b.year = a.year + 1 and b.is_primary = 1
where a.is_primary = 1 and a.flag_status = 'flagged' and b.flag_status = 'flagged'
order by a.agency, a.year""",
    },
    "missing_reports": {
        "title": "缺失的年度报告 · Reports missing for a year",
        "description": "机关在其首份存档报告之后（或登记的来源从未有报告时在整个年份范围内）"
        "缺失的年度。 — "
        "Years for which an agency has no archived report, from its first archived "
        "year (or the whole range for registered sources with none) to the latest "
        "year in the archive.",
        "sql": """
select agency, region, level, year from completeness
where status = 'missing' order by year desc, region, agency""",
    },
    "search": {
        "title": "全文检索（支持两字词，如“复议”） · Full-text search (1–2 character terms too)",
        "description": "在报告标题、机关名和正文中检索。3个字及以上用 FTS5 三元组索引，"
        "1–2 个字在原表上逐条查找"
        "（SQLite 3.40 的三元组索引不支持短词）。 — Searches titles, agencies and "
        "report texts: 3+ characters through the FTS5 trigram index, 1–2 characters "
        "by scanning the base table (SQLite 3.40's trigram index cannot answer them).",
        "sql": SEARCH_SQL,
    },
    "report_cells": {
        "title": "一份报告的全部表格数值（按表格版式排列） · One report's tables, in form order",
        "description": "输入 report_id：按报告表二、表三、表四的行列顺序列出每个数值、原文和备注。"
        "版式页面见 "
        "/-/report/<report_id>。 — Every value of one report in the order of the form, "
        "with the printed text; the laid-out page is /-/report/<report_id>.",
        "sql": """
select tbl, row_position, row_block, row_label, row_key, col_position, col_label, col_key,
  value, raw, note
from cell_values where report_id = :report_id
order by tbl, row_position, col_position""",
    },
}

# --- titles and descriptions: every table, view and column, in Chinese and English ------

TABLE_DOCS: dict[str, tuple[str, str, str]] = {
    # name: (title, description_zh, description_en)
    "report_list": (
        "报告一览 · Reports",
        "每份现行报告一行：机关、地区、层级、年度、格式版本、状态、原文链接、发布日期、抓取时间。",
        "One row per current report: agency, region, level, year, format version, "
        "status, source URL, publication and capture time.",
    ),
    "cell_values": (
        "表格数值（长表） · Table values (long form)",
        "表二、表三、表四的每个数值一行，附表格上印的行名和列名。",
        "Every 表二/表三/表四 value, one row each, with the row and column labels "
        "printed on the form.",
    ),
    "key_figures": (
        "主要指标 · Key figures",
        "每份报告一行：表三的申请和办理结果合计、表四的复议诉讼总数、公开率。",
        "One row per report: 表三 requests and outcomes (column 总计), 表四 totals, grant rate.",
    ),
    "findings_detail": (
        "核查结果 · Findings",
        "每条规则对每份报告的核查结果，附机关、地区、年度。",
        "Every rule result on every current report, with agency, region and year.",
    ),
    "completeness": (
        "报告齐全情况 · Completeness",
        "机关 × 年度：found 已存档、flagged 有勾稽错误、unparseable 无法解析、missing 缺失。",
        "Agency × year: found, flagged (hard rule failed), unparseable, missing.",
    ),
    "table2": (
        "表二 主动公开（宽表） · 表二 proactive disclosure (wide)",
        "每份报告、表二每行一行，列为 "
        "本年制发件数/本年废止件数/现行有效件数/处理决定数量/收费金额。",
        "One row per report and 表二 row; columns issued, repealed, in force, decisions, "
        "fees (10k yuan).",
    ),
    "table3": (
        "表三 依申请公开（宽表） · 表三 requests (wide)",
        "每份报告、表三每行一行，7 列为申请人类别与总计。",
        "One row per report and 表三 row key, with the 7 applicant columns.",
    ),
    "table4": (
        "表四 行政复议、行政诉讼（宽表） · 表四 review and litigation (wide)",
        "每份报告、表四每组一行：结果维持、结果纠正、其他结果、尚未审结、总计。",
        "One row per report and 表四 group: upheld, corrected, other, pending, total.",
    ),
    "flagged_reports": (
        "未通过的核查 · Failed checks",
        "现行报告中每条未通过的规则。",
        "Every failing finding of a current report.",
    ),
    "reports": (
        "报告（解析结果） · Reports (parsed)",
        "每个文档版本的解析结果，含全文。可全文检索（3 字以上）。",
        "One row per parsed document version, with its text. Full-text searchable "
        "(3+ characters; use the search query for shorter terms).",
    ),
    "cells": (
        "单元格 · Cells",
        "报告表格中的每个数值及其出处（页码、坐标或表格行列）。",
        "Every table value of a report, with where it was read (page and box, or "
        "table/row/column).",
    ),
    "findings": (
        "核查结果（原表） · Findings (raw)",
        "每份报告、每条规则、每个范围一行。",
        "One row per report, rule and scope.",
    ),
    "sources": (
        "来源 · Sources",
        "抓取登记表中的网站：机关、地区、层级。",
        "The registry entries that are crawled.",
    ),
    "crawl_runs": ("抓取批次 · Crawl runs", "每次抓取一行。", "One row per crawl run."),
    "blobs": (
        "原始文件 · Blobs",
        "内容寻址存储中的每个不同文件。",
        "One row per distinct body in the content-addressed store.",
    ),
    "captures": (
        "抓取记录 · Captures",
        "每次 HTTP 抓取一行（只追加的日志）。",
        "One row per HTTP fetch (an append-only log).",
    ),
    "documents": (
        "文档 · Documents",
        "每个报告页面或附件网址一行。",
        "One row per report page or attachment URL.",
    ),
    "form_rows": (
        "表格行（格式） · Form rows",
        "国办公开办函〔2021〕30号格式中各表的行：键、位置、所在栏目、印刷行名。",
        "The rows of the standard form: key, position, block, printed label.",
    ),
    "form_columns": (
        "表格列（格式） · Form columns",
        "各表的列：键、位置、印刷列名。",
        "The columns of the standard form: key, position, printed label.",
    ),
    "crawl_state": (
        "条件请求状态 · Crawl state",
        "每个网址一行：上次成功抓取的 ETag、Last-Modified 与内容哈希，"
        "供下次抓取发条件请求（未变化则 304，不再存储）。",
        "One row per URL: the ETag, Last-Modified and content hash of its last good "
        "fetch, for conditional requests (304 when unchanged, nothing stored again).",
    ),
    "warc_files": (
        "WARC 文件 · WARC files",
        "每个抓取进程一个 WARC 文件（请求、响应、重访记录），关闭时记录哈希。",
        "One WARC file per crawl process (request, response and revisit records); "
        "hash and size recorded when closed.",
    ),
    "corpus_checks": (
        "跨报告规则检查记录 · Corpus checks",
        "跨报告规则（年度衔接、重复）每对一组当前报告运行一次，"
        "以其报告编号与规则版本的哈希为键；报告未变则不再重复运行。",
        "One row per set of current reports the corpus rules (year-to-year, "
        "duplicates) ran over, keyed by a hash of their ids and the rules "
        "version: a night that changed no report does not run them again.",
    ),
    "source_runs": (
        "来源抓取统计 · Source runs",
        "每个来源、每次抓取一行：抓取页数、304、未重新请求数、字节、发现报告数、新增、变化、"
        "错误，以及异常提示（原有报告消失、来源不再有报告）。",
        "One row per source and crawl run: pages, 304s, documents still fresh (not "
        "requested), bytes, reports found, new, changed, errors, and warnings (a report "
        "disappeared, a source yields none).",
    ),
    "crawl_flags": (
        "抓取异常 · Crawl warnings",
        "source_runs 中的异常提示，每条一行。",
        "The warnings of source_runs, one row each.",
    ),
    "document_versions": (
        "文档版本 · Document versions",
        "每个文档的每个版本（内容哈希不同即新版本），附首末抓取时间。",
        "Every version of every document (a new content hash is a new "
        "version), with its first and last capture time.",
    ),
    FTS_TABLE: (
        "全文索引 · Full-text index",
        "reports 表标题、机关、正文的 FTS5 三元组索引。",
        "FTS5 trigram index over reports.title, agency and text.",
    ),
}
FTS_SHADOW = [f"{FTS_TABLE}_{s}" for s in ("data", "idx", "docsize", "config")]

COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "id": ("主键", "primary key"),
    "report_id": (
        "报告编号（文档编号-内容哈希前12位）",
        "report id (document id + 12 hex of content hash)",
    ),
    "agency": ("机关名称", "agency"),
    "region": ("地区，如 江苏省淮安市", "region, e.g. 江苏省淮安市"),
    "level": ("层级：government 政府 / department 部门", "level: government or department"),
    "year": ("报告年度", "report year"),
    "format_version": ("格式版本：2021 / 2019 / pre2019 / unknown", "format version"),
    "status": ("状态", "status"),
    "flag_status": (
        "核查状态：ok / flagged 有错误 / unparseable",
        "check status: ok, flagged, unparseable",
    ),
    "n_errors": ("未通过的硬性规则数", "failed hard rules"),
    "n_warnings": ("未通过的提示性规则数", "failed soft rules"),
    "source_url": ("原文网址", "URL of the original"),
    "url": ("网址", "URL"),
    "published": ("发布日期", "publication date"),
    "captured_at": ("抓取时间（UTC）", "capture time (UTC)"),
    "doc_format": ("文件格式：html / pdf / docx …", "document format"),
    "title": ("标题", "title"),
    "source_id": ("来源编号", "source id"),
    "document_id": ("文档编号（网址 SHA-1 前16位）", "document id (16 hex of SHA-1 of the URL)"),
    "sha256": ("内容 SHA-256（原文存档）", "content SHA-256 (archived original)"),
    "is_primary": (
        "1 = 该机关该年度计入统计的报告",
        "1 = the report counted for this agency and year",
    ),
    "text_rowid": ("全文索引行号", "row id in the full-text index"),
    "tbl": ("表：t2 表二 / t3 表三 / t4 表四", "table: t2, t3 or t4"),
    "row_position": ("行在表格中的位置", "row position on the form"),
    "row_key": ("行键（见 form_rows）", "row key (see form_rows)"),
    "row_block": ("行所在栏目", "block of the row"),
    "row_label": ("表格上印的行名", "row label as printed"),
    "col_position": ("列在表格中的位置", "column position on the form"),
    "col_key": ("列键（见 form_columns）", "column key (see form_columns)"),
    "col_label": ("表格上印的列名", "column label as printed"),
    "value": ("数值（空白单元格为空）", "number (NULL when blank)"),
    "raw": ("单元格原文", "cell text as printed"),
    "note": ("备注，如“余”、括注", "note, e.g. 余 or a bracketed remark"),
    "unit": ("金额单位（换算后），如万元、元", "unit of an amount (after conversion), e.g. 万元"),
    "new_requests": ("本年新收申请数量（总计）", "new requests this year (总计)"),
    "new_requests_natural_person": ("本年新收申请：自然人", "new requests from natural persons"),
    "carried_over": ("上年结转申请数量", "requests carried over from last year"),
    "granted": ("予以公开", "granted"),
    "partially_granted": ("部分公开", "partially granted"),
    "withheld": ("不予公开（8项合计）", "withheld (sum of 8 rows)"),
    "unavailable": ("无法提供（3项合计）", "unavailable (sum of 3 rows)"),
    "rejected": ("不予处理（5项合计）", "not processed (sum of 5 rows)"),
    "other_handling": ("其他处理（合计）", "other handling (sum)"),
    "processed": ("办理结果总计", "total processed (（七）总计)"),
    "carried_forward": ("结转下年度继续办理", "carried forward to next year"),
    "review_total": ("行政复议总计", "administrative reviews, total"),
    "litigation_direct_total": ("未经复议直接起诉总计", "lawsuits without prior review, total"),
    "litigation_after_review_total": ("复议后起诉总计", "lawsuits after review, total"),
    "grant_rate": (
        "公开率 =（予以公开+部分公开）÷ 办理总计",
        "(granted + partially granted) ÷ processed",
    ),
    "rule": ("规则编号，见 docs/checks.md", "rule id (docs/checks.md)"),
    "scope": ("规则适用范围（列、组或单元格）", "scope: column, group or cell"),
    "severity": ("error 硬性 / warning 提示", "error (hard) or warning (soft)"),
    "expected": ("应有值（分项合计）", "expected (sum of parts)"),
    "actual": ("填报值", "stated value"),
    "difference": ("差额 = 填报 − 应有", "difference = actual − expected"),
    "cells": ("涉及的单元格（JSON）", "cells involved (JSON list of tbl.row.col)"),
    "message_zh": ("说明（中文）", "message in Chinese"),
    "message": ("说明（英文）", "message in English"),
    "rules_version": ("规则版本", "rules version"),
    "n_reports": ("该年度存档报告数", "archived reports that year"),
    "block": ("所在栏目", "block"),
    "label": ("印刷名称", "printed label"),
    "position": ("位置", "position"),
    "formats": ("适用的格式版本", "format versions with this row"),
    "is_decimal": ("1 = 小数（收费金额）", "1 = decimal (fees)"),
    "group_key": ("表四组：review / litigation_direct / litigation_after_review", "表四 group"),
    "document_status": ("文档状态", "document status"),
    # reports
    "is_current": ("1 = 该文档的最新版本", "1 = newest version of the document"),
    "missing_rows": ("缺少的表格行（JSON）", "form rows missing (JSON)"),
    "extra_rows": ("多出的表格行（JSON）", "rows not on the form (JSON)"),
    "missing_reasons": (
        "缺少各行的原因及该处所印内容（JSON）",
        "why each missing row is missing, with what is printed in its place (JSON)",
    ),
    "row_labels": ("各行所印标签（JSON）", "each row's label as printed (JSON)"),
    "warnings": ("解析提示（JSON）", "parser warnings (JSON)"),
    "error": ("错误信息", "error"),
    "parser": ("解析器", "parser"),
    "parsed_at": ("解析时间", "parse time"),
    "text": ("报告全文", "report text"),
    # cells
    "page": ("PDF 页码", "PDF page"),
    "bbox": ("PDF 单元格坐标", "PDF cell box"),
    "src_table": ("文档中的表格序号", "table index in the document"),
    "src_row": ("表格中的行序号", "row index in that table"),
    "src_col": ("行中的列序号", "column index in that row"),
    # sources / runs / captures / documents / blobs
    "cms": ("网站系统类型", "CMS family"),
    "start_urls": ("起始网址（JSON）", "start URLs (JSON)"),
    "allowed_domains": ("允许的域名（JSON）", "allowed domains (JSON)"),
    "registry": ("登记表文件", "registry file"),
    "updated_at": ("更新时间", "updated at"),
    "started_at": ("开始时间", "started at"),
    "finished_at": ("结束时间", "finished at"),
    "sources": ("本次抓取的来源（JSON）", "sources crawled (JSON)"),
    "stats": ("统计（JSON）", "statistics (JSON)"),
    "size": ("字节数", "size in bytes"),
    "path": ("存储路径（相对 data/blobs/）", "path under data/blobs/"),
    "first_seen": ("首次发现", "first seen"),
    "last_seen": ("最近发现", "last seen"),
    "run_id": ("抓取批次", "crawl run"),
    "final_url": ("跳转后的网址", "final URL after redirects"),
    "method": ("HTTP 方法", "HTTP method"),
    "fetched_at": ("抓取时间", "fetch time"),
    "content_type": ("内容类型", "content type"),
    "referer": ("来源页面", "referring page"),
    "headers": ("响应头（JSON）", "response headers (JSON)"),
    "role": ("page 页面 / attachment 附件", "page or attachment"),
    "linked_from": ("链接所在页面", "page that linked it"),
    "fingerprint": ("报告编号与规则版本的哈希", "hash of the report ids and the rules version"),
    "checked_at": ("检查时间", "checked at"),
    "links": (
        "报告页面上的附件链接（JSON：[网址, 标题]）",
        "a report page's attachment links (JSON: [url, title])",
    ),
    "capture_id": ("最近一次抓取编号", "newest capture id"),
    "http_status": ("HTTP 状态码", "HTTP status"),
    "parsed_sha256": ("已解析的内容哈希", "content hash last parsed"),
}
# Same column name, different meaning in one table.
COLUMN_OVERRIDES: dict[tuple[str, str], tuple[str, str]] = {
    ("report_list", "status"): ("解析状态：parsed / no_tables / needs_ocr …", "parse status"),
    ("reports", "status"): ("解析状态：parsed / no_tables / needs_ocr …", "parse status"),
    ("key_figures", "status"): ("解析状态", "parse status"),
    ("findings", "status"): (
        "fail 未通过 / pass 通过 / not_assessable 无法核对",
        "fail, pass or not_assessable",
    ),
    ("findings_detail", "status"): (
        "fail 未通过 / pass 通过 / not_assessable 无法核对",
        "fail, pass or not_assessable",
    ),
    ("flagged_reports", "report_id"): COLUMN_DOCS["report_id"],
    ("completeness", "status"): (
        "found 已存档 / flagged 有勾稽错误 / unparseable 无法解析 / missing 缺失",
        "found, flagged, unparseable or missing",
    ),
    ("completeness", "report_id"): ("计入统计的报告", "the report counted"),
    ("completeness", "n_errors"): ("该报告未通过的硬性规则数", "failed hard rules of that report"),
    ("documents", "status"): (
        "文档状态（见 docs/database.md）",
        "document status (docs/database.md)",
    ),
    ("corpus_checks", "reports"): ("所比较的当前报告数", "number of current reports compared"),
    ("crawl_runs", "status"): ("批次状态", "run status"),
    ("captures", "status"): ("HTTP 状态码", "HTTP status"),
    ("captures", "id"): ("抓取编号", "capture id"),
    ("captures", "url"): ("请求网址", "requested URL"),
    ("sources", "id"): ("来源编号", "source id"),
    ("sources", "agency"): ("网站所属机关", "agency owning the site"),
    ("documents", "url"): ("文档网址", "document URL"),
    ("reports", "url"): ("原文网址", "URL of the original"),
    ("flagged_reports", "url"): ("原文网址", "URL of the original"),
    ("table4", "total"): ("总计", "total"),
    ("table3", "total"): ("总计", "total"),
    ("reports", "rules_version"): ("核查所用规则版本", "rules version checked against"),
    ("form_rows", "tbl"): ("表：t2 / t3 / t4", "table"),
    ("form_columns", "tbl"): ("表：t2 / t3 / t4", "table"),
    (FTS_TABLE, "title"): ("标题", "title"),
}
for _c in form.T2_COLUMNS.values():
    COLUMN_DOCS.setdefault(_c.key, (_c.label, _c.key.replace("_", " ")))
for _c in form.T3_COLUMNS:
    COLUMN_DOCS.setdefault(_c.key, (_c.label, _c.key.replace("_", " ")))
for _c in form.T4_COLUMNS:
    COLUMN_DOCS.setdefault(_c.key, (_c.label, _c.key))
COLUMN_DOCS.update(
    {
        "warc_file": (
            "所在 WARC 文件（相对数据目录）",
            "WARC file holding the record (relative to the data folder)",
        ),
        "warc_offset": ("WARC 记录起始字节", "byte offset of the WARC record"),
        "warc_length": ("WARC 记录长度（字节）", "length of the WARC record in bytes"),
        "bytes_received": (
            "实际收到的字节数（304 为 0）",
            "bytes received over the network (0 for a 304)",
        ),
        "etag": ("上次响应的 ETag", "ETag of the last good response"),
        "last_modified": ("上次响应的 Last-Modified", "Last-Modified of the last good response"),
        "first_fetched": ("首次抓取时间", "first fetched at"),
        "last_fetched": ("最近抓取时间", "last fetched at"),
        "last_changed": ("内容最近变化时间", "content last changed at"),
        "not_modified_count": ("累计 304 次数", "number of 304 answers so far"),
        "created_at": ("创建时间", "created at"),
        "closed_at": ("关闭时间", "closed at"),
        "records": ("记录数", "number of records"),
        "pages_fetched": ("抓取页数", "pages fetched"),
        "not_modified": ("未变化（304）页数", "pages answered 304 (unchanged)"),
        "fresh": (
            "未重新请求的文档数（仍在新鲜期内，由存档作答）",
            "documents not requested again: still fresh, answered from the archive",
        ),
        "bytes": ("收到字节数", "bytes received"),
        "reports_found": ("发现的报告页面与附件数", "report pages and attachments found"),
        "new": ("新发现数", "newly found"),
        "changed": ("内容变化数", "changed content"),
        "unchanged": ("未变化数", "unchanged"),
        "errors": ("错误数", "errors"),
        "robots_denied": ("被 robots.txt 禁止的网址数", "URLs refused by robots.txt"),
        "disappeared": ("列表中消失的报告数", "reports no longer linked from their list"),
        "flags": ("异常提示（JSON）", "warnings (JSON)"),
        "finish_reason": ("抓取结束原因", "why the crawl finished"),
        "flag": ("异常类型", "warning kind"),
        "parsed_by": (
            "解析所用解析器版本（版本变化即重新解析）",
            "parser version that parsed it (a new version re-parses)",
        ),
        "parse_attempts": (
            "解析进程崩溃或超时的次数（达到上限即放弃）",
            "parses that killed or hung their worker (given up at the limit)",
        ),
        "region_code": ("行政区划代码", "administrative division code"),
        "sections": ("各部分正文（一…六，JSON）", "section texts 一 … 六 (JSON)"),
        "ocr": ("数值是否来自 OCR（1 是）", "1 when the numbers come from OCR"),
        "document_id": ("文档编号", "document id"),
        "first_captured": ("该版本首次抓取时间", "first capture of this version"),
        "last_captured": ("该版本最近抓取时间", "last capture of this version"),
    }
)
COLUMN_DOCS[FTS_TABLE] = ("全文索引（隐藏列）", "FTS index (hidden column)")
COLUMN_DOCS["rank"] = ("检索相关度", "search rank")

FACETS = {
    "report_list": ["year", "region", "level", "flag_status", "status"],
    "reports": ["year", "region", "level", "flag_status"],
    "key_figures": ["year", "region", "level", "flag_status"],
    "cell_values": ["year", "region", "tbl"],
    "findings_detail": ["rule", "status", "severity", "year", "region"],
    "findings": ["rule", "status", "severity"],
    "flagged_reports": ["rule", "year"],
    "completeness": ["status", "year", "region", "level"],
    "documents": ["status", "role"],
}

DASHBOARD = {
    "title": "年报数据图表 · nianbao charts",
    "description": "申请量、公开率与核查结果的年度变化。 — Requests, grant rates and check results "
    "over the years. Data: key_figures, completeness.",
    "layout": [
        ["applications", "applications"],
        ["grant-rate", "completeness"],
        ["reviews", "reports-count"],
    ],
    "filters": {
        "region": {
            "name": "地区 Region",
            "type": "select",
            "db": DATABASE_NAME,
            "query": "select distinct region from report_list where region is not null "
            "order by region",
        },
    },
    "charts": {
        "applications": {
            "title": "各地区历年新收申请数 · New requests per year by region",
            "db": DATABASE_NAME,
            "library": "vega-lite",
            "query": "select cast(year as text) as year, region, sum(new_requests) as new_requests "
            "from key_figures where is_primary = 1 [[ and region = :region ]] "
            "group by year, region order by year",
            "display": {
                "mark": {"type": "line", "point": True, "tooltip": True},
                "encoding": {
                    "x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                    "y": {
                        "field": "new_requests",
                        "type": "quantitative",
                        "title": "新收申请 new requests",
                    },
                    "color": {"field": "region", "type": "nominal", "title": "地区 region"},
                },
            },
        },
        "grant-rate": {
            "title": "公开率 · Grant rate",
            "db": DATABASE_NAME,
            "library": "vega-lite",
            "query": "select cast(year as text) as year, region, round(1.0 * (sum(granted) + "
            "sum(partially_granted)) / nullif(sum(processed), 0), 4) as grant_rate "
            "from key_figures where is_primary = 1 [[ and region = :region ]] "
            "group by year, region order by year",
            "display": {
                "mark": {"type": "line", "point": True, "tooltip": True},
                "encoding": {
                    "x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                    "y": {
                        "field": "grant_rate",
                        "type": "quantitative",
                        "axis": {"format": "%"},
                        "title": "公开率 grant rate",
                    },
                    "color": {"field": "region", "type": "nominal"},
                },
            },
        },
        "completeness": {
            "title": "报告齐全情况 · Reports found, flagged, missing",
            "db": DATABASE_NAME,
            "library": "vega-lite",
            "query": "select cast(year as text) as year, status, count(*) as agencies "
            "from completeness where 1 [[ and region = :region ]] "
            "group by year, status order by year",
            "display": {
                "mark": {"type": "bar", "tooltip": True},
                "encoding": {
                    "x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                    "y": {"field": "agencies", "type": "quantitative", "title": "机关数 agencies"},
                    "color": {"field": "status", "type": "nominal", "title": "状态 status"},
                },
            },
        },
        "reviews": {
            "title": "行政复议与行政诉讼 · Reviews and lawsuits",
            "db": DATABASE_NAME,
            "library": "vega-lite",
            "query": "select cast(year as text) as year, '行政复议 review' as kind, "
            "sum(review_total) as cases from key_figures where is_primary = 1 "
            "[[ and region = :region ]] group by year "
            "union all select cast(year as text), '行政诉讼 litigation', "
            "sum(coalesce(litigation_direct_total, 0) + "
            "coalesce(litigation_after_review_total, 0)) from key_figures "
            "where is_primary = 1 [[ and region = :region ]] group by year",
            "display": {
                "mark": {"type": "bar", "tooltip": True},
                "encoding": {
                    "x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                    "xOffset": {"field": "kind"},
                    "y": {"field": "cases", "type": "quantitative", "title": "件 cases"},
                    "color": {"field": "kind", "type": "nominal"},
                },
            },
        },
        "reports-count": {
            "title": "存档报告数 · Reports archived",
            "db": DATABASE_NAME,
            "library": "metric",
            "query": "select count(*) as reports from report_list where 1 "
            "[[ and region = :region ]]",
            "display": {"field": "reports", "suffix": " 份"},
        },
    },
}


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
            t["facets"] = FACETS[name]
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
        if name in (FTS_TABLE,):
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
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper, s):
        style = "|" if "\n" in s else None
        return dumper.represent_scalar(
            "tag:yaml.org,2002:str", s.strip("\n") if style else s, style=style
        )

    _Dumper.add_representer(str, _str)
    head = (
        "# Datasette metadata for `nianbao serve` — GENERATED by `python -m archive.researcher`\n"
        "# from archive/researcher.py (TABLE_DOCS, COLUMN_DOCS, QUERIES, DASHBOARD).\n"
        "# Edit those and regenerate; tests/test_datasette.py checks the two agree.\n"
    )
    return head + yaml.dump(
        metadata(schema_columns(db)), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )


def main(ensure_schema) -> None:
    """Regenerate archive/datasette/metadata.yaml from an empty database with the full schema
    (``ensure_schema``: archive.db's, passed in: archive.db imports this module)."""
    import sys
    from pathlib import Path

    db = sqlite_utils.Database(memory=True)
    ensure_schema(db)
    out = Path(__file__).resolve().parent / "datasette" / "metadata.yaml"
    if len(sys.argv) > 1:
        out = Path(sys.argv[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(metadata_yaml(db), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    from archive.db import ensure_schema

    main(ensure_schema)


DATASETTE_DIR = __import__("pathlib").Path(__file__).resolve().parent / "datasette"


def datasette_command(db_path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The Datasette command line `nianbao serve` runs (tests start the same one)."""
    import sys

    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(DATASETTE_DIR / "metadata.yaml"),
        "--plugins-dir",
        str(DATASETTE_DIR / "plugins"),
        "--template-dir",
        str(DATASETTE_DIR / "templates"),
        "--setting",
        "sql_time_limit_ms",
        "5000",
        "--setting",
        "facet_time_limit_ms",
        "1000",
        "--setting",
        "truncate_cells_html",
        "300",
    ]
