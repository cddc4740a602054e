"""Content-addressed storage of raw fetched bytes.

Each distinct body is written once, named by its SHA-256, under
``<root>/<aa>/<bb>/<sha256>``. Writes go to a temporary file first and are renamed
into place, so a crawl killed mid-write never leaves a truncated blob under a valid name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; return its SHA-256 and whether it was new."""
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.is_file():
            return digest, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest, True

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def verify(self, sha256: str) -> str:
        """'ok', 'missing' or 'altered' for one blob."""
        p = self.path(sha256)
        if not p.is_file():
            return "missing"
        return "ok" if sha256_hex(p.read_bytes()) == sha256 else "altered"
