"""The researcher's Datasette, tested as a user would use it.

One demo database (tests/researcher_db.py: real SQLite written by the project's writers),
one `nianbao serve` subprocess for the module on a free port, real HTTP: facets, Chinese
search of 2 and 4 characters, every canned query, the report page, the original, the
charts; then the main pages rendered in headless Chromium (Debian's `chromium`, installed
by scripts/setup-system.sh).
"""

from __future__ import annotations

import csv
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
import yaml

sys.path.insert(0, str(Path(__file__).parent))
import researcher_db  # noqa: E402

from archive.researcher import metadata as researcher_metadata  # noqa: E402
from archive.researcher.queries import QUERIES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("researcher-data")
    built = researcher_db.build(data / "nianbao.db")
    return data, built


@pytest.fixture(scope="module")
def server(demo):
    data, _ = demo
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--data", str(data), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            break
        except OSError as e:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(
                    "Datasette did not start:\n" + proc.stdout.read().decode()
                ) from e
            time.sleep(0.2)
    yield base
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def get(base: str, path: str, **params) -> bytes:
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=20) as r:
        return r.read()


def get_json(base, path, **params):
    return json.loads(get(base, path, **params))


# --- configuration ------------------------------------------------------------------------


def test_metadata_file_is_generated_from_the_researcher_modules():
    db = sqlite_utils.Database(memory=True)
    from archive.db import ensure_schema

    ensure_schema(db)
    on_disk = (ROOT / "archive/datasette/metadata.yaml").read_text(encoding="utf-8")
    assert on_disk == researcher_metadata.metadata_yaml(db), (
        "metadata.yaml is stale: run `python -m archive.researcher`"
    )


def test_every_table_view_and_column_is_described_in_chinese_and_english(demo):
    data, _ = demo
    meta = yaml.safe_load((ROOT / "archive/datasette/metadata.yaml").read_text("utf-8"))
    tables = meta["databases"]["nianbao"]["tables"]
    db = sqlite_utils.Database(data / "nianbao.db")
    for name, cols in researcher_metadata.schema_columns(db).items():
        t = tables[name]
        assert " · " in t["title"], name  # "中文 · English"
        if t.get("hidden"):
            continue
        assert " — " in t["description"], name
        assert set(t["columns"]) == set(cols), name
        for col, desc in t["columns"].items():
            zh, en = desc.split(" — ", 1)
            assert zh and en, (name, col)


def test_schema_is_idempotent_and_fts_follows_writes(demo):
    data, built = demo
    from archive.db import open_db

    db = open_db(data / "nianbao.db")
    open_db(data / "nianbao.db")
    n = db.execute(
        "select count(*) from reports_fts where reports_fts match '\"淮安市教育局\"'"
    ).fetchone()[0]
    assert n == 2
    assert db.execute("select count(*) from report_list").fetchone()[0] == 12
    # the unparsed attachment is not the one counted for 杭州市人民政府 2023
    rows = db.execute(
        "select status, is_primary from report_list where agency = '杭州市人民政府' "
        "and year = 2023 order by status"
    ).fetchall()
    assert rows == [("no_tables", 0), ("parsed", 1)]
    idx = {tuple(i.columns) for i in db["reports"].indexes}
    assert {("region",), ("level",), ("status",), ("year",), ("flag_status",)} <= idx


