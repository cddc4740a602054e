"""The consistency rules, each with a failing and a passing case on generated reports.

Reports come from the demo generator (demo/corpus.py), whose truth is computed
independently of checks/: a defect it injects names the exact findings it must cause.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from checks import run_checks, run_corpus_checks
from demo.corpus import DEFECTS, Agency, DefectNotApplicable, clean_copy, make_truth, set_value
from nianbao import form
from nianbao.model import FAIL, NOT_ASSESSABLE, PASS

CITY = Agency("清河市人民政府", "市政府", "示范省清河市", "government", "large")
BUREAU = Agency("清河市应急管理局", "本局", "示范省清河市", "department", "medium")
TOWN = Agency("云溪县人民政府", "县政府", "示范省云溪县", "government", "medium")


def truth(agency=CITY, year=2023, seed=1, defect=None, prev=None, published=None):
    rng = random.Random(seed)
    t = make_truth(
        rng, agency, year, published or f"{year + 1}-01-20", "html", prev=prev, defect=defect
    )
    t.report.level = agency.level  # the pipeline takes it from the source registry
    return t


def failing(findings, severity=None):
    return sorted(
        (f.rule, f.scope)
        for f in findings
        if f.status == FAIL and (severity is None or f.severity == severity)
    )


def test_a_clean_report_passes_every_rule_in_every_scope():
    findings = run_checks(truth().report)
    assert failing(findings) == []
    by_rule = Counter(f.rule for f in findings if f.status == PASS)
    # one finding per scope: 7 columns, 7 columns, 25 rows, 3 groups
    assert by_rule["T3-BALANCE"] == 7 and by_rule["T3-RESULTS"] == 7
    assert by_rule["T3-ROWSUM"] == 25 and by_rule["T4-SUM"] == 3
    assert by_rule["DOMAIN"] == 1 and by_rule["LATE"] == 1 and by_rule["FORMAT-DRIFT"] == 1


@pytest.mark.parametrize("defect", DEFECTS)
@pytest.mark.parametrize("seed", range(6))
def test_each_injected_defect_is_found_exactly_where_it_was_put(defect, seed):
    try:
        t = truth(seed=seed, defect=defect)
    except DefectNotApplicable:
        pytest.skip("this seed's report has no requests to move")
    expected = sorted((f["rule"], f["scope"]) for f in t.expected_findings)
    assert expected, "the generator must record what it broke"
    assert failing(run_checks(t.report), "error") == expected


def test_failing_findings_carry_expected_actual_and_cells():
    t = truth(seed=3)
    set_value(
        t.report,
        form.T3,
        "carried_forward",
        "total",
        t.report.value(form.T3, "carried_forward", "total") + 4,
    )
    (f,) = [f for f in run_checks(t.report) if f.status == FAIL and f.rule == "T3-BALANCE"]
    assert f.scope == "total" and f.severity == "error"
    assert f.actual - f.expected == 4 == f.difference
    assert f.cells == [
        "t3.total.total",
        "t3.carried_forward.total",
        "t3.new_requests.total",
        "t3.carried_over.total",
    ]
    assert "T3" not in f.message_zh and "结转" in f.message_zh


def test_blank_cells_count_as_zero_and_still_pass():
    t = truth(seed=2)
    zero = next(c for c in t.report.cells if c.table == form.T3 and c.value == 0)
    zero.value, zero.raw, zero.note = None, "—", "blank"
    assert failing(run_checks(t.report), "error") == []


def test_a_missing_row_makes_its_rules_not_assessable_and_is_format_drift():
    t = truth(seed=4)
    t.report.cells = [c for c in t.report.cells if c.row != "withheld_admin_query"]
    t.report.missing_rows = ["t3.withheld_admin_query"]
    findings = run_checks(t.report)
    na = {(f.rule, f.scope) for f in findings if f.status == NOT_ASSESSABLE}
    assert ("T3-RESULTS", "total") in na and ("T3-ROWSUM", "withheld_admin_query") in na
    assert ("T3-BALANCE", "total") not in na
    assert ("FORMAT-DRIFT", "missing:t3.withheld_admin_query") in failing(findings, "warning")
    assert failing(findings, "error") == []


def test_trial_format_single_other_row_is_summed_in_place_of_the_three():
    t = truth(seed=5)
    r = t.report
    for col in (c.key for c in form.T3_COLUMNS):
        merged = sum(r.value(form.T3, k, col) for k in form.T3_OTHER_SPLIT)
        single = r.cell(form.T3, "other_other", col)
        single.row, single.value = "other_single", merged
        r.cells = [c for c in r.cells if not (c.row in form.T3_OTHER_SPLIT and c.col == col)]
    findings = run_checks(r)
    assert failing(findings, "error") == []
    assert ("FORMAT-DRIFT", "trial_format") in failing(findings)


def test_domain_allows_a_decimal_fee_but_not_a_fractional_count():
    t = truth(seed=6)
    t.report.cell(form.T2, "fees", "amount_10k_yuan").value = 12.35
    assert failing(run_checks(t.report)) == []
    t.report.cell(form.T2, "licensing", "decisions").value = 2.5
    assert failing(run_checks(t.report)) == [("DOMAIN", "t2.licensing.decisions")]


def test_text_table_agrees_on_clean_reports_and_catches_a_wrong_figure():
    t = truth(seed=7, agency=CITY)
    new = t.report.value(form.T3, "new_requests", "total")
    assert new > 0, "a large agency receives requests"
    ok = {f.scope: f.status for f in run_checks(t.report) if f.rule == "TEXT-TABLE"}
    assert ok["new_requests"] == PASS and ok["proactive_channels"] == PASS
    t.report.text = t.report.text.replace(
        f"共收到政府信息公开申请{new}件", f"共收到政府信息公开申请{new + 10}件"
    )
    bad = [f for f in run_checks(t.report) if f.rule == "TEXT-TABLE" and f.status == FAIL]
    assert [(f.scope, f.expected, f.actual) for f in bad] == [("new_requests", new + 10, new)]


def test_text_table_reads_chinese_numerals_and_no_requests_phrases():
    t = truth(seed=8)
    new = int(t.report.value(form.T3, "new_requests", "total"))
    import cn2an

    t.report.text = f"本年度共收到政府信息公开申请{cn2an.an2cn(new)}件。"
    assert [f.status for f in run_checks(t.report) if f.rule == "TEXT-TABLE"] == [PASS]
    t.report.text = "本年度未收到政府信息公开申请。"
    (f,) = [f for f in run_checks(t.report) if f.rule == "TEXT-TABLE"]
    assert f.status == (PASS if new == 0 else FAIL) and f.expected == 0


def test_late_uses_the_deadline_of_the_agency_level():
    dept = truth(agency=BUREAU, published="2024-02-05").report
    (f,) = [f for f in run_checks(dept) if f.rule == "LATE"]
    assert (f.status, f.actual) == (FAIL, 5)
    gov = truth(agency=CITY, published="2024-03-31").report
    assert [f.status for f in run_checks(gov) if f.rule == "LATE"] == [PASS]
    gov.published = None
    assert [f.status for f in run_checks(gov) if f.rule == "LATE"] == [NOT_ASSESSABLE]


def _series(agency, years, seed=11):
    out, prev = {}, None
    for i, y in enumerate(years):
        t = truth(agency=agency, year=y, seed=seed + i, prev=prev)
        out[f"{agency.short}-{y}"] = t.report
        prev = t.clean
    return out


def test_carry_over_and_in_force_hold_across_years_and_fail_when_broken():
    reports = _series(CITY, [2022, 2023, 2024])
    results = run_corpus_checks(reports)
    assert all(failing(f) == [] for f in results.values())
    history = [f for f in results["市政府-2023"] if f.rule in ("T3-CARRY", "T2-INFORCE")]
    assert len(history) == 7 + 2 and all(f.status == PASS for f in history)
    assert not [f for f in results["市政府-2022"] if f.rule == "T3-CARRY"]  # no 2021 archived

    r = reports["市政府-2024"]
    set_value(
        r,
        form.T3,
        "carried_over",
        "natural_person",
        r.value(form.T3, "carried_over", "natural_person") + 2,
    )
    set_value(
        r,
        form.T2,
        "normative_documents",
        "in_force",
        r.value(form.T2, "normative_documents", "in_force") + 1,
    )
    bad = failing(run_corpus_checks(reports)["市政府-2024"])
    assert bad == [("T2-INFORCE", "normative_documents"), ("T3-CARRY", "natural_person")]


def test_duplicate_finds_a_copied_report_and_no_false_pairs_among_clean_ones():
    reports = {
        **_series(CITY, [2022, 2023, 2024]),
        **_series(TOWN, [2022, 2023, 2024], seed=40),
        **_series(BUREAU, [2023, 2024], seed=70),
    }
    clean = run_corpus_checks(reports)
    assert [rid for rid, f in clean.items() if failing(f)] == []

    copy = clean_copy(reports["市政府-2023"])
    copy.agency = TOWN.name
    copy.text = (
        reports["市政府-2023"].text.replace(CITY.name, TOWN.name).replace("市政府", "县政府")
    )
    copy.year = 2021
    reports["copy"] = copy
    dup = run_corpus_checks(reports)
    scopes = [s for _, s in failing(dup["copy"])]
    assert "text:市政府-2023" in scopes and "numbers:市政府-2023" in scopes
    assert any(s == "text:copy" for _, s in failing(dup["市政府-2023"]))


# --- issue 10: rules by format version, LATE by regulation, label drift, incomplete ----------


def _trial(seed=12):
    """A report in the 2019 trial format: its own 表二 columns (signed 本年增/减, amounts)."""
    from demo.variants import _to_2019

    t = truth(seed=seed, year=2020)
    _to_2019(random.Random(seed), t)
    return t.report


def test_domain_reads_each_column_for_the_reports_format_version():
    r = _trial()
    assert r.format_version == form.FORMAT_2019
    r.cell(form.T2, "licensing", "change").value = -4  # a net decrease: signed by nature
    r.cell(form.T2, "procurement", "procurement_amount").value = 123456.78  # 元, decimals
    assert failing(run_checks(r), "error") == []
    r.cell(form.T2, "licensing", "change").value = 1.5  # a change is still a whole number
    r.cell(form.T2, "licensing", "prev_items").value = -1  # a count is never negative
    assert failing(run_checks(r), "error") == [
        ("DOMAIN", "t2.licensing.change"),
        ("DOMAIN", "t2.licensing.prev_items"),
    ]


def test_every_column_declares_its_domain_and_amounts_their_unit():
    assert form.column(form.T2, "change", form.FORMAT_2019).domain == form.SIGNED
    assert form.column(form.T2, "amount_10k_yuan").unit == "万元"
    assert form.column(form.T5, "collected_amount_yuan").unit == "元"
    assert form.column(form.T2, "procurement_amount", form.FORMAT_2019).unit is None
    assert form.domain(form.T3, "total") == form.COUNT
    amounts = [
        c
        for cols in (form.T2_COLUMNS, form.T2_COLUMNS_2019, form.T5_COLUMNS)
        for c in cols.values()
        if c.domain == form.AMOUNT
    ]
    assert {c.key for c in amounts} == {
        "amount_10k_yuan",
        "procurement_amount",
        "notified_amount_yuan",
        "collected_amount_yuan",
    }
    assert not hasattr(form, "T2_SIGNED_2019")


@pytest.mark.parametrize(
    "year,agency,published,status",
    [
        (2013, BUREAU, "2014-03-01", PASS),  # 2008 条例: every body by 31 March
        (2013, BUREAU, "2014-04-02", FAIL),
        (2018, CITY, "2019-03-31", PASS),
        (2019, BUREAU, "2020-02-01", FAIL),  # 2019 revision: departments by 31 January
        (2019, CITY, "2020-03-31", PASS),  # governments by 31 March
        (2023, BUREAU, "2024-01-31", PASS),
    ],
)
def test_late_applies_the_regulation_in_force_for_the_report_year(year, agency, published, status):
    r = truth(agency=agency, year=year, published=published).report
    (f,) = [f for f in run_checks(r) if f.rule == "LATE"]
    assert f.status == status
    assert ("第492号" if year <= 2018 else "第711号") in f.message_zh


def test_late_needs_no_level_under_the_2008_regulation():
    r = truth(agency=BUREAU, year=2012, published="2013-03-20").report
    r.level = None
    assert [f.status for f in run_checks(r) if f.rule == "LATE"] == [PASS]
    r.year = 2020
    (f,) = [f for f in run_checks(r) if f.rule == "LATE"]
    assert f.status == NOT_ASSESSABLE and "level" in f.message


def test_format_drift_lists_labels_printed_otherwise_than_on_the_form():
    r = truth(seed=13).report
    r.row_labels = {
        "t3.withheld_prohibited_by_law": "2.其他法律行政止公开",  # a typo
        "t3.rejected_complaint": "1、信访举报投诉类申请",  # punctuation only: no finding
        "t3.total": "（七） 合计",  # another word
        "t2.regulations": "规章",
    }
    drift = [f for f in run_checks(r) if f.rule == "FORMAT-DRIFT" and f.status == FAIL]
    assert sorted(f.scope for f in drift) == [
        "label:t3.total",
        "label:t3.withheld_prohibited_by_law",
    ]
    (typo,) = [f for f in drift if f.scope.endswith("by_law")]
    assert "2.其他法律行政止公开" in typo.message and "2.其他法律行政法规禁止公开" in typo.message


def test_a_missing_row_is_format_drift_with_the_reason_the_parser_gave():
    r = truth(seed=14).report
    r.cells = [c for c in r.cells if c.row != "carried_forward"]
    r.missing_rows = ["t3.carried_forward"]
    r.missing_reasons = {"t3.carried_forward": "not printed: nothing between t3.total and end"}
    (f,) = [f for f in run_checks(r) if f.scope == "missing:t3.carried_forward"]
    assert "nothing between t3.total" in f.message and "nothing between" in f.message_zh


def test_flag_status_is_incomplete_when_a_hard_rule_is_not_assessable():
    from nianbao.model import FLAG_FLAGGED, FLAG_INCOMPLETE, FLAG_OK, flag_status

    r = truth(seed=15).report
    pairs = lambda: [(f.severity, f.status) for f in run_checks(r)]  # noqa: E731
    assert flag_status(r.status, pairs()) == FLAG_OK
    r.cells = [c for c in r.cells if c.row != "carried_forward"]
    assert flag_status(r.status, pairs()) == FLAG_INCOMPLETE
    r.cell(form.T3, "granted", "total").value += 1  # and now a rule that can be read fails
    assert flag_status(r.status, pairs()) == FLAG_FLAGGED
