"""Multiply a synthetic seed archive into a national-size one, in SQL (bench/synth_archive.py).

Generating every report through demo/corpus.py and the checks costs ~13 ms a report on one
core (62.7 min for 200,000 on the loaded project machine). Timing the researcher pages needs
a realistic *shape* (distinct agencies, regions and years, FTS text, flags in the seed's
proportions), not 200,000 independently drawn tables. So :func:`multiply` takes a seed of
``N`` agencies built the slow way and appends ``copies - 1`` copies of it, copy ``k`` being
agencies ``k·N … k·N + N - 1`` of :func:`synth_archive.agencies`: their own names, regions,
source ids, hosts, URLs, document and report ids, content hashes and capture ids; the
report text and titles name the new agency and region. The numbers in the tables, the
findings and the flags are the seed's (each seed report appears ``copies`` times under
different agencies): flags, incompleteness, unparseable documents, missing years and
attachments keep the seed's proportions.

The report-level tables (a few rows a report) are rewritten in Python; ``cells`` and
``findings`` (~250 rows a report) are copied with ``INSERT … SELECT`` through a table that
maps each seed report id to its copy, in the copy's key order (the primary-key index then
grows at its end instead of at random places).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time

from archive.db import doc_id, report_id

SMALL_TABLES = ("sources", "documents", "captures", "blobs", "reports")


def _rows(conn: sqlite3.Connection, table: str) -> tuple[list[str], list[tuple]]:
    cur = conn.execute(f"select * from [{table}] order by rowid")
    return [d[0] for d in cur.description], cur.fetchall()


def _new_sha(sha: str | None, k: int) -> str | None:
    return None if sha is None else hashlib.sha256(f"{sha}:{k}".encode()).hexdigest()


class _Copy:
    """How one copy renames the seed: agencies, regions, hosts, hashes, ids."""

    def __init__(self, k: int, seed_agencies: list, everyone: list, cap_offset: int):
        self.k, self.cap_offset = k, cap_offset
        n = len(seed_agencies)
        self.sources: dict[str, tuple] = {}  # seed source id → (new id, renames)
        for idx, agency in seed_agencies:
            new_idx, new = everyone[idx + k * n]
            renames = [(f"a{idx:06d}", f"a{new_idx:06d}"), (agency.name, new.name)]
            renames.append((agency.region, new.region))
            self.sources[f"a{idx:06d}"] = (f"a{new_idx:06d}", renames, new)
        self.docs: dict[str, str] = {}
        self.reports: dict[str, str] = {}

    def text(self, sid: str, s):
        if not isinstance(s, str):
            return s
        for old, new in self.sources[sid][1]:
            s = s.replace(old, new)
        return s

    def sha(self, sha):
        return _new_sha(sha, self.k)


def _source(c: _Copy, r: dict) -> dict:
    sid = r["id"]
    new = c.sources[sid][2]
    return {**{k: c.text(sid, v) for k, v in r.items()}, "agency": new.name, "region": new.region}


def _document(c: _Copy, r: dict) -> dict:
    sid = r["source_id"]
    out = {k: c.text(sid, v) for k, v in r.items()}
    out["id"] = c.docs.setdefault(r["id"], doc_id(out["url"]))
    out["source_id"] = c.sources[sid][0]
    out |= {"sha256": c.sha(r["sha256"]), "parsed_sha256": c.sha(r["parsed_sha256"])}
    out["capture_id"] = r["capture_id"] + c.cap_offset
    return out


def _capture(c: _Copy, r: dict) -> dict:
    sid = r["source_id"]
    out = {k: c.text(sid, v) for k, v in r.items()}
    out |= {"id": r["id"] + c.cap_offset, "source_id": c.sources[sid][0]}
    out["sha256"] = c.sha(r["sha256"])
    return out


def _blob(c: _Copy, r: dict) -> dict:
    sha = c.sha(r["sha256"])
    return {**r, "sha256": sha, "path": f"{sha[:2]}/{sha[2:4]}/{sha}"}


def _report(c: _Copy, r: dict) -> dict:
    sid = r["source_id"]
    out = {k: c.text(sid, v) for k, v in r.items()}
    did = c.docs[r["document_id"]]
    sha = c.sha(r["sha256"])
    new = c.sources[sid][2]
    out |= {"id": report_id(did, sha), "document_id": did, "sha256": sha}
    out |= {"source_id": c.sources[sid][0], "agency": new.name, "region": new.region}
    c.reports[r["id"]] = out["id"]
    return out


_REWRITE = {
    "sources": _source,
    "documents": _document,
    "captures": _capture,
    "blobs": _blob,
    "reports": _report,
}


def _insert(conn: sqlite3.Connection, table: str, cols: list[str], rows) -> None:
    conn.executemany(
        f"insert into [{table}] ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
        ([r[c] for c in cols] for r in rows),
    )


def _copy_long_tables(conn: sqlite3.Connection, mapping: dict[str, str]) -> None:
    conn.execute("delete from temp.rid_map")
    conn.executemany("insert into temp.rid_map values (?, ?)", sorted(mapping.items()))
    for table in ("cells", "findings"):
        cols = [r[1] for r in conn.execute(f"pragma table_info([{table}])")][1:]
        assert [r[1] for r in conn.execute(f"pragma table_info([{table}])")][0] == "report_id"
        conn.execute(
            f"insert into [{table}] (report_id, {', '.join(cols)}) "
            f"select m.new_id, {', '.join('t.' + c for c in cols)} "
            f"from temp.rid_map m cross join [{table}] t on t.report_id = m.old_id "
            f"order by m.new_id"
        )


def multiply(conn: sqlite3.Connection, seed_agencies: list, everyone: list, copies: int, log=print):
    """Append ``copies - 1`` renamed copies of the seed archive in ``conn`` (which holds
    exactly the rows of ``seed_agencies``, the first agencies of ``everyone``)."""
    seed = {t: _rows(conn, t) for t in SMALL_TABLES}
    max_cap = conn.execute("select coalesce(max(id), 0) from captures").fetchone()[0]
    conn.execute("create temp table rid_map (old_id text, new_id text primary key)")
    t0 = time.perf_counter()
    for k in range(1, copies):
        c = _Copy(k, seed_agencies, everyone, cap_offset=k * max_cap)
        with conn:
            for table in SMALL_TABLES:
                cols, rows = seed[table]
                _insert(conn, table, cols, (_REWRITE[table](c, dict(zip(cols, r))) for r in rows))
            _copy_long_tables(conn, c.reports)
        log(f"  copy {k + 1}/{copies} ({time.perf_counter() - t0:.0f} s)", end="\r")
    log("")
