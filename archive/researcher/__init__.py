"""The researcher's side of the archive: what `nianbao serve` and `nianbao export` publish.

One job per module, none importing :mod:`archive.db` except the generator in ``__main__``
(``archive.db.ensure_schema`` calls :func:`archive.researcher.schema.ensure_researcher_schema`):

- :mod:`~archive.researcher.views`         the stable views, as SQL
- :mod:`~archive.researcher.schema`        facet indexes, reference tables, views, FTS (idempotent)
- :mod:`~archive.researcher.queries`       the canned queries
- :mod:`~archive.researcher.descriptions`  every table, view and column in Chinese and English
- :mod:`~archive.researcher.dashboard`     the charts page
- :mod:`~archive.researcher.home`          how the landing page groups tables and views
- :mod:`~archive.researcher.metadata`      Datasette metadata built from the above, as YAML
- :mod:`~archive.researcher.serve`         the Datasette command line of `nianbao serve`
- ``python -m archive.researcher``         regenerates ``archive/datasette/metadata.yaml``

The Datasette plugin (report pages, originals, links) is the package :mod:`archive.datasette`.
"""
