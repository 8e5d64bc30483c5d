"""Backup and restore, as docs/backup.md tells an operator: a PostgreSQL installation with its blobs in an S3
bucket, filled through the real pipeline; `backup create` into a folder; `backup restore` into a FRESH database
and a FRESH bucket; `backup verify` passes — then fails naming a blob damaged in the bucket, and fails when the
newest audit entry is deleted. A SQLite installation with a local folder round-trips the same way."""

from __future__ import annotations

import asyncio
import email.policy
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import asyncpg
import obstore
import pytest
from obstore.store import S3Store
from sqlalchemy.engine import make_url

from bridge.bootstrap import access_for, build, import_directory
from bridge.services import receive
from bridge.services.inbound import process_inbound
from bridge.settings import Settings
from core.access import Role
from core.document import ProcessingState
from core.inbound import Channel
from storage.blobs import blob_key
from storage.blobs_s3 import S3Location
from tests.e2e.harness import DIRECTORY, document_mail
from tests.fixtures.databases import PgServer, fresh_sqlite_url
from tests.fixtures.seaweedfs import SeaweedFS
from tests.fixtures.seaweedfs_fixtures import s3_location_for
from tests.fixtures.settings import base_settings
from tests.integration.pipeline.documents import signed_document, trust_test_pki

AUDIT_KEY = "a-real-audit-key-0123456789"
ROOT = Path(__file__).resolve().parents[2]


def settings_for(db_url: str, home: Path, s3: S3Location | None) -> Settings:
    s = base_settings(database_url=db_url, blob_dir=str(home / "blobs"))
    trust_test_pki(s, home / "pki")  # signed documents, every check on
    s.security.audit_key = AUDIT_KEY  # type: ignore[assignment]
    s.security.audit_head_file = str(home / "audit-head.json")
    if s3 is not None:
        s.blobs.backend, s.blobs.s3_endpoint, s.blobs.s3_bucket = "s3", s3.endpoint, s3.bucket
        s.blobs.s3_access_key, s.blobs.s3_secret_key = s3.access_key, s3.secret_key  # type: ignore[assignment]
    return s


def config_file(s: Settings, home: Path) -> Path:
    b = s.blobs
    home.mkdir(parents=True, exist_ok=True)
    path = home / "edoc.toml"
    path.write_text(
        f"""profile = "demo"
database_url = "{s.database_url}"
blob_dir = "{s.blob_dir}"
[blobs]
backend = "{b.backend}"
s3_endpoint = "{b.s3_endpoint}"
s3_bucket = "{b.s3_bucket}"
s3_access_key = "{b.s3_access_key}"
s3_secret_key = "{b.s3_secret_key.get_secret_value()}"
[security]
audit_key = "{AUDIT_KEY}"
audit_head_file = "{s.security.audit_head_file}"
""",
        encoding="utf-8",
    )
    return path


async def fill(s: Settings, documents: int) -> None:
    """Documents through the real pipeline (raw mail, PDFs, relay jobs) and accounts (audit entries)."""
    bridge = await build(s)
    try:
        await import_directory(bridge, DIRECTORY)
        for n in range(documents):
            code = f"{n + 1}/QĐ-UBND"
            msg = document_mail(signed_document(code), code=code)
            await receive.store_raw(
                bridge.deps, msg.as_bytes(policy=email.policy.SMTP), channel=Channel.SMTP,
                envelope_from=str(msg["From"]), recipients=("vanban@edoc-bridge.local",),
            )  # fmt: skip
        for job in await bridge.queue.claim("test", ["pipeline"], 100):
            await process_inbound(bridge.deps, job)
        async with bridge.deps.uow() as uow:
            states = [d.state for d in await uow.documents.search(limit=100)]
        assert states == [ProcessingState.REGISTERED] * documents, states  # signed: every check passed
        accounts = access_for(s, bridge.engine, bridge.deps.clock, bridge.deps.audit).accounts
        for name in ("vanthu1", "vanthu2", "quantri"):
            await accounts.create_user(name, secrets.token_urlsafe(12) + "Aa1!", Role.ADMIN, actor="cli:test")
    finally:
        await bridge.close()