def test_summary_tables_follow_writes(demo, tmp_path):
    """report_list, key_figures and completeness read summary tables: every write the
    pipeline makes is seen after the next open_db (which every stage and serve runs)."""
    from archive.db import open_db

    data, built = demo
    shutil.copytree(data, tmp_path / "d")
    path = tmp_path / "d" / "nianbao.db"
    db = open_db(path)
    rid = built["reports"][("hangzhou-fin", 2022)]
    figures = "select new_requests from key_figures where report_id = ?"
    before = db.execute(figures, [rid]).fetchone()[0]
    with db.conn:
        db.execute(
            "update cells set value = value + 1000 where report_id = ? and tbl = 't3' "
            "and row_key = 'new_requests' and col_key = 'total'",
            [rid],
        )
        # 杭州市人民政府 2023: the page becomes unreadable, the attachment is read
        page = built["reports"][("hangzhou-gov", 2023)]
        db.execute("update reports set status = 'no_tables' where id = ?", [page])
        db.execute("update reports set status = 'parsed' where id = ?", [built["attachment"]])
        # 淮安市教育局 2023 disappears from the archive
        gone = built["reports"][("huaian-edu", 2023)]
        for table, key in (("findings", "report_id"), ("cells", "report_id"), ("reports", "id")):
            db.execute(f"delete from {table} where {key} = ?", [gone])
    assert db.execute("select count(*) from facts_dirty").fetchone()[0] == 4
    db = open_db(path)
    assert db.execute("select count(*) from facts_dirty").fetchone()[0] == 0
    assert db.execute(figures, [rid]).fetchone()[0] == before + 1000
    primary = "select report_id from report_list where is_primary = 1 and agency = ? and year = ?"
    assert db.execute(primary, ["杭州市人民政府", 2023]).fetchall() == [(built["attachment"],)]
    status = "select status from completeness where agency = ? and year = ?"
    assert db.execute(status, ["淮安市教育局", 2023]).fetchone() == ("missing",)
    assert db.execute("select count(*) from report_list").fetchone()[0] == 11
    open_db(path)  # nothing changed: nothing to refresh
    assert db.execute("select count(*) from report_list").fetchone()[0] == 11


# --- the JSON API --------------------------------------------------------------------------


def test_default_facets_on_reports(server):
    d = get_json(server, "/nianbao/report_list.json", _size="0")
    facets = {
        k: {r["value"]: r["count"] for r in v["results"]} for k, v in d["facet_results"].items()
    }
    assert facets["year"] == {2021: 4, 2022: 3, 2023: 5}
    assert facets["region"] == {"浙江省杭州市": 7, "江苏省淮安市": 5}
    assert facets["level"] == {"government": 7, "department": 5}
    assert facets["flag_status"] == {"ok": 8, "flagged": 2, "incomplete": 1, "unparseable": 1}
    # the long tables have no default facets (docs/scaling.md): facet after filtering
    f = get_json(server, "/nianbao/findings_detail.json", _size="0", status="fail", _facet="rule")
    rules = {r["value"]: r["count"] for r in f["facet_results"]["rule"]["results"]}
    assert rules == {"T3-BALANCE": 4, "FORMAT-DRIFT": 1}  # FORMAT-DRIFT: the row missing


def test_search_four_characters_through_fts(server):
    rows = get_json(server, "/nianbao/report_list.json", _search="行政复议", _shape="array")
    assert len(rows) == 11 and all(r["status"] == "parsed" for r in rows)
    rows = get_json(server, "/nianbao/report_list.json", _search="淮安市教育局", _shape="array")
    assert {(r["agency"], r["year"]) for r in rows} == {
        ("淮安市教育局", 2021),
        ("淮安市教育局", 2023),
    }
    rows = get_json(server, "/nianbao/search.json", q="行政复议", _shape="array")
    assert len(rows) == 11 and all("行政复议" in r["excerpt"] for r in rows)


def _facet_counts(d: dict) -> dict:
    return {
        k: {r["value"]: r["count"] for r in v["results"]} for k, v in d["facet_results"].items()
    }


def test_search_facets_come_from_one_query_and_agree_with_datasette(server):
    """After a search, report_list's default facets are computed together
    (archive/datasette/facets.py): the same counts as Datasette's own column facet, which an
    explicit ?_facet= still uses, and links that filter the search."""
    d = get_json(server, "/nianbao/report_list.json", _search="行政复议", _size="0")
    ours = _facet_counts(d)
    assert set(ours) == {"year", "region", "level", "flag_status", "status"}
    assert ours["year"] == {2021: 4, 2022: 3, 2023: 4} and sum(ours["year"].values()) == 11
    asked = [("_search", "行政复议"), ("_size", "0")] + [("_facet", c) for c in ours]
    theirs = get_json(server, "/nianbao/report_list.json?" + urllib.parse.urlencode(asked))
    for column, counts in ours.items():
        datasette_own = next(
            {r["value"]: r["count"] for r in v["results"]}
            for k, v in theirs["facet_results"].items()
            if k.startswith(column) and v["type"] == "column" and v["hideable"]
        )
        assert counts == datasette_own, column
    region = d["facet_results"]["region"]
    link = next(r for r in region["results"] if r["value"] == "江苏省淮安市")
    assert not link["selected"] and "_search=" in link["toggle_url"]
    toggle = urllib.parse.urlsplit(link["toggle_url"])
    narrowed = get_json(server, f"{toggle.path}?{toggle.query}")  # (the .json page's link)
    assert _facet_counts(narrowed)["region"] == {"江苏省淮安市": link["count"]}
    assert narrowed["facet_results"]["region"]["results"][0]["selected"]
    # without a search: Datasette's column facets, as before
    plain = get_json(server, "/nianbao/report_list.json", _size="0")
    assert _facet_counts(plain)["year"] == {2021: 4, 2022: 3, 2023: 5}
    assert {
        v["type"] for v in [*plain["facet_results"].values(), *d["facet_results"].values()]
    } == {"column"}  # shown as Datasette's own facets, searched or not


