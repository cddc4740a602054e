"""LibreOffice contained: no network, the whole process group killed on the time limit, and
everything gone with a parse worker that is stopped. Real soffice, real local HTTP server,
real parse stage; skipped where LibreOffice (or, for the network test, namespaces) is absent.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from test_hostile_files import store_document

from archive.db import open_db
from archive.store import BlobStore
from demo import hostile
from flows.stages import parse_pending
from nianbao.config import paths as data_paths
from parsers import parse_bytes
from parsers.convert import (
    WORKDIR_PREFIX,
    _isolation,
    convert_with_libreoffice,
    isolation_warning,
    remove_stale_workdirs,
    soffice,
)

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) not installed")


class Watcher(hostile.Poller):
    """Polls /proc for processes whose command line holds ``text`` (a test's own folder)
    while a conversion runs; remembers whether soffice.bin was seen."""

    def __init__(self, text: str):
        self.text, self.seen = text, set()

    def poll(self):
        for _pid, cmd in hostile.processes_mentioning(self.text):
            self.seen.add(cmd.split()[0].rsplit("/", 1)[-1])

    def left(self, wait: float = 5.0) -> list[tuple[int, str]]:
        """Processes still alive after up to ``wait`` s (the kernel tears a namespace down
        asynchronously)."""
        deadline = time.monotonic() + wait
        while (alive := hostile.processes_mentioning(self.text)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return alive


@pytest.fixture(scope="module")
def busy_doc(tmp_path_factory):
    """A .doc that keeps LibreOffice busy (~57 s to open: a 6,000-row table)."""
    work = tmp_path_factory.mktemp("busy")
    return convert_with_libreoffice(hostile.busy_doc_html(), "html", "doc:MS Word 97", workdir=work)


def test_a_linked_image_is_not_fetched_during_conversion(httpserver):
    if isolation_warning():
        pytest.skip(isolation_warning())
    httpserver.expect_request("/linked.png").respond_with_data(b"\x89PNG", "image/png")
    url = httpserver.url_for("/linked.png")
    doc = convert_with_libreoffice(hostile.linked_image_html(url), "html", "doc:MS Word 97")
    assert url.encode("utf-16-le") in doc or url.encode() in doc  # the link is in the .doc
    docx = convert_with_libreoffice(hostile.linked_image_html(url), "html", "docx:MS Word 2007 XML")
    assert httpserver.log == []  # made in the namespace: nothing fetched

    for data, name in ((doc, "report.doc"), (docx, "report.docx")):
        report = parse_bytes(data, filename=name)
        assert report.status in ("not_report", "no_tables"), report.error
        assert not any("network access" in w for w in report.warnings)
    assert httpserver.log == []

    # the probe can fail: with the network, LibreOffice fetches the image opening the .doc
    convert_with_libreoffice(doc, "doc", "docx", isolate=False)
    assert any(req.path == "/linked.png" for req, _ in httpserver.log)


def test_without_namespaces_the_report_says_so(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"  # the system's PATH less unshare
    bin_dir.mkdir()
    for d in os.environ["PATH"].split(os.pathsep):
        for exe in Path(d).glob("*") if Path(d).is_dir() else ():
            if exe.name != "unshare" and not (bin_dir / exe.name).exists():
                os.symlink(exe, bin_dir / exe.name)
    monkeypatch.setenv("PATH", str(bin_dir))
    _isolation.cache_clear()
    try:
        html = hostile.linked_image_html("http://127.0.0.1:9/x.png")
        doc = convert_with_libreoffice(html, "html", "doc:MS Word 97")
        report = parse_bytes(doc, filename="report.doc")
    finally:
        monkeypatch.undo()
        _isolation.cache_clear()
    assert report.status == "not_report", report.error
    assert "LibreOffice ran with network access (unshare (util-linux) is not installed)" in (
        report.warnings
    )


def test_on_its_time_limit_the_whole_group_is_killed(busy_doc, tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_CONVERT_TIMEOUT", "15")
    with Watcher(str(tmp_path)) as w, pytest.raises(RuntimeError) as err:
        convert_with_libreoffice(busy_doc, "doc", "docx", workdir=tmp_path)
    assert str(err.value) == (
        "LibreOffice still converting after 15 s; its processes were killed: over the limit "
        "of 15 s (NIANBAO_CONVERT_TIMEOUT)"
    )
    assert "soffice.bin" in w.seen  # it was running: the kill had something to do
    assert w.left() == []  # no soffice/soffice.bin of this conversion left
    assert list(tmp_path.iterdir()) == []  # and its folder is gone


def test_a_stopped_parse_worker_takes_libreoffice_with_it(busy_doc, tmp_path, monkeypatch):
    # the parse limit (15 s) before LibreOffice's own (120 s): pebble stops the worker, and
    # the namespace dies with it (setpriv --pdeathsig, unshare --kill-child)
    work = tmp_path / "tmp"
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(work))  # the spawned worker's temporary folder
    monkeypatch.setenv("NIANBAO_PARSE_TIMEOUT", "15")
    monkeypatch.setenv("NIANBAO_CONVERT_TIMEOUT", "120")
    paths = data_paths(tmp_path / "data")
    db, store = open_db(paths.db), BlobStore(paths.blobs)
    did = store_document(db, store, "busy", "report.doc", busy_doc)
    with Watcher(str(work)) as w:
        result = parse_pending(paths, workers=1)
    assert result == {"documents": 1, "by_status": {"error": 1}}
    assert db["documents"].get(did)["error"].startswith("parse still running after 15 s")
    assert "soffice.bin" in w.seen
    assert w.left() == []
    # whatever the killed worker left of its conversion folder, the next parse stage removes
    # (that it finds a dead process's folder is test_a_killed_worker_not_yet_reaped_…)
    remove_stale_workdirs(work)
    assert list(work.glob(WORKDIR_PREFIX + "*")) == []


def test_a_killed_worker_not_yet_reaped_counts_as_gone(tmp_path):
    # under load the pool may not have reaped the stopped worker when the next stage looks:
    # a zombie answers signal 0, yet its folder is stale all the same
    child = subprocess.Popen(["sleep", "60"])
    folder = tmp_path / f"{WORKDIR_PREFIX}{child.pid}-x"
    folder.mkdir()
    try:
        assert remove_stale_workdirs(tmp_path) == []  # running: its folder is in use
        child.kill()
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child.pid}/stat").read_text().split(") ")[1][0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert remove_stale_workdirs(tmp_path) == [folder] and not folder.exists()
    finally:
        child.kill()
        child.wait()
