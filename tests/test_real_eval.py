"""``nianbao eval --real DIR``: a truth-free evaluation over a folder of real reports (form
rows found, hard rules assessable, pass rate), scoring cells and hard findings against a
``NAME.json`` truth where one sits beside the file (../shared/real's format)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import real_eval  # noqa: E402

from demo.corpus import DEFECT_ROWSUM, Agency, make_truth  # noqa: E402
from demo.render_html import article_html  # noqa: E402
from demo.variants import page_trs  # noqa: E402
from flows.cli import main  # noqa: E402

AGENCY = Agency("清河市财政局", "本局", "示范省清河市", "department", "large")
TABLES = {"t2": "table2", "t3": "table3", "t4": "table4"}


def _folder(tmp_path, seed: int = 4):
    """A generated report and its truth in the shape of ../shared/real/*.json."""
    t = make_truth(random.Random(seed), AGENCY, 2023, "2024-01-20", "html", defect=DEFECT_ROWSUM)
    page = page_trs(t.report.title, "2024-01-20", article_html(t), AGENCY.name, 2023)
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    truth: dict = {k: {} for k in TABLES.values()}
    for c in t.report.cells:
        truth[TABLES[c.table]].setdefault(c.row, {})[c.col] = c.value
    truth["expected_findings"] = [
        {"rule": f["rule"], "severity": "error", "where": f"table3.{f['scope']}.total"}
        for f in t.expected_findings
    ]
    (tmp_path / "report.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
    return truth


def test_a_folder_with_a_truth_is_scored_cell_by_cell(tmp_path):
    _folder(tmp_path)
    (res,) = real_eval.evaluate_folder(tmp_path)
    assert res.cells == (200, 200) and res.wrong == []
    assert res.all_rows and res.assessable and res.flag == "flagged"
    assert res.hard["fail"] == 2 and res.hard["not_assessable"] == 0


def test_a_wrong_truth_or_a_missed_finding_is_reported(tmp_path, capsys):
    truth = _folder(tmp_path)
    truth["table3"]["granted"]["total"] += 1
    truth["expected_findings"].append(
        {"rule": "T4-SUM", "severity": "error", "where": "table4.review.total"}
    )
    (tmp_path / "report.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
    problems = real_eval.print_results(tmp_path, real_eval.evaluate_folder(tmp_path))
    assert any("t3.granted.total" in p for p in problems)
    assert any("hard finding missed: T4-SUM[review]" in p for p in problems)
    assert "WRONG" in capsys.readouterr().out


def test_the_cli_exit_status_follows_the_truth(tmp_path):
    truth = _folder(tmp_path)
    out = CliRunner().invoke(main, ["eval", "--real", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "form rows 34/34" in out.output and "every hard rule assessable: 1/1" in out.output
    truth["table2"]["licensing"]["decisions"] = -7
    (tmp_path / "report.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
    assert CliRunner().invoke(main, ["eval", "--real", str(tmp_path)]).exit_code == 1


def test_the_real_pages_read_right_with_their_real_errors_found(real_dir):
    results = {r.path.name: r for r in real_eval.evaluate_folder(real_dir)}
    haitan, nongye = results["pingtan-haitan-2025.html"], results["pingtan-nongye-2023.html"]
    assert haitan.cells == (197, 197) and nongye.cells == (200, 200)
    assert haitan.wrong == [] and nongye.wrong == []  # all expected hard findings, none false
    assert haitan.flag == nongye.flag == "flagged"
    assert haitan.report.missing_rows == ["t2.regulations"]  # not printed (the truth agrees)


def test_the_real_samples_have_every_row_and_pass_every_hard_rule(samples_dir):
    for r in real_eval.evaluate_folder(samples_dir):
        assert r.all_rows and r.assessable and r.hard["fail"] == 0, r.path
        assert r.flag == "ok"


@pytest.mark.parametrize("suffix", [".md", ".json"])
def test_notes_and_truths_are_not_taken_for_reports(tmp_path, suffix):
    (tmp_path / f"README{suffix}").write_text("{}", "utf-8")
    assert real_eval.report_files(tmp_path) == []
