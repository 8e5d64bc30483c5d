"""Content-addressed blob store in an S3-compatible bucket (core.ports.BlobStore), through obstore.

obstore (Rust object_store underneath) is typed, has no Python dependencies and signs requests for any S3-compatible
server (SeaweedFS, MinIO, Ceph, AWS). Its blocking calls run in worker threads (asyncio.to_thread): its *_async calls
hand Python futures to tokio threads, and in 0.12 on Python 3.11 a tokio thread still holding one when the
interpreter exits aborts the process (SIGABRT, exit 134, seen in about a third of short CLI runs); the blocking
calls never did. Keys are laid out as in FileBlobStore (`ab/cd/abcd…`), so a folder and a bucket copy into each
other as they are. An S3 PUT is atomic: an object appears whole or not at all, and two puts of the same key carry
the same bytes, so concurrent puts need no coordination."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import obstore
from obstore.exceptions import NotFoundError
from obstore.store import S3Store

from storage.blobs import BlobCorrupted, BlobNotFound, blob_key, is_blob_key

# obstore raises its NotFoundError or the builtin FileNotFoundError for a 404, depending on the call
_MISSING = (NotFoundError, FileNotFoundError)


@dataclass(frozen=True, slots=True)
class S3Location:
    bucket: str
    endpoint: str = ""  # "" = AWS, by region
    region: str = "us-east-1"
    access_key: str = ""  # "" = obstore's usual credential chain (AWS_* variables, instance role)
    secret_key: str = ""
    timeout: float = 60.0  # seconds per request


class S3BlobStore:
    def __init__(self, where: S3Location) -> None:
        self.where = where
        config: dict[str, str] = {"region": where.region}
        if where.endpoint:
            config["endpoint"] = where.endpoint
        if where.access_key:
            config["access_key_id"] = where.access_key
            config["secret_access_key"] = where.secret_key
        self._store = S3Store(
            where.bucket,
            config=config,  # type: ignore[arg-type]  # S3Config is a TypedDict of these keys
            client_options={"allow_http": where.endpoint.startswith("http://"), "timeout": f"{where.timeout:g}s"},
            # a store that is down fails the call within `timeout` (the caller retries: SMTP 451, outbox backoff)
            retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=where.timeout)},
        )

    def __repr__(self) -> str:  # never the secret
        return f"S3BlobStore({self.where.endpoint or 'aws'}/{self.where.bucket})"

    async def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        if await self._size(key) != len(data):  # absent, or damaged to another length: (re)write it whole
            await asyncio.to_thread(obstore.put, self._store, blob_key(key), data)
        return key

    async def get(self, sha256: str) -> bytes:
        try:
            data = await asyncio.to_thread(self._read, blob_key(sha256))
        except _MISSING:
            raise BlobNotFound(sha256) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupted(f"blob {sha256} does not match its hash")
        return data

    async def exists(self, sha256: str) -> bool:
        return await self._size(sha256) is not None

    async def keys(self) -> AsyncIterator[str]:
        """Every blob's key (objects not named like a blob are skipped), a page of the listing at a time."""
        pages = obstore.list(self._store, chunk_size=1000)
        while batch := await asyncio.to_thread(next, pages, None):
            for meta in batch:
                name = meta["path"].rsplit("/", 1)[-1]
                if is_blob_key(name) and meta["path"] == blob_key(name):
                    yield name

    async def check(self) -> None:
        """Raise unless the bucket answers with these credentials (a missing object is a good answer)."""
        await self._size("0" * 64)

    def _read(self, key: str) -> bytes:
        return bytes(obstore.get(self._store, key).bytes())

    async def _size(self, sha256: str) -> int | None:
        try:
            meta = await asyncio.to_thread(obstore.head, self._store, blob_key(sha256))
        except _MISSING:
            return None
        return int(meta["size"])
