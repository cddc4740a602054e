"""The summary-table views answer exactly what their SQL over the base tables answers.

``flagged_reports`` reads ``failure_facts`` and ``cell_totals`` reads ``cell_total_facts``
(archive/researcher/summaries.py), kept current by triggers and the refresh in every
``open_db``. On the small real archive of tests/researcher_db.py, before and after the
writes the pipeline makes (a cell changed, a report re-ranked, a report deleted, findings
added and removed, a source moved to another region), each is compared with the query it
replaces, computed per request from the base tables and ``report_facts``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import researcher_db  # noqa: E402

from archive.db import open_db  # noqa: E402

# What flagged_reports was before failure_facts (main at cc30d5d), in a total order.
FLAGGED_BEFORE = """
select r.report_id, r.agency, r.year, r.source_url as url, r.doc_format, f.rule, f.scope,
  f.severity, f.expected, f.actual, f.difference, f.cells, f.message_zh, f.message
from findings f join report_facts r on r.report_id = f.report_id
where f.status = 'fail'
order by r.agency, r.year, f.rule, f.scope, r.report_id
"""
CELL_TOTALS_BEFORE = """
select year, region, level, tbl, row_position, row_key, row_block, row_label, col_position,
  col_key, col_label, count(value), sum(value)
from cell_values where is_primary = 1
group by year, region, level, tbl, row_key, col_key
order by year, region, level, tbl, row_key, col_key
"""
CELL_TOTALS_AFTER = """
select year, region, level, tbl, row_position, row_key, row_block, row_label, col_position,
  col_key, col_label, n_reports, total
from cell_totals order by year, region, level, tbl, row_key, col_key
"""
# The README's third query as it was (over cell_values) and as it is (over cell_totals).
WITHHELD_BEFORE = """
select year, row_label, sum(value) as requests
from cell_values
where tbl = 't3' and col_key = 'total' and row_key like 'withheld_%' and is_primary = 1
group by year, row_key order by year, row_position
"""
WITHHELD_AFTER = """
select year, row_label, sum(total) as requests
from cell_totals
where tbl = 't3' and col_key = 'total' and row_key like 'withheld_%'
group by year, row_key order by year, row_position
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    data = tmp_path_factory.mktemp("summaries")
    return data / "nianbao.db", researcher_db.build(data / "nianbao.db")


def _assert_same_answers(db) -> None:
    flagged = db.execute("select * from flagged_reports").fetchall()
    assert flagged == db.execute(FLAGGED_BEFORE).fetchall()
    totals = db.execute(CELL_TOTALS_AFTER).fetchall()
    assert totals == db.execute(CELL_TOTALS_BEFORE).fetchall()
    withheld = db.execute(WITHHELD_AFTER).fetchall()
    assert withheld == db.execute(WITHHELD_BEFORE).fetchall()
    assert db.execute("select count(*) from facts_dirty").fetchone()[0] == 0


def test_summary_views_answer_as_the_queries_they_replace(built):
    path, b = built
    db = open_db(path)
    _assert_same_answers(db)
    # not vacuous: the two unbalanced reports fail, and every year and region is summed
    ids = {r[0] for r in db.execute("select report_id from flagged_reports")}
    assert set(b["flagged"]) <= ids
    years = db.execute("select distinct year from cell_totals order by year").fetchall()
    assert years == [(2021,), (2022,), (2023,)]
    assert db.execute("select count(distinct region) from cell_totals").fetchone()[0] == 2
    withheld = db.execute(WITHHELD_AFTER).fetchall()
    assert len(withheld) >= 3 and all(r[2] is not None for r in withheld)


def test_summary_views_follow_writes(built, tmp_path):
    path, b = built
    shutil.copytree(path.parent, tmp_path / "d")
    path = tmp_path / "d" / "nianbao.db"
    db = open_db(path)
    rid = b["reports"][("hangzhou-fin", 2022)]
    flagged = b["flagged"][0]
    with db.conn:
        db.execute(
            "update cells set value = value + 1000 where report_id = ? and tbl = 't3' "
            "and row_key like 'withheld_%' and col_key = 'total'",
            [rid],
        )
        # 杭州市人民政府 2023: the attachment becomes the report counted
        db.execute(
            "update reports set status = 'no_tables' where id = ?",
            [b["reports"][("hangzhou-gov", 2023)]],
        )
        db.execute("update reports set status = 'parsed' where id = ?", [b["attachment"]])
        gone = b["reports"][("huaian-edu", 2023)]
        for table, key in (("findings", "report_id"), ("cells", "report_id"), ("reports", "id")):
            db.execute(f"delete from {table} where {key} = ?", [gone])
        db.execute("update findings set status = 'pass' where report_id = ?", [flagged])
        db.execute(
            "update findings set status = 'fail' where report_id = ? and rule = 'T4-SUM'", [rid]
        )
        db.execute("update reports set region = '浙江省宁波市' where source_id = 'hangzhou-fin'")
    db = open_db(path)
    _assert_same_answers(db)
    ids = {r[0] for r in db.execute("select report_id from flagged_reports")}
    assert flagged not in ids and rid in ids
    assert (
        db.execute("select count(*) from cell_totals where region = '浙江省宁波市'").fetchone()[0]
        > 0
    )


