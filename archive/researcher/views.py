"""The researcher views, as SQL (docs/researchers.md explains each column).

- ``report_list``    one row per current report, with capture time and ``is_primary``
                     (the one report counted per agency and year when several documents parsed)
- ``cell_values``    every 表二/表三/表四 value in long form, with the labels printed on the form
- ``key_figures``    one row per report: the headline 表三/表四 numbers and the grant rate
- ``findings_detail`` every finding with its report's agency, region, level and year
- ``completeness``   agency × year: found / flagged / incomplete / unparseable / missing
- ``flagged_reports`` every failing finding of a current report
- ``cell_totals``    sums of every cell of the form per year, region and level (counted reports)

All but ``cell_values`` and ``findings_detail`` read the summary tables of
:mod:`archive.researcher.summaries` (``report_facts``, ``completeness_facts``,
``failure_facts``, ``cell_total_facts``), which are computed with :data:`FIGURES`,
:data:`COMPLETENESS_SQL`, :data:`FAILURES_SQL` and :data:`CELL_TOTALS_SQL` below and kept
current by triggers: at 200,000 reports the views computed per request took seconds to
minutes.
"""

from __future__ import annotations

from nianbao import form


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

# The key figures of one report, as aggregates over its cells ``c`` (report_facts columns).
FIGURES: dict[str, str] = {
    "new_requests": _t3("new_requests"),
    "new_requests_natural_person": _t3("new_requests", "natural_person"),
    "carried_over": _t3("carried_over"),
    "granted": _t3("granted"),
    "partially_granted": _t3("partially_granted"),
    "withheld": _t3_sum(_WITHHELD),
    "unavailable": _t3_sum(_UNAVAILABLE),
    "rejected": _t3_sum(_REJECTED),
    "other_handling": _t3_sum(_OTHER),
    "processed": _t3("total"),
    "carried_forward": _t3("carried_forward"),
    "review_total": _t4("review"),
    "litigation_direct_total": _t4("litigation_direct"),
    "litigation_after_review_total": _t4("litigation_after_review"),
}
REPORT_LIST_COLUMNS = [
    "report_id",
    "agency",
    "region",
    "level",
    "year",
    "format_version",
    "status",
    "flag_status",
    "n_errors",
    "n_warnings",
    "source_url",
    "published",
    "captured_at",
    "doc_format",
    "title",
    "source_id",
    "document_id",
    "sha256",
    "is_primary",
    "text_rowid",
]
# flagged_reports: every failing finding of a current report (failure_facts columns).
FAILURE_COLUMNS = [
    "report_id",
    "agency",
    "year",
    "url",
    "doc_format",
    "rule",
    "scope",
    "severity",
    "expected",
    "actual",
    "difference",
    "cells",
    "message_zh",
    "message",
]
# failure_facts rows of the reports in facts_dirty (report_facts already refreshed); the
# loop order fixed (CROSS JOIN) from the marked reports, not from all 40,000 failures.
FAILURES_SQL = f"""
select {", ".join(FAILURE_COLUMNS)} from (
select r.report_id, r.agency, r.year, r.source_url as url, r.doc_format, f.rule, f.scope,
  f.severity, f.expected, f.actual, f.difference, f.cells, f.message_zh, f.message
from facts_dirty x
cross join report_facts r on r.report_id = x.report_id
cross join findings f on f.report_id = x.report_id
where f.status = 'fail')
"""
# cell_total_facts rows of the (year, region, level) groups in temp.totals_groups: sums
# over the cells of the reports counted (is_primary), as the README's third query sums them.
# CROSS JOIN fixes the loop order groups → reports → their cells: left to the planner, it
# scanned all 40 M cells to refresh one group (56 s at 200,000 reports). The groups are
# taken distinct: NULLs are distinct to the temp table's unique constraint, and a group
# with a NULL region listed twice would be summed twice.
TOTALS_GROUPS = "(select distinct year, region, level from temp.totals_groups)"
CELL_TOTALS_SQL = f"""
select f.year, f.region, f.level, c.tbl, c.row_key, c.col_key,
  count(c.value) as n_reports, sum(c.value) as total
from {TOTALS_GROUPS} g
cross join report_facts f on f.is_primary = 1 and f.year is g.year and f.region is g.region
  and f.level is g.level
cross join cells c on c.report_id = f.report_id
group by f.year, f.region, f.level, c.tbl, c.row_key, c.col_key
"""
_KEY_COLUMNS = ["report_id", "agency", "region", "level", "year", "is_primary", "status"]

