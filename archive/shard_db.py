"""A crawl shard's own database: seeded from the archive, merged back by the one writer.

A shard crawls some sources on any machine into a SQLite file of its own (on that
machine's disk). ``seed`` copies from the archive what a crawl of those sources reads —
their ``sources`` rows, ``crawl_state`` (validators for conditional requests),
``documents``, the ``captures`` these name and the ``blobs`` rows of their bodies — so a
shard's crawl is as incremental as a local one. ``merge`` writes what the shard crawled
back into the archive, in the process that owns it:

- ``blobs``, ``warc_files``: by their keys (content hash, file path) — insert if absent;
- ``captures`` of the run: a capture already merged (same run, URL, time and WARC record)
  keeps its id; a new one gets the archive's next id, and the ``crawl_state`` and
  ``documents`` rows pointing at it follow;
- ``crawl_state``, ``documents``, ``source_runs``: upserted by their keys (``sources``
  is not merged: the nightly flow wrote those rows from the registry before the shards).

Merging the same shard twice changes nothing.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable

from archive.crawlstore import upsert_sql
from archive.db import open_db

# Tables copied into a shard by source id, and the column naming the source.
_SEED_BY_SOURCE = (("sources", "id"), ("crawl_state", "source_id"), ("documents", "source_id"))
# What identifies a capture across databases (its id is local to each).
_CAPTURE_KEY = ("run_id", "url", "fetched_at", "warc_file", "warc_offset", "method")


def seed(archive_db: str | os.PathLike, shard_db: str | os.PathLike, source_ids: Iterable[str]):
    """Create ``shard_db`` holding the archive's rows for ``source_ids`` (see above)."""
    open_db(shard_db).conn.close()  # the schema
    con = sqlite3.connect(shard_db)
    try:
        con.execute("attach database ? as a", [str(archive_db)])
        con.execute("create temp table shard_sources (id text primary key)")
        ids = [(s,) for s in source_ids]
        con.executemany("insert or ignore into shard_sources values (?)", ids)
        with con:
            for table, column in _SEED_BY_SOURCE:
                cols = _columns(con, table)
                con.execute(
                    f"insert or replace into main.{table} ({cols}) select {cols} from a.{table} "
                    f"where {column} in (select id from shard_sources)"
                )
            # the captures they name: a capture the shard adds then never takes one's id
            cols = _columns(con, "captures")
            con.execute(
                f"insert or ignore into main.captures ({cols}) select {cols} from a.captures "
                "where id in (select capture_id from main.crawl_state union "
                "select capture_id from main.documents)"
            )
            cols = _columns(con, "blobs")
            con.execute(
                f"insert or ignore into main.blobs ({cols}) select {cols} from a.blobs "
                "where sha256 in (select sha256 from main.crawl_state union "
                "select sha256 from main.documents)"
            )
        con.execute("detach database a")
    finally:
        con.close()


def _columns(con, table: str, schema: str = "main") -> str:
    return ", ".join(r[1] for r in con.execute(f"pragma {schema}.table_info({table})"))


def merge(archive_db: str | os.PathLike, shard_db: str | os.PathLike, run_id: str) -> dict:
    """Merge a finished shard's rows of ``run_id`` into the archive; returns counts."""
    db = open_db(archive_db)
    con = db.conn
    con.execute("attach database ? as s", [str(shard_db)])
    try:
        with con:
            _copy(con, "blobs", "insert or ignore")
            _copy(con, "warc_files", "insert or ignore")
            ids, new = _merge_captures(con, run_id)
            for table in ("crawl_state", "documents"):
                _merge_with_capture_ids(con, table, ids)
            _copy(con, "source_runs", "insert or replace")
        counts = {"captures_new": new, "captures": len(ids)}
    finally:
        con.execute("detach database s")
    return counts


def _copy(con, table: str, verb: str) -> None:
    cols = _columns(con, table, "s")
    con.execute(f"{verb} into main.{table} ({cols}) select {cols} from s.{table}")


def _merge_captures(con, run_id: str) -> tuple[dict[int, int], int]:
    """The shard's captures of the run, inserted unless present; shard id → archive id."""
    cols = [r[1] for r in con.execute("pragma s.table_info(captures)") if r[1] != "id"]
    where = " and ".join(f"{c} is ?" for c in _CAPTURE_KEY)
    ids, new = {}, 0
    rows = con.execute(
        f"select id, {', '.join(cols)} from s.captures where run_id = ? order by id", [run_id]
    ).fetchall()
    for shard_id, *values in rows:
        row = dict(zip(cols, values))
        found = con.execute(
            f"select id from main.captures where {where}", [row[c] for c in _CAPTURE_KEY]
        ).fetchone()
        if found is None:
            cur = con.execute(
                f"insert into main.captures ({', '.join(cols)}) "
                f"values ({', '.join('?' * len(cols))})",
                values,
            )
            found, new = (cur.lastrowid,), new + 1
        ids[shard_id] = found[0]
    return ids, new


def _merge_with_capture_ids(con, table: str, ids: dict[int, int]) -> None:
    """Upsert the shard's rows of ``table``, their capture_id translated where it names a
    capture of this run (older ones were copied from the archive and name its ids)."""
    info = con.execute(f"pragma s.table_info({table})").fetchall()
    cols = [r[1] for r in info]
    (key,) = [r[1] for r in info if r[5]]  # its primary key (documents.id, crawl_state.url)
    at = cols.index("capture_id")
    # an upsert, not INSERT OR REPLACE: the summary tables' update triggers must see a new
    # capture as they do in a local crawl
    sql = upsert_sql(f"main.{table}", cols, key)
    for row in con.execute(f"select {', '.join(cols)} from s.{table}").fetchall():
        row = list(row)
        row[at] = ids.get(row[at], row[at])
        con.execute(sql, row)
