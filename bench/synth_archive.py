"""A synthetic archive at national size, from the demo corpus (for bench/db_scale.py).

Agencies in ~3,000 invented regions of 31 provinces (one people's government and about a
dozen departments each) publish one report a year for 2021–2025. Each report is a truth
report of demo/corpus.py (consistent 表二/表三/表四, 上年结转 continuing from the previous
year, prose), checked by the project's own ``checks.run_checks``, and written in the
pipeline's own tables (sources, blobs, captures, documents, reports, cells, findings) with
the shapes the pipeline writes. Varied as real archives are:

- about 8 % carry an injected inconsistency (demo.corpus.DEFECTS) → ``flagged``;
- about 2 % lack the 表三 row 结转下年度 → a hard rule not assessable → ``incomplete``;
- about 3 % are documents whose tables could not be read (``no_tables``) → ``unparseable``;
- about 3 % of agency-years have no report (missing), about 2 % a second document (an
  attachment of the same report: ``is_primary`` picks one).

With ``--copies N`` only 1/N of the agencies are generated this way and
bench/synth_multiply.py appends renamed copies of them in SQL (200,000 reports: 18.5 min
instead of 62.7; docs/scaling.md says what stays realistic). Generation runs in worker
processes (each agency's years are one unit); one writer loads
the rows in large transactions with the secondary indexes and the FTS index dropped, then
:func:`archive.db.ensure_schema` builds them once. No blob files are written (the
``blobs`` rows are there; the report page shows the sha256 instead of a link).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import checks  # noqa: E402
from archive.db import _TABLES, doc_id, ensure_schema, report_id  # noqa: E402
from archive.researcher import summaries  # noqa: E402
from demo.corpus import DEFECTS, Agency, DefectNotApplicable, make_truth  # noqa: E402
from nianbao import form  # noqa: E402
from nianbao.model import NOT_ASSESSABLE, STATUS_NO_TABLES, STATUS_PARSED  # noqa: E402

YEARS = (2021, 2022, 2023, 2024, 2025)
PROVINCES = (
    "北京市 天津市 河北省 山西省 内蒙古自治区 辽宁省 吉林省 黑龙江省 上海市 江苏省 浙江省 "
    "安徽省 福建省 江西省 山东省 河南省 湖北省 湖南省 广东省 广西壮族自治区 海南省 重庆市 "
    "四川省 贵州省 云南省 西藏自治区 陕西省 甘肃省 青海省 宁夏回族自治区 新疆维吾尔自治区"
).split()
_SYLLABLES = "青鹤枫玉金望星朗桐檀棠苇岚榕槐霁澄杉蓼荻柘菱芸砚松石"
_ENDINGS = "汀渡湾澜渚屿浦泽桥岭塘湖山川"
DEPARTMENTS = (
    "财政局 教育局 生态环境局 应急管理局 市场监督管理局 自然资源和规划局 住房和城乡建设局 "
    "人力资源和社会保障局 交通运输局 卫生健康委员会 发展和改革局 公安局 民政局 司法局 "
    "农业农村局 水利局 商务局 文化广电旅游局 审计局 统计局 退役军人事务局 医疗保障局"
).split()
SHARES = {"defect": 0.08, "incomplete": 0.02, "unparseable": 0.03, "missing": 0.03, "dup": 0.02}
INCOMPLETE_ROW = (form.T3, "carried_forward")  # the row a cut-off 表三 loses first
FLAG_INCOMPLETE = "incomplete"  # reports.flag_status when a hard rule is not assessable
DEPTS_PER_REGION = 12
CHUNK = 200  # agencies per unit of work


def agencies(n: int, seed: int = 0) -> list[tuple[int, Agency]]:
    """``n`` invented agencies: per region a government, then departments."""
    rng = random.Random(seed)
    names = [a + b for a in _SYLLABLES for b in _ENDINGS]
    out: list[tuple[int, Agency]] = []
    r = 0
    while len(out) < n:
        prov = PROVINCES[r % len(PROVINCES)]
        name = names[(r // len(PROVINCES)) % len(names)]
        kind = ("市", "县", "区")[r % 3]
        suffix = "" if r < len(PROVINCES) * len(names) else str(r // (len(PROVINCES) * len(names)))
        region = f"{prov}{name}{suffix}{kind}"
        size = rng.choice(("large", "medium"))
        out.append(
            (len(out), Agency(f"{region}人民政府", f"{kind}政府", region, "government", size))
        )
        for dept in rng.sample(DEPARTMENTS, DEPTS_PER_REGION):
            size = rng.choices(("medium", "small", "zero"), (3, 5, 2))[0]
            out.append((len(out), Agency(f"{region}{dept}", "本局", region, "department", size)))
        r += 1
    return out[:n]


def _published(rng: random.Random, agency: Agency, year: int) -> str:
    month = 1 if agency.level == "department" else rng.randint(1, 3)
    return f"{year + 1}-{month:02d}-{rng.randint(2, 28):02d}"


def _truths(rng: random.Random, agency: Agency) -> Iterator[tuple[int, object, str]]:
    """(year, truth, kind) for each year the agency published; ``kind`` names the variation."""
    prev = None
    for year in YEARS:
        if rng.random() < SHARES["missing"]:
            continue
        defect = rng.choice(DEFECTS) if rng.random() < SHARES["defect"] else None
        fmt = rng.choice(("html", "html", "pdf", "docx"))
        try:
            truth = make_truth(rng, agency, year, _published(rng, agency, year), fmt, prev, defect)
        except DefectNotApplicable:
            truth = make_truth(rng, agency, year, _published(rng, agency, year), fmt, prev)
        prev = truth.clean
        roll = rng.random()
        kind = "ok"
        if roll < SHARES["unparseable"]:
            kind = "unparseable"
        elif roll < SHARES["unparseable"] + SHARES["incomplete"]:
            kind = "incomplete"
        yield year, truth, kind
        if rng.random() < SHARES["dup"]:
            yield year, truth, "attachment"


# --- rows -------------------------------------------------------------------------------

TABLE_ORDER = ("sources", "blobs", "captures", "documents", "reports", "cells", "findings")
COLUMNS = {t: list(_TABLES[t][0]) for t in TABLE_ORDER}
_YEAR_SLOTS = 2 * len(YEARS)
# _cell_rows builds tuples directly (40 M of them): its order must be the table's.
assert COLUMNS["cells"][:8] == [
    "report_id",
    "tbl",
    "row_key",
    "col_key",
    "value",
    "raw",
    "note",
    "unit",
]  # a page and an attachment per year: capture ids never collide


def _cell_rows(rid: str, report, doc_format: str) -> list[tuple]:
    out = []
    for n, c in enumerate(report.cells):
        if doc_format == "pdf":  # provenance as the PDF parser records it
            x, y = 60 + (n % 7) * 62, 90 + (n // 7 % 30) * 18
            where = (1 + n // 120, json.dumps([x, y, x + 60, y + 16]), None, None, None)
        else:
            where = (None, None, int(c.table[1]) - 2, n // 7, n % 7)
        out.append((rid, c.table, c.row, c.col, c.value, c.raw, c.note, c.unit, *where))
    return out


def _flag(status: str, findings: list) -> tuple[str, int, int]:
    """flag_status, failed hard rules, failed soft rules (as the check stage sets them)."""
    errors = sum(f.status == "fail" and f.severity == "error" for f in findings)
    warnings = sum(f.status == "fail" and f.severity == "warning" for f in findings)
    if status != STATUS_PARSED:
        return "unparseable", errors, warnings
    if errors:
        return "flagged", errors, warnings
    hard_unchecked = any(f.status == NOT_ASSESSABLE and f.severity == "error" for f in findings)
    return (FLAG_INCOMPLETE if hard_unchecked else "ok"), errors, warnings


def _site(idx: int) -> str:
    return f"http://www.a{idx:06d}.example.gov.cn/zwgk/zfxxgk/zfxxgknb/"


def _prepare(idx: int, agency: Agency, year: int, truth, kind: str) -> tuple:
    """The report as the parse stage would have saved it: a copy of the truth with its URL,
    status and missing rows, and the URL of its page, the body's hash and size."""
    page = f"{_site(idx)}{year + 1}02/t{year + 1}0215_{idx}{year}.html"
    url = page if kind != "attachment" else f"{page.rsplit('/', 1)[0]}/P0{idx:08d}{year}.pdf"
    report = dataclasses.replace(
        truth.report, url=url, region=agency.region, level=agency.level, missing_rows=[]
    )
    if kind == "unparseable":
        report.status, report.cells = STATUS_NO_TABLES, []
    elif kind == "incomplete":
        tbl, row = INCOMPLETE_ROW
        report.cells = [c for c in report.cells if (c.table, c.row) != (tbl, row)]
        report.missing_rows = [f"{tbl}.{row}"]
    body = f"{kind}:{url}\n{report.text}".encode()
    return report, url, page, hashlib.sha256(body).hexdigest(), len(body)


