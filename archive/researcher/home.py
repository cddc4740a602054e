"""How the landing page groups the database: researcher views first, archive internals last.

Datasette's default home lists tables alphabetically (``blobs``, ``captures``,
``corpus_checks`` …) before any view a researcher wants; the plugin's ``index.html`` shows
these sections instead. A table or view not named here lands under the last heading, so a
new pipeline table can never hide a researcher view.
"""

from __future__ import annotations

# (heading, names in the order shown); the first section leads the page.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "研究用视图 · For researchers",
        (
            "report_list",
            "key_figures",
            "flagged_reports",
            "completeness",
            "findings_detail",
            "cell_values",
            "cell_totals",
            "table2",
            "table3",
            "table4",
        ),
    ),
    (
        "解析结果与表格格式 · Parsed reports and the form",
        ("reports", "cells", "findings", "document_versions", "form_rows", "form_columns"),
    ),
    (
        "存档内部表 · Archive internals (crawl, storage)",
        (
            "sources",
            "documents",
            "crawl_runs",
            "source_runs",
            "crawl_flags",
            "captures",
            "blobs",
            "crawl_state",
            "warc_files",
            "corpus_checks",
        ),
    ),
)
INTERNALS_HEADING = SECTIONS[-1][0]


def sections(names: list[str], hidden: set[str] = frozenset()) -> list[tuple[str, list[str]]]:
    """``names`` (tables and views of the database) grouped under :data:`SECTIONS`.

    >>> sections(["blobs", "report_list", "x_new", "cells"])[0]
    ('研究用视图 · For researchers', ['report_list'])
    >>> sections(["blobs", "report_list", "x_new"])[-1][1]
    ['blobs', 'x_new']
    """
    have = [n for n in names if n not in hidden]
    out, placed = [], set()
    for heading, wanted in SECTIONS:
        listed = [n for n in wanted if n in have]
        placed.update(listed)
        out.append((heading, listed))
    rest = sorted(n for n in have if n not in placed)
    out[-1] = (INTERNALS_HEADING, out[-1][1] + rest)
    return [(h, ns) for h, ns in out if ns]
