"""``python -m archive.researcher [OUT]``: regenerate archive/datasette/metadata.yaml.

The metadata is written from an empty in-memory database with the full schema, so every
table, view and column is described; tests/test_datasette.py fails when the file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sqlite_utils

from archive.db import ensure_schema
from archive.researcher.metadata import metadata_yaml
from archive.researcher.serve import METADATA_FILE


def main(argv: list[str] | None = None) -> None:
    """Write the metadata YAML to ``argv[0]`` (default: the file `nianbao serve` reads)."""
    argv = sys.argv[1:] if argv is None else argv
    db = sqlite_utils.Database(memory=True)
    ensure_schema(db)
    out = Path(argv[0]) if argv else METADATA_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(metadata_yaml(db), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
