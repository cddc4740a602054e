"""The demo truth: consistent where clean, broken exactly where a defect says (demo/corpus.py)."""

from __future__ import annotations

import hashlib
import json
import random
import re

import pytest

from demo import corpus
from demo.sites import DEFAULT_SITES, build_demo
from nianbao import form
from nianbao.model import Report

T3_COLS = [c.key for c in form.T3_COLUMNS]


def failures(cells: dict) -> set[tuple[str, str]]:
    """The hard rules of FORMAT.md, written out again here (independent of demo.corpus)."""
    v = lambda t, r, c: cells[t, r, c]  # noqa: E731
    out = set()
    for (t, r, c), val in cells.items():
        if val < 0 or (not form.is_decimal(t, c) and val != int(val)):
            out.add(("DOMAIN", f"{t}.{r}.{c}"))
    for c in T3_COLS:
        if v("t3", "new_requests", c) + v("t3", "carried_over", c) != v("t3", "total", c) + v(
            "t3", "carried_forward", c
        ):
            out.add(("T3-BALANCE", c))
        if sum(v("t3", r, c) for r in form.T3_RESULT_ROWS) != v("t3", "total", c):
            out.add(("T3-RESULTS", c))
    for row in form.T3_ROWS:
        if sum(v("t3", row.key, c) for c in form.T3_APPLICANT_COLUMNS) != v("t3", row.key, "total"):
            out.add(("T3-ROWSUM", row.key))
    for g in form.T4_GROUPS:
        if sum(v("t4", g.key, p) for p in form.T4_PARTS) != v("t4", g.key, "total"):
            out.add(("T4-SUM", g.key))
    return out


def cell_map(report: dict) -> dict:
    return {(c["table"], c["row"], c["col"]): c["value"] for c in report["cells"]}


