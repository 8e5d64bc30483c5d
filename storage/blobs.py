"""Content-addressed blob store on the local filesystem (core.ports.BlobStore)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def is_blob_key(name: str) -> bool:
    return bool(_SHA256.match(name))


def blob_key(sha256: str) -> str:
    """`ab/cd/abcd…`: where a blob lives, relative to a folder or a bucket (both backends lay keys out alike)."""
    if not is_blob_key(sha256):
        raise ValueError(f"not a SHA-256 hex key: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class BlobNotFound(KeyError):
    pass


class BlobCorrupted(Exception):
    """The stored bytes no longer hash to their key (disk damage or tampering)."""


class FileBlobStore:
    """`<root>/ab/cd/abcd…` per SHA-256 key. A blob appears whole or not at all (temp file, fsync, rename,
    fsync of the directory), so a key written before an acknowledgement survives a crash."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"FileBlobStore({self.root})"

    def path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    async def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, self.path(key), data)
        return key

    async def get(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._read, sha256)

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path(sha256).is_file)

    async def keys(self) -> AsyncIterator[str]:
        """Every blob's key (temporary files and strays are skipped)."""
        shards = await asyncio.to_thread(lambda: sorted(self.root.glob("??")))
        for shard in shards:  # one of 256 at a time: a million blobs are never listed at once
            for path in await asyncio.to_thread(lambda s=shard: sorted(s.glob("??/*"))):
                if is_blob_key(path.name) and path == self.path(path.name):
                    yield path.name

    def _read(self, sha256: str) -> bytes:
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupted(f"blob {sha256} does not match its hash")
        return data

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        if target.is_file() and target.stat().st_size == len(data):  # same key, same bytes
            return
        new_dirs = not target.parent.is_dir()
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # The rename, and new shard directories, must reach the disk too.
        for directory in (target.parent, *(target.parents[1:3] if new_dirs else ())):
            _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
