"""Backup, restore and verification of an installation: the database (pg_dump / SQLite backup API) and every
blob (local folder or S3 bucket), into one folder:

    DIR/manifest.json     written last: its presence means the backup is whole
    DIR/database.dump     pg_dump custom format (PostgreSQL) — or DIR/database.sqlite3 (SQLite)
    DIR/blobs/ab/cd/…     every blob, laid out as in a blob folder or bucket

The audit chain's head is read before the dump and kept in the manifest; a restore writes it as the new
installation's head file, so `backup verify` detects newest audit entries missing from the restored database.
The database is dumped before the blobs are copied: a blob is stored before any row refers to it, so every blob
the dump refers to is already there to be copied."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bridge.bootstrap import audit_head_path, audit_log, blob_store
from bridge.services.deps import SystemClock
from bridge.settings import Settings
from storage.audit_head import AuditHeadFile
from storage.blob_refs import referenced_blobs
from storage.blobs import BlobCorrupted, BlobNotFound, FileBlobStore
from storage.db_backup import BackupError, dump, is_sqlite, restore
from storage.engine import make_engine

MANIFEST, BLOBS = "manifest.json", "blobs"
FORMAT = 1
AT_ONCE = 8  # blobs read and written concurrently


class Blobs(Protocol):
    async def put(self, data: bytes) -> str: ...
    async def get(self, sha256: str) -> bytes: ...
    def keys(self) -> AsyncIterator[str]: ...


@dataclass
class Copied:
    blobs: int = 0
    unreadable: list[str] = field(default_factory=list)  # "sha256: why", Vietnamese


@dataclass
class Checked:
    blobs: int = 0
    problems: list[str] = field(default_factory=list)  # one line per missing or damaged blob
    audit: Any = None  # bridge.services.audit.Verification


def db_file(url: str) -> str:
    return "database.sqlite3" if is_sqlite(url) else "database.dump"


async def create(settings: Settings, folder: Path, *, pg_bin: str = "") -> tuple[dict[str, Any], Copied]:
    await asyncio.to_thread(_fresh_folder, folder)
    engine = make_engine(settings.database_url)
    try:
        head = await audit_log(settings, engine, SystemClock()).current_head()
    finally:
        await engine.dispose()
    taken = SystemClock().now()
    await dump(settings.database_url, folder / db_file(settings.database_url), pg_bin=pg_bin)
    copied = await copy_blobs(blob_store(settings), FileBlobStore(folder / BLOBS))
    manifest = {
        "format": FORMAT,
        "taken_at": taken.isoformat(),
        "database": "sqlite" if is_sqlite(settings.database_url) else "postgresql",
        "database_file": db_file(settings.database_url),
        "blobs": copied.blobs,
        "unreadable_blobs": copied.unreadable,
        "audit_head": list(head) if head else None,
    }
    await asyncio.to_thread(_write_json, folder / MANIFEST, manifest)
    return manifest, copied


async def restore_into(settings: Settings, folder: Path, *, pg_bin: str = "") -> tuple[dict[str, Any], Copied]:
    manifest = read_manifest(folder)
    kind = "sqlite" if is_sqlite(settings.database_url) else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"Bản sao lưu là CSDL {manifest['database']}, database_url đích là {kind}.")
    await restore(settings.database_url, folder / manifest["database_file"], pg_bin=pg_bin)
    copied = await copy_blobs(FileBlobStore(folder / BLOBS), blob_store(settings))
    if head := manifest.get("audit_head"):
        await asyncio.to_thread(AuditHeadFile(audit_head_path(settings)).advance, int(head[0]), str(head[1]))
    return manifest, copied


async def verify(settings: Settings) -> Checked:
    """Every blob the database refers to is there with its SHA-256; the audit chain is whole."""
    engine = make_engine(settings.database_url)
    try:
        where: dict[str, str] = {}
        async for sha, place in referenced_blobs(engine):
            where.setdefault(sha, place)
        checked = Checked(blobs=len(where))
        store, gate = blob_store(settings), asyncio.Semaphore(AT_ONCE)

        async def check(sha: str) -> None:
            async with gate:
                try:
                    await store.get(sha)
                except BlobNotFound:
                    checked.problems.append(f"THIẾU tệp {sha} ({where[sha]})")
                except BlobCorrupted:
                    checked.problems.append(f"HỎNG tệp {sha}: nội dung không khớp SHA-256 ({where[sha]})")

        await asyncio.gather(*(check(sha) for sha in sorted(where)))
        checked.problems.sort()
        checked.audit = await audit_log(settings, engine, SystemClock()).verify()
        return checked
    finally:
        await engine.dispose()


async def copy_blobs(source: Blobs, target: Blobs) -> Copied:
    """Every blob of `source` into `target`, each read (hence verified) once; bounded concurrency."""
    copied, gate, running = Copied(), asyncio.Semaphore(AT_ONCE), set[asyncio.Task[None]]()

    async def one(key: str) -> None:
        async with gate:
            try:
                data = await source.get(key)
            except BlobNotFound:
                copied.unreadable.append(f"{key}: biến mất trong khi sao chép")
                return
            except BlobCorrupted:
                copied.unreadable.append(f"{key}: nội dung không khớp SHA-256")
                return
            await target.put(data)
            copied.blobs += 1

    async for key in source.keys():
        running.add(asyncio.create_task(one(key)))
        if len(running) >= 8 * AT_ONCE:  # keep the task list short however many blobs there are
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
    await asyncio.gather(*running)
    return copied


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} không phải một bản sao lưu trọn vẹn (không có {MANIFEST}).") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"Không đọc được {folder / MANIFEST}: {exc}.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder / MANIFEST}: định dạng sao lưu {manifest.get('format')!r} không được hỗ trợ.")
    return manifest


def _fresh_folder(folder: Path) -> None:
    if (folder / MANIFEST).exists():
        raise BackupError(f"{folder} đã chứa một bản sao lưu: mỗi lần sao lưu dùng một thư mục mới.")
    folder.mkdir(parents=True, exist_ok=True)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
