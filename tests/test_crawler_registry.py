"""Registry validation and the spiders' pure helpers (no network)."""

from __future__ import annotations

import pytest
import yaml

from crawler.extract import is_report_title, viewer_target
from crawler.families import FAMILIES
from crawler.registry import RegistryError, load_registry, select_sources
from nianbao.dates import parse_date, url_date

GOOD = {
    "id": "qinghe-gov",
    "agency": "清河市人民政府",
    "region": "示范省清河市",
    "level": "government",
    "cms": "trs",
    "start_urls": ["http://127.0.0.1:8000/zwgk/zfxxgk/zfxxgknb/index.html"],
    "allowed_domains": ["127.0.0.1"],
}


def write(tmp_path, sources, name="registry.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), "utf-8")
    return path


def error_for(tmp_path, sources) -> RegistryError:
    path = write(tmp_path, sources)
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert str(path) in str(info.value)
    return info.value


def test_valid_registry_loads(tmp_path):
    hanweb = dict(
        GOOD,
        id="dept",
        cms="hanweb",
        level="department",
        start_urls=["http://127.0.0.1:8001/col/col1234/index.html"],
        hanweb={"columnid": 1234, "unitid": "5678", "webid": 3, "perpage": 3},
    )
    sources = load_registry(write(tmp_path, [GOOD, hanweb]))
    assert [s["id"] for s in sources] == ["qinghe-gov", "dept"]
    assert sources[1]["hanweb"] == {"columnid": 1234, "unitid": 5678, "webid": 3, "perpage": 3}
    assert set(FAMILIES) == {"trs", "hanweb", "jsp", "generic"}
    assert [s["id"] for s in select_sources(sources, ["dept"])] == ["dept"]
    with pytest.raises(RegistryError, match="unknown source id"):
        select_sources(sources, ["nope"])


def test_allowed_domains_default_to_start_url_hosts(tmp_path):
    src = {k: v for k, v in GOOD.items() if k != "allowed_domains"}
    assert load_registry(write(tmp_path, [src]))[0]["allowed_domains"] == ["127.0.0.1"]


@pytest.mark.parametrize("field", ["id", "agency", "region", "level", "cms", "start_urls"])
def test_missing_required_field(tmp_path, field):
    src = {k: v for k, v in GOOD.items() if k != field}
    err = error_for(tmp_path, [GOOD | {"id": "first"}, src])
    assert err.index == 1 and err.field == field
    assert "sources[1]" in str(err) and field in str(err)


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"cms": "wordpress"}, "cms", "unknown CMS"),
        ({"level": "village"}, "level", "unknown level"),
        ({"start_urls": ["ftp://127.0.0.1/x"]}, "start_urls", "not an http(s) URL"),
        ({"start_urls": ["127.0.0.1/index.html"]}, "start_urls", "not an http(s) URL"),
        ({"allowed_domains": ["http://127.0.0.1:8000"]}, "allowed_domains", "bare host"),
        ({"allowed_domains": ["example.org"]}, "start_urls", "not in allowed_domains"),
        ({"start_url": ["http://127.0.0.1/"]}, "start_url", "unknown field"),
        ({"id": "Qinghe Gov"}, "id", "lowercase"),
        ({"hanweb": {"columnid": 1}}, "hanweb", "only allowed for cms 'hanweb'"),
        ({"cms": "hanweb", "hanweb": {"columnid": "abc"}}, "hanweb.columnid", "integer"),
        ({"cms": "hanweb", "hanweb": {"colid": 1}}, "hanweb.colid", "unknown key"),
    ],
)
def test_bad_field(tmp_path, change, field, words):
    err = error_for(tmp_path, [GOOD | change])
    assert err.field == field and err.index == 0
    assert words in str(err)
    assert "qinghe-gov" in str(err) or "id" == field


def test_duplicate_id(tmp_path):
    err = error_for(tmp_path, [GOOD, dict(GOOD)])
    assert err.index == 1 and err.field == "id" and "duplicate" in str(err)


