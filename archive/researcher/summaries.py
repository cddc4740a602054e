"""Summary tables behind the researcher views, kept current incrementally.

At national size (200,000 reports, 40 M cells) the views cannot be computed per request:
``report_list``'s ``is_primary`` ranks every report of an agency and year by its number of
cells, ``key_figures`` aggregates the cells of every report, ``completeness`` crosses every
agency with every year. So they read summary tables (bench/db_scale.py has the figures):

- ``report_facts``         one row per current report: the ``report_list`` columns, the
                           ``key_figures`` numbers, ``n_cells`` and the ``group_key`` ranked
                           for ``is_primary`` (agency, else the source's agency, else source);
- ``completeness_facts``   the ``completeness`` rows (agency × year);
- ``failure_facts``        the ``flagged_reports`` rows (failing findings of current reports);
- ``cell_total_facts``     the ``cell_totals`` rows: per year, region and level, the sum of
                           every cell of the form over the reports counted (``is_primary``).

Triggers on ``reports``, ``cells``, ``findings``, ``documents`` and ``sources`` write the id
of every report whose row may change into ``facts_dirty``; :func:`refresh` (run by every
``open_db``, so by every stage, `nianbao serve` and `nianbao export`) rebuilds those rows,
re-ranks
``is_primary`` in their agency-years, rebuilds ``completeness_facts``, their failures and
the cell totals of their (year, region, level) groups (a few hundred milliseconds at
200,000 reports). A night that changed nothing costs one indexed look-up.
"""

from __future__ import annotations

import sqlite_utils

from archive.researcher.views import (
    CELL_TOTALS_SQL,
    COMPLETENESS_SQL,
    FAILURE_COLUMNS,
    FAILURES_SQL,
    FIGURES,
    REPORT_LIST_COLUMNS,
    TOTALS_GROUPS,
)

FACTS = "report_facts"
COMPLETENESS = "completeness_facts"
FAILURES = "failure_facts"
CELL_TOTALS = "cell_total_facts"
DIRTY = "facts_dirty"
SUMMARY_TABLES = (FACTS, COMPLETENESS, FAILURES, CELL_TOTALS, DIRTY)
ANALYSIS_LIMIT = 1000  # rows sampled per index by ANALYZE

_FACT_TYPES = {
    "year": "integer",
    "n_errors": "integer",
    "n_warnings": "integer",
    "is_primary": "integer",
    # reports.rowid, and this table's rowid: the search box on report_list looks every
    # FTS match up by it (200,000 for a term in every report: one B-tree seek each, not
    # an index seek and then a row seek; the facets of that page took 0.25 s each).
    "text_rowid": "integer primary key",
    "n_cells": "integer",
    **{name: "real" for name in FIGURES},
}
FACT_COLUMNS = [*REPORT_LIST_COLUMNS, "group_key", "n_cells", *FIGURES]
FACT_INDEXES = [
    ("group_key", "year"),
    ("year",),
    ("region",),
    ("level",),
    ("flag_status",),
    ("status",),
    ("agency", "year"),
    ("is_primary", "year", "region"),
    # Covering every report_facts column cell_values and findings_detail show: a page of
    # one form cell over 200,000 reports reads this index, not 200,000 wide rows.
    ("report_id", "year", "is_primary", "agency", "region", "level", "format_version"),
    # The capture trigger's look-up: every new capture of a document (a 304 included).
    ("document_id",),
]
_FAILURE_TYPES = {"year": "integer", "expected": "real", "actual": "real", "difference": "real"}
FAILURE_INDEXES = [
    ("agency", "year", "rule", "scope", "report_id"),  # the view's order: a page walks it
    ("report_id",),
    ("rule",),
    ("year",),
]
CELL_TOTAL_COLUMNS = {
    "year": "integer",
    "region": "text",
    "level": "text",
    "tbl": "text",
    "row_key": "text",
    "col_key": "text",
    "n_reports": "integer",
    "total": "real",
}
CELL_TOTAL_INDEXES = [
    ("year", "region", "level"),
    # Covering: a sum of some rows of one column per year reads only this index.
    ("tbl", "col_key", "row_key", "year", "region", "level", "n_reports", "total"),
]


