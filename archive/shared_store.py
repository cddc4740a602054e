"""The bytes machines share: blobs, WARC files and shard databases, behind one interface.

A store has a root holding ``blobs/`` (content-addressed bodies), ``warc/`` (WARC files,
named as ``captures.warc_file`` names them) and ``shards/`` (the database files crawl
shards hand back). The root is

- a local folder (the default: the data folder itself, so ``blobs/`` and ``warc/`` are
  where they always were) — blobs keep archive.store's durability (fsync, rename, fsync
  of the folder); a ``file://`` URL is the same local folder;
- any other fsspec URL (``s3://bucket/nianbao``, ``memory://x`` in tests): blobs are
  written to a temporary key and moved into place, so a reader never sees half a body
  under a valid name (on S3 a put is atomic anyway).

Only bytes go through a store. SQLite files never live on a shared filesystem: a shard
database is copied to the store as a file when finished and copied to local disk before it
is opened (flows/shards.py).

>>> store = SharedStore("memory://doctest-store")
>>> digest, new = store.blobs.put(b"hello")
>>> store.blobs.get(digest), new, store.blobs.put(b"hello")[1]
(b'hello', True, False)
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from archive.store import TEMP_PREFIX, BlobStore, sha256_hex

# The setting naming the shared store's root (a folder or an fsspec URL).
STORE_ENV = "NIANBAO_STORE"


def is_local(location: str | os.PathLike) -> bool:
    """True for a plain path or a ``file://`` URL."""
    text = str(location)
    return "://" not in text or text.startswith("file://")


def local_path(location: str | os.PathLike) -> Path:
    text = str(location)
    return Path(text.removeprefix("file://")) if text.startswith("file://") else Path(text)


class FsspecBlobStore:
    """BlobStore's reading and writing methods on an fsspec filesystem."""

    def __init__(self, url: str):
        import fsspec

        self.url = url.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.url)

    def key(self, sha256: str) -> str:
        return f"{self.root}/{self.relpath(sha256)}"

    def relpath(self, sha256: str) -> str:
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def exists(self, sha256: str) -> bool:
        return self.fs.exists(self.key(sha256))

    def size(self, sha256: str) -> int:
        return self.fs.size(self.key(sha256))

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; return its SHA-256 and whether it was written (new, or a copy of
        the wrong size replaced)."""
        digest = sha256_hex(data)
        target = self.key(digest)
        if self.fs.exists(target) and self.fs.size(target) == len(data):
            return digest, False
        tmp = f"{target.rsplit('/', 1)[0]}/{TEMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
        self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        self.fs.pipe_file(tmp, data)
        self.fs.mv(tmp, target)
        return digest, True

    def get(self, sha256: str) -> bytes:
        return self.fs.cat_file(self.key(sha256))

    def verify(self, sha256: str) -> str:
        """'ok', 'missing' or 'altered' for one blob."""
        if not self.exists(sha256):
            return "missing"
        return "ok" if sha256_hex(self.get(sha256)) == sha256 else "altered"

    def remove_stale_temp_files(self) -> list[tuple[str, int]]:
        """Nothing: whether a temporary key's writer still runs (perhaps on another machine)
        cannot be told from here, so none is removed."""
        return []


def open_blob_store(location: str | os.PathLike) -> BlobStore | FsspecBlobStore:
    """The blob store at ``location``: a local folder (archive.store.BlobStore, durable)
    or an fsspec URL."""
    if is_local(location):
        return BlobStore(local_path(location))
    return FsspecBlobStore(str(location))


class SharedStore:
    """One root of shared bytes: ``blobs``, and files by key (``warc/…``, ``shards/…``)."""

    def __init__(self, location: str | os.PathLike):
        self.location = str(location)
        self.local = is_local(location)
        if self.local:
            self.root = local_path(location).resolve()
            self.location = str(self.root)
            self.blobs = BlobStore(self.root / "blobs")
        else:
            import fsspec

            self.location = self.location.rstrip("/")
            self.fs, self.root = fsspec.core.url_to_fs(self.location)
            self.blobs = FsspecBlobStore(f"{self.location}/blobs")

    @property
    def blobs_location(self) -> str:
        """Where the blobs are, as open_blob_store takes it (for another process)."""
        return str(self.root / "blobs") if self.local else f"{self.location}/blobs"

    def put_file(self, local: str | os.PathLike, key: str) -> None:
        """Copy a local file to ``key`` (replacing it): written under a temporary name and
        moved, so a reader never sees part of it."""
        if self.local:
            target = self.root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"{TEMP_PREFIX}{os.getpid()}-{target.name}")
            with open(local, "rb") as src, open(tmp, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(tmp, target)
            return
        path = f"{self.root}/{key}"
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        self.fs.put_file(str(local), path)

    def get_file(self, key: str, local: str | os.PathLike) -> None:
        """Copy ``key`` to a local file."""
        Path(local).parent.mkdir(parents=True, exist_ok=True)
        if self.local:
            with open(self.root / key, "rb") as src, open(local, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            return
        self.fs.get_file(f"{self.root}/{key}", str(local))

    def exists(self, key: str) -> bool:
        return (self.root / key).exists() if self.local else self.fs.exists(f"{self.root}/{key}")

    def remove(self, key: str) -> None:
        """Delete a file or folder by key (what a finished shard leaves)."""
        if self.local:
            import shutil

            p = self.root / key
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        elif self.fs.exists(f"{self.root}/{key}"):
            self.fs.rm(f"{self.root}/{key}", recursive=True)


def store_location(data: str | os.PathLike) -> str:
    """The shared store's root: ``$NIANBAO_STORE``, else the data folder."""
    return os.environ.get(STORE_ENV) or str(data)
