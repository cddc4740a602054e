"""`nianbao export`: the main researcher views as CSV (and Parquet when pyarrow is installed).

CSV is UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly; every other
tool reads it as plain UTF-8. Parquet keeps the column types (integers, decimals, text).
"""

from __future__ import annotations

import csv
import sqlite3
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


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


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

    open_db(db_path).close()  # views exist and are current
    conn = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True)
    written = []
    try:
        for view in views or VIEWS:
            cur = conn.execute(f"select * from [{view}]")
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
            if "csv" in formats:
                path = out / f"{view}.csv"
                with open(path, "w", newline="", encoding="utf-8-sig") as f:
                    w = csv.writer(f)
                    w.writerow(cols)
                    w.writerows(rows)
                written.append((path, len(rows)))
            if "parquet" in formats:
                path = out / f"{view}.parquet"
                _write_parquet(path, cols, rows)
                written.append((path, len(rows)))
    finally:
        conn.close()
    return written


def _write_parquet(path: Path, cols: list[str], rows: list[tuple]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for i, _ in enumerate(cols):
        values = [r[i] for r in rows]
        kinds = {type(v) for v in values if v is not None}
        if kinds <= {int}:
            typ = pa.int64()
        elif kinds <= {int, float}:
            typ, values = pa.float64(), [None if v is None else float(v) for v in values]
        elif kinds <= {bytes}:
            typ = pa.binary()
        else:
            typ, values = pa.string(), [None if v is None else str(v) for v in values]
        arrays.append(pa.array(values, type=typ))
    pq.write_table(pa.Table.from_arrays(arrays, names=cols), path)
