"""Content-addressed storage of raw fetched bytes.

Each distinct body is written once, named by its SHA-256, under
``<root>/<aa>/<bb>/<sha256>``. A write is durable before it is visible: the bytes go to a
temporary file in the same folder (``.tmp-<pid>-…``), which is fsynced, renamed into place,
and the folder fsynced — so a crash or power cut never leaves a truncated blob under a valid
name, and a blob the database records is on disk.

A blob found damaged (truncated, altered) is repaired by the next ``put`` of the same body.
A writer killed mid-write leaves its temporary file behind (a 398 MB one was seen):
:meth:`BlobStore.stale_temp_files` finds those whose process is gone and
:meth:`BlobStore.remove_stale_temp_files` deletes them (the nightly flow does at its start;
``nianbao archive verify`` reports them).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from archive.warc import file_sha256  # chunked: a blob can be hundreds of MB
from nianbao.processes import alive

TEMP_PREFIX = ".tmp-"
_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Write-once files keyed by the SHA-256 of their content."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def relpath(self, sha256: str) -> str:
        return str(self.path(sha256).relative_to(self.root))

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; return its SHA-256 and whether it was written (new, or a damaged
        copy repaired: its size or hash no longer matched)."""
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.is_file() and self._intact(target, digest, len(data)):
            return digest, False
        self._mkdirs(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest, True

    @staticmethod
    def _intact(target: Path, digest: str, size: int) -> bool:
        # the size first: a truncated blob is found without reading it
        return target.stat().st_size == size and file_sha256(target) == digest

    def _mkdirs(self, folder: Path) -> None:
        """Create ``folder`` and fsync each parent that got a new entry."""
        missing = []
        p = folder
        while not p.exists():
            missing.append(p)
            p = p.parent
        for d in reversed(missing):
            d.mkdir(exist_ok=True)
            _fsync_dir(d.parent)

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def verify(self, sha256: str) -> str:
        """'ok', 'missing' or 'altered' for one blob."""
        p = self.path(sha256)
        if not p.is_file():
            return "missing"
        return "ok" if file_sha256(p) == sha256 else "altered"

    def temp_files(self) -> list[Path]:
        """Every temporary file under the store (writes in progress or left behind)."""
        if not self.root.is_dir():
            return []
        return sorted(self.root.glob(f"*/*/{TEMP_PREFIX}*"))

    def stale_temp_files(self) -> list[Path]:
        """Temporary files whose writing process no longer exists (killed mid-write)."""
        out = []
        for p in self.temp_files():
            m = _TEMP_NAME.match(p.name)
            # a name without a pid is from an older version: no writer can still own it
            if m is None or not alive(int(m.group(1))):
                out.append(p)
        return out

    def remove_stale_temp_files(self) -> list[tuple[Path, int]]:
        """Delete the stale temporary files; returns (path, size) of each removed."""
        removed = []
        for p in self.stale_temp_files():
            try:
                size = p.stat().st_size
                p.unlink()
            except FileNotFoundError:
                continue
            removed.append((p, size))
        return removed
