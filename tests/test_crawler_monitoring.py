"""Per-source run rows and their flags; JSP and generic spider helpers."""

from __future__ import annotations

import json

from archive.crawlstore import CrawlStore
from crawler.families.jsp import total_pages, with_param
from crawler.monitoring import source_run_row, summary


def _doc(db, sid, url, list_url, seen):
    db["documents"].insert(
        {
            "id": url,
            "source_id": sid,
            "url": url,
            "role": "page",
            "linked_from": list_url,
            "first_seen": "2026-01-01T00:00:00+00:00",
            "last_seen": seen,
            "status": "parsed",
        },
        pk="id",
    )


def test_disappeared_report_and_silent_source_are_flagged(tmp_path):
    store = CrawlStore(tmp_path)
    db = store.db
    started = "2026-11-29T10:00:00+00:00"
    later = "2026-11-29T10:00:05+00:00"
    # Source a: its list was fetched this run; one report seen again, one not any more.
    _doc(db, "a", "http://a.gov.cn/nb/t1.html", "http://a.gov.cn/nb/index.html", later)
    _doc(
        db,
        "a",
        "http://a.gov.cn/nb/t2.html",
        "http://a.gov.cn/nb/index.html",
        "2026-11-28T10:00:00+00:00",
    )
    db["captures"].insert(
        {"run_id": "r", "source_id": "a", "url": "http://a.gov.cn/nb/index.html", "status": 200}
    )
    # Source b: had reports, now the list yields none.
    _doc(
        db,
        "b",
        "http://b.gov.cn/nb/t1.html",
        "http://b.gov.cn/nb/index.html",
        "2026-11-28T10:00:00+00:00",
    )
    result = {
        "a": {"reports_found": 1, "finish_reason": "finished", "captures": 3},
        "b": {"reports_found": 0, "finish_reason": "finished", "captures": 2},
    }
    rows = [source_run_row(store, "r", sid, started, st, "finished") for sid, st in result.items()]
    store.record_source_runs(rows)
    rows = {r["source_id"]: r for r in db.query("select * from source_runs")}
    flags_a = json.loads(rows["a"]["flags"])
    assert [f["flag"] for f in flags_a] == ["disappeared"]
    assert flags_a[0]["url"] == "http://a.gov.cn/nb/t2.html" and rows["a"]["disappeared"] == 1
    assert [f["flag"] for f in json.loads(rows["b"]["flags"])] == ["no_reports"]
    assert summary(result["b"], "finished", rows["b"]["flags"])["flags"] == ["no_reports"]
    # A source stopped by the time limit has not seen its lists: no flags decided.
    cut = source_run_row(store, "r", "b", started, result["b"], "time_limit")
    assert json.loads(cut["flags"]) == []
    view = list(db.query("select source_id, flag from crawl_flags order by source_id"))
    assert view == [
        {"source_id": "a", "flag": "disappeared"},
        {"source_id": "b", "flag": "no_reports"},
    ]


def test_jsp_paging_helpers():
    assert total_pages("<script>var totalPage = 7;</script>") == 7
    assert total_pages("共 12 页 第1页") == 12
    assert total_pages("<p>nothing</p>") is None
    url = "http://www.mz.gov.cn/info/iList.jsp?node_id=GKmzs&cat_id=15971&cur_page=1"
    assert (
        with_param(url, "cur_page", 3)
        == "http://www.mz.gov.cn/info/iList.jsp?node_id=GKmzs&cat_id=15971&cur_page=3"
    )
