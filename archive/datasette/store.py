"""Where the plugin finds the archive: the database and the blob store beside it.

The blob store is ``<folder of the database>/blobs`` (archive/store.py), or the plugin
setting ``nianbao: {blobs_dir: …}`` in the metadata.
"""

from __future__ import annotations

import os

from archive.researcher.names import DATABASE_NAME
from archive.store import BlobStore

PLUGIN_NAME = "nianbao"


def database(datasette):
    """The archive database: the one named ``nianbao``, else the first one served."""
    try:
        return datasette.get_database(DATABASE_NAME)
    except KeyError:
        return datasette.get_database()


def blobs_dir(datasette, db) -> str | None:
    """The folder of the blob store for ``db`` (None for an in-memory database)."""
    cfg = datasette.plugin_config(PLUGIN_NAME) or {}
    if cfg.get("blobs_dir"):
        return cfg["blobs_dir"]
    if db.path:
        return os.path.join(os.path.dirname(os.path.abspath(db.path)), "blobs")
    return None


def blob_path(blobs: str, sha256: str) -> str:
    """Path of one blob in the store at ``blobs``."""
    return str(BlobStore(blobs).path(sha256))
