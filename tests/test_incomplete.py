"""A report whose hard rules cannot all be checked is ``incomplete``, never ``ok``: read back
from a real SQLite file after the parse and check stages ran, and shown by the run summary,
``nianbao flags``, ``nianbao summary`` and the completeness view."""

from __future__ import annotations

import json
import random
import sqlite3

import pytest
from click.testing import CliRunner

from archive.db import doc_id, open_db
from archive.store import BlobStore
from demo.corpus import Agency, make_truth
from demo.layout import t3_layout
from demo.render_html import article_html
from demo.variants import page_trs
from flows.cli import main
from flows.stages import check_pending, format_summary, parse_pending, summarize
from nianbao import form
from nianbao.config import paths as data_paths

AGENCY = Agency("清河市应急管理局", "本局", "示范省清河市", "department", "medium")


def _page(seed: int, drop: str | None = None) -> bytes:
    """A report page; ``drop``: a 表三 row not printed at all."""
    t = make_truth(random.Random(seed), AGENCY, 2020 + seed, f"{2021 + seed}-01-15", "html")
    layouts = None
    if drop:
        layouts = {form.T3: t3_layout(t.report, rows=[r for r in form.T3_ROWS if r.key != drop])}
    article = article_html(t, layouts=layouts)
    return page_trs(t.report.title, t.report.published, article, AGENCY.name, 2020 + seed).encode()


def _store(paths, url: str, body: bytes) -> None:
    db, store = open_db(paths.db), BlobStore(paths.blobs)
    sha, _ = store.put(body)
    db["documents"].upsert(
        {
            "id": doc_id(url),
            "url": url,
            "role": "page",
            "sha256": sha,
            "http_status": 200,
            "content_type": "text/html; charset=utf-8",
            "status": "pending",
        },
        pk="id",
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    paths = data_paths(tmp_path_factory.mktemp("data"))
    open_db(paths.db).close()
    _store(paths, "http://demo.invalid/a/2021.html", _page(1))
    _store(paths, "http://demo.invalid/a/2022.html", _page(2, drop="carried_forward"))
    parse_pending(paths, workers=1)
    checked = check_pending(paths)
    return paths, checked


def test_the_report_missing_a_row_is_incomplete_in_the_database(archive):
    paths, checked = archive
    assert checked["by_flag"] == {"incomplete": 1, "ok": 1}
    con = sqlite3.connect(paths.db)  # read back with plain sqlite3: what a researcher sees
    con.row_factory = sqlite3.Row
    (row,) = con.execute("select * from reports where flag_status = 'incomplete'").fetchall()
    assert row["year"] == 2022 and row["n_errors"] == 0
    assert json.loads(row["missing_rows"]) == ["t3.carried_forward"]
    reason = json.loads(row["missing_reasons"])["t3.carried_forward"]
    assert reason.startswith("not printed") and "t3.total" in reason
    na = con.execute(
        "select rule, scope, message, message_zh from findings where report_id = ? "
        "and severity = 'error' and status = 'not_assessable' order by rule, scope",
        [row["id"]],
    ).fetchall()
    assert {(r["rule"], r["scope"]) for r in na} == {
        ("T3-BALANCE", c.key) for c in form.T3_COLUMNS
    } | {("T3-ROWSUM", "carried_forward")}
    assert all("t3.carried_forward." in r["message"] for r in na)
    assert all("缺少单元格" in r["message_zh"] for r in na)
    labels = json.loads(row["row_labels"])
    assert labels["t3.granted"] == "（一）予以公开"
    units = dict(con.execute("select col_key, unit from cells where tbl = 't2'").fetchall())
    assert units["amount_10k_yuan"] == "万元" and units["issued"] is None


def test_incomplete_in_the_summary_flags_and_completeness(archive):
    paths, _ = archive
    s = summarize(paths)
    assert s["reports_by_flag"] == {"incomplete": 1, "ok": 1}
    text = format_summary(s)
    assert "### incomplete reports (1)" in text and "t3.carried_forward" in text
    assert "T3-BALANCE" in text
    db = open_db(paths.db)
    status = {r["year"]: r["status"] for r in db.query("select year, status from completeness")}
    assert status == {2021: "found", 2022: "incomplete"}
    runner = CliRunner()
    out = runner.invoke(main, ["flags", "--data", str(paths.data)])
    assert out.exit_code == 0
    assert "incomplete" in out.output and "missing t3.carried_forward: not printed" in out.output
    out = runner.invoke(main, ["summary", "--data", str(paths.data)])
    assert "incomplete=1" in out.output and "### incomplete reports (1)" in out.output