def test_report_facts_of_an_older_version_is_rebuilt(built, tmp_path):
    """report_facts used to be keyed by report_id; open_db replaces such a table with the
    one keyed by text_rowid (the search box looks reports up by it), same rows."""
    path, _ = built
    shutil.copytree(path.parent, tmp_path / "d")
    path = tmp_path / "d" / "nianbao.db"
    db = open_db(path)
    before = db.execute("select * from report_list order by report_id").fetchall()
    with db.conn:
        db.execute("drop table report_facts")
        db.execute("create table report_facts (report_id text primary key, year integer)")
    db = open_db(path)
    assert db["report_facts"].pks == ["text_rowid"]
    assert db.execute("select * from report_list order by report_id").fetchall() == before
    _assert_same_answers(db)


def test_a_document_seen_again_unchanged_marks_no_report(built, tmp_path):
    # every crawl writes capture_id and source_id of every document it sees; a no-change
    # night must not mark every report for a refresh (at 200k reports: a full rebuild)
    path = tmp_path / "nianbao.db"
    shutil.copy(built[0], path)
    db = open_db(path)  # refreshed: nothing marked
    dirty = "select count(*) from facts_dirty"
    assert db.execute(dirty).fetchone()[0] == 0
    db.execute("update documents set capture_id = capture_id, source_id = source_id")
    assert db.execute(dirty).fetchone()[0] == 0
    doc = db.execute("select id from documents where capture_id is not null").fetchone()[0]
    db.execute("update documents set capture_id = -1 where id = ?", [doc])
    assert db.execute(dirty).fetchone()[0] == 1  # a new capture: its time is shown


def test_a_revalidated_document_moves_its_capture_time_without_a_refresh(built, tmp_path):
    """A 304 (a new capture of the same body) sets report_list's capture time in place; a
    capture of another body marks the report. Either way report_list reads as a full
    rebuild would."""
    path = tmp_path / "nianbao.db"
    shutil.copy(built[0], path)
    db = open_db(path)
    doc, capture, sha = db.execute(
        "select d.id, d.capture_id, d.sha256 from documents d join report_list r "
        "on r.document_id = d.id where d.capture_id is not null limit 1"
    ).fetchone()
    cols = [r[1] for r in db.execute("pragma table_info(captures)")]
    row = dict(zip(cols, db.execute("select * from captures where id = ?", [capture]).fetchone()))

    def capture_again(at: str, body_sha: str) -> None:
        new = {**row, "id": None, "status": 304, "fetched_at": at, "sha256": body_sha}
        with db.conn:
            cur = db.execute(
                f"insert into captures ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                [new[c] for c in cols],
            )
            db.execute("update documents set capture_id = ? where id = ?", [cur.lastrowid, doc])

    def listed() -> list:
        return db.execute("select * from report_list order by report_id").fetchall()

    capture_again("2031-01-02T03:04:05+00:00", sha)
    assert db.execute("select count(*) from facts_dirty").fetchone()[0] == 0
    shown = db.execute("select captured_at from report_list where document_id = ?", [doc])
    assert shown.fetchone()[0] == "2031-01-02T03:04:05+00:00"
    in_place = listed()
    with db.conn:
        db.execute("insert or ignore into facts_dirty select id from reports")
    rebuilt = open_db(path).execute("select * from report_list order by report_id").fetchall()
    assert rebuilt == in_place  # open_db refreshed every report: the same rows

    capture_again("2031-01-03T00:00:00+00:00", "f" * 64)  # another body: its report marked
    assert db.execute("select count(*) from facts_dirty").fetchone()[0] == 1
    _assert_same_answers(open_db(path))
