"""Where nianbao keeps its data, and the defaults every command shares.

Everything lives under one data folder (default ``./data``, or ``$NIANBAO_DATA``):
the database ``nianbao.db``, the raw bytes under ``blobs/``, WARC files under ``warc/``,
Prefect's home under ``prefect/`` and the generated demo sites under ``demo/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    data: Path

    @property
    def db(self) -> Path:
        return self.data / "nianbao.db"

    @property
    def blobs(self) -> Path:
        return self.data / "blobs"

    @property
    def prefect_home(self) -> Path:
        return self.data / "prefect"

    @property
    def demo(self) -> Path:
        return self.data / "demo"

    @property
    def warc(self) -> Path:
        return self.data / "warc"


def paths(data: str | os.PathLike | None = None) -> Paths:
    """The data folder layout, from an explicit folder, ``$NIANBAO_DATA`` or ``./data``."""
    root = data or os.environ.get("NIANBAO_DATA") or "data"
    return Paths(Path(root).resolve())


USER_AGENT = (
    "nianbao/0.1 (+https://github.com/nianbao/nianbao; archival crawler of 政府信息公开年报)"
)
