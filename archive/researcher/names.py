"""Names the researcher modules and the Datasette plugin share (one place each)."""

FTS_TABLE = "reports_fts"
FTS_COLUMNS = ("title", "agency", "text")
DATABASE_NAME = "nianbao"  # Datasette names a database after its file: data/nianbao.db
# Metadata facet type of the default facets of a searchable table (archive/datasette/facets.py)
SEARCH_FACET = "search_column"
