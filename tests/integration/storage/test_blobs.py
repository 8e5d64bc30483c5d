"""Content-addressed file store: keys, atomic writes, hash verification."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import pytest

from core.ports import BlobStore
from storage.blobs import BlobCorrupted, BlobNotFound, FileBlobStore


@pytest.fixture
def store(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs")


async def test_put_get_exists_by_sha256(store: FileBlobStore) -> None:
    port: BlobStore = store  # satisfies the core port
    data = "Quyết định số 05/QĐ-UBND".encode() * 1000
    key = await port.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.path(key) == store.root / key[:2] / key[2:4] / key
    assert await port.exists(key) and await port.get(key) == data
    assert await port.put(data) == key  # idempotent
    assert await port.exists("0" * 64) is False
    with pytest.raises(BlobNotFound):
        await port.get("0" * 64)


async def test_concurrent_puts_of_the_same_bytes_leave_one_whole_file(store: FileBlobStore) -> None:
    data = os.urandom(2_000_000)
    keys = await asyncio.gather(*(store.put(data) for _ in range(8)))
    assert len(set(keys)) == 1
    shard = store.path(keys[0]).parent
    assert [p.name for p in shard.iterdir()] == [keys[0]]  # no temp files left behind
    assert await store.get(keys[0]) == data


async def test_failed_write_leaves_neither_blob_nor_temp_file(
    store: FileBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"%PDF-1.7 half written"
    key = hashlib.sha256(data).hexdigest()

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        await store.put(data)
    monkeypatch.undo()
    assert not await store.exists(key)
    assert list(store.path(key).parent.iterdir()) == []


async def test_corrupted_blob_is_refused_and_a_truncated_one_is_repaired(store: FileBlobStore) -> None:
    data = b"Bien ban giao nhan" * 100
    key = await store.put(data)
    store.path(key).write_bytes(data[:-1] + b"X")
    with pytest.raises(BlobCorrupted):
        await store.get(key)
    store.path(key).write_bytes(data[:10])
    assert await store.put(data) == key
    assert await store.get(key) == data


async def test_keys_that_are_not_sha256_are_rejected(store: FileBlobStore) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "ab"):
        with pytest.raises(ValueError):
            await store.get(bad)
