"""The archive under damage: a blob truncated or altered on disk is repaired by the next put
of the same body; a writer killed (SIGKILL) mid-write leaves no blob under a valid name, its
temporary file is found, reported by ``nianbao archive verify`` and removed; and
``nianbao parse FILE`` says by its exit status whether the file could be read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from archive.crawlstore import record_blob
from archive.db import open_db
from archive.store import BlobStore, sha256_hex
from archive.verify import verify_archive
from demo import hostile

REPO = Path(__file__).resolve().parents[1]
BODY = "政府信息公开工作年度报告".encode() * 1000


def _archive(tmp_path, body=BODY):
    store = BlobStore(tmp_path / "blobs")
    sha, new = store.put(body)
    db = open_db(tmp_path / "nianbao.db")
    with db.conn:  # the writers leave the transaction to their caller
        record_blob(db, sha, len(body), store.relpath(sha))
    return store, sha, new


def test_put_repairs_a_blob_truncated_to_zero_bytes(tmp_path):
    store, sha, new = _archive(tmp_path)
    assert new and store.verify(sha) == "ok"
    store.path(sha).write_bytes(b"")  # the disk lost it
    assert store.verify(sha) == "altered"
    assert not verify_archive(tmp_path, records=False).ok
    assert store.put(BODY) == (sha, True)  # the same body fetched again: written anew
    assert store.get(sha) == BODY and verify_archive(tmp_path, records=False).ok
    assert store.put(BODY) == (sha, False)  # intact: left alone


def test_put_repairs_a_blob_altered_at_the_same_size(tmp_path):
    store, sha, _ = _archive(tmp_path)
    damaged = bytearray(BODY)
    damaged[100] ^= 0xFF
    store.path(sha).write_bytes(bytes(damaged))
    assert store.put(BODY) == (sha, True)
    assert sha256_hex(store.get(sha)) == sha


def test_a_writer_killed_mid_write_leaves_only_a_stale_temp_file(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    open_db(tmp_path / "nianbao.db")
    size = 300 * 2**20
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from archive.store import BlobStore; "
            f"BlobStore(sys.argv[1]).put(b'x' * {size})",
            str(store.root),
        ],
        cwd=REPO,
    )
    try:  # kill it once its temporary file is on disk and growing
        deadline = time.monotonic() + 120
        while not any(p.stat().st_size > 0 for p in store.temp_files()):
            assert writer.poll() is None, "the write finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    final = store.path(sha256_hex(b"x" * size))
    assert not final.exists()  # never a truncated blob under its valid name
    stale = store.stale_temp_files()
    assert len(stale) == 1 and stale[0].name.startswith(f".tmp-{writer.pid}-")

    check = verify_archive(tmp_path, records=False)
    assert not check.ok and len(check.stale_temp) == 1
    assert "stale temporary files: 1 (" in check.text()
    cli = subprocess.run(
        [sys.executable, "-m", "flows.cli", "archive", "verify", "--data", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 1 and "STALE blobs/" in cli.stdout

    removed = store.remove_stale_temp_files()
    assert [p for p, _ in removed] == stale and store.temp_files() == []
    assert verify_archive(tmp_path, records=False).ok


def test_the_temp_file_of_a_write_in_progress_is_not_stale(tmp_path):
    store, sha, _ = _archive(tmp_path)
    live = store.path(sha).parent / f".tmp-{os.getpid()}-inprogress"
    live.write_bytes(b"partial")
    dead = store.path(sha).parent / ".tmp-oldformat"  # no pid: no writer can own it
    dead.write_bytes(b"partial")
    assert store.stale_temp_files() == [dead]
    store.remove_stale_temp_files()
    assert live.exists() and not dead.exists()


def test_nianbao_parse_exits_non_zero_when_a_file_fails(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>hello</p></body></html>", encoding="utf-8")

    def parse(*files):
        return subprocess.run(
            [sys.executable, "-m", "flows.cli", "parse", *map(str, files)],
            cwd=REPO,
            capture_output=True,
            text=True,
        )

    bad = parse(empty, page)
    assert bad.returncode == 1 and "error: empty document (0 bytes)" in bad.stdout
    good = parse(page)
    assert good.returncode == 0 and "not_report" in good.stdout


def test_nianbao_parse_and_check_bound_every_file_like_the_stage(tmp_path):
    # a local file is as hostile as a download: parsed in a bounded worker, a file over the
    # time limit is stopped and reported, the other files still parse
    flood = hostile.BY_KIND["html-attribute-flood"]
    slow = tmp_path / flood.filename
    slow.write_bytes(flood.make())
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>hello</p></body></html>", encoding="utf-8")
    env = {**os.environ, "NIANBAO_PARSE_TIMEOUT": "5"}
    for command in ("parse", "check"):
        run = subprocess.run(
            [sys.executable, "-m", "flows.cli", command, str(slow), str(page)],
            cwd=REPO,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert run.returncode == 1, run.stderr
        assert "parse still running after 5 s; its worker was stopped" in run.stdout
        assert "over the limit of 5 s (NIANBAO_PARSE_TIMEOUT)" in run.stdout
        assert f"{page}: " in run.stdout  # the other file was parsed and printed
