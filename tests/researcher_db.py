"""A small, real nianbao database for the researcher tests (no crawler, no mocks).

Four agencies in two regions, report years 2021–2023, built through the project's own
writers: ``sources`` → blob store → ``captures`` → ``documents`` → ``save_report`` →
``checks.run_checks`` → ``save_findings``. Every table is filled from ``form.expected_cells``
with numbers that satisfy the hard rules, except on purpose:

- 淮安市人民政府 2022 and 2023: 表三 does not balance (T3-BALANCE, natural_person and total)
  → flagged two years running;
- 淮安市教育局 has no 2022 report → missing;
- 宁波市人民政府 is a registered source with no report at all → missing every year;
- 杭州市人民政府 2023 also has an attachment that could not be parsed (no_tables): the
  parsed page is the ``is_primary`` one. Its metadata is hostile, as a compromised site's
  could be: the URL is ``javascript:…`` and the title a spreadsheet formula;
- 杭州市财政局 2021 lost its 表三 row 四、结转下年度继续办理 (a cut-off table): T3-BALANCE and
  T3-ROWSUM are not assessable, so its flag_status is ``incomplete``.
"""

from __future__ import annotations

from pathlib import Path

import checks
from archive.crawlstore import record_blob, record_capture
from archive.db import doc_id, open_db, save_findings, save_report
from archive.store import BlobStore
from nianbao import form
from nianbao.model import NOT_ASSESSABLE, STATUS_NO_TABLES, Cell, Report, Source

YEARS = (2021, 2022, 2023)
AGENCIES = [
    # id, agency, region, level, base (scales the numbers)
    ("huaian-gov", "淮安市人民政府", "江苏省淮安市", "government", 40),
    ("huaian-edu", "淮安市教育局", "江苏省淮安市", "department", 7),
    ("hangzhou-gov", "杭州市人民政府", "浙江省杭州市", "government", 90),
    ("hangzhou-fin", "杭州市财政局", "浙江省杭州市", "department", 12),
]
EXTRA_SOURCE = ("ningbo-gov", "宁波市人民政府", "浙江省宁波市", "government")
MISSING = {("huaian-edu", 2022)}
UNBALANCED = {("huaian-gov", 2022), ("huaian-gov", 2023)}
INCOMPLETE = {("hangzhou-fin", 2021): (form.T3, "carried_forward")}
HOSTILE_URL = "javascript:alert(document.domain)//2023-fujian.pdf"
HOSTILE_TITLE = '=HYPERLINK("http://evil.example/","点击查看")'
LONG_URL_SOURCE = "huaian-gov"
FLAG_INCOMPLETE = "incomplete"  # flag_status when a hard rule could not be assessed


