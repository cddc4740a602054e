"""The pieces of the distributed run, each on real parts: the shared store on fsspec's
memory filesystem and on a local folder, shard databases seeded from and merged into a real
archive written by CrawlStore, the split into shards, and the hostile-file limits holding
on a Dask worker (a real LocalCluster through prefect-dask)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from archive.crawlstore import CrawlStore
from archive.shard_db import merge, seed
from archive.shared_store import FsspecBlobStore, SharedStore, open_blob_store
from archive.store import BlobStore
from flows.parse_pool import Job, _parse_job
from flows.shards import split_shards

sys.path.insert(0, str(Path(__file__).parent))
from environ_scan import pids_whose_environment  # noqa: E402


def test_memory_store_blobs_and_files(tmp_path):
    store = SharedStore("memory://nianbao-test-store")
    assert isinstance(store.blobs, FsspecBlobStore)
    digest, new = store.blobs.put(b"report bytes")
    assert new and store.blobs.exists(digest) and store.blobs.size(digest) == 12
    assert store.blobs.put(b"report bytes") == (digest, False)  # content-addressed: once
    assert store.blobs.get(digest) == b"report bytes" and store.blobs.verify(digest) == "ok"
    assert store.blobs.verify("0" * 64) == "missing"
    # no temporary key left beside the blob
    folder = store.blobs.key(digest).rsplit("/", 1)[0]
    assert store.fs.ls(folder, detail=False) == [store.blobs.key(digest)]
    (tmp_path / "a.db").write_bytes(b"SQLite format 3\0...")
    store.put_file(tmp_path / "a.db", "shards/r/0/result.db")
    assert store.exists("shards/r/0/result.db")
    store.get_file("shards/r/0/result.db", tmp_path / "b.db")
    assert (tmp_path / "b.db").read_bytes() == b"SQLite format 3\0..."
    store.remove("shards/r")
    assert not store.exists("shards/r/0/result.db")


def test_a_local_folder_or_file_url_is_the_durable_blob_store(tmp_path):
    for location in (tmp_path, f"file://{tmp_path}"):
        store = open_blob_store(location)
        assert isinstance(store, BlobStore) and store.root == tmp_path
    shared = SharedStore(tmp_path)
    digest, _ = shared.blobs.put(b"x")
    assert (tmp_path / "blobs" / digest[:2] / digest[2:4] / digest).read_bytes() == b"x"


def test_a_worker_reads_its_document_by_hash_from_the_store():
    store = SharedStore("memory://nianbao-test-parse")
    page = "<html><body><h1>某某局2023年政府信息公开工作年度报告</h1><p>正文</p></body></html>"
    digest, _ = store.blobs.put(page.encode())
    job = Job("d1", None, "http://h/a.html", "text/html; charset=utf-8", None, digest,
              store.blobs_location)  # fmt: skip
    result = _parse_job(job)
    assert result["report"]["url"] == "http://h/a.html"
    assert "2023" in (result["report"]["title"] or "")


def test_sources_sharing_a_site_share_a_shard():
    sources = [
        {"id": "a", "start_urls": ["http://a.gov.cn/x"], "allowed_domains": ["a.gov.cn"]},
        {"id": "b", "start_urls": ["http://b.gov.cn/x"], "allowed_domains": ["b.gov.cn"]},
        {"id": "a2", "start_urls": ["http://a.gov.cn/y"], "allowed_domains": ["a.gov.cn"]},
        {"id": "c", "start_urls": ["http://c.gov.cn/"], "allowed_domains": ["c.gov.cn", "cdn.cn"]},
        {"id": "d", "start_urls": ["http://d.gov.cn/"], "allowed_domains": ["d.gov.cn", "cdn.cn"]},
        {"id": "e", "start_urls": ["http://127.0.0.1:81/"], "allowed_domains": ["127.0.0.1"]},
        {"id": "f", "start_urls": ["http://127.0.0.1:82/"], "allowed_domains": ["127.0.0.1"]},
    ]
    shards = split_shards(sources, 3)
    assert sorted(i for s in shards for i in s) == sorted(s["id"] for s in sources)
    where = {i: k for k, s in enumerate(shards) for i in s}
    assert where["a"] == where["a2"] and where["c"] == where["d"]  # one site, one shard
    assert len(shards) == 3 and shards[0][0] == "a"  # the most urgent first
    assert split_shards(sources, 1) == [["a", "a2", "b", "c", "d", "e", "f"]]


def _fetch(store, run_id, source, url, body, status=200):
    return store.record_fetch(
        run_id=run_id,
        capture={"url": url, "method": "GET", "status": status, "source_id": source,
                 "run_id": run_id},
        body=body,
        state={"etag": f'"{len(body)}"'},
        warc_args={"url": url, "method": "GET", "request_headers": [], "request_body": b"",
                   "status": status, "response_headers": [], "body": body},
    )  # fmt: skip


def _snapshot(db_path):
    con = sqlite3.connect(db_path)
    out = {t: con.execute(f"select * from {t} order by 1").fetchall()
           for t in ("captures", "crawl_state", "blobs", "warc_files", "documents")}  # fmt: skip
    con.close()
    return out


def test_a_shard_is_seeded_from_the_archive_and_merged_back_once(tmp_path):
    archive = CrawlStore(tmp_path / "archive")
    for sid in ("s1", "s2"):
        _fetch(archive, "r1", sid, f"http://{sid}/index.html", f"old {sid}".encode())
    archive.upsert_document({"id": "doc-s1", "source_id": "s1", "url": "http://s1/index.html",
                             "capture_id": 1, "status": "pending"})  # fmt: skip
    archive.close()
    archive_db = archive.paths.db
    shard_dir = tmp_path / "shard"
    shard_dir.mkdir()
    seed(archive_db, shard_dir / "nianbao.db", ["s1"])
    shard = CrawlStore(shard_dir)
    assert shard.state("http://s1/index.html")["etag"] == '"6"'  # conditional requests work
    assert shard.state("http://s2/index.html") is None  # another shard's source
    new_id = _fetch(shard, "r2", "s1", "http://s1/new.html", b"new page")
    _fetch(shard, "r2", "s1", "http://s1/index.html", b"changed s1")
    shard.upsert_document({"id": "doc-new", "source_id": "s1", "url": "http://s1/new.html",
                           "capture_id": new_id, "status": "pending"})  # fmt: skip
    shard.close()

    first = merge(archive_db, shard.paths.db, "r2")
    assert first == {"captures_new": 2, "captures": 2}
    after = _snapshot(archive_db)
    assert merge(archive_db, shard.paths.db, "r2") == {"captures_new": 0, "captures": 2}
    assert _snapshot(archive_db) == after  # merging twice changes nothing

    con = sqlite3.connect(archive_db)
    # the new rows point at the archive's ids of their captures, not the shard's
    for url, doc in (("http://s1/new.html", "doc-new"),):
        (cap,) = con.execute("select capture_id from documents where id = ?", [doc]).fetchone()
        assert con.execute("select url from captures where id = ?", [cap]).fetchone() == (url,)
    for url, cap in con.execute("select url, capture_id from crawl_state"):
        assert con.execute("select url from captures where id = ?", [cap]).fetchone() == (url,)
    assert con.execute("select count(*) from captures").fetchone() == (4,)
    assert con.execute("select count(*) from blobs").fetchone() == (4,)


def _servers_started_by_dask_workers() -> set[int]:
    """Prefect temporary servers whose process a Dask worker started (by their environment)."""
    return pids_whose_environment(
        lambda env: (
            b"PREFECT__SERVER_EPHEMERAL=1" in env
            and any(e.startswith(b"__DASK_PARENT_PID=") for e in env)
        )
    )


@pytest.mark.slow
def test_the_hostile_file_limits_hold_on_a_dask_worker(tmp_path, monkeypatch):
    from archive.db import open_db
    from demo import hostile
    from flows.dask_parse import dask_task_runner
    from flows.nightly import parse_on_cluster
    from nianbao.config import paths as data_paths
    from tests.test_hostile_files import good_cases, store_document

    monkeypatch.setenv("NIANBAO_PARSE_MAX_ATTEMPTS", "1")
    paths = data_paths(tmp_path)
    db, store = open_db(paths.db), BlobStore(paths.blobs)
    bomb = store_document(db, store, "bomb", "report.pdf", hostile.pdf_flate_bomb())
    good = [store_document(db, store, c.id, c.filename, c.data) for c in good_cases()]
    servers_before = _servers_started_by_dask_workers()
    runner = dask_task_runner(None, 1)  # one worker: the bomb must not take it down
    result = parse_on_cluster.with_options(task_runner=runner)(str(tmp_path), 1)
    # the worker reported to this process's Prefect server, it did not start one of its own
    assert _servers_started_by_dask_workers() <= servers_before
    assert result["documents"] == 1 + len(good)
    assert result["by_status"]["parsed"] == len(good)
    doc = db["documents"].get(bomb)
    assert doc["status"] == "error"
    assert "the parse worker died" in doc["error"] or "NIANBAO_PARSE_MEMORY_MB" in doc["error"]


def test_shards_without_a_prefect_server_is_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "sources.yaml").write_text("sources: []\n")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "-r", str(tmp_path / "sources.yaml"),
         "--data", str(tmp_path), "--shards", "2"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "crawl shards need a Prefect server" in proc.stderr
    assert "Traceback" not in proc.stderr
