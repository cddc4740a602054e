"""The writer's batches: many reports in one commit, each report whole or absent."""

from __future__ import annotations

import sqlite3

import pytest

from archive.db import WriteBatch, open_db, save_report
from nianbao.model import Cell, Report


def _report(i: int, value=1) -> Report:
    cells = [Cell("t3", "new_received", "total", value), Cell("t3", "granted", "total", i)]
    return Report(title=f"report {i}", year=2024, cells=cells)


def _committed(path) -> tuple[int, int]:
    """What another connection (a reader: Datasette) sees."""
    reader = sqlite3.connect(path)
    try:
        return reader.execute(
            "select (select count(*) from reports), (select count(*) from cells)"
        ).fetchone()
    finally:
        reader.close()


def test_a_batch_commits_every_n_writes_and_at_the_end(tmp_path):
    path = tmp_path / "nianbao.db"
    db = open_db(path)
    seen = []
    with WriteBatch(db, items=2) as batch:
        for i in range(5):
            save_report(db, {"id": f"doc{i}"}, f"{i:064x}", _report(i))
            batch.done()
            seen.append(_committed(path)[0])
    assert seen == [0, 2, 2, 4, 4]
    assert _committed(path) == (5, 10)


def test_a_failed_write_leaves_nothing_and_the_batch_keeps_the_others(tmp_path):
    path = tmp_path / "nianbao.db"
    db = open_db(path)
    with pytest.raises(sqlite3.ProgrammingError):
        with WriteBatch(db, items=100) as batch:
            for i in range(3):
                save_report(db, {"id": f"doc{i}"}, f"{i:064x}", _report(i))
                batch.done()
            # a cell SQLite cannot bind fails after the report row was written
            save_report(db, {"id": "bad"}, "f" * 64, _report(9, value=object()))
    assert _committed(path) == (3, 6)  # the three complete reports, none of the bad one
    assert not db.execute("select 1 from reports where document_id = 'bad'").fetchall()


def test_without_a_batch_every_write_commits_at_once(tmp_path):
    path = tmp_path / "nianbao.db"
    db = open_db(path)
    save_report(db, {"id": "doc1"}, "1" * 64, _report(1))
    assert _committed(path) == (1, 2)
