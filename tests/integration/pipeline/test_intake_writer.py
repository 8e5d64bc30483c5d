"""Group commit of accepted mail (bridge.services.receive.IntakeWriter), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

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
    results = await asyncio.gather(*(writer.write(r, b"x") for r in [good[0], bad, *good[1:]]), return_exceptions=True)
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


async def test_workers_give_way_while_mail_arrives(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Counted in naps of a seconds counter the test moves itself: no wall-clock thresholds."""
    now = [0.0]  # a binary fraction-free start: 0.05 naps add up exactly enough
    writer = receive.IntakeWriter(_deps(engine, tmp_path), monotonic=lambda: now[0])
    naps: list[float] = []

    async def nap(seconds: float) -> None:
        naps.append(seconds)
        now[0] += seconds

    assert await receive.give_way(None, 0.3, sleep=nap) == 0  # no mail channel at all
    assert await receive.give_way(writer, 0.3, sleep=nap) == 0 and naps == []  # nothing arrived yet: no wait
    await writer.write(_record("just-now"), b"x")
    assert await receive.give_way(writer, 0.3, sleep=nap) == 1 and naps == [receive.INTAKE_QUIET]  # one pause
    assert await receive.give_way(writer, 0.3, sleep=nap) == 0  # the pause has been waited out
    assert await receive.give_way(writer, 0, sleep=nap) == 0  # giving way switched off

    async def nap_while_mail_arrives(seconds: float) -> None:
        await nap(seconds)
        await writer.write(_record(f"burst-{len(naps)}"), b"x")

    await writer.write(_record("burst-0"), b"x")
    naps.clear()
    assert await receive.give_way(writer, 0.3, sleep=nap_while_mail_arrives) == 6  # never a pause: up to the limit
    assert sum(naps) == pytest.approx(0.3) and writer.busy(receive.INTAKE_QUIET)


async def test_a_worker_gives_way_before_each_job(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bridge.worker import OutboxWorker, RetryPolicy

    deps, order = _deps(engine, tmp_path), []
    async with deps.uow() as uow:
        for i in range(3):
            await uow.outbox.enqueue("test", {"i": i}, f"test:{i}")
        await uow.commit()

    async def handler(deps: Deps, job) -> None:  # type: ignore[no-untyped-def]
        order.append(f"job {job.payload['i']}")
        async with deps.uow() as uow:
            await uow.outbox.complete(job.id)
            await uow.commit()

    async def give_way() -> None:
        order.append("give way")

    worker = OutboxWorker(deps, OutboxQueue(engine), {"test": handler}, RetryPolicy(), give_way=give_way)
    assert await worker.run_once() == 3
    assert order == ["give way", "job 0", "give way", "job 1", "give way", "job 2"]


async def test_the_message_rides_in_its_row_until_first_read_moves_it_to_the_blob_store(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deps = _deps(engine, tmp_path)
    raw = _mail(7)
    stored = await receive.store_raw(deps, raw, channel=Channel.SMTP, writer=receive.IntakeWriter(deps))
    sha = hashlib.sha256(raw).hexdigest()
    assert not await deps.blobs.exists(sha)  # the accept path wrote one transaction, no file
    async with deps.uow() as uow:
        record = await uow.inbound.get(stored.id)
        assert await uow.inbound.raw(stored.id) == raw
    assert record is not None and await receive.load_raw(deps, record) == raw
    assert await deps.blobs.get(sha) == raw
    async with deps.uow() as uow:
        assert await uow.inbound.raw(stored.id) is None  # the row no longer carries it
    assert await receive.load_raw(deps, record) == raw


async def test_the_same_mail_twice_in_one_group_is_stored_once(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deps = _deps(engine, tmp_path)
    writer = receive.IntakeWriter(deps)
    raw = _mail(9)
    first, second = await asyncio.gather(
        *(receive.store_raw(deps, raw, channel=Channel.SMTP, writer=writer) for _ in range(2))
    )
    assert sorted([first.duplicate, second.duplicate]) == [False, True]
    assert first.id == second.id
    pipeline_jobs = [j for j in await OutboxQueue(engine).list(limit=100) if j.kind == "pipeline"]
    assert [j.payload["inbound_id"] for j in pipeline_jobs] == [first.id]
