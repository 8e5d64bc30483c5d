"""The BlobStore contract, the same tests on both backends: the local folder and an S3 bucket on a real SeaweedFS.
Content-addressed by SHA-256, idempotent put, verified on read, missing → BlobNotFound, concurrent puts."""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import obstore
import pytest

from core.ports import BlobStore
from storage.blobs import BlobCorrupted, BlobNotFound, FileBlobStore, blob_key
from storage.blobs_s3 import S3BlobStore


@dataclass
class Backend:
    store: FileBlobStore | S3BlobStore

    async def overwrite(self, sha256: str, data: bytes) -> None:
        """Damage a stored blob behind the store's back: on disk, or through the S3 API itself."""
        if isinstance(self.store, FileBlobStore):
            self.store.path(sha256).write_bytes(data)
        else:
            s3 = self.store.where
            raw = obstore.store.S3Store(
                s3.bucket, endpoint=s3.endpoint, region=s3.region, access_key_id=s3.access_key,
                secret_access_key=s3.secret_key, client_options={"allow_http": True},
            )  # fmt: skip
            await asyncio.to_thread(obstore.put, raw, blob_key(sha256), data)  # blocking API: see storage/blobs_s3


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return Backend(FileBlobStore(tmp_path / "blobs"))
    return Backend(S3BlobStore(request.getfixturevalue("s3_location")))


async def test_put_get_exists_by_sha256(backend: Backend) -> None:
    port: BlobStore = backend.store  # satisfies the core port
    data = "Quyết định số 05/QĐ-UBND".encode() * 1000 + os.urandom(16)
    key = await port.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert await port.exists(key) and await port.get(key) == data
    assert [k async for k in backend.store.keys()] == [key]


async def test_put_is_idempotent(backend: Backend) -> None:
    data = os.urandom(10_000)
    first = await backend.store.put(data)
    assert await backend.store.put(data) == first
    assert [k async for k in backend.store.keys()] == [first]
    assert await backend.store.get(first) == data


async def test_missing_blob_is_not_found(backend: Backend) -> None:
    absent = hashlib.sha256(os.urandom(32)).hexdigest()
    assert await backend.store.exists(absent) is False
    with pytest.raises(BlobNotFound):
        await backend.store.get(absent)


async def test_corruption_is_detected_on_read_and_a_truncated_blob_repaired(backend: Backend) -> None:
    data = b"Bien ban giao nhan " * 200 + os.urandom(16)
    key = await backend.store.put(data)
    await backend.overwrite(key, data[:-1] + b"X")  # same length: only the hash tells
    with pytest.raises(BlobCorrupted):
        await backend.store.get(key)
    await backend.overwrite(key, data[:10])
    assert await backend.store.put(data) == key  # a shorter object is rewritten whole
    assert await backend.store.get(key) == data


async def test_concurrent_puts_of_the_same_and_of_different_bytes(backend: Backend) -> None:
    same = os.urandom(2_000_000)
    others = [os.urandom(50_000) for _ in range(6)]
    keys = await asyncio.gather(*(backend.store.put(same) for _ in range(6)), *(backend.store.put(o) for o in others))
    assert len(set(keys[:6])) == 1
    assert sorted([k async for k in backend.store.keys()]) == sorted({*keys})
    assert await backend.store.get(keys[0]) == same
    assert [await backend.store.get(k) for k in keys[6:]] == others


async def test_keys_that_are_not_sha256_are_rejected(backend: Backend) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "ab"):
        with pytest.raises(ValueError):
            await backend.store.get(bad)
        with pytest.raises(ValueError):
            await backend.store.exists(bad)
