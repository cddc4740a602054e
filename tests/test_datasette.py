"""The researcher's Datasette, tested as a user would use it.

One demo database (tests/researcher_db.py: real SQLite written by the project's writers),
one `nianbao serve` subprocess for the module on a free port, real HTTP: facets, Chinese
search of 2 and 4 characters, every canned query, the report page, the original, the
charts; then the main pages rendered in headless Chromium (Debian's `chromium`, installed
by scripts/setup-system.sh).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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
        [sys.executable, "-m", "nianbao.cli", "serve", "--data", str(data), "--port", str(port)],
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


# --- the JSON API --------------------------------------------------------------------------


def test_default_facets_on_reports(server):
    d = get_json(server, "/nianbao/report_list.json", _size="0")
    facets = {
        k: {r["value"]: r["count"] for r in v["results"]} for k, v in d["facet_results"].items()
    }
    assert facets["year"] == {2021: 4, 2022: 3, 2023: 5}
    assert facets["region"] == {"浙江省杭州市": 7, "江苏省淮安市": 5}
    assert facets["level"] == {"government": 7, "department": 5}
    assert facets["flag_status"] == {"ok": 9, "flagged": 2, "unparseable": 1}
    f = get_json(server, "/nianbao/findings_detail.json", _size="0", status="fail")
    rules = {r["value"]: r["count"] for r in f["facet_results"]["rule"]["results"]}
    assert rules == {"T3-BALANCE": 4}


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
        [sys.executable, "-m", "nianbao.cli", "export", "--data", str(data), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert (out / "report_list.csv").read_text("utf-8-sig").startswith("report_id,agency,")
    assert (out / "completeness.csv").exists() and (out / "key_figures.parquet").exists()


# --- headless Chromium ---------------------------------------------------------------------


def render(url: str, budget_ms: int = 5000) -> str:
    if not CHROMIUM:
        pytest.skip(
            "chromium is not installed: run scripts/setup-system.sh (apt-get install chromium)"
        )
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_browser_home_and_report_list(server):
    home = render(server + "/")
    assert (
        "政府信息公开工作年度报告数据库" in home and "报告一览" in home and "completeness" in home
    )
    page = render(server + "/nianbao/report_list")
    assert "报告一览 · Reports" in page and "浙江省杭州市" in page
    assert 'class="facet-info' in page and "flag_status" in page
    assert "/-/report/" in page  # report ids link to the report page


def test_browser_report_page(server, demo):
    _, built = demo
    page = render(server + "/-/report/" + built["flagged"][1])
    assert "淮安市人民政府2023年政府信息公开工作年度报告" in page
    assert 'id="archived-original"' in page
    assert 'class="num flag" data-cell="t3.carried_forward.total"' in page
    assert "行政复议" in page and "结果维持" in page and "本年制发件数" in page


def test_browser_canned_query_page(server):
    page = render(server + "/nianbao/search?q=" + urllib.parse.quote("复议"))
    assert "全文检索" in page and "淮安市教育局" in page


def test_browser_dashboard_draws_the_charts(server):
    page = render(server + "/-/dashboards/nianbao", budget_ms=8000)
    assert page.count('class="marks"') >= 4  # vega-lite charts drawn as SVG
    # the applications chart holds the data: one point per region and year
    assert "新收申请 new requests: 826; 地区 region: 浙江省杭州市" in page


def test_readme_examples_run_on_the_demo_database(server):
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## For researchers", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```sql\n")[1:]]
    assert len(blocks) == 3
    for sql in blocks:
        rows = get_json(server, "/nianbao.json", sql=sql.strip().rstrip(";"), _shape="array")
        assert rows, sql
