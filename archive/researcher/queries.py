"""The canned queries researchers ask for (Datasette ``queries`` in the metadata).

Each has a title and a description in Chinese and English; tests/test_datasette.py runs
every one of them on a real database.
"""

from __future__ import annotations

SEARCH_LIMIT = 500  # reports returned at most: the newest that match
# The newest matching documents first (rowid order, so both the FTS index and the scan stop
# after SEARCH_LIMIT hits: at 200,000 reports a common term matches nearly all of them),
# then excerpt and occurrences for those only, sorted by occurrences. (+is_current: an index
# on is_current would make SQLite sort every current report before the limit.)
SEARCH_SQL = f"""
with fts_hits as (
  select rowid from reports_fts
  where length(:q) >= 3 and reports_fts match '"' || replace(:q, '"', '""') || '"'
  order by rowid desc limit {SEARCH_LIMIT}),
scan_hits as (
  select rowid from reports
  where length(:q) between 1 and 2 and +is_current = 1
    and (instr(text, :q) > 0 or instr(title, :q) > 0 or instr(agency, :q) > 0)
  order by rowid desc limit {SEARCH_LIMIT}),
hits as (select rowid from fts_hits union all select rowid from scan_hits)
select rl.report_id as report_id, rl.agency as agency, rl.region as region,
  rl.year as year, rl.title as title,
  replace(substr(r.text, max(instr(r.text, :q) - 40, 1), 120), char(10), ' ') as excerpt,
  (length(r.text) - length(replace(r.text, :q, ''))) / length(:q) as occurrences,
  rl.source_url as source_url
from hits join reports r on r.rowid = hits.rowid join report_list rl on rl.report_id = r.id
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
        "by scanning the base table (SQLite 3.40's trigram index cannot answer them). "
        f"最多返回最新的 {SEARCH_LIMIT} 份匹配报告，按出现次数排序。 — At most the "
        f"{SEARCH_LIMIT} newest matching reports, by number of occurrences.",
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