def test_file_level_errors(tmp_path):
    with pytest.raises(RegistryError, match="file not found"):
        load_registry(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [\n", "utf-8")
    with pytest.raises(RegistryError, match="invalid YAML"):
        load_registry(bad)
    bad.write_text("- id: x\n", "utf-8")
    with pytest.raises(RegistryError, match="'sources' list"):
        load_registry(bad)
    bad.write_text("sources:\n  - just-a-string\n", "utf-8")
    with pytest.raises(RegistryError, match=r"sources\[0\].*mapping"):
        load_registry(bad)


def test_report_title_patterns():
    assert is_report_title("清河市人民政府2023年政府信息公开工作年度报告")
    assert is_report_title("清河市教育局2022年信息公开年报")
    assert is_report_title("2021年度政府信息公开年度报告")
    assert not is_report_title("关于做好2023年政府信息公开工作年度报告编制工作的通知")
    assert not is_report_title("清河市召开2024年安全生产工作会议")
    assert not is_report_title("清河市2024年重点项目名单")


def test_dates():
    assert parse_date("2024-02-15 09:30") == "2024-02-15"
    assert parse_date("2024年2月5日") == "2024-02-05"
    assert parse_date("20240215") == "2024-02-15"
    assert parse_date("2024-13-40") is None and parse_date(None) is None
    assert url_date("http://h/zwgk/202402/t20240215_80629.html") == "2024-02-15"
    assert url_date("http://h/art/2024/2/28/art_1234_5678.html") == "2024-02-28"
    assert url_date("http://h/zwgk/index.html") is None
    assert viewer_target("http://h/generic2/web/viewer.html?file=%2Fup%2Fa.pdf") == "/up/a.pdf"
    assert viewer_target("http://h/a.pdf") is None


REGISTRY_WITH_ERRORS = """\
sources:
  - id: ok-one
    agency: 甲
    region: 示范省
    level: government
    cms: trs
    start_urls: ["http://www.a.gov.cn/zwgk/nb/index.html"]
  - id: wrong-cms
    agency: 乙
    region: 示范省
    level: government
    cms: drupal
    start_urls: ["http://www.b.gov.cn/"]
  - id: bad-url
    agency: 丙
    region: 示范省
    level: department
    cms: jsp
    start_urls: ["www.c.gov.cn/info/iList.jsp"]
  - id: no-agency
    region: 示范省
    level: department
    cms: generic
    start_urls: ["http://www.d.gov.cn/"]
  - id: jsp-conf
    agency: 戊
    region: 示范省
    level: department
    cms: jsp
    start_urls: ["http://www.e.gov.cn/info/iList.jsp?cur_page=1"]
    jsp: {page_param: "cur page"}
"""


def test_errors_name_file_and_line(tmp_path):
    from crawler.registry import check_registry

    path = tmp_path / "sources.yaml"
    path.write_text(REGISTRY_WITH_ERRORS, "utf-8")
    ok, errors = check_registry(path)
    assert [s["id"] for s in ok] == ["ok-one"]
    got = [(e.line, e.field) for e in errors]
    assert got == [(12, "cms"), (19, "start_urls"), (20, "agency"), (31, "jsp.page_param")]
    assert str(errors[0]).startswith(
        f"{path}:12: sources[1] (id='wrong-cms'): field 'cms': unknown CMS 'drupal'"
    )
    with pytest.raises(RegistryError) as info:  # load_registry: the first error, placed
        load_registry(path)
    assert info.value.line == 12


def test_family_overrides_validated(tmp_path):
    jsp = dict(
        GOOD,
        id="j",
        cms="jsp",
        jsp={"page_param": "pageNo", "first_page": 0},
        timeout=10,
        max_bytes=5_000_000,
    )
    gen = dict(GOOD, id="g", cms="generic", generic={"max_depth": 2})
    sources = load_registry(write(tmp_path, [jsp, gen]))
    assert sources[0]["jsp"] == {"page_param": "pageNo", "first_page": 0}
    assert sources[0]["timeout"] == 10.0 and sources[0]["max_bytes"] == 5_000_000
    assert sources[1]["generic"] == {"max_depth": 2}
    assert error_for(tmp_path, [dict(GOOD, generic={"max_depth": 2})]).field == "generic"
    assert error_for(tmp_path, [dict(gen, generic={"depth": 2})]).field == "generic.depth"
    assert error_for(tmp_path, [dict(GOOD, timeout=-1)]).field == "timeout"


def test_sources_check_command(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "sources.yaml"
    path.write_text(REGISTRY_WITH_ERRORS, "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "sources", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert f"{path}:12:" in proc.stderr and "unknown CMS 'drupal'" in proc.stderr
    assert "1 valid source(s) (trs 1), 4 error(s)" in proc.stdout