def _row(table: str, **values) -> tuple:
    """One row in the column order of ``table`` (absent columns are NULL)."""
    unknown = set(values) - set(COLUMNS[table])
    assert not unknown, (table, unknown)
    return tuple(values.get(c) for c in COLUMNS[table])


def _document_rows(sid, did, url, page, sha, size, report, role, cap, when) -> dict[str, list]:
    ctype = "application/pdf" if url.endswith(".pdf") else "text/html; charset=utf-8"
    linked_from = page if role == "attachment" else None
    capture = dict(run_id="synthetic", source_id=sid, url=url, final_url=url, method="GET")
    capture |= dict(status=200, fetched_at=when, sha256=sha, content_type=ctype, size=size)
    document = dict(id=did, source_id=sid, url=url, role=role)
    document |= dict(title=report.title, linked_from=linked_from, published=report.published)
    document |= dict(first_seen=when, last_seen=when, sha256=sha, content_type=ctype)
    document |= dict(capture_id=cap, http_status=200, status=report.status)
    return {
        "blobs": [
            _row(
                "blobs", sha256=sha, size=size, path=f"{sha[:2]}/{sha[2:4]}/{sha}", first_seen=when
            )
        ],
        "captures": [
            _row(
                "captures",
                id=cap,
                referer=linked_from,
                headers="{}",
                bytes_received=size,
                **capture,
            )
        ],
        "documents": [
            _row("documents", parsed_sha256=sha, parsed_by="synthetic", links="[]", **document)
        ],
    }


