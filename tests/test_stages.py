"""The parse and check stages over a real archive: demo documents stored in the blob store
and the documents table as the crawler leaves them, no Prefect, no network."""

from __future__ import annotations

import json

import pytest

from archive.crawlstore import upsert_sources
from archive.db import doc_id, open_db
from archive.store import BlobStore
from demo.sites import build_demo
from flows.stages import check_pending, parse_pending, summarize
from nianbao.config import paths as data_paths
from parsers import PARSER_ID


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    build_demo(root)
    return root


def _archive(data, demo_root, reports):
    """Store each report's document as the crawler would: blob + pending documents row."""
    paths = data_paths(data)
    db, store = open_db(paths.db), BlobStore(paths.blobs)
    upsert_sources(
        db,
        [
            {
                "id": s["id"],
                "agency": s["agency"],
                "region": s["region"],
                "level": s["level"],
                "cms": s["cms"],
            }
            for s in json.loads((demo_root / "truth.json").read_text())["sources"]
        ],
    )
    for t in reports:
        body = (demo_root / "sites" / t["source_id"] / t["document_path"].lstrip("/")).read_bytes()
        put(db, store, t, body)
    return paths, db, store


def put(db, store, t, body):
    url = f"http://demo.invalid/{t['source_id']}{t['document_path']}"
    sha, _ = store.put(body)
    ctype = {
        "pdf": "application/pdf",
        "html": "text/html; charset=utf-8",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    db["documents"].upsert(
        {
            "id": doc_id(url),
            "source_id": t["source_id"],
            "url": url,
            "role": "page",
            "sha256": sha,
            "http_status": 200,
            "content_type": ctype.get(t["doc_format"], "application/octet-stream"),
            "status": "pending",
        },
        pk="id",
    )
    return doc_id(url)


def test_parse_then_check_then_nothing_left_to_do(tmp_path, demo_root):
    truth = json.loads((demo_root / "truth.json").read_text())["reports"]
    paths, db, _ = _archive(tmp_path, demo_root, truth)
    n = len(truth)
    parsed = parse_pending(paths, workers=1)
    assert parsed == {"documents": n, "by_status": {"parsed": n}}
    checked = check_pending(paths)
    flagged = sum(bool(t["expected_findings"]) for t in truth)
    assert 0 < flagged < n
    assert checked["by_flag"] == {"flagged": flagged, "ok": n - flagged}
    assert len(checked["newly_flagged"]) == flagged

    assert parse_pending(paths, workers=1)["documents"] == 0  # nothing changed
    corpus_findings = db.execute(
        "select count(*) from findings where rule in ('T3-CARRY', 'T2-INFORCE', 'DUPLICATE')"
    ).fetchone()[0]
    again = check_pending(paths)
    assert again["reports_checked"] == 0 and again["newly_flagged"] == []
    # The corpus rules already ran over exactly these reports: not again, findings kept.
    assert checked["corpus_reports"] == n and again["corpus_reports"] == 0
    assert again["by_flag"] == checked["by_flag"] and corpus_findings > 0
    assert (
        db.execute(
            "select count(*) from findings where rule in ('T3-CARRY', 'T2-INFORCE', 'DUPLICATE')"
        ).fetchone()[0]
        == corpus_findings
    )
    assert all(r["rules_version"] for r in db.query("select rules_version from reports"))


def test_a_new_parser_version_reparses_and_rechecks_everything(tmp_path, demo_root):
    truth = json.loads((demo_root / "truth.json").read_text())["reports"][:3]
    paths, db, _ = _archive(tmp_path, demo_root, truth)
    parse_pending(paths, workers=1)
    check_pending(paths)
    cells_before = db["cells"].count
    db.execute("update documents set parsed_by = 'nianbao-parsers/0.0.1'")
    db.conn.commit()
    assert parse_pending(paths, workers=1)["documents"] == 3
    assert {r["parsed_by"] for r in db.query("select parsed_by from documents")} == {PARSER_ID}
    assert db["reports"].count == 3 and db["cells"].count == cells_before  # replaced, not added
    assert check_pending(paths)["reports_checked"] == 3


def test_a_changed_document_becomes_a_new_version_and_the_old_one_stays(tmp_path, demo_root):
    truth = json.loads((demo_root / "truth.json").read_text())["reports"]
    t = next(t for t in truth if t["doc_format"] == "html" and not t["expected_findings"])
    paths, db, store = _archive(tmp_path, demo_root, [t])
    parse_pending(paths, workers=1)
    check_pending(paths)
    page = (demo_root / "sites" / t["source_id"] / t["document_path"].lstrip("/")).read_bytes()
    # the agency republishes a corrected page: same URL, other bytes
    did = put(db, store, t, page.replace(b"</body>", "<p>（更正版）</p></body>".encode()))
    parse_pending(paths, workers=1)
    assert check_pending(paths)["corpus_reports"] == 1  # a new version: compared again
    versions = list(
        db.query(
            "select id, is_current, sha256 from reports where document_id = ? order by is_current",
            [did],
        )
    )
    assert [v["is_current"] for v in versions] == [0, 1]
    assert versions[0]["sha256"] != versions[1]["sha256"]
    assert summarize(paths)["reports"] == 1  # the summary counts current versions
