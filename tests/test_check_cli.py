"""``nianbao check FILE… [--json]``: parse local files, run the single-report rules, print the
findings in Chinese and English with their cells; exit 1 unless every file is ok. Without
files, ``nianbao check`` is still the check stage over the archive."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from demo.corpus import DEFECT_T4_SUM, Agency, make_truth
from demo.layout import t3_layout
from demo.render_html import article_html
from demo.variants import page_trs
from flows.cli import main
from nianbao import form

AGENCY = Agency("云溪县人民政府", "县政府", "示范省云溪县", "government", "large")


def _write(tmp_path, name: str, defect: str | None = None, drop: str | None = None):
    t = make_truth(random.Random(3), AGENCY, 2023, "2024-03-01", "html", defect=defect)
    t.report.level = AGENCY.level
    rows = [r for r in form.T3_ROWS if r.key != drop]
    article = article_html(t, layouts={form.T3: t3_layout(t.report, rows=rows)})
    page = page_trs(t.report.title, t.report.published, article, AGENCY.name, 2023)
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    return path, t


def _run(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


def test_a_clean_report_is_ok_and_exits_0(tmp_path):
    path, _ = _write(tmp_path, "clean.html")
    out = _run(path)
    assert out.exit_code == 0, out.output
    assert f"{path}: OK — {AGENCY.name} 2023" in out.output and "✗" not in out.output


def test_a_flagged_report_prints_its_findings_in_both_languages_and_exits_1(tmp_path):
    path, t = _write(tmp_path, "bad.html", defect=DEFECT_T4_SUM)
    (expected,) = t.expected_findings
    out = _run(path)
    assert out.exit_code == 1
    assert ": FLAGGED" in out.output
    line = f"✗ T4-SUM [{expected['scope']}] error fail"
    assert line in out.output
    assert "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结" in out.output  # zh
    assert "stated" in out.output and "parts sum to" in out.output  # en
    assert f"cells: t4.{expected['scope']}.total t4.{expected['scope']}.upheld" in out.output


def test_an_incomplete_report_names_the_cells_it_could_not_check_and_exits_1(tmp_path):
    ok, _ = _write(tmp_path, "ok.html")
    path, _ = _write(tmp_path, "gap.html", drop="carried_forward")
    out = _run(ok, path)
    assert out.exit_code == 1
    assert f"{path}: INCOMPLETE" in out.output and f"{ok}: OK" in out.output
    assert "? T3-BALANCE [total] error not_assessable" in out.output
    assert "cells absent: t3.carried_forward.total" in out.output
    assert "缺少单元格" in out.output


def test_json_output_has_the_flag_status_and_every_finding(tmp_path):
    path, t = _write(tmp_path, "bad.html", defect=DEFECT_T4_SUM)
    ok, _ = _write(tmp_path, "ok.html")
    out = _run("--json", path, ok)
    assert out.exit_code == 1
    data = json.loads(out.output)
    assert [d["flag_status"] for d in data] == ["flagged", "ok"]
    failing = [
        (f["rule"], f["scope"])
        for f in data[0]["findings"]
        if f["status"] == "fail" and f["severity"] == "error"
    ]
    assert failing == [(f["rule"], f["scope"]) for f in t.expected_findings]
    assert data[0]["report"]["agency"] == AGENCY.name and data[1]["findings"]


def test_an_unreadable_file_is_unparseable_and_exits_1(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    out = _run(bad)
    assert out.exit_code == 1 and "UNPARSEABLE" in out.output and "truncated PDF" in out.output


def test_without_files_check_is_still_the_check_stage(tmp_path):
    out = CliRunner().invoke(main, ["check", "--data", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["reports_checked"] == 0


def test_the_real_samples_are_ok(samples_dir):
    files = [samples_dir / "huaian-city-2024.pdf", samples_dir / "shizuishan-emergency-2023.txt"]
    out = _run(*files)
    assert out.exit_code == 0, out.output
    assert "淮安市人民政府 2024" in out.output and "石嘴山市应急管理局 2023" in out.output
    assert "✗" not in out.output and "error not_assessable" not in out.output


@pytest.mark.parametrize(
    "name,scopes",
    [
        (
            "pingtan-haitan-2025.html",
            ["new_requests", "partially_granted", "unavailable_not_held", "total"],
        ),
        ("pingtan-nongye-2023.html", ["new_requests", "carried_over"]),
    ],
)
def test_the_real_pages_print_their_real_errors_and_exit_1(real_dir, name, scopes):
    out = _run("--json", real_dir / name)
    assert out.exit_code == 1
    data = json.loads(out.output)
    assert data["flag_status"] == "flagged"
    failing = sorted(
        f["scope"] for f in data["findings"] if f["status"] == "fail" and f["severity"] == "error"
    )
    assert failing == sorted(scopes)
    text = _run(real_dir / name).output
    assert "✗ T3-ROWSUM [new_requests] error fail" in text and "总计列" in text
