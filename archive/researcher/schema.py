"""The researcher's side of the schema: facet indexes, the form's reference tables, the
stable views and the Chinese full-text index.

Called at the end of :func:`archive.db.ensure_schema`, so every ``open_db`` brings an older
database up to date. Everything here is derived from the pipeline's tables and safe to run
again: indexes ``if not exists``, views replaced, the FTS index created once (and filled
from existing rows) and then kept current by triggers. The view SQL is in
:mod:`archive.researcher.views`.

Full-text search: ``reports_fts`` (FTS5, trigram tokenizer) over title, agency and text.
SQLite 3.40's trigram index only answers queries of 3+ characters, so the canned query
``search`` (:mod:`archive.researcher.queries`) falls back to ``instr`` on the base table
for 1–2 character queries (e.g. 复议).
"""

from __future__ import annotations

import sqlite_utils

from archive.researcher import summaries
from archive.researcher.names import FTS_COLUMNS, FTS_TABLE
from archive.researcher.views import VIEWS
from nianbao import form

INDEXES = [
    ("reports", ["is_current", "year"]),
    ("reports", ["region"]),
    ("reports", ["level"]),
    ("reports", ["status"]),
    ("reports", ["source_id"]),
    ("reports", ["agency", "year"]),
    ("findings", ["status", "rule"]),
    ("findings", ["severity"]),
    ("documents", ["capture_id"]),
    ("cells", ["tbl", "row_key", "col_key"]),
    # Covering: a sum over one column of the form across reports (the README's third
    # query) reads only this index, not 40 M table rows.
    ("cells", ["tbl", "col_key", "row_key", "report_id", "value"]),
    ("sources", ["region"]),
    ("sources", ["level"]),
]

# --- reference tables: the form's rows and columns, labels as printed --------------------


def _form_rows() -> list[dict]:
    out = []
    for tbl, rows in form.ROWS.items():
        for i, r in enumerate(rows, 1):
            out.append(
                {
                    "tbl": tbl,
                    "row_key": r.key,
                    "position": i,
                    "block": r.block,
                    "label": r.label,
                    "formats": "2019 2021",
                }
            )
            if tbl == form.T3 and r.key == "other_no_correction":
                s = form.T3_OTHER_SINGLE
                out.append(
                    {
                        "tbl": tbl,
                        "row_key": s.key,
                        "position": i,
                        "block": s.block,
                        "label": s.label,
                        "formats": "2019",
                    }
                )
    for row in out:
        if row["row_key"] in form.T3_OTHER_SPLIT:
            row["formats"] = "2021"
    return out


def _form_columns() -> list[dict]:
    out = [
        {
            "tbl": form.T2,
            "col_key": c.key,
            "position": i,
            "label": c.label,
            "is_decimal": int(c.decimal),
        }
        for i, c in enumerate(form.T2_COLUMNS.values(), 1)
    ]
    out += [
        {"tbl": form.T3, "col_key": c.key, "position": i, "label": c.label, "is_decimal": 0}
        for i, c in enumerate(form.T3_COLUMNS, 1)
    ]
    out += [
        {"tbl": form.T4, "col_key": c.key, "position": i, "label": c.label, "is_decimal": 0}
        for i, c in enumerate(form.T4_COLUMNS, 1)
    ]
    return out


def _sync(db: sqlite_utils.Database, name: str, rows: list[dict], pk: tuple[str, ...]) -> None:
    """Write a small reference table only when it differs (open_db runs on every stage)."""
    cols = list(rows[0])
    if db[name].exists() and set(cols) <= set(db[name].columns_dict):
        have = [
            tuple(r)
            for r in db.execute(
                f"select {', '.join(cols)} from [{name}] order by {', '.join(pk)}"
            ).fetchall()
        ]
        want = sorted(tuple(r[c] for c in cols) for r in rows)
        if sorted(have) == want:
            return
    with db.conn:
        if db[name].exists():
            db[name].drop()
        db[name].insert_all(rows, pk=pk)


def _ensure_fts(db: sqlite_utils.Database) -> None:
    if db[FTS_TABLE].exists():
        return
    cols = ", ".join(FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    # content="reports" (double quotes) is how Datasette detects the FTS table of ``reports``.
    # The update trigger fires only when an indexed column changes, not on status updates.
    db.executescript(f"""
create virtual table [{FTS_TABLE}] using fts5({cols}, content="reports", tokenize='trigram');
insert into [{FTS_TABLE}] (rowid, {cols}) select rowid, {cols} from reports;
create trigger if not exists reports_fts_ai after insert on reports begin
  insert into [{FTS_TABLE}] (rowid, {cols}) values (new.rowid, {new});
end;
create trigger if not exists reports_fts_ad after delete on reports begin
  insert into [{FTS_TABLE}] ([{FTS_TABLE}], rowid, {cols}) values ('delete', old.rowid, {old});
end;
create trigger if not exists reports_fts_au after update of {cols} on reports begin
  insert into [{FTS_TABLE}] ([{FTS_TABLE}], rowid, {cols}) values ('delete', old.rowid, {old});
  insert into [{FTS_TABLE}] (rowid, {cols}) values (new.rowid, {new});
end;
""")


def ensure_researcher_schema(db: sqlite_utils.Database) -> None:
    """Indexes, reference tables, summary tables, views and the FTS index; idempotent.
    Ends with a refresh of the summary tables (a no-op when no report changed)."""
    for table, cols in INDEXES:
        if db[table].exists():
            db[table].create_index(cols, if_not_exists=True)
    _sync(db, "form_rows", _form_rows(), ("tbl", "row_key"))
    _sync(db, "form_columns", _form_columns(), ("tbl", "col_key"))
    _ensure_fts(db)
    summaries.ensure(db)
    for name, sql in VIEWS.items():
        db.create_view(name, sql.rstrip(), replace=True)
    summaries.refresh(db)