def report_rows(idx: int, agency: Agency, year: int, truth, kind: str) -> dict[str, list[tuple]]:
    """Every row one archived report adds, per table (column order of archive.db)."""
    report, url, page, sha, size = _prepare(idx, agency, year, truth, kind)
    sid, did = f"a{idx:06d}", doc_id(url)
    rid = report_id(did, sha)
    cap = idx * _YEAR_SLOTS + YEARS.index(year) * 2 + (kind == "attachment") + 1
    when = f"{report.published}T09:00:00+00:00"
    role = "attachment" if kind == "attachment" else "page"
    rows = _document_rows(sid, did, url, page, sha, size, report, role, cap, when)
    findings = checks.run_checks(report)
    flag, errors, warnings = _flag(report.status, findings)
    fmt = "pdf" if url.endswith(".pdf") else report.doc_format
    fields = {k: getattr(report, k) for k in ("status", "title", "year", "published", "text")}
    rows["reports"] = [
        _row(
            "reports",
            id=rid,
            document_id=did,
            sha256=sha,
            is_current=1,
            flag_status=flag,
            agency=agency.name,
            region=agency.region,
            level=agency.level,
            source_id=sid,
            format_version=report.format_version,
            url=url,
            doc_format=fmt,
            missing_rows=json.dumps(report.missing_rows),
            extra_rows="[]",
            warnings="[]",
            parser="bench.synth_archive",
            parsed_at=when,
            n_errors=errors,
            n_warnings=warnings,
            rules_version=checks.RULES_VERSION,
            sections="{}",
            ocr=0,
            **fields,
        )
    ]
    rows["cells"] = _cell_rows(rid, report, fmt)
    rows["findings"] = [_finding_row(rid, f) for f in findings]
    return rows


def _finding_row(rid: str, f) -> tuple:
    return _row(
        "findings",
        report_id=rid,
        rule=f.rule,
        scope=f.scope,
        severity=f.severity,
        status=f.status,
        expected=f.expected,
        actual=f.actual,
        difference=f.difference,
        cells=json.dumps(f.cells),
        message=f.message,
        message_zh=f.message_zh,
        rules_version=checks.RULES_VERSION,
    )