def test_a_search_on_reports_skips_facets_and_count(server):
    """reports holds every version with its text: its search box answers in id order without
    the facets and count that read every match (report_list has them) — by a redirect, so
    the page's own links say so."""
    host, port = urllib.parse.urlsplit(server).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    conn.request("GET", "/nianbao/reports?" + urllib.parse.urlencode({"_search": "行政复议"}))
    r = conn.getresponse()
    assert r.status == 302
    assert r.getheader("location").endswith("&_nofacet=1&_nocount=1&_sort=id")
    conn.close()
    d = get_json(server, "/nianbao/reports.json", _search="行政复议")  # (urllib follows it)
    assert d["facet_results"] == {} and d["filtered_table_rows_count"] is None
    assert len(d["rows"]) >= 11
    ids = [r[d["columns"].index("id")] for r in d["rows"]]
    assert ids == sorted(ids)
    kept = get_json(server, "/nianbao/reports.json", _search="行政复议", _facet="year")
    assert sum(_facet_counts(kept)["year"].values()) == kept["filtered_table_rows_count"] >= 11


def test_search_two_characters_falls_back_to_the_base_table(server):
    rows = get_json(server, "/nianbao/search.json", q="复议", _shape="array")
    assert len(rows) == 11 and all("复议" in r["excerpt"] for r in rows)
    rows = get_json(server, "/nianbao/search.json", q="教育", _shape="array")
    assert {r["agency"] for r in rows} == {"淮安市教育局"} and len(rows) == 2
    rows = get_json(server, "/nianbao/search.json", q="附件", _shape="array")
    assert [r["agency"] for r in rows] == ["杭州市人民政府"]  # the attachment's text
    assert get_json(server, "/nianbao/search.json", q="%", _shape="array") == []


def test_canned_query_applications_by_year_and_region(server):
    rows = get_json(server, "/nianbao/applications_by_year_region.json", _shape="array")
    by = {(r["year"], r["region"]): r for r in rows}
    assert len(rows) == 6
    assert by[(2022, "江苏省淮安市")]["reports"] == 1  # 淮安市教育局 2022 is missing
    assert by[(2023, "浙江省杭州市")]["reports"] == 2  # the attachment is not counted twice
    assert all(r["new_requests"] > 0 for r in rows)


def test_canned_query_grant_rates(server, demo):
    data, _ = demo
    rows = get_json(server, "/nianbao/grant_rates.json", _shape="array")
    assert len(rows) == 6
    db = sqlite_utils.Database(data / "nianbao.db")
    g, p = db.execute(
        "select sum(granted + partially_granted), sum(processed) from key_figures "
        "where is_primary = 1 and year = 2021 and region = '浙江省杭州市'"
    ).fetchone()
    r = next(r for r in rows if r["year"] == 2021 and r["region"] == "浙江省杭州市")
    assert r["grant_rate"] == round(g / p, 4) and 0 < r["grant_rate"] < 1


def test_canned_query_flagged_two_years_running(server, demo):
    _, built = demo
    rows = get_json(server, "/nianbao/flagged_two_years_running.json", _shape="array")
    assert [(r["agency"], r["first_year"], r["second_year"]) for r in rows] == [
        ("淮安市人民政府", 2022, 2023)
    ]
    assert rows[0]["first_year_rules"] == "T3-BALANCE"
    assert [rows[0]["first_report_id"], rows[0]["second_report_id"]] == built["flagged"]