# Agency × year, from the first year an agency has a report (registered sources without
# any: the archive's first year) to the archive's latest year; fills completeness_facts.
COMPLETENESS_SQL = """
with recursive
bounds as (
  select min(year) as y0, max(year) as y1 from report_facts where year is not null),
years(year) as (
  select y0 from bounds where y0 is not null
  union all
  select year + 1 from years, bounds where year < bounds.y1),
agencies as (
  select agency, max(region) as region, max(level) as level, min(year) as first_year
  from report_facts where agency is not null and year is not null group by agency
  union all
  select s.agency, max(s.region), max(s.level), null from sources s
  where s.agency is not null
    and s.agency not in (select agency from report_facts where agency is not null)
  group by s.agency),
per_year as (
  select agency, year, count(*) as n_reports,
    max(case when is_primary = 1 then report_id end) as report_id,
    max(case when is_primary = 1 then status end) as report_status,
    max(case when is_primary = 1 then flag_status end) as flag_status,
    max(case when is_primary = 1 then n_errors end) as n_errors
  from report_facts where agency is not null and year is not null group by agency, year)
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
"""

VIEWS: dict[str, str] = {
    "report_list": f"select {', '.join(REPORT_LIST_COLUMNS)} from report_facts",
    "cell_values": """
select r.report_id, r.agency, r.region, r.level, r.year, r.format_version, r.is_primary,
  c.tbl, fr.position as row_position, c.row_key, fr.block as row_block, fr.label as row_label,
  fc.position as col_position, c.col_key, fc.label as col_label, c.value, c.raw, c.note
from cells c
join report_facts r on r.report_id = c.report_id
left join form_rows fr on fr.tbl = c.tbl and fr.row_key = c.row_key
left join form_columns fc on fc.tbl = c.tbl and fc.col_key = c.col_key
""",
    "key_figures": f"""
select {", ".join(_KEY_COLUMNS)}, flag_status, {", ".join(FIGURES)},
  round(1.0 * (coalesce(granted, 0) + coalesce(partially_granted, 0))
        / nullif(processed, 0), 4) as grant_rate
from report_facts
""",
    "findings_detail": """
select f.report_id, r.agency, r.region, r.level, r.year, r.is_primary, f.rule, f.scope,
  f.severity, f.status, f.expected, f.actual, f.difference, f.cells, f.message_zh, f.message,
  f.rules_version
from findings f join report_facts r on r.report_id = f.report_id
""",
    "completeness": """
select agency, region, level, year, status, n_reports, report_id, n_errors
from completeness_facts
""",
    # Reads failure_facts (the failures of current reports, with their report's columns),
    # kept like report_facts: joined per request, 40,000 failures of 9 M findings took 1 s.
    "flagged_reports": f"""
select {", ".join(FAILURE_COLUMNS)}
from failure_facts
order by agency, year, rule, scope, report_id
""",
    # Sums of every cell of the form per year, region and level over the reports counted
    # (is_primary), from cell_total_facts: summed per request over 40 M cells, ~9 s.
    "cell_totals": """
select t.year, t.region, t.level, t.tbl, fr.position as row_position, t.row_key,
  fr.block as row_block, fr.label as row_label, fc.position as col_position, t.col_key,
  fc.label as col_label, t.n_reports, t.total
from cell_total_facts t
left join form_rows fr on fr.tbl = t.tbl and fr.row_key = t.row_key
left join form_columns fc on fc.tbl = t.tbl and fc.col_key = t.col_key
""",
}