# What marks a report for a refresh: anything its facts row is computed from. The inserts
# skip known ids with NOT EXISTS, not OR IGNORE: an outer UPSERT's conflict policy (how
# sqlite-utils upserts documents and reports) overrides a trigger's OR IGNORE.
def _mark(report_id: str) -> str:
    return (
        f"insert into {DIRTY} (report_id) select {report_id} "
        f"where not exists (select 1 from {DIRTY} x where x.report_id = {report_id})"
    )


def _mark_reports(where: str) -> str:
    return (
        f"insert into {DIRTY} (report_id) select id from reports where {where} "
        f"and not exists (select 1 from {DIRTY} x where x.report_id = reports.id)"
    )


_CAPTURED_SHA = "(select sha256 from captures where id = new.capture_id)"
_CAPTURED_AT = "(select fetched_at from captures where id = new.capture_id)"

TRIGGERS = {
    "facts_reports_ai": f"after insert on reports begin {_mark('new.id')}; end",
    "facts_reports_au": f"after update on reports begin {_mark('new.id')}; end",
    "facts_reports_ad": f"after delete on reports begin {_mark('old.id')}; end",
    # Cells and findings are inserted and deleted only with their report's row written in
    # the same transaction (archive.db.save_report upserts it, save_findings updates it),
    # and that marks the report: a trigger per inserted or deleted row cost ~9 ms of the
    # writer's time for each report's 200 cells, a tenth of a first night. An edit of a
    # value in place (by hand, or a bench's) is still seen.
    "facts_cells_au": f"after update on cells begin {_mark('new.report_id')}; end",
    # failure_facts holds the failing findings.
    "facts_findings_au": f"after update on findings begin {_mark('new.report_id')}; end",
    # Every crawl sets capture_id and source_id on every document it sees ("update of" fires
    # on the SET list, not on a change): only a moved source or a new capture counts, else a
    # no-change night marked every report and rebuilt the facts in full. A new capture of
    # the body a report was read from (a 304 revalidation) only moves the capture time
    # report_list shows, set here; a capture of another body marks the report (its new
    # version is parsed next). Marking for a 304 rebuilt the cell totals of every region
    # the revalidated reports are in, on nights where nothing changed.
    "facts_documents_au": "after update of source_id on documents "
    "when old.source_id is not new.source_id "
    f"begin {_mark_reports('document_id = new.id')}; end",
    "facts_documents_capture": "after update of capture_id on documents "
    "when old.capture_id is not new.capture_id and old.source_id is new.source_id begin "
    f"update {FACTS} set captured_at = {_CAPTURED_AT} "
    f"where document_id = new.id and sha256 = {_CAPTURED_SHA}; "
    f"{_mark_reports(f'document_id = new.id and is_current = 1 and sha256 is not {_CAPTURED_SHA}')}"
    "; end",
    "facts_sources_ai": f"after insert on sources begin {_mark_reports('source_id = new.id')}; end",
    # sources are upserted on every crawl: only a change of what the facts show counts.
    "facts_sources_au": "after update of agency, region, level on sources "
    "when old.agency is not new.agency or old.region is not new.region "
    f"or old.level is not new.level begin {_mark_reports('source_id = new.id')}; end",
}

# Triggers of earlier versions, dropped from an existing database on open.
RETIRED_TRIGGERS = ("facts_cells_ai", "facts_cells_ad", "facts_findings_ai", "facts_findings_ad")


