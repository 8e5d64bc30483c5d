"""Outbox: idempotent enqueue, claims under a lease, retries, dead letters, requeue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.outbox_queue import OutboxQueue
from storage.records import OutboxState
from storage.tables import outbox
from storage.uow import SqlUnitOfWork

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


async def _enqueue(engine: AsyncEngine, clock: Clock, n: int, kind: str = "relay.axis") -> list[int]:
    async with SqlUnitOfWork(engine, clock) as uow:
        for i in range(n):
            assert await uow.outbox.enqueue(kind, {"i": i, "ghi_chú": "gửi trục"}, f"{kind}:{i}")
        await uow.commit()
    jobs = await OutboxQueue(engine).list(limit=1000)
    return sorted(j.id for j in jobs if j.kind == kind)


async def test_enqueue_is_idempotent_by_key(engine: AsyncEngine) -> None:
    clock = Clock()
    async with SqlUnitOfWork(engine, clock) as uow:
        assert await uow.outbox.enqueue("receipt.mail", {"a": 1}, "receipt:doc-1") is True
        assert await uow.outbox.enqueue("receipt.mail", {"a": 2}, "receipt:doc-1") is False
        await uow.commit()
    queue = OutboxQueue(engine, clock)
    [job] = await queue.claim("w1")
    async with SqlUnitOfWork(engine, clock) as uow:
        assert await uow.outbox.complete(job.id, "w1") is True
        await uow.commit()
    async with SqlUnitOfWork(engine, clock) as uow:  # a replay after completion is still a duplicate
        assert await uow.outbox.enqueue("receipt.mail", {"a": 3}, "receipt:doc-1") is False
        await uow.commit()
    jobs = await queue.list()
    assert [(j.payload, j.state) for j in jobs] == [({"a": 1}, OutboxState.DONE)]


async def test_enqueue_rolled_back_with_its_transaction(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.outbox.enqueue("notify.bot", {}, "notify:1")
    assert await OutboxQueue(engine).list() == []


async def test_concurrent_claimers_never_share_a_job(engine: AsyncEngine) -> None:
    clock = Clock()
    ids = await _enqueue(engine, clock, 60)
    queue = OutboxQueue(engine, clock)
    claimed: dict[str, list[int]] = {f"w{i}": [] for i in range(4)}

    async def worker(name: str) -> None:
        while jobs := await queue.claim(name, limit=3):
            claimed[name].extend(j.id for j in jobs)
            await asyncio.sleep(0)

    await asyncio.gather(*(worker(w) for w in claimed))
    every = [i for got in claimed.values() for i in got]
    assert sorted(every) == ids  # each job exactly once
    assert (await queue.stats()).counts[OutboxState.DOING] == 60


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_claim_skips_rows_locked_by_another_claimer(engine: AsyncEngine) -> None:
    clock = Clock()
    ids = await _enqueue(engine, clock, 4)
    queue = OutboxQueue(engine, clock)
    async with engine.connect() as other:
        # Another worker's claim in flight: it holds the two oldest rows.
        lock = sa.select(outbox.c.id).where(outbox.c.id.in_(ids[:2])).with_for_update()
        await other.execute(lock)
        jobs = await asyncio.wait_for(queue.claim("w2", limit=10), timeout=10)
        assert sorted(j.id for j in jobs) == ids[2:]
        await other.rollback()
    assert sorted(j.id for j in await queue.claim("w3")) == ids[:2]


async def test_expired_lease_is_claimed_again_and_the_old_worker_loses_it(engine: AsyncEngine) -> None:
    clock = Clock()
    [job_id] = await _enqueue(engine, clock, 1)
    queue = OutboxQueue(engine, clock)
    [first] = await queue.claim("w1", lease=timedelta(seconds=60))
    assert (first.id, first.attempts, first.locked_by) == (job_id, 1, "w1")
    assert first.locked_until == T0 + timedelta(seconds=60)
    clock.at = T0 + timedelta(seconds=59)
    assert await queue.claim("w2") == []
    assert await queue.wait_hint() == timedelta(seconds=1)
    clock.at = T0 + timedelta(seconds=61)  # w1 crashed
    [second] = await queue.claim("w2")
    assert (second.id, second.attempts, second.locked_by) == (job_id, 2, "w2")
    async with SqlUnitOfWork(engine, clock) as uow:
        assert await uow.outbox.complete(job_id, "w1") is False  # too late: w2 owns it
        assert await uow.outbox.complete(job_id, "w2") is True
        await uow.commit()
    job = await queue.get(job_id)
    assert job is not None and (job.state, job.locked_by, job.locked_until) == (OutboxState.DONE, None, None)


async def test_completion_commits_with_the_effect_or_not_at_all(engine: AsyncEngine) -> None:
    clock = Clock()
    [job_id] = await _enqueue(engine, clock, 1)
    queue = OutboxQueue(engine, clock)
    await queue.claim("w1")
    async with SqlUnitOfWork(engine, clock) as uow:
        assert await uow.outbox.complete(job_id, "w1")
        # the effect failed to commit: leaving without commit undoes the completion as well
    job = await queue.get(job_id)
    assert job is not None and job.state is OutboxState.DOING


async def test_retry_later_bury_and_requeue(engine: AsyncEngine) -> None:
    clock = Clock()
    [job_id] = await _enqueue(engine, clock, 1)
    queue = OutboxQueue(engine, clock)
    await queue.claim("w1")
    async with SqlUnitOfWork(engine, clock) as uow:
        later = T0 + timedelta(minutes=5)
        assert await uow.outbox.retry_later(job_id, "Trục không phản hồi (timeout)", later, "w1")
        await uow.commit()
    assert await queue.claim("w1") == []
    assert await queue.wait_hint() == timedelta(minutes=5)
    clock.at = T0 + timedelta(minutes=5)
    [again] = await queue.claim("w1")
    assert (again.attempts, again.last_error) == (2, "Trục không phản hồi (timeout)")

    async with SqlUnitOfWork(engine, clock) as uow:
        assert await uow.outbox.bury(job_id, "Trục từ chối gói tin", "w1")
        await uow.commit()
    clock.at += timedelta(days=1)
    assert await queue.claim("w1") == []
    assert await queue.wait_hint() is None
    [dead] = await queue.list(state=OutboxState.DEAD)
    assert (dead.id, dead.last_error) == (job_id, "Trục từ chối gói tin")

    assert await queue.requeue(job_id) is True
    assert await queue.requeue(job_id) is False  # no longer dead
    [revived] = await queue.claim("w1")
    assert (revived.id, revived.attempts) == (job_id, 1)


async def test_waiting_gives_the_claim_back_and_keeps_the_payload(engine: AsyncEngine) -> None:
    clock = Clock()
    [job_id] = await _enqueue(engine, clock, 1)
    queue = OutboxQueue(engine, clock)
    for n in (1, 2, 3):  # clamd down at every try
        [job] = await queue.claim("w1")
        assert job.attempts == 1
        async with SqlUnitOfWork(engine, clock) as uow:
            waiting = {**job.payload, "waits": n}
            assert await uow.outbox.wait(job_id, "Máy quét virus tạm thời không hoạt động", clock.at, waiting)
            await uow.commit()
    async with SqlUnitOfWork(engine, clock) as uow:
        job = await uow.outbox.get(job_id)
    assert job is not None and (job.state, job.attempts) == (OutboxState.TODO, 0)
    assert job.payload == {"i": 0, "ghi_chú": "gửi trục", "waits": 3}
    assert job.last_error == "Máy quét virus tạm thời không hoạt động"
    async with SqlUnitOfWork(engine, clock) as uow:  # never below zero, even for a job nobody claimed
        assert await uow.outbox.wait(job_id, "chờ", clock.at, job.payload)
        await uow.commit()
    [again] = await queue.claim("w1")
    assert again.attempts == 1


async def test_claim_filters_kinds_and_respects_run_after(engine: AsyncEngine) -> None:
    clock = Clock()
    await _enqueue(engine, clock, 2, "relay.axis")
    mail_ids = await _enqueue(engine, clock, 2, "receipt.mail")
    async with SqlUnitOfWork(engine, clock) as uow:
        await uow.outbox.enqueue("receipt.mail", {}, "later", run_after=T0 + timedelta(hours=1))
        await uow.commit()
    queue = OutboxQueue(engine, clock)
    jobs = await queue.claim("mailer", kinds=["receipt.mail"])
    assert [j.id for j in jobs] == mail_ids


async def test_stats_count_states_and_age_of_oldest_todo(engine: AsyncEngine) -> None:
    clock = Clock()
    queue = OutboxQueue(engine, clock)
    empty = await queue.stats()
    assert empty.counts == dict.fromkeys(OutboxState, 0) and empty.oldest_todo_age is None
    await _enqueue(engine, clock, 3)
    clock.at = T0 + timedelta(minutes=2)
    [job] = await queue.claim("w1", limit=1)
    async with SqlUnitOfWork(engine, clock) as uow:
        await uow.outbox.bury(job.id, "hỏng")
        await uow.commit()
    stats = await queue.stats()
    assert stats.counts == {OutboxState.TODO: 2, OutboxState.DOING: 0, OutboxState.DONE: 0, OutboxState.DEAD: 1}
    assert stats.oldest_todo_age == timedelta(minutes=2)
    assert stats.due == 2
    assert await queue.prune(done_before=clock.at + timedelta(days=1)) == 0
