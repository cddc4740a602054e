"""Summary tables behind the researcher views, kept current incrementally.

At national size (200,000 reports, 40 M cells) the views cannot be computed per request:
``report_list``'s ``is_primary`` ranks every report of an agency and year by its number of
cells, ``key_figures`` aggregates the cells of every report, ``completeness`` crosses every
agency with every year. So they read two tables (bench/db_scale.py has the figures):

- ``report_facts``         one row per current report: the ``report_list`` columns, the
                           ``key_figures`` numbers, ``n_cells`` and the ``group_key`` ranked
                           for ``is_primary`` (agency, else the source's agency, else source);
- ``completeness_facts``   the ``completeness`` rows (agency × year).

Triggers on ``reports``, ``cells``, ``documents`` and ``sources`` write the id of every report
whose row may change into ``facts_dirty``; :func:`refresh` (run by every ``open_db``, so by
every stage, `nianbao serve` and `nianbao export`) rebuilds those rows, re-ranks
``is_primary`` in their agency-years and rebuilds ``completeness_facts`` (a few hundred
milliseconds at 200,000 reports). A night that changed nothing costs one indexed look-up.
"""

from __future__ import annotations

import sqlite_utils

from archive.researcher.views import COMPLETENESS_SQL, FIGURES, REPORT_LIST_COLUMNS

FACTS = "report_facts"
COMPLETENESS = "completeness_facts"
DIRTY = "facts_dirty"
SUMMARY_TABLES = (FACTS, COMPLETENESS, DIRTY)
ANALYSIS_LIMIT = 1000  # rows sampled per index by ANALYZE

_FACT_TYPES = {
    "year": "integer",
    "n_errors": "integer",
    "n_warnings": "integer",
    "is_primary": "integer",
    "text_rowid": "integer",
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
    ("text_rowid",),
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


TRIGGERS = {
    "facts_reports_ai": f"after insert on reports begin {_mark('new.id')}; end",
    "facts_reports_au": f"after update on reports begin {_mark('new.id')}; end",
    "facts_reports_ad": f"after delete on reports begin {_mark('old.id')}; end",
    "facts_cells_ai": f"after insert on cells begin {_mark('new.report_id')}; end",
    "facts_cells_au": f"after update on cells begin {_mark('new.report_id')}; end",
    "facts_cells_ad": f"after delete on cells begin {_mark('old.report_id')}; end",
    "facts_documents_au": "after update of capture_id, source_id on documents begin "
    f"{_mark_reports('document_id = new.id')}; end",
    "facts_sources_ai": f"after insert on sources begin {_mark_reports('source_id = new.id')}; end",
    # sources are upserted on every crawl: only a change of what the facts show counts.
    "facts_sources_au": "after update of agency, region, level on sources "
    "when old.agency is not new.agency or old.region is not new.region "
    f"or old.level is not new.level begin {_mark_reports('source_id = new.id')}; end",
}


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
join reports r on r.id = x.report_id
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
    new = not db[FACTS].exists()
    cols = ", ".join(f"[{c}] {_FACT_TYPES.get(c, 'text')}" for c in FACT_COLUMNS)
    db.execute(f"create table if not exists {DIRTY} (report_id text primary key) without rowid")
    db.execute(f"create table if not exists {FACTS} ({cols}, primary key (report_id))")
    for index in FACT_INDEXES:
        name = f"idx_{FACTS}_{'_'.join(index)}"
        db.execute(f"create index if not exists {name} on {FACTS} ({', '.join(index)})")
    if not db[COMPLETENESS].exists():
        db.execute(f"create table {COMPLETENESS} as {COMPLETENESS_SQL.strip()} limit 0")
    have = dict(db.execute("select name, sql from sqlite_master where type = 'trigger'").fetchall())
    for name, body in TRIGGERS.items():
        # SQLite stores "CREATE TRIGGER name …" (keywords upper-cased, IF NOT EXISTS left
        # out): compared with a lower-case statement, every open dropped and recreated every
        # trigger, and two crawl processes opening the database at once failed on "already
        # exists" (a crawl batch lost to Prefect's 10 s retry on every no-change rerun).
        if have.get(name) != f"CREATE TRIGGER {name} {body}":  # new, or an older definition
            db.execute(f"drop trigger if exists {name}")
            db.execute(f"create trigger if not exists {name} {body}")
    if new:
        db.execute(f"insert or ignore into {DIRTY} (report_id) select id from reports")
    db.conn.commit()


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
    conn.execute("delete from temp.facts_groups")
    old_groups = (
        f"select group_key, year from {FACTS} where report_id in (select report_id from {DIRTY})"
    )
    conn.execute(f"insert or ignore into temp.facts_groups {old_groups}")
    conn.execute(f"delete from {FACTS} where report_id in (select report_id from {DIRTY})")
    conn.execute(_facts_sql())
    conn.execute(f"insert or ignore into temp.facts_groups {old_groups}")
    conn.execute(_RANK_SQL)
    conn.execute(f"delete from {COMPLETENESS}")
    conn.execute(f"insert into {COMPLETENESS} {COMPLETENESS_SQL}")
    conn.execute(f"delete from {DIRTY}")


def drop(conn) -> None:
    """Remove the summary tables and their triggers (a bulk load rebuilds them once after)."""
    for name in TRIGGERS:
        conn.execute(f"drop trigger if exists {name}")
    for table in SUMMARY_TABLES:
        conn.execute(f"drop table if exists {table}")
