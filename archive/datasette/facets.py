"""Default facets that a full-text search answers in one query.

Datasette computes each facet with its own query over the page's rows. After a search box
query those rows are the FTS matches, and every facet query runs the match again and looks
each matching report up: on a 200,000-report archive a term found in every report
(行政复议) cost ~0.14 s a facet, five facets plus the rows and the count ~1.05 s a page.
:class:`SearchColumnFacet` computes all of a table's default facets from the matches
materialised once (one ``WITH … AS MATERIALIZED`` and a ``UNION ALL`` of group-bys: 0.44 s
for the five). Without a search it is Datasette's column facet, which the facet indexes
make fast.

Metadata declares such facets as ``{"search_column": "year"}`` instead of ``"year"``; the
results have the same shape, links and type ("column") as Datasette's.
"""

from __future__ import annotations

from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from archive.researcher.names import SEARCH_FACET


class SearchColumnFacet(ColumnFacet):
    """Column facets computed together when the request has a full-text search."""

    type = SEARCH_FACET

    async def suggest(self):
        return []  # ColumnFacet suggests; these are declared facets only

    async def facet_results(self):
        if not self.request.args.get("_search"):
            results, timed_out = await super().facet_results()
            for r in results:
                r["type"] = "column"  # Datasette's own facet: shown as one
            return results, timed_out
        sources = {}  # column -> where it was asked for (metadata or request); first wins
        for c in self.get_configs():
            sources.setdefault(c["config"].get("column") or c["config"]["simple"], c["source"])
        if not sources:
            return [], []
        columns, size = list(sources), self.get_facet_size()
        try:
            rows = await self.ds.execute(
                self.database,
                _one_query(self.sql, columns, size + 1),
                self.params,
                truncate=False,
                # the budget of the separate queries it replaces: one each
                custom_time_limit=len(columns) * self.ds.setting("facet_time_limit_ms"),
            )
        except QueryInterrupted:
            return [], columns
        by_column: dict[str, list] = {c: [] for c in columns}
        for row in rows.rows:
            by_column[row["facet"]].append(row)
        results = [
            self._result(c, sorted(by_column[c], key=_order), size, sources[c]) for c in columns
        ]
        return results, []

    def _result(self, column: str, rows: list, size: int, source: str) -> dict:
        """One facet in the shape of Datasette's ColumnFacet results (metadata facets are
        not hideable; a value links to the page filtered by it, or back when selected)."""
        qs_pairs = self.get_querystring_pairs()
        column_qs = f"{column}__exact" if column.startswith("_") else column
        values = []
        for row in rows[:size]:
            selected = (column_qs, str(row["value"])) in qs_pairs
            if selected:
                path = path_with_removed_args(self.request, {column_qs: str(row["value"])})
            else:
                path = path_with_added_args(self.request, {column_qs: row["value"]})
            values.append(
                {
                    "value": row["value"],
                    "label": row["value"],
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                    "selected": selected,
                }
            )
        return {
            "name": column,
            "type": "column",
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {"_facet": column})
            ),
            "results": values,
            "truncated": len(rows) > size,
        }


def _order(row) -> tuple:
    """Datasette's facet order (count desc, value asc, numbers before text as in SQLite):
    the union's rows are sorted again rather than trusting each part's ORDER BY to survive."""
    value = row["value"]
    return (-row["count"], isinstance(value, str), value)


def _one_query(sql: str, columns: list[str], limit: int) -> str:
    """Each column's top ``limit`` values and counts over the rows of ``sql``, computed
    from one materialised copy of those rows: rows (facet, value, count)."""
    cols = ", ".join(escape_sqlite(c) for c in columns)
    parts = [
        f"select * from (select '{c.replace(chr(39), chr(39) * 2)}' as facet, "
        f"{escape_sqlite(c)} as value, count(*) as count from nianbao_matches "
        f"where {escape_sqlite(c)} is not null group by {escape_sqlite(c)} "
        f"order by count desc, value limit {int(limit)})"
        for c in columns
    ]
    return (
        f"with nianbao_matches as materialized (select {cols} from ({sql})) "
        + " union all ".join(parts)
    )
