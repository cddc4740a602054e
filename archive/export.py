"""`nianbao export`: the main researcher views as CSV (and Parquet when pyarrow is installed).

CSV is UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly; every other
tool reads it as plain UTF-8. Parquet keeps the column types (integers, decimals, text).

Both stream: rows are read from SQLite and written in batches of :data:`BATCH`, so memory
stays bounded whatever the size of the archive (bench/db_scale.py --export measures it).

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
the archive holds text from sites nianbao does not control (a title ``=HYPERLINK(…)``).
CSV text cells that start so are written with a leading ``'`` (OWASP's advice); numbers
are untouched, and Parquet, which no spreadsheet evaluates, keeps the text verbatim.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from pathlib import Path

# view → what it holds (docs/researchers.md)
VIEWS = {
    "report_list": "one row per current report",
    "key_figures": "one row per report: headline 表三/表四 numbers, grant rate",
    "cell_values": "every 表二/表三/表四 value in long form, with labels",
    "table2": "表二 wide",
    "table3": "表三 wide (7 columns)",
    "table4": "表四 wide",
    "findings_detail": "every finding with report metadata",
    "completeness": "agency × year: found / flagged / unparseable / missing",
}
BATCH = 20_000  # rows held in memory at once
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FIRST = frozenset("=+-@\t\r ")  # a cheap first test: most cells are numbers or plain text


def neutralise(value):
    """A CSV cell a spreadsheet will not run as a formula.

    >>> neutralise('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralise("-1"), neutralise(-1), neutralise("淮安市")
    ("'-1", -1, '淮安市')
    """
    if value.__class__ is str and value[:1] in _FIRST:
        if value.lstrip(" ").startswith(FORMULA_STARTS):
            return "'" + value
    return value


def _neutral_row(row: tuple) -> tuple:
    return tuple(map(neutralise, row))


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _batches(conn: sqlite3.Connection, view: str) -> tuple[list[str], Iterator[list[tuple]]]:
    cur = conn.execute(f"select * from [{view}]")
    cols = [d[0] for d in cur.description]

    def gen():
        while rows := cur.fetchmany(BATCH):
            yield rows

    return cols, gen()


class CsvSink:
    """One view's CSV file, written batch by batch (UTF-8 with BOM, formulas neutralised)."""

    def __init__(self, path: Path, cols: list[str]):
        self.path = path
        self._f = open(path, "w", newline="", encoding="utf-8-sig")  # noqa: SIM115
        self._w = csv.writer(self._f)
        self._w.writerow(cols)

    def write(self, rows: list[tuple]) -> None:
        self._w.writerows(map(_neutral_row, rows))

    def close(self) -> None:
        self._f.close()


def export_view(conn: sqlite3.Connection, view: str, out: Path, formats: list[str]) -> list:
    """Stream one view into each format's file in a single pass; return (file, rows)."""
    cols, batches = _batches(conn, view)
    sinks = []
    if "csv" in formats:
        sinks.append(CsvSink(out / f"{view}.csv", cols))
    if "parquet" in formats:
        from archive.parquet import ParquetSink

        sinks.append(ParquetSink(out / f"{view}.parquet", cols, conn, view))
    n = 0
    try:
        for rows in batches:
            for sink in sinks:
                sink.write(rows)
            n += len(rows)
    finally:
        for sink in sinks:
            sink.close()
    return [(sink.path, n) for sink in sinks]


def export_views(
    db_path: str | Path, out_dir: str | Path, formats=None, views=None
) -> list[tuple[Path, int]]:
    """Write each view to ``out_dir/<view>.csv`` (and ``.parquet``); return (file, rows)."""
    formats = list(formats or (["csv", "parquet"] if _has_pyarrow() else ["csv"]))
    if "parquet" in formats and not _has_pyarrow():
        raise RuntimeError("Parquet export needs pyarrow (pip install pyarrow)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from archive.db import open_db

    open_db(db_path).close()  # views and summary tables exist and are current
    conn = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True)
    written = []
    try:
        for view in views or VIEWS:
            written += export_view(conn, view, out, formats)
    finally:
        conn.close()
    return written