def agency_rows(batch: list[tuple[int, Agency]], seed: int) -> dict[str, list[tuple]]:
    """All rows of a batch of agencies (one unit of work for a worker process)."""
    out: dict[str, list[tuple]] = {t: [] for t in TABLE_ORDER}
    for idx, agency in batch:
        rng = random.Random(seed * 1_000_003 + idx)
        host = f"www.a{idx:06d}.example.gov.cn"
        out["sources"].append(
            _row(
                "sources",
                id=f"a{idx:06d}",
                agency=agency.name,
                region=agency.region,
                level=agency.level,
                cms="synthetic",
                start_urls=json.dumps([_site(idx)]),
                allowed_domains=json.dumps([host]),
                registry="bench/synth_archive.py",
                updated_at="2026-04-01T00:00:00+00:00",
            )
        )
        for year, truth, kind in _truths(rng, agency):
            for table, rows in report_rows(idx, agency, year, truth, kind).items():
                out[table].extend(rows)
    return out


# --- writing ----------------------------------------------------------------------------

FTS_OBJECTS = ("reports_fts_ai", "reports_fts_ad", "reports_fts_au")


def _prepare_empty(conn: sqlite3.Connection) -> None:
    """The full schema, then without the secondary indexes, the FTS index and the summary
    tables: a bulk load is several times faster when they are built once at the end (by
    ensure_schema)."""
    import sqlite_utils

    ensure_schema(sqlite_utils.Database(conn))
    for (name,) in conn.execute(
        "select name from sqlite_master where type = 'index' and sql is not null"
    ).fetchall():
        conn.execute(f"drop index [{name}]")
    for trigger in FTS_OBJECTS:
        conn.execute(f"drop trigger if exists [{trigger}]")
    conn.execute("drop table if exists reports_fts")
    summaries.drop(conn)  # rebuilt in one pass from the loaded rows
    conn.commit()


def _write(conn: sqlite3.Connection, rows: dict[str, list[tuple]]) -> int:
    for table in TABLE_ORDER:
        cols = COLUMNS[table]
        verb = "insert or ignore" if table == "blobs" else "insert"
        conn.executemany(
            f"{verb} into [{table}] ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
            rows[table],
        )
    return len(rows["reports"])


def build(
    path: str | Path, reports: int, workers: int = 2, seed: int = 0, copies: int = 1, log=print
) -> dict:
    """Write a synthetic archive of about ``reports`` reports at ``path`` (a new file).

    With ``copies`` > 1 only ``1/copies`` of the agencies are generated report by report;
    bench/synth_multiply.py then appends renamed copies of them in SQL (minutes instead of
    an hour at 200,000 reports)."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists: delete it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    n_agencies = round(reports / len(YEARS) / (1 - SHARES["missing"] + SHARES["dup"]))
    per_region = DEPTS_PER_REGION + 1  # copies keep whole regions: a government + departments
    n_seed = -(-n_agencies // copies // per_region) * per_region if copies > 1 else n_agencies
    everyone = agencies(n_seed * copies, seed)
    batches = [b for b in _chunks(everyone[:n_seed], CHUNK)]
    conn = sqlite3.connect(path)
    conn.execute("pragma journal_mode = off")
    conn.execute("pragma synchronous = off")
    conn.execute("pragma cache_size = -4000000")
    _prepare_empty(conn)
    t0, written = time.perf_counter(), 0
    with ProcessPoolExecutor(workers) as pool:
        for rows in pool.map(agency_rows, batches, [seed] * len(batches)):
            with conn:
                written += _write(conn, rows)
            log(f"  {written:,} reports ({time.perf_counter() - t0:.0f} s)", end="\r")
    load_s = time.perf_counter() - t0
    log("")
    t1 = time.perf_counter()
    if copies > 1:
        from synth_multiply import multiply

        multiply(conn, everyone[:n_seed], everyone, copies, log=log)
    multiply_s = time.perf_counter() - t1
    written = conn.execute("select count(*) from reports").fetchone()[0]
    conn.close()
    t2 = time.perf_counter()
    from archive.db import open_db

    open_db(path).close()  # indexes, FTS index (filled from reports), summary tables, views
    return {
        "reports": written,
        "agencies": n_seed * copies,
        "seed_agencies": n_seed,
        "load_s": load_s,
        "multiply_s": multiply_s,
        "index_s": time.perf_counter() - t2,
    }


def _chunks(items: list, n: int) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def main() -> None:
    """``python bench/synth_archive.py OUT.db --reports N``: build one archive."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--copies", type=int, default=1, help="generate 1/COPIES of the agencies, copy the rest"
    )
    args = ap.parse_args()
    print(build(args.out, args.reports, args.workers, args.seed, args.copies))


if __name__ == "__main__":
    main()
