"""Group commit of accepted mail (bridge.services.receive.IntakeWriter), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bridge.services import receive
from bridge.services.deps import Deps
from core.inbound import Channel
from core.records import InboundRecord
from storage.blobs import FileBlobStore
from storage.outbox_queue import OutboxQueue
from storage.uow import SqlUnitOfWork


def _deps(engine, tmp_path: Path) -> Deps:  # type: ignore[no-untyped-def]
    return Deps(uow=lambda: SqlUnitOfWork(engine), blobs=FileBlobStore(tmp_path / "blobs"), axis=None, mail=None)  # type: ignore[arg-type]


def _mail(i: int) -> bytes:
    return f"From: a@b.vn\r\nMessage-ID: <m{i}@b.vn>\r\nSubject: {i}\r\n\r\nbody {i}\r\n".encode()


async def test_concurrent_mails_are_stored_together_each_once(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deps = _deps(engine, tmp_path)
    writer = receive.IntakeWriter(deps, max_batch=4)
    raws = [_mail(i) for i in range(10)] + [_mail(3), _mail(3)]  # a client retrying, twice at once
    stored = await asyncio.gather(
        *(receive.store_raw(deps, raw, channel=Channel.SMTP, peer_ip="10.0.0.1", writer=writer) for raw in raws)
    )
    assert sum(not s.duplicate for s in stored) == 10
    same = [stored[3], stored[10], stored[11]]  # whichever copy was written first is the original
    assert sum(not s.duplicate for s in same) == 1 and len({s.id for s in same}) == 1
    async with deps.uow() as uow:
        records = await uow.inbound.list(limit=100)
    assert {r.id for r in records} == {s.id for s in stored}
    assert {r.peer_ip for r in records} == {"10.0.0.1"}
    pipeline_jobs = [j for j in await OutboxQueue(engine).list(limit=100) if j.kind == "pipeline"]
    assert sorted(j.payload["inbound_id"] for j in pipeline_jobs) == sorted(r.id for r in records)


async def test_a_failing_row_does_not_fail_the_others(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    writer = receive.IntakeWriter(_deps(engine, tmp_path))
    good = [_record(f"ok-{i}") for i in range(4)]
    bad = replace(_record("bad"), received_at="not a time")  # type: ignore[arg-type]
    results = await asyncio.gather(*(writer.write(r) for r in [good[0], bad, *good[1:]]), return_exceptions=True)
    assert isinstance(results[1], Exception)
    assert [r.id for r in results if isinstance(r, receive.Stored)] == [r.id for r in good]
    async with writer.deps.uow() as uow:
        assert {r.id for r in await uow.inbound.list()} == {r.id for r in good}


def _record(ref: str) -> InboundRecord:
    return InboundRecord(
        id=uuid.uuid4().hex,
        channel=Channel.SMTP,
        source_ref=ref,
        raw_sha256="0" * 64,
        size=1,
        received_at=datetime.now(UTC),
    )


def test_the_message_id_is_read_from_the_header_block_only() -> None:
    raw = b"From: a@b.vn\r\nMessage-ID: <x@y>\r\n\r\nMessage-ID: <body@y>\r\n"
    assert receive.header_block(raw) == b"From: a@b.vn\r\nMessage-ID: <x@y>\r\n"
    assert receive.message_id_of(raw) == "x@y"
    assert receive.message_id_of(b"Message-ID: <only@headers>") == "only@headers"
    assert receive.message_id_of(b"From: a\n\nMessage-ID: <no@x>\n") == ""