async def edoc(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, as an operator runs it."""
    code = "import sys; from bridge.cli import main; sys.exit(main())"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300
    )


async def pg_empty_database(server: PgServer) -> str:
    return await server.create_database(migrated=False)


async def drop_newest_audit_entry(db_url: str) -> int:
    u = make_url(db_url)
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, password=u.password, database=u.database)
    try:
        return int(
            await conn.fetchval("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log) RETURNING seq")
        )
    finally:
        await conn.close()


@pytest.mark.postgres
@pytest.mark.s3
async def test_postgresql_and_s3_restored_into_fresh_ones_verify_and_damage_is_named(
    tmp_path: Path, pg_server: PgServer, seaweedfs: SeaweedFS
) -> None:
    live = settings_for(await pg_server.create_database(), tmp_path / "live", s3_location_for(seaweedfs))
    await fill(live, documents=3)
    done = await edoc("backup", "create", str(tmp_path / "backup"), "-c", str(config_file(live, tmp_path / "live")))
    assert done.returncode == 0, done.stderr
    assert "Đã sao lưu" in done.stdout and (tmp_path / "backup" / "database.dump").is_file()

    fresh_s3 = s3_location_for(seaweedfs)
    fresh = settings_for(await pg_empty_database(pg_server), tmp_path / "fresh", fresh_s3)
    config = str(config_file(fresh, tmp_path / "fresh"))
    restored = await edoc("backup", "restore", str(tmp_path / "backup"), "-c", config)
    assert restored.returncode == 0, restored.stderr
    again = await edoc("backup", "restore", str(tmp_path / "backup"), "-c", config)
    assert again.returncode != 0 and "chỉ khôi phục vào một CSDL mới" in again.stderr  # never over live data
    assert len(again.stderr.strip().splitlines()) == 1 and "Traceback" not in again.stderr

    ok = await edoc("backup", "verify", "-c", config)
    assert ok.returncode == 0, ok.stderr
    head = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))["audit_head"][0]
    assert head >= 3  # the three accounts at least
    assert "Kiểm tra đạt" in ok.stdout and f"khớp đầu chuỗi mục {head}" in ok.stdout
    blobs = int(ok.stdout.split("Kiểm tra đạt: ")[1].split(" ")[0])
    assert blobs >= 4  # three raw mails and their PDF (the same bytes each time)

    # one restored blob damaged in the fresh bucket, through the S3 API
    victim = await _any_attachment_sha(fresh.database_url)
    raw = S3Store(fresh_s3.bucket, endpoint=fresh_s3.endpoint, region=fresh_s3.region,
                  access_key_id=fresh_s3.access_key, secret_access_key=fresh_s3.secret_key,
                  client_options={"allow_http": True})  # fmt: skip
    # obstore's blocking calls in a thread: its *_async calls may abort the process at exit (storage/blobs_s3.py)
    original = bytes((await asyncio.to_thread(obstore.get, raw, blob_key(victim))).bytes())
    await asyncio.to_thread(obstore.put, raw, blob_key(victim), original[:-1] + bytes([original[-1] ^ 1]))
    bad = await edoc("backup", "verify", "-c", config)
    assert bad.returncode == 1 and f"HỎNG tệp {victim}" in bad.stderr and "Kiểm tra KHÔNG ĐẠT: 1 vấn đề" in bad.stderr
    await asyncio.to_thread(obstore.put, raw, blob_key(victim), original)

    # the newest audit entry deleted from the restored database
    assert await drop_newest_audit_entry(fresh.database_url) == head
    tampered = await edoc("backup", "verify", "-c", config)
    assert tampered.returncode == 1 and "NHẬT KÝ KIỂM TOÁN BỊ SỬA" in tampered.stderr
    assert "thiếu các mục mới nhất" in tampered.stderr


async def test_sqlite_and_local_folder_round_trip(tmp_path: Path) -> None:
    live = settings_for(fresh_sqlite_url(tmp_path), tmp_path / "live", None)
    await fill(live, documents=1)
    done = await edoc("backup", "create", str(tmp_path / "backup"), "-c", str(config_file(live, tmp_path / "live")))
    assert done.returncode == 0, done.stderr
    fresh = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'edoc.sqlite3'}", tmp_path / "fresh", None)
    config = str(config_file(fresh, tmp_path / "fresh"))
    assert (await edoc("backup", "restore", str(tmp_path / "backup"), "-c", config)).returncode == 0
    ok = await edoc("backup", "verify", "-c", config)
    assert ok.returncode == 0 and "Kiểm tra đạt" in ok.stdout, ok.stderr
    victim = next((tmp_path / "fresh" / "blobs").glob("??/??/*"))
    victim.unlink()
    missing = await edoc("backup", "verify", "-c", config)
    assert missing.returncode == 1 and f"THIẾU tệp {victim.name}" in missing.stderr


async def _any_attachment_sha(db_url: str) -> str:
    u = make_url(db_url)
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, password=u.password, database=u.database)
    try:
        return str(await conn.fetchval("SELECT sha256 FROM attachments ORDER BY document_id LIMIT 1"))
    finally:
        await conn.close()