def test_canned_query_reports_failing_a_rule(server, demo):
    _, built = demo
    rows = get_json(server, "/nianbao/reports_failing_rule.json", rule="T3-BALANCE", _shape="array")
    assert {r["report_id"] for r in rows} == set(built["flagged"])
    assert all(r["difference"] != 0 and "t3." in r["cells"] for r in rows)
    assert (
        get_json(server, "/nianbao/reports_failing_rule.json", rule="T4-SUM", _shape="array") == []
    )


def test_canned_query_missing_reports(server):
    rows = get_json(server, "/nianbao/missing_reports.json", _shape="array")
    assert {(r["agency"], r["year"]) for r in rows} == {
        ("淮安市教育局", 2022),
        ("宁波市人民政府", 2021),
        ("宁波市人民政府", 2022),
        ("宁波市人民政府", 2023),
    }


def test_canned_query_report_cells(server, demo):
    _, built = demo
    rid = built["reports"][("hangzhou-fin", 2022)]
    rows = get_json(server, "/nianbao/report_cells.json", report_id=rid, _shape="array")
    assert len(rows) == 10 + 175 + 15  # 表二 + 表三 + 表四, every cell of the 2021 form
    assert rows[0]["row_label"] == "规章" and rows[0]["col_label"] == "本年制发件数"
    t3 = [r for r in rows if r["tbl"] == "t3"]
    assert t3[0]["row_key"] == "new_requests" and t3[-1]["row_key"] == "carried_forward"


def test_every_canned_query_is_tested():
    tested = {
        "applications_by_year_region",
        "grant_rates",
        "flagged_two_years_running",
        "missing_reports",
        "search",
        "report_cells",
        "reports_failing_rule",
    }
    assert set(QUERIES) == tested


def test_report_page_and_archived_original(server, demo):
    _, built = demo
    rid = built["flagged"][0]
    html = get(server, f"/-/report/{rid}").decode()
    assert "三、收到和处理政府信息公开申请情况" in html and "（七）总计" in html
    assert 'data-cell="t3.carried_forward.total"' in html
    assert "T3-BALANCE" in html and "/-/original/" in html
    sha = html.split("/-/original/")[1][:64]
    with urllib.request.urlopen(f"{server}/-/original/{sha}", timeout=10) as r:
        body = r.read()
        assert r.headers["Content-Type"].startswith("text/html")
        assert r.headers["Content-Security-Policy"] == "sandbox"
    assert "淮安市人民政府2022年政府信息公开工作年度报告" in body.decode("utf-8")