@pytest.fixture(scope="module")
def truth(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    build_demo(root)
    return json.loads((root / "truth.json").read_text("utf-8"))


def test_every_report_is_complete_and_fails_exactly_where_recorded(truth):
    expected_keys = {
        (t, r, c) for t in (form.T2, form.T3, form.T4) for r, c in form.expected_cells(t)
    }
    for rep in truth["reports"]:
        cells = cell_map(rep["report"])
        assert set(cells) == expected_keys
        for c in rep["report"]["cells"]:
            assert c["raw"] == corpus.format_number(c["value"])
        want = {(f["rule"], f["scope"]) for f in rep["expected_findings"]}
        assert failures(cells) == want, (rep["source_id"], rep["year"], rep["defects"])
        assert bool(rep["defects"]) == bool(want)


def test_default_demo_composition(truth):
    assert [s["id"] for s in truth["sources"]] == [s[0] for s in DEFAULT_SITES]
    reports = truth["reports"]
    assert len(reports) == 18
    assert {(r["source_id"], r["year"]) for r in reports} == {
        (s[0], y) for s in DEFAULT_SITES for y in (2022, 2023, 2024)
    }
    for fmt in ("html", "pdf", "docx"):
        assert sum(r["doc_format"] == fmt for r in reports) >= 3
    defects = [d for r in reports for d in r["defects"]]
    assert len(defects) >= 3 and len(set(defects)) == len(defects)
    assert sum(not r["defects"] for r in reports) >= 6
    assert {s["cms"] for s in truth["sources"]} == {"trs", "hanweb", "jsp", "generic"}
    for r in reports:
        assert r["title"] == f"{r['agency']}{r['year']}年政府信息公开工作年度报告"
        pub = r["published"]
        assert pub.startswith(str(r["year"] + 1)) and pub[5:7] in ("01", "02", "03")
        assert r["report"]["format_version"] == form.FORMAT_2021
        assert r["report"]["doc_format"] == r["doc_format"]
    bad = truth["bad_documents"]
    assert {b["kind"] for b in bad} == {
        "http_500",
        "http_404",
        "no_tables",
        "fake_pdf",
        "robots",
        "truncated",
        "redirect_loop",
        "timeout",
        "oversize",
    }
    assert len({b["source_id"] for b in bad}) == 6
    assert {b["expected_status"] for b in bad} == {
        "fetch_error",
        "no_tables",
        "error",
        "robots_disallowed",
    }
    assert len(truth["corrections"]) == 1


def test_text_quotes_the_tables(truth):
    for rep in truth["reports"]:
        text, cells = rep["report"]["text"], cell_map(rep["report"])
        n = cells["t3", "new_requests", "total"]
        if n:
            assert f"本年度共收到政府信息公开申请{n}件" in text
        else:
            assert "本年度未收到政府信息公开申请" in text
        for heading in (
            "一、总体情况",
            *form.TABLE_TITLES.values(),
            "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项",
        ):
            assert heading in text
        channels = re.search(
            r"主动公开政府信息(\d+)条，其中通过政府网站公开(\d+)条，政务微信公开(\d+)条，"
            r"政务微博公开(\d+)条，公开栏等其他方式公开(\d+)条",
            text,
        )
        total, *parts = map(int, channels.groups())
        assert total == sum(parts)


def test_years_continue_from_each_other(truth):
    by_agency: dict[str, dict[int, dict]] = {}
    for r in truth["reports"]:
        by_agency.setdefault(r["agency"], {})[r["year"]] = r
    pairs = 0
    for years in by_agency.values():
        for y, rep in years.items():
            prev = years.get(y - 1)
            if prev is None or corpus.DEFECT_BALANCE in prev["defects"]:
                continue
            a, b = cell_map(prev["report"]), cell_map(rep["report"])
            for c in T3_COLS:  # T3-CARRY
                assert b["t3", "carried_over", c] == a["t3", "carried_forward", c]
            for row in ("regulations", "normative_documents"):  # T2-INFORCE
                assert b["t2", row, "in_force"] == (
                    a["t2", row, "in_force"] + b["t2", row, "issued"] - b["t2", row, "repealed"]
                )
            pairs += 1
    assert pairs >= 6


@pytest.mark.parametrize("defect", corpus.DEFECTS)
def test_each_defect_breaks_only_what_it_records(defect):
    agency = corpus.Agency("清河市人民政府", "市政府", "示范省清河市", "government", "large")
    for seed in range(20):
        t = corpus.make_truth(
            random.Random(seed), agency, 2023, "2024-02-01", "html", defect=defect
        )
        got = failures(cell_map(t.report.to_dict()))
        assert got == {(f["rule"], f["scope"]) for f in t.expected_findings} != set()
        assert failures(cell_map(t.clean.to_dict())) == set()


def test_truth_report_round_trips_through_json():
    agency = corpus.Agency("云溪县发展和改革局", "本局", "示范省云溪县", "department", "small")
    t = corpus.make_truth(random.Random(3), agency, 2022, "2023-01-20", "pdf")
    d = t.report.to_dict()
    assert len(d["cells"]) == len(t.report.cells) and d["agency"] == agency.name
    assert Report.from_dict(json.loads(json.dumps(d))).to_dict() == d


def test_same_seed_same_bytes_and_larger_corpora(tmp_path):
    def tree(root):
        return {
            str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    m = build_demo(tmp_path / "a", n_agencies=12, years=(2023, 2024), seed=5, workers=1)
    build_demo(tmp_path / "b", n_agencies=12, years=(2023, 2024), seed=5, workers=1)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    ids = [s["id"] for s in m.sources]
    assert len(ids) == len(set(ids)) == 12 and len(m.reports) == 24
    assert {s["cms"] for s in m.sources} == {"trs", "hanweb", "jsp", "generic"}
    assert {s["level"] for s in m.sources[4:]} == {"government", "department"}
    for r in m.reports:
        assert failures(cell_map(r["report"])) == {
            (f["rule"], f["scope"]) for f in r["expected_findings"]
        }
