"""nianbao's Datasette plugin, installed with the project (entry point ``datasette`` →
``nianbao`` in pyproject.toml), so every Datasette in the environment loads it.

- ``/-/report/<report_id>``: one report laid out as on the form (:mod:`.report_page`).
- ``/-/original/<sha256>``: the archived bytes, served sandboxed (:mod:`.original`).
- The landing page leads with the researcher views, archive internals under their own
  heading (``templates/index.html``, sections from :mod:`archive.researcher.home`).
- The default facets of a searched table come from one query (:mod:`.facets`).
- Cells: report ids link to the report page; URLs are links only when http(s), shown
  shortened (:mod:`.links`); the ``search`` query's excerpt marks the term.
"""

from __future__ import annotations

from contextvars import ContextVar
from urllib.parse import parse_qs

from datasette import hookimpl
from markupsafe import Markup

from archive.datasette.facets import SearchColumnFacet
from archive.datasette.links import mark_term, url_link
from archive.datasette.original import original
from archive.datasette.report_page import report_page
from archive.datasette.store import PLUGIN_NAME, database
from archive.researcher import home
from archive.researcher.metadata import PLAIN_SEARCH, UNCOUNTED
from archive.researcher.names import DATABASE_NAME
from archive.researcher.views import VIEWS

# Columns that hold a URL (shown as a short link) and the views whose report ids link to
# the report page (a base table's report_id is a foreign key Datasette links already).
URL_COLUMNS = {"url", "source_url", "final_url", "referer", "linked_from"}
REPORT_VIEWS = {*VIEWS, "table2", "table3", "table4", "flagged_reports", "document_versions"}
SEARCH_QUERY = "search"
_UNCOUNTED_PATHS = {
    f"/{DATABASE_NAME}/{t}" for t in UNCOUNTED
}  # the canned query whose excerpt gets the term marked
_PLAIN_SEARCH_PATHS = {f"/{DATABASE_NAME}/{t}{ext}" for t in PLAIN_SEARCH for ext in ("", ".json")}

# The request being answered: render_cell (Datasette 0.65) is not given it, and the search
# term it marks is a query-string parameter.
_SCOPE: ContextVar[dict | None] = ContextVar("nianbao_request_scope", default=None)


@hookimpl
def register_facet_classes():
    return [SearchColumnFacet]


@hookimpl
def register_routes():
    return [
        (r"^/-/report/(?P<report_id>[^/]+)$", report_page),
        (r"^/-/original/(?P<sha256>[^/]+)$", original),
    ]


PLAIN_SEARCH_ARGS = b"_nofacet=1&_nocount=1&_sort=id"


def _plain_search_location(scope: dict) -> bytes | None:
    """Where a search on a wide table (reports) without a sort or facet of its own is sent:
    the same page in primary-key order, without the default facets and the count of matches,
    each of which reads every matching row with its text
    (archive.researcher.metadata.PLAIN_SEARCH). A redirect, not a rewrite: the page's links
    and forms then carry what the page shows, and a user can drop any of the three."""
    if scope.get("type") != "http" or scope.get("path", "") not in _PLAIN_SEARCH_PATHS:
        return None
    query = scope.get("query_string", b"")
    args = parse_qs(query.decode("utf-8", "replace"))
    if not args.get("_search") or any(k.startswith(("_sort", "_facet")) for k in args):
        return None
    path = scope.get("root_path", "") + scope["path"]
    return path.encode("utf-8") + b"?" + query + b"&" + PLAIN_SEARCH_ARGS


async def _redirect(send, location: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 302,
            "headers": [(b"location", location), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def _without_count(scope: dict) -> dict:
    """An unfiltered page of a long table skips Datasette's count of every row (seconds
    at national size: 40 M cells); any filter, sort or facet keeps the count."""
    path = scope.get("path", "")
    if scope.get("type") != "http" or path not in _UNCOUNTED_PATHS:
        return scope
    query = scope.get("query_string", b"")
    if any(not k.startswith("_") or k == "_facet" for k in parse_qs(query.decode())):
        return scope
    return {**scope, "query_string": query + (b"&" if query else b"") + b"_nocount=1"}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_scope(scope, receive, send):
            if (location := _plain_search_location(scope)) is not None:
                await _redirect(send, location)
                return
            scope = _without_count(scope)
            token = _SCOPE.set(scope)
            try:
                await app(scope, receive, send)
            finally:
                _SCOPE.reset(token)

        return with_scope

    return wrap


def _search_term() -> str:
    scope = _SCOPE.get()
    if not scope or not scope.get("path", "").endswith(f"/{SEARCH_QUERY}"):
        return ""
    args = parse_qs(scope.get("query_string", b"").decode("utf-8", "replace"))
    return (args.get("q") or [""])[0]


@hookimpl
def render_cell(value, column, table, database, datasette):
    if not isinstance(value, str) or not value:
        return None
    if column in URL_COLUMNS:
        return url_link(value)
    if column == "excerpt" and table is None:
        term = _search_term()
        return mark_term(value, term) if term else None
    if (column == "report_id" or column.endswith("_report_id")) and (
        table is None or table in REPORT_VIEWS
    ):
        href = datasette.urls.path("/-/report/") + value
        return Markup('<a href="{}">{}</a>').format(href, value)
    return None


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(PLUGIN_NAME, "nianbao.css")]


@hookimpl
def menu_links(datasette):
    return [
        {"href": datasette.urls.path("/-/dashboards/nianbao"), "label": "图表 Charts"},
        {"href": datasette.urls.path(f"/{DATABASE_NAME}/report_list"), "label": "报告一览 Reports"},
    ]


@hookimpl
def extra_template_vars(template, datasette, request):
    if template != "index.html":
        return {}

    async def home_vars():
        return {"nianbao_home": await home_sections(datasette, request)}

    return home_vars


async def home_sections(datasette, request) -> dict:
    """The archive's tables and views grouped for the landing page, with their titles."""
    db = database(datasette)
    names = await db.table_names() + await db.view_names()
    hidden = set(await db.hidden_table_names())
    groups = []
    for heading, members in home.sections(names, hidden):
        items = []
        for name in members:
            meta = datasette.table_metadata(db.name, name)
            items.append(
                {
                    "name": name,
                    "url": datasette.urls.table(db.name, name),
                    "title": meta.get("title") or name,
                    "description": (meta.get("description") or "").split(" — ")[0],
                }
            )
        internal = heading == home.INTERNALS_HEADING
        groups.append({"heading": heading, "entries": items, "internal": internal})
    actor = request.actor if request else None
    queries = await datasette.get_canned_queries(db.name, actor)
    return {
        "database": db.name,
        "groups": groups,
        "queries": [
            {"url": datasette.urls.query(db.name, n), "title": q.get("title") or n, "name": n}
            for n, q in queries.items()
        ],
    }