def _v(seed: int, i: int, j: int, base: int) -> int:
    return (seed * 7 + i * 13 + j * 5 + base) % (base // 3 + 4)


def build_cells(seed: int, base: int, unbalanced: bool = False) -> list[Cell]:
    values: dict[tuple[str, str, str], float] = {}
    # 表三: result rows per applicant column, totals and carries derived so every rule holds.
    applicants = form.T3_APPLICANT_COLUMNS
    for j, col in enumerate(applicants):
        scale = base if col == "natural_person" else max(base // 6, 1)
        results = {r: _v(seed, i, j, scale) for i, r in enumerate(form.T3_RESULT_ROWS)}
        values.update({(form.T3, r, col): v for r, v in results.items()})
        total = sum(results.values())
        carried_over = total // 5
        carried_forward = (seed + j) % 4
        values[(form.T3, "total", col)] = total
        values[(form.T3, "carried_over", col)] = carried_over
        values[(form.T3, "carried_forward", col)] = carried_forward
        values[(form.T3, "new_requests", col)] = total + carried_forward - carried_over
    for row in form.T3_ROWS:
        values[(form.T3, row.key, "total")] = sum(values[(form.T3, row.key, c)] for c in applicants)
    if unbalanced:  # one more carried forward than the requests allow: T3-BALANCE fails
        for col in ("natural_person", "total"):
            values[(form.T3, "carried_forward", col)] += 1
    # 表二
    for i, (row, col) in enumerate(form.expected_cells(form.T2)):
        if col == "amount_10k_yuan":
            values[(form.T2, row, col)] = round(base * 1.25 + seed / 10, 2)
        else:
            values[(form.T2, row, col)] = (seed + i * 3 + base) % 17
    # 表四
    for g, group in enumerate(form.T4_GROUPS):
        parts = {p: (seed + g + k) % 3 for k, p in enumerate(form.T4_PARTS)}
        for p, v in parts.items():
            values[(form.T4, group.key, p)] = v
        values[(form.T4, group.key, "total")] = sum(parts.values())
    cells = []
    for tbl in (form.T2, form.T3, form.T4):
        for n, (row, col) in enumerate(form.expected_cells(tbl)):
            v = values[(tbl, row, col)]
            cells.append(
                Cell(
                    tbl,
                    row,
                    col,
                    v,
                    raw=f"{v:g}",
                    source=Source(table=int(tbl[1]) - 2, row=n // 7, col=n % 7),
                )
            )
    return cells


def report_text(agency: str, year: int, cells: list[Cell]) -> str:
    v = {(c.table, c.row, c.col): c.value for c in cells}
    new = v[(form.T3, "new_requests", "total")]
    carried = v[(form.T3, "carried_over", "total")]
    review = v[(form.T4, "review", "total")]
    lit = (
        v[(form.T4, "litigation_direct", "total")]
        + v[(form.T4, "litigation_after_review", "total")]
    )
    return (
        f"{agency}{year}年政府信息公开工作年度报告\n"
        f"一、总体情况\n{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，"
        f"推进政务公开和政府信息公开申请办理工作。\n"
        f"三、收到和处理政府信息公开申请情况\n本年度共收到政府信息公开申请{new:g}件，"
        f"上年结转政府信息公开申请{carried:g}件，均按时答复。\n"
        f"四、政府信息公开行政复议、行政诉讼情况\n本年度因政府信息公开被申请行政复议{review:g}件，"
        f"被提起行政诉讼{lit:g}件。\n"
        f"五、存在的主要问题及改进情况\n依申请公开答复的规范性仍需加强。\n"
    )


def build(path: str | Path) -> dict:
    """Write the demo database at ``path`` (its blobs beside it); return what was built."""
    path = Path(path)
    db = open_db(path)
    store = BlobStore(path.parent / "blobs")
    _register_sources(db)
    built = {"reports": {}, "flagged": [], "missing": sorted(MISSING)}
    for a_i, agency in enumerate(AGENCIES):
        for year in YEARS:
            if (agency[0], year) in MISSING:
                continue
            key = (agency[0], year)
            rid = built["reports"][key] = _store_report(db, store, a_i, agency, year)
            if INCOMPLETE.get(key):
                built["incomplete"] = rid
            if key in UNBALANCED:
                built["flagged"].append(rid)
    built["attachment"] = _store_unparseable(db, store)
    built["sources"] = len(AGENCIES) + 1
    return built


def _register_sources(db) -> None:
    from archive.crawlstore import upsert_sources

    upsert_sources(
        db,
        [
            {
                "id": sid,
                "agency": a,
                "region": r,
                "level": lv,
                "cms": "demo",
                "start_urls": [f"http://{sid}.example.cn/xxgk/ndbg/"],
            }
            for sid, a, r, lv, *_ in [*AGENCIES, EXTRA_SOURCE]
        ],
        registry="tests/researcher_db.py",
    )


def _report_url(sid: str, year: int) -> str:
    if sid == LONG_URL_SOURCE:  # as long as real CMS addresses get (SITES.md)
        return (
            f"http://{sid}.example.cn/zwgk/zfxxgk/zfxxgknb/{year + 1}02/"
            f"t{year + 1}0213_2ecfb31a335f4d689220a3a23e24a986_{year}.html"
        )
    return f"http://{sid}.example.cn/xxgk/ndbg/{year}.html"


def _store_report(db, store: BlobStore, a_i: int, agency_row: tuple, year: int) -> str:
    """One agency's report for one year: its page, its cells (a row left out where the
    report is meant incomplete), its text."""
    sid, agency, region, level, base = agency_row
    cells = build_cells(a_i * 10 + year - 2020, base, unbalanced=(sid, year) in UNBALANCED)
    missing = INCOMPLETE.get((sid, year))
    if missing:
        cells = [c for c in cells if (c.table, c.row) != missing]
    text = report_text(agency, year, cells)
    url = _report_url(sid, year)
    html = (
        f"<html><head><meta charset='utf-8'><title>{agency}{year}年度报告</title>"
        f"</head><body><pre>{text}</pre></body></html>"
    ).encode()
    deadline_month = "01" if level == "department" else "03"
    report = Report(
        title=f"{agency}{year}年政府信息公开工作年度报告",
        agency=agency,
        region=region,
        level=level,
        year=year,
        format_version=form.FORMAT_2021,
        published=f"{year + 1}-{deadline_month}-15",
        url=url,
        doc_format="html",
        cells=cells,
        text=text,
        parser="tests.researcher_db",
        missing_rows=[".".join(missing)] if missing else [],
    )
    return _store(db, store, sid, url, html, "text/html; charset=utf-8", report)


def _store_unparseable(db, store: BlobStore) -> str:
    """A second document for the same agency and year that could not be parsed."""
    sid, agency, region, level, _ = AGENCIES[2]
    url = f"http://{sid}.example.cn/xxgk/ndbg/2023-fujian.pdf"
    report = Report(
        status=STATUS_NO_TABLES,
        title=HOSTILE_TITLE,
        agency=agency,
        region=region,
        level=level,
        year=2023,
        url=HOSTILE_URL,
        doc_format="pdf",
        text="附件：年度报告扫描件",
        parser="tests.researcher_db",
    )
    return _store(db, store, sid, url, b"%PDF-1.4 not really a table\n", "application/pdf", report)


def _store(
    db, store: BlobStore, sid: str, url: str, body: bytes, ctype: str, report: Report
) -> str:
    sha, _ = store.put(body)
    record_blob(db, sha, len(body), store.relpath(sha))
    cap = record_capture(
        db,
        run_id="demo-run",
        source_id=sid,
        url=url,
        final_url=url,
        method="GET",
        status=200,
        sha256=sha,
        content_type=ctype,
        size=len(body),
        fetched_at=f"{report.year + 1}-04-02T08:00:00+00:00",
    )
    did = doc_id(url)
    db["documents"].upsert(
        {
            "id": did,
            "source_id": sid,
            "url": url,
            "role": "page" if ctype.startswith("text/html") else "attachment",
            "title": report.title,
            "published": report.published,
            "first_seen": "2024-04-02T08:00:00+00:00",
            "last_seen": "2024-04-02T08:00:00+00:00",
            "sha256": sha,
            "content_type": ctype,
            "capture_id": cap,
            "http_status": 200,
            "status": report.status,
            "parsed_sha256": sha,
        },
        pk="id",
    )
    rid = save_report(db, {"id": did, "url": url}, sha, report, extra={"source_id": sid})
    findings = checks.run_checks(report)
    flag = save_findings(db, rid, findings, checks.RULES_VERSION)
    # The shape the check stage gives a report whose hard rule could not be assessed
    # (cells missing) and that failed none: flag_status 'incomplete'.
    unchecked = any(f.status == NOT_ASSESSABLE and f.severity == "error" for f in findings)
    if flag == "ok" and unchecked:
        db["reports"].update(rid, {"flag_status": FLAG_INCOMPLETE})
    return rid


if __name__ == "__main__":
    import sys

    print(build(sys.argv[1] if len(sys.argv) > 1 else "data/researcher-demo/nianbao.db"))