# CROSS JOIN: from the marked reports to theirs rows; left to the planner, it read every
# current report through the is_current index (1.9 s to refresh one at 200,000 reports).
def _facts_sql() -> str:
    cols = ",\n  ".join(f"{expr} as {name}" for name, expr in FIGURES.items())
    return f"""
insert into {FACTS} ({", ".join(FACT_COLUMNS)})
select r.id, coalesce(r.agency, s.agency), coalesce(r.region, s.region),
  coalesce(r.level, s.level), r.year, r.format_version, r.status, r.flag_status,
  r.n_errors, r.n_warnings, r.url, r.published,
  coalesce(case when cap.sha256 = r.sha256 then cap.fetched_at end,
           (select min(c2.fetched_at) from captures c2 where c2.sha256 = r.sha256),
           cap.fetched_at),
  r.doc_format, r.title, coalesce(r.source_id, d.source_id), r.document_id, r.sha256,
  0, r.rowid, coalesce(r.agency, s.agency, r.source_id), coalesce(f.n_cells, 0),
  {", ".join(f"f.{n}" for n in FIGURES)}
from {DIRTY} x
cross join reports r on r.id = x.report_id
left join documents d on d.id = r.document_id
left join captures cap on cap.id = d.capture_id
left join sources s on s.id = coalesce(r.source_id, d.source_id)
left join (
  select c.report_id, count(*) as n_cells,
  {cols}
  from cells c where c.report_id in (select report_id from {DIRTY})
  group by c.report_id
) f on f.report_id = r.id
where r.is_current = 1
"""


# The one report counted per agency and year: parsed first, fewest failed hard rules, most
# cells (the most complete parse), then the id (stable).
_RANK_SQL = f"""
update {FACTS} set is_primary = (report_id = (
  select p.report_id from {FACTS} p
  where p.group_key is {FACTS}.group_key and p.year is {FACTS}.year
  order by p.status = 'parsed' desc, coalesce(p.n_errors, 0), p.n_cells desc, p.report_id
  limit 1))
where rowid in (select f.rowid from temp.facts_groups g join {FACTS} f
                on f.group_key is g.group_key and f.year is g.year)
"""


def ensure(db: sqlite_utils.Database) -> None:
    """Create the summary tables and triggers if missing; a new ``report_facts`` marks every
    report for the next :func:`refresh`."""
    _drop_outdated_facts(db)
    new = not all(db[t].exists() for t in (FACTS, FAILURES, CELL_TOTALS))
    cols = ", ".join(f"[{c}] {_FACT_TYPES.get(c, 'text')}" for c in FACT_COLUMNS)
    db.execute(f"create table if not exists {DIRTY} (report_id text primary key) without rowid")
    db.execute(f"create table if not exists {FACTS} ({cols})")
    cols = ", ".join(f"[{c}] {_FAILURE_TYPES.get(c, 'text')}" for c in FAILURE_COLUMNS)
    db.execute(f"create table if not exists {FAILURES} ({cols})")
    cols = ", ".join(f"[{c}] {t}" for c, t in CELL_TOTAL_COLUMNS.items())
    db.execute(f"create table if not exists {CELL_TOTALS} ({cols})")
    for table, indexes in (
        (FACTS, FACT_INDEXES),
        (FAILURES, FAILURE_INDEXES),
        (CELL_TOTALS, CELL_TOTAL_INDEXES),
    ):
        for index in indexes:
            name = f"idx_{table}_{'_'.join(index)}"
            db.execute(f"create index if not exists {name} on {table} ({', '.join(index)})")
    if not db[COMPLETENESS].exists():
        db.execute(f"create table {COMPLETENESS} as {COMPLETENESS_SQL.strip()} limit 0")
    have = dict(db.execute("select name, sql from sqlite_master where type = 'trigger'").fetchall())
    for name in RETIRED_TRIGGERS:
        if name in have:  # "if exists": another process opening the archive may be first
            db.execute(f"drop trigger if exists {name}")
    for name, body in TRIGGERS.items():
        # SQLite stores "CREATE TRIGGER name …" (keywords upper-cased, IF NOT EXISTS left
        # out): compared with a lower-case statement, every open dropped and recreated every
        # trigger, and two crawl processes opening the database at once failed on "already
        # exists" (a crawl batch lost to Prefect's 10 s retry on every no-change rerun).
        if have.get(name) != f"CREATE TRIGGER {name} {body}":  # new, or an older definition
            db.execute(f"drop trigger if exists {name}")
            db.execute(f"create trigger if not exists {name} {body}")
    if new:  # a summary table new to this database: every report is marked (a full build)
        db.execute(f"insert or ignore into {DIRTY} (report_id) select id from reports")
    db.conn.commit()


