"""Parquet files written batch by batch (``nianbao export``), with types read from the data.

SQLite values carry no column type in a view, so the schema is taken from the first batch:
integers → int64, any float → float64, bytes → binary, anything else → string. A column
that is NULL throughout the first batch is typed from its first non-NULL value in the view
(string when there is none). Later batches are cast to that schema (an integer in a float
column becomes a float; a value in a string column is written as text).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def arrow_type(values: list) -> pa.DataType | None:
    """The Arrow type of a column's values, or None when they are all NULL.

    >>> arrow_type([1, None, 2]), arrow_type([1, 2.5]), arrow_type(["a", 1]), arrow_type([None])
    (DataType(int64), DataType(double), DataType(string), None)
    """
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return None
    if kinds <= {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    if kinds <= {bytes}:
        return pa.binary()
    return pa.string()


def _cast(values: list, typ: pa.DataType) -> pa.Array:
    if typ == pa.float64():
        values = [None if v is None else float(v) for v in values]
    elif typ == pa.string():
        values = [None if v is None else str(v) for v in values]
    elif typ == pa.int64() and any(isinstance(v, float) for v in values):
        # Promoting the whole file is not possible once written: keep integral floats.
        values = [None if v is None else int(v) if float(v).is_integer() else v for v in values]
    return pa.array(values, type=typ)


class ParquetSink:
    """One view's Parquet file; the schema is fixed by the first batch written."""

    def __init__(self, path: Path, cols: list[str], conn: sqlite3.Connection, view: str):
        self.path, self.cols, self._conn, self._view = path, cols, conn, view
        self._writer: pq.ParquetWriter | None = None
        self._types: list[pa.DataType] = []

    def _probe(self, col: str) -> pa.DataType:
        row = self._conn.execute(
            f"select [{col}] from [{self._view}] where [{col}] is not null limit 1"
        ).fetchone()
        return (arrow_type([row[0]]) if row else None) or pa.string()

    def write(self, rows: list[tuple]) -> None:
        columns = list(zip(*rows)) if rows else [[] for _ in self.cols]
        if self._writer is None:
            self._types = [
                arrow_type(list(vals)) or self._probe(col) for col, vals in zip(self.cols, columns)
            ]
            schema = pa.schema(list(zip(self.cols, self._types)))
            self._writer = pq.ParquetWriter(self.path, schema)
        arrays = [_cast(list(vals), typ) for vals, typ in zip(columns, self._types)]
        self._writer.write_table(pa.Table.from_arrays(arrays, names=self.cols))

    def close(self) -> None:
        if self._writer is None:  # an empty view: a file with the columns, typed as text
            self.write_empty()
        self._writer.close()

    def write_empty(self) -> None:
        schema = pa.schema([(c, pa.string()) for c in self.cols])
        self._writer = pq.ParquetWriter(self.path, schema)