def test_export_command_writes_the_main_views(demo, tmp_path):
    data, _ = demo
    out = tmp_path / "export"
    r = subprocess.run(
        [sys.executable, "-m", "flows.cli", "export", "--data", str(data), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert (out / "report_list.csv").read_text("utf-8-sig").startswith("report_id,agency,")
    assert (out / "completeness.csv").exists() and (out / "key_figures.parquet").exists()
    # Spreadsheet formula injection: no text cell of any CSV starts a formula.
    for path in out.glob("*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f):
                assert not any(c.startswith(("=", "+", "-", "@")) for c in row), (path, row)
    titles = [
        r["title"] for r in csv.DictReader(open(out / "report_list.csv", encoding="utf-8-sig"))
    ]
    assert "'" + researcher_db.HOSTILE_TITLE in titles
    # Parquet keeps the data as it is (no spreadsheet evaluates it), typed.
    import pyarrow.parquet as pq

    table = pq.read_table(out / "report_list.parquet")
    assert researcher_db.HOSTILE_TITLE in table.column("title").to_pylist()
    assert str(table.schema.field("year").type) == "int64"
    assert table.num_rows == 12


def test_export_streams_in_batches(demo, tmp_path, monkeypatch):
    """Rows are written batch by batch: a batch of 7 rows gives the same files."""
    from archive import export

    data, _ = demo
    whole = export.export_views(data / "nianbao.db", tmp_path / "whole", ["csv", "parquet"])
    monkeypatch.setattr(export, "BATCH", 7)
    small = export.export_views(data / "nianbao.db", tmp_path / "small", ["csv", "parquet"])
    assert [(p.name, n) for p, n in whole] == [(p.name, n) for p, n in small]
    for (a, _), (b, _) in zip(whole, small):
        if a.suffix == ".csv":
            assert a.read_bytes() == b.read_bytes(), a.name
        else:
            import pyarrow.parquet as pq

            assert pq.read_table(a).equals(pq.read_table(b)), a.name


# --- safe output, incomplete reports -----------------------------------------------------------


def test_only_http_urls_become_links(server, demo):
    _, built = demo
    page = get(server, f"/-/report/{built['attachment']}").decode()
    assert researcher_db.HOSTILE_URL in page  # shown, as text
    assert 'href="javascript' not in page.lower() and 'id="source-url"' not in page
    listing = get(server, "/nianbao/report_list", _size="max").decode()
    assert "javascript:alert" in listing and 'href="javascript' not in listing.lower()
    # an http(s) URL is a link, shown shortened, full on hover
    rid = built["reports"][(researcher_db.LONG_URL_SOURCE, 2022)]
    page = get(server, f"/-/report/{rid}").decode()
    assert 'id="source-url" class="nb-url" href="http://huaian-gov.example.cn/zwgk/' in page
    assert "…/t20230213_2ec…_2022.html" in page or "…/" in page


def test_incomplete_report_is_faceted_and_explained(server, demo):
    _, built = demo
    d = get_json(server, "/nianbao/report_list.json", _size="0")
    flags = {r["value"]: r["count"] for r in d["facet_results"]["flag_status"]["results"]}
    assert flags["incomplete"] == 1
    rows = get_json(server, "/nianbao/completeness.json", status="incomplete", _shape="array")
    assert [(r["agency"], r["year"]) for r in rows] == [("杭州市财政局", 2021)]
    page = get(server, f"/-/report/{built['incomplete']}").decode()
    assert 'id="flag-status" class="nb-status-incomplete">incomplete<' in page
    missing = page.split('id="missing"', 1)[1].split("</section>", 1)[0]
    assert 'data-addr="t3.carried_forward"' in missing and "四、结转下年度继续办理" in missing
    # every not-assessable hard rule is listed with the absent cells it needed
    assert missing.count("<strong>T3-BALANCE</strong>") == 7
    assert (
        'data-addr="t3.carried_forward.total"' in missing
        and "表三 四、结转下年度继续办理 · 总计" in missing
    )
    assert 'class="num absent" data-cell="t3.carried_forward.total"' in page


# --- headless Chromium: what a researcher sees ------------------------------------------------
# Playwright drives Debian's chromium (scripts/setup-system.sh). Layout facts are asserted
# (boxes that must not overlap, heading order, <mark> in the excerpt); the screenshots are
# kept in build/screenshots/ for a person to look at.

SHOTS = ROOT / "build" / "screenshots"
WIDTHS = (1000, 1400, 1600)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip(
            "chromium is not installed: run scripts/setup-system.sh (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page_at(browser):
    pages = []

    def open_page(url: str, width: int = 1400):
        page = browser.new_page(viewport={"width": width, "height": 900})
        pages.append(page)
        page.goto(url, wait_until="load")
        return page

    yield open_page
    for p in pages:
        p.close()


def boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x: r.left, y: r.top + window.scrollY, w: r.width, h: r.height,"
        " right: r.right, bottom: r.bottom + window.scrollY, id: e.id || e.tagName}; })",
    )


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["right"]
        and b["x"] < a["right"]
        and a["y"] < b["bottom"]
        and b["y"] < a["bottom"]
    )


def test_browser_home_leads_with_researcher_views(server, page_at):
    page = page_at(server + "/")
    page.screenshot(path=SHOTS / "home-1400.png", full_page=True)
    headings = page.locator("h2.nb-home-heading").all_inner_texts()
    assert headings[0].startswith("研究用视图") and headings[-1].startswith("存档内部表")
    first = page.locator(".nb-home-group").first.locator("a[data-name]")
    names = [first.nth(i).get_attribute("data-name") for i in range(first.count())]
    assert names[:4] == ["report_list", "key_figures", "flagged_reports", "completeness"]
    internals = page.locator(".nb-internals a[data-name]")
    inside = {internals.nth(i).get_attribute("data-name") for i in range(internals.count())}
    assert {"blobs", "captures", "corpus_checks", "crawl_state"} <= inside
    y = {
        n: boxes(page, f'a[data-name="{n}"]')[0]["y"]
        for n in ("report_list", "completeness", "blobs")
    }
    assert y["report_list"] < y["completeness"] < y["blobs"]


@pytest.mark.parametrize("width", WIDTHS)
def test_browser_report_page_layout(server, demo, page_at, width):
    _, built = demo
    page = page_at(server + "/-/report/" + built["flagged"][1], width)  # a long source URL
    page.screenshot(path=SHOTS / f"report-{width}.png", full_page=True)
    assert page.locator('td.num.flag[data-cell="t3.carried_forward.total"]').count() == 1
    assert page.locator("#archived-original").count() == 1
    panels = boxes(page, "#report-meta, #findings, #report-text")
    tables = boxes(page, "table.nb-form")
    assert len(panels) == 3 and len(tables) >= 6
    for t in tables:  # no panel (the text, the findings) lies over a table
        assert not any(overlap(t, p) for p in panels), (t, panels)
        assert t["right"] <= width + 0.5, t  # and no table runs past the window
    for i, a in enumerate(panels):
        assert not any(overlap(a, b) for b in panels[i + 1 :]), panels
    # nothing inside the facts (the long source link) runs out under the findings
    findings = boxes(page, "#findings")[0]
    for inner in boxes(page, "#report-meta dd, #report-meta a"):
        assert not overlap(inner, findings) and inner["right"] <= findings["x"], inner
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_browser_incomplete_report_lists_what_is_missing(server, demo, page_at):
    _, built = demo
    page = page_at(server + "/-/report/" + built["incomplete"])
    page.screenshot(path=SHOTS / "report-incomplete-1400.png", full_page=True)
    assert page.locator("#flag-status").inner_text() == "incomplete"
    assert "四、结转下年度继续办理" in page.locator("#missing-rows").inner_text()
    assert page.locator("#not-assessable li").count() == 8  # 7 × T3-BALANCE, T3-ROWSUM
    assert page.locator("td.absent").count() == 7


def test_browser_search_excerpt_marks_the_term(server, page_at):
    page = page_at(server + "/nianbao/search?q=" + urllib.parse.quote("复议"))
    page.screenshot(path=SHOTS / "search-1400.png", full_page=True)
    marks = page.locator("td.col-excerpt mark")
    assert marks.count() >= 11 and set(marks.all_inner_texts()) == {"复议"}
    assert "淮安市教育局" in page.content()


def test_browser_long_source_urls_are_shortened(server, page_at):
    page = page_at(server + "/nianbao/report_list?_sort=report_id")
    page.screenshot(path=SHOTS / "report-list-1400.png", full_page=True)
    link = page.locator("td.col-source_url a.nb-url", has_text="huaian-gov").first
    assert "…" in link.inner_text() and link.get_attribute("href").endswith(".html")
    col = boxes(page, "td.col-source_url")[0]
    table = boxes(page, "table.rows-and-columns")[0]
    assert col["w"] < 0.25 * table["w"], (col, table)
    assert page.locator('td.col-source_url a[href^="javascript"]').count() == 0


def test_browser_report_list_facets(server, page_at):
    page = page_at(server + "/nianbao/report_list")
    assert "报告一览 · Reports" in page.content() and "浙江省杭州市" in page.content()
    assert page.locator(".facet-info").count() >= 5
    assert page.locator(".facet-info a", has_text="incomplete").count() == 1
    assert page.locator('td.col-report_id a[href*="/-/report/"]').count() == 12


def test_browser_dashboard_draws_the_charts(server, page_at):
    page = page_at(server + "/-/dashboards/nianbao")
    page.wait_for_function("document.querySelectorAll('.marks').length >= 4", timeout=20000)
    page.screenshot(path=SHOTS / "dashboard-1400.png", full_page=True)
    # the applications chart holds the data: one point per region and year
    assert "新收申请 new requests: 826; 地区 region: 浙江省杭州市" in page.content()


def test_readme_examples_run_on_the_demo_database(server):
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## For researchers", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```sql\n")[1:]]
    assert len(blocks) == 3
    for sql in blocks:
        rows = get_json(server, "/nianbao.json", sql=sql.strip().rstrip(";"), _shape="array")
        assert rows, sql


def test_long_tables_skip_the_unfiltered_count(server):
    page = get(server, "/nianbao/cell_values").decode()
    assert "2,193 rows" not in page and "rows-and-columns" in page
    filtered = get(server, "/nianbao/cell_values", tbl="t4").decode()
    assert "165 rows" in filtered  # 11 parsed reports × 15 表四 cells: a filtered page is counted