def _drop_outdated_facts(db: sqlite_utils.Database) -> None:
    """A report_facts of an older version (keyed by report_id) is dropped: ensure then
    rebuilds it keyed by text_rowid, in one full refresh."""
    if db[FACTS].exists() and db[FACTS].pks != ["text_rowid"]:
        db.execute(f"drop table {FACTS}")


def refresh(db: sqlite_utils.Database) -> int:
    """Rebuild the facts of every marked report; return how many were marked."""
    conn = db.conn
    if conn.execute(f"select 1 from {DIRTY} limit 1").fetchone() is None:
        return 0
    if conn.in_transaction:
        conn.commit()
    conn.execute("begin immediate")  # one refresher at a time; the others then find nothing
    try:
        n = conn.execute(f"select count(*) from {DIRTY}").fetchone()[0]
        if n:
            _rebuild(conn)
            # Fresh statistics for the query planner (sampled: milliseconds at any size).
            # Without them SQLite picks findings' severity index for a per-report look-up
            # and flagged_two_years_running takes 12 s instead of 4 ms at 5,000 reports.
            conn.execute(f"pragma analysis_limit = {ANALYSIS_LIMIT}")
            conn.execute("analyze")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return n


def _rebuild(conn) -> None:
    # Unique: deduplicates, and is the index the re-ranking looks groups up in (without it
    # the update compared every fact with every group: hours at 200,000 reports).
    conn.execute(
        "create temp table if not exists facts_groups (group_key, year, unique (group_key, year))"
    )
    conn.execute(
        "create temp table if not exists totals_groups (year, region, level, "
        "unique (year, region, level))"
    )
    conn.execute("delete from temp.facts_groups")
    conn.execute("delete from temp.totals_groups")
    dirty = f"report_id in (select report_id from {DIRTY})"
    old_groups = f"select group_key, year from {FACTS} where {dirty}"
    conn.execute(f"insert or ignore into temp.facts_groups {old_groups}")
    conn.execute(
        f"insert or ignore into temp.totals_groups select year, region, level from {FACTS} "
        f"where {dirty}"
    )
    conn.execute(f"delete from {FACTS} where {dirty}")
    conn.execute(_facts_sql())
    conn.execute(f"insert or ignore into temp.facts_groups {old_groups}")
    conn.execute(_RANK_SQL)
    conn.execute(f"delete from {COMPLETENESS}")
    conn.execute(f"insert into {COMPLETENESS} {COMPLETENESS_SQL}")
    conn.execute(f"delete from {FAILURES} where {dirty}")
    conn.execute(f"insert into {FAILURES} ({', '.join(FAILURE_COLUMNS)}) {FAILURES_SQL}")
    _rebuild_cell_totals(conn)
    conn.execute(f"delete from {DIRTY}")


def _rebuild_cell_totals(conn) -> None:
    """Recompute the cell totals of every (year, region, level) whose counted reports may
    have changed: those of the marked reports, before and after, and of every report
    re-ranked with them (is_primary moves within an agency-year)."""
    conn.execute(
        f"insert or ignore into temp.totals_groups select f.year, f.region, f.level "
        f"from temp.facts_groups g join {FACTS} f on f.group_key is g.group_key "
        f"and f.year is g.year"
    )
    conn.execute(
        f"delete from {CELL_TOTALS} where rowid in (select t.rowid from {TOTALS_GROUPS} g "
        f"join {CELL_TOTALS} t on t.year is g.year and t.region is g.region "
        f"and t.level is g.level)"
    )
    conn.execute(f"insert into {CELL_TOTALS} ({', '.join(CELL_TOTAL_COLUMNS)}) {CELL_TOTALS_SQL}")


def drop(conn) -> None:
    """Remove the summary tables and their triggers (a bulk load rebuilds them once after)."""
    for name in (*TRIGGERS, *RETIRED_TRIGGERS):
        conn.execute(f"drop trigger if exists {name}")
    for table in SUMMARY_TABLES:
        conn.execute(f"drop table if exists {table}")
