"""Opening the archive is safe to repeat and to do from several processes at once (the
crawl processes of a night each open it as they start)."""

from __future__ import annotations

import multiprocessing

from archive.db import open_db


def _schema_version(path) -> int:
    db = open_db(path)
    try:
        return db.execute("pragma schema_version").fetchone()[0]
    finally:
        db.conn.close()


def test_reopening_leaves_the_schema_alone(tmp_path):
    # every schema change on open (a trigger dropped and recreated) is a race with the
    # other processes opening the database at the same moment
    path = tmp_path / "nianbao.db"
    first = _schema_version(path)
    assert [_schema_version(path) for _ in range(3)] == [first] * 3


def _open_many(path: str, times: int) -> None:
    for _ in range(times):
        open_db(path).conn.close()


def _open_at_once(path: str, times: int, processes: int = 4) -> list[int]:
    """Exit codes of ``processes`` processes each opening the archive ``times`` times."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_open_many, args=(path, times)) for _ in range(processes)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    return [p.exitcode for p in procs]


def test_processes_opening_at_once_all_succeed(tmp_path):
    path = str(tmp_path / "nianbao.db")
    open_db(path).conn.close()
    assert _open_at_once(path, times=5) == [0, 0, 0, 0]


def test_an_older_archive_opened_at_once_loses_its_retired_triggers(tmp_path):
    # an archive written before the per-row cell and finding triggers were retired
    from archive.researcher.summaries import RETIRED_TRIGGERS

    path = str(tmp_path / "nianbao.db")
    db = open_db(path)
    for name in RETIRED_TRIGGERS:
        table = "cells" if "cells" in name else "findings"
        event = "insert" if name.endswith("_ai") else "delete"
        db.execute(f"create trigger {name} after {event} on {table} begin select 1; end")
    db.conn.commit()
    db.conn.close()
    assert _open_at_once(path, times=1) == [0, 0, 0, 0]
    db = open_db(path)
    left = {r[0] for r in db.execute("select name from sqlite_master where type = 'trigger'")}
    assert not left & set(RETIRED_TRIGGERS)
