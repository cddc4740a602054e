"""``nianbao archive verify``: recompute every hash of the archive and report what is wrong.

Checked:

- no temporary file of an interrupted blob write is left in ``blobs/`` (a run removes them
  at its start);
- every ``blobs`` row: the file exists under ``blobs/`` and its SHA-256 is its name;
- every ``warc_files`` row: the file exists; once closed, its size and SHA-256 are the
  recorded ones (a file of a crawl that was killed was never closed: its records are still
  checked one by one);
- every capture with a WARC record (unless ``records=False``): the record is where the
  capture says, of the right type (``response``, ``revisit`` for a 304, ``request`` when no
  response came), and a response's payload hashes to the capture's ``sha256``.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.db import open_db
from archive.store import BlobStore
from archive.warc import file_sha256
from nianbao.config import paths


@dataclass
class ArchiveCheck:
    blobs: int = 0
    warc_files: int = 0
    records: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # temporary files of blob writes whose writer is gone (killed mid-write): (path, bytes)
    stale_temp: list[tuple[str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered and not self.stale_temp

    def text(self) -> str:
        lines = [
            f"blobs checked: {self.blobs}",
            f"WARC files checked: {self.warc_files}",
            f"WARC records checked: {self.records}",
            f"missing: {len(self.missing)}",
            f"altered: {len(self.altered)}",
            f"stale temporary files: {len(self.stale_temp)}"
            + (
                f" ({sum(n for _, n in self.stale_temp):,} bytes; a write was interrupted: "
                "removed at the start of the next `nianbao run`)"
                if self.stale_temp
                else ""
            ),
        ]
        lines += [f"  MISSING {m}" for m in self.missing[:200]]
        lines += [f"  ALTERED {a}" for a in self.altered[:200]]
        lines += [f"  STALE {p} ({n:,} bytes)" for p, n in self.stale_temp[:200]]
        lines += [f"  note: {n}" for n in self.notes[:50]]
        lines.append("result: " + ("OK, the archive is intact" if self.ok else "PROBLEMS FOUND"))
        return "\n".join(lines)


def verify_archive(data_dir: str | os.PathLike, records: bool = True) -> ArchiveCheck:
    """Check every blob, WARC file and (with ``records``) WARC record of the archive in
    ``data_dir`` against what the database recorded; nothing is changed."""
    layout = paths(data_dir)
    db = open_db(layout.db)
    store = BlobStore(layout.blobs)
    out = ArchiveCheck()
    _check_temp_files(store, layout.data, out)
    _check_blobs(db, store, out)
    files = _check_warc_files(db, layout.data, out)
    if records:
        _check_records(db, layout.data, files, out)
    return out


def _check_temp_files(store: BlobStore, data: Path, out: ArchiveCheck) -> None:
    for p in store.stale_temp_files():
        try:
            out.stale_temp.append((str(p.relative_to(data)), p.stat().st_size))
        except FileNotFoundError:  # removed meanwhile by a run starting
            pass


def _check_blobs(db, store: BlobStore, out: ArchiveCheck) -> None:
    for sha, size in db.execute("select sha256, size from blobs"):
        out.blobs += 1
        state = store.verify(sha)
        if state == "missing":
            out.missing.append(f"blob {store.relpath(sha)}")
        elif state == "altered":
            out.altered.append(f"blob {store.relpath(sha)} (content no longer hashes to its name)")
        elif size is not None and store.path(sha).stat().st_size != size:
            out.altered.append(f"blob {store.relpath(sha)} (size {size} recorded)")


def _check_warc_files(db, data: Path, out: ArchiveCheck) -> set[str]:
    """Closed WARC files whole (size and SHA-256); returns the paths the database knows."""
    files = set()
    for path, sha, size, closed in db.execute(
        "select path, sha256, size, closed_at from warc_files"
    ):
        files.add(path)
        out.warc_files += 1
        full = data / path
        if not full.is_file():
            out.missing.append(f"WARC file {path}")
        elif not (closed and sha):
            out.notes.append(
                f"WARC file {path} was never closed (crawl interrupted?); "
                "its records are checked one by one"
            )
        elif full.stat().st_size != size or file_sha256(full) != sha:
            out.altered.append(
                f"WARC file {path} (size or SHA-256 differs from when it was closed)"
            )
    return files


def _check_records(db, data: Path, files: set[str], out: ArchiveCheck) -> None:
    """Every capture's WARC record: there, of the right type, its payload hashing right."""
    by_file: dict[str, list] = defaultdict(list)
    for row in db.execute(
        "select id, warc_file, warc_offset, status, sha256 from captures "
        "where warc_file is not null order by warc_file, warc_offset"
    ):
        by_file[row[1]].append(row)
    for path, caps in by_file.items():
        full = data / path
        if not full.is_file():
            if path not in files:
                out.missing.append(f"WARC file {path} (referenced by captures)")
            continue
        with open(full, "rb") as f:
            for cid, _path, offset, status, sha in caps:
                out.records += 1
                problem = _check_record(f, offset, status, sha)
                if problem:
                    out.altered.append(f"WARC record {path}@{offset} (capture {cid}): {problem}")


def _check_record(f, offset: int, status: int | None, sha: str | None) -> str | None:
    want = "request" if status is None else ("revisit" if status == 304 else "response")
    try:
        f.seek(offset)
        record = next(iter(ArchiveIterator(f)))
        rtype = record.rec_type
        payload = record.content_stream().read()
    except Exception as e:  # a corrupt gzip member or header
        return f"unreadable ({type(e).__name__}: {e})"
    if rtype != want:
        return f"a {rtype} record, expected {want}"
    if want == "response" and sha and hashlib.sha256(payload).hexdigest() != sha:
        return "payload does not hash to the capture's sha256"
    return None
