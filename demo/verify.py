"""Compare what the pipeline stored with the truth the demo generator wrote.

Used by ``nianbao demo`` (so every demo run says whether it matched) and by the
end-to-end tests. A report matches when it was found, parsed, every truth cell
has the same value, and its failing hard-rule findings are exactly the intended ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from archive.db import doc_id, open_db
from nianbao.config import Paths


@dataclass
class Verification:
    reports: int = 0
    found: int = 0
    cells_total: int = 0
    cells_right: int = 0
    reports_all_cells_right: int = 0
    flag_expected: int = 0
    flag_right: int = 0
    bad_total: int = 0
    bad_right: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [
            "## demo truth check",
            f"- reports found and parsed: {self.found}/{self.reports}",
            f"- reports with every cell right: {self.reports_all_cells_right}/{self.reports} "
            f"({self.cells_right}/{self.cells_total} cells)",
            f"- reports flagged exactly as intended: {self.flag_right}/{self.reports} "
            f"({self.flag_expected} carry deliberate inconsistencies)",
            f"- bad documents recorded as expected: {self.bad_right}/{self.bad_total}",
            "- result: "
            + ("MATCHES the demo truth" if self.ok else f"{len(self.problems)} MISMATCHES"),
        ]
        lines += [f"  - {p}" for p in self.problems[:50]]
        return "\n".join(lines)


def _current_report(db, url: str) -> dict | None:
    rows = list(
        db.query("select * from reports where document_id = ? and is_current = 1", [doc_id(url)])
    )
    return rows[0] if rows else None


def verify(paths: Paths, demo_root: Path, base_urls: dict[str, str]) -> Verification:
    """Check the database at ``paths`` against ``demo_root/truth.json``."""
    truth = json.loads((Path(demo_root) / "truth.json").read_text("utf-8"))
    db = open_db(paths.db)
    v = Verification()
    for t in truth["reports"]:
        _verify_report(db, t, base_urls[t["source_id"]].rstrip("/") + t["document_path"], v)
    for bad in truth.get("bad_documents", []):
        _verify_bad_document(db, bad, base_urls[bad["source_id"]].rstrip("/") + bad["path"], v)
    return v


def _verify_report(db, t: dict, url: str, v: Verification) -> None:
    """One intended report: parsed, every cell as intended, metadata, the intended flags."""
    v.reports += 1
    name = f"{t['agency']} {t['year']} ({t['doc_format']})"
    row = _current_report(db, url)
    if row is None or row["status"] != "parsed":
        v.problems.append(f"{name}: not parsed ({row and row['status']}) at {url}")
        v.cells_total += len(t["report"]["cells"])
        return
    v.found += 1
    _verify_cells(db, row["id"], t["report"]["cells"], name, v)
    for key, want in (("year", t["year"]), ("agency", t["agency"])):
        if row[key] != want:
            v.problems.append(f"{name}: {key} is {row[key]!r}, want {want!r}")
    failed = {
        (f["rule"], f["scope"])
        for f in db.query(
            "select rule, scope from findings where report_id = ? and status = 'fail' "
            "and severity = 'error'",
            [row["id"]],
        )
    }
    expected = {(f["rule"], f["scope"]) for f in t.get("expected_findings", [])}
    v.flag_expected += bool(expected)
    if failed == expected:
        v.flag_right += 1
    else:
        v.problems.append(f"{name}: findings {sorted(failed)} != intended {sorted(expected)}")


def _same_value(got, want) -> bool:
    return (
        got == want
        or (got is None and want is None)
        or (isinstance(got, float) and want is not None and abs(got - want) < 1e-6)
    )


def _verify_cells(db, report_id: str, cells: list[dict], name: str, v: Verification) -> None:
    stored = {
        (c["tbl"], c["row_key"], c["col_key"]): c["value"]
        for c in db.query("select * from cells where report_id = ?", [report_id])
    }
    wrong = []
    for c in cells:
        v.cells_total += 1
        got, want = stored.get((c["table"], c["row"], c["col"]), "absent"), c["value"]
        if _same_value(got, want):
            v.cells_right += 1
        else:
            wrong.append(f"{c['table']}.{c['row']}.{c['col']} want {want} got {got}")
    if wrong:
        v.problems.append(f"{name}: {len(wrong)} wrong cells: " + "; ".join(wrong[:5]))
    else:
        v.reports_all_cells_right += 1


def _verify_bad_document(db, bad: dict, url: str, v: Verification) -> None:
    """A deliberately broken document: recorded with the status it should get."""
    v.bad_total += 1
    doc = (
        db["documents"].get(doc_id(url))
        if db["documents"].count_where("id = ?", [doc_id(url)])
        else None
    )
    want = bad["expected_status"]
    if doc is not None and doc["status"] == want:
        v.bad_right += 1
    else:
        v.problems.append(f"bad document {url}: status {doc and doc['status']!r}, want {want!r}")
