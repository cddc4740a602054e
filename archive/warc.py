"""WARC files (ISO 28500, written with warcio) next to the content-addressed blob store.

One gzipped WARC file per crawl process: ``<data>/warc/<run_id>/<stamp>-<pid>.warc.gz``.
For every fetch it holds a ``request`` record and then

- a ``response`` record (status line, headers, body) for a response,
- a ``revisit`` record (profile *server-not-modified*) for a 304, pointing at the URL
  and the payload digest of the body it confirmed,
- nothing more when no response came (timeout, refused): the request record only.

Each record is its own gzip member and the file is flushed after every fetch, so a crawl
killed midway leaves every record that a ``captures`` row points at readable.
``captures.warc_file`` (relative to the data folder), ``warc_offset`` and ``warc_length``
locate the record; :func:`read_record` reads it back.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from nianbao.config import USER_AGENT
from nianbao.lean_imports import hidden

with hidden("fsspec"):  # only its command-line tools' helper uses it (nianbao.lean_imports)
    from warcio.archiveiterator import ArchiveIterator
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

_REASONS = {
    200: "OK",
    204: "No Content",
    206: "Partial Content",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
# Headers that describe the transfer, not the body as stored (Scrapy has undone them).
_DROP = {"transfer-encoding", "content-encoding", "content-length"}


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes (``sha1:`` + base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(iso: str | None = None) -> str:
    if iso:
        try:
            dt = datetime.fromisoformat(iso)
            return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            pass
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class WarcLog:
    """An append-only WARC file for one crawl process (opened on first write)."""

    def __init__(self, data_dir: str | os.PathLike, run_id: str):
        self.data_dir = Path(data_dir)
        self.run_id = run_id
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        safe_run = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
        self.relpath = f"warc/{safe_run}/{stamp}-{os.getpid()}.warc.gz"
        self.path = self.data_dir / self.relpath
        self._f = None
        self._writer: WARCWriter | None = None
        self.records = 0

    @property
    def is_open(self) -> bool:
        return self._f is not None

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "ab")
        self._writer = WARCWriter(self._f, gzip=True)
        info = self._writer.create_warcinfo_record(
            self.path.name,
            {
                "software": "nianbao crawler (warcio)",
                "format": "WARC File Format 1.0",
                "http-header-user-agent": USER_AGENT,
                "isPartOf": self.run_id,
            },
        )
        self._writer.write_record(info)
        self.records += 1

    def _write(self, record) -> tuple[int, int]:
        if self._f is None:
            self._open()
        offset = self._f.tell()
        self._writer.write_record(record)
        self.records += 1
        return offset, self._f.tell() - offset

    def write_fetch(
        self,
        *,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes,
        status: int | None,
        response_headers: list[tuple[str, str]],
        body: bytes | None,
        revisit_of: tuple[str, str] | None = None,
    ) -> tuple[int, int]:
        """Write the request and (if any) response or revisit record; return (offset, length)
        of the last record written. ``revisit_of`` = (original fetch time ISO, URL)."""
        parts = url.split("/", 3)
        target = "/" + (parts[3] if len(parts) > 3 else "")
        req = self._writer_or_open().create_warc_record(
            url,
            "request",
            payload=BytesIO(request_body or b""),
            http_headers=StatusAndHeaders(
                f"{method} {target} HTTP/1.1", request_headers, is_http_request=True
            ),
        )
        req_id = req.rec_headers.get_header("WARC-Record-ID")
        offset, length = self._write(req)
        if status is None:
            self._f.flush()
            return offset, length
        status_line = f"{status} {_REASONS.get(status, 'Unknown')}"
        headers = [(k, v) for k, v in response_headers if k.lower() not in _DROP]
        if revisit_of is not None and body is not None:
            when, original = revisit_of
            rec = self._writer.create_revisit_record(
                url,
                payload_digest(body),
                original,
                warc_date(when),
                http_headers=StatusAndHeaders(status_line, headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Concurrent-To": req_id},
            )
        else:
            body = body or b""
            headers.append(("Content-Length", str(len(body))))
            rec = self._writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=StatusAndHeaders(status_line, headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Concurrent-To": req_id},
            )
        offset, length = self._write(rec)
        self._f.flush()
        return offset, length

    def _writer_or_open(self) -> WARCWriter:
        if self._writer is None:
            self._open()
        return self._writer

    def close(self) -> dict | None:
        """Close the file; return its path (relative), size, sha256 and record count."""
        if self._f is None:
            return None
        self._f.close()
        self._f = self._writer = None
        return {
            "path": self.relpath,
            "size": self.path.stat().st_size,
            "sha256": file_sha256(self.path),
            "records": self.records,
        }


def read_record(path: str | os.PathLike, offset: int) -> tuple[str, str | None, bytes]:
    """(record type, HTTP status code, payload bytes) of the record at ``offset``."""
    with open(path, "rb") as f:
        f.seek(offset)
        for record in ArchiveIterator(f):
            status = record.http_headers.get_statuscode() if record.http_headers else None
            return record.rec_type, status, record.content_stream().read()
    raise ValueError(f"no WARC record at offset {offset} of {path}")
