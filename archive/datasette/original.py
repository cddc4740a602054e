"""``/-/original/<sha256>``: the archived bytes, exactly as fetched, served sandboxed.

The content type is the one recorded at capture. ``Content-Security-Policy: sandbox`` and
``nosniff`` keep an archived page's scripts from running on this origin.
"""

from __future__ import annotations

import mimetypes
import os
import re

from datasette.utils.asgi import NotFound, Response

from archive.datasette.store import blob_path, blobs_dir, database

_SHA = re.compile(r"^[0-9a-f]{64}$")
_CTYPE_SQL = """
select content_type, url from captures where sha256 = ? and content_type is not null
order by id limit 1"""


async def original(datasette, request) -> Response:
    """Route handler: the blob named by the URL, with its recorded content type."""
    sha = request.url_vars["sha256"]
    if not _SHA.match(sha):
        raise NotFound("not a sha256")
    db = database(datasette)
    blobs = blobs_dir(datasette, db)
    path = blob_path(blobs, sha) if blobs else ""
    if not path or not os.path.isfile(path):
        raise NotFound("this original is not in the archive's blob store")
    row = (await db.execute(_CTYPE_SQL, [sha])).rows
    ctype, url = (row[0][0], row[0][1]) if row else (None, "")
    if not ctype:
        ctype = mimetypes.guess_type(url or "")[0] or "application/octet-stream"
    with open(path, "rb") as f:
        body = f.read()
    ext = mimetypes.guess_extension(ctype.split(";")[0].strip()) or ""
    return Response(
        body,
        content_type=ctype,
        headers={
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{sha[:16]}{ext}"',
        },
    )
