"""The Datasette command line `nianbao serve` runs (the tests start the same one).

The plugin (report pages, originals, links, templates) is installed with the project
through the ``datasette`` entry point in pyproject.toml, so no ``--plugins-dir`` or
``--template-dir`` is needed: any Datasette in this environment loads it.
"""

from __future__ import annotations

import sys
from os import PathLike
from pathlib import Path

METADATA_FILE = Path(__file__).resolve().parent.parent / "datasette" / "metadata.yaml"

# Limits that keep one slow query from holding the server (docs/scaling.md has the figures).
SETTINGS = {
    # Suggested facets cost one query per column and facet type (up to 50 ms each): 2-3 s
    # per table page at 200,000 reports. Facets stay one click away in each column's menu.
    "suggest_facets": "off",
    # Datasette's default: every researcher page answers in well under 1 s on a
    # 200,000-report archive (docs/scaling.md); an ad-hoc sum over all 40 M cells fails
    # fast instead of holding a thread (cell_totals has those sums).
    "sql_time_limit_ms": 1000,
    "facet_time_limit_ms": 1000,
    "truncate_cells_html": 300,
    # SQLite's page cache per connection (default 2 MB): the pages a search box's facets
    # read (200,000 rows of report_facts, ~120 MB) stay in memory instead of being read
    # through the OS on every query (2.99 s → 1.80 s for that page at 200,000 reports).
    "cache_size_kb": 262144,
}


def datasette_command(
    db_path: str | PathLike, port: int, host: str = "127.0.0.1", metadata: Path | None = None
) -> list[str]:
    """The argv of ``datasette serve`` for the archive at ``db_path``."""
    cmd = [sys.executable, "-m", "datasette", "serve", str(db_path)]
    cmd += ["--host", host, "--port", str(port), "--metadata", str(metadata or METADATA_FILE)]
    for name, value in SETTINGS.items():
        cmd += ["--setting", name, str(value)]
    return cmd
