"""Leases that cannot run out under a working job (SQLite and PostgreSQL): a heartbeat renews a running job's
claim, unstarted jobs are given back, a worker that lost its claim stops and its writes roll back, a dead
worker's job is taken over as soon as its short lease has passed, jobs sharing an order key run in order."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bridge.services.deps import Deps
from bridge.worker import Lease, OutboxWorker, RetryPolicy
from core.records import OutboxJob, OutboxState
from storage.blobs import FileBlobStore
from storage.outbox_queue import OutboxQueue
from storage.tables import outbox
from storage.uow import SqlUnitOfWork

FAST = Lease(duration=0.6, heartbeat=0.1)


def _deps(engine: AsyncEngine, tmp_path: Path) -> Deps:
    return Deps(uow=lambda: SqlUnitOfWork(engine), blobs=FileBlobStore(tmp_path / "blobs"), axis=None, mail=None)  # type: ignore[arg-type]


async def _enqueue(deps: Deps, *keys: str, kind: str = "test", order_key: str = "") -> None:
    async with deps.uow() as uow:
        for key in keys:
            assert await uow.outbox.enqueue(kind, {"key": key}, f"{kind}:{key}", order_key=order_key)
        await uow.commit()


async def _complete(deps: Deps, job: OutboxJob) -> None:
    async with deps.uow() as uow:
        await uow.outbox.complete(job.id)
        await uow.commit()


async def _steal(engine: AsyncEngine, job_id: int) -> None:
    """Another worker has taken the job over (as after an expired lease)."""
    async with engine.begin() as conn:
        await conn.execute(sa.update(outbox).where(outbox.c.id == job_id).values(locked_by="worker-other"))


class StoppedClock:
    """Time stands still until the test moves it: leases expire only when the test says so."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC) + timedelta(seconds=5)  # jobs are queued on real time: due by then

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class CountedQueue(OutboxQueue):
    """The queue, counting the heartbeat's renewals."""

    def __init__(self, engine: AsyncEngine, clock: StoppedClock) -> None:
        super().__init__(engine, clock)
        self.renewals = 0
        self.renewed = asyncio.Condition()

    async def renew(self, worker_id: str, job_ids: Collection[int], lease: timedelta) -> set[int]:
        held = await super().renew(worker_id, job_ids, lease)
        async with self.renewed:
            self.renewals += 1
            self.renewed.notify_all()
        return held

    async def renewed_after_now(self) -> None:
        """A renewal that began after this call (the one under way may have read the clock before)."""
        async with self.renewed:
            target = self.renewals + 2
            await asyncio.wait_for(self.renewed.wait_for(lambda: self.renewals >= target), 10)


async def test_a_job_running_far_longer_than_its_lease_is_never_taken_over(engine: AsyncEngine, tmp_path: Path) -> None:
    clock = StoppedClock()
    deps, queue = _deps(engine, tmp_path), CountedQueue(engine, clock)
    await _enqueue(deps, "slow")
    lease = Lease(duration=10.0, heartbeat=0.02)  # 10 s on the stopped clock, renewed every 20 ms of real time
    started, answered, runs = asyncio.Event(), asyncio.Event(), list[str]()

    async def slow(deps: Deps, job: OutboxJob) -> None:  # the peer answers after 5 leases
        runs.append(job.payload["key"])
        started.set()
        await answered.wait()
        await _complete(deps, job)

    first = OutboxWorker(deps, queue, {"test": slow}, RetryPolicy(), lease=lease)
    second = OutboxWorker(deps, queue, {"test": slow}, RetryPolicy(), lease=lease)
    running = asyncio.create_task(first.run_once())
    await asyncio.wait_for(started.wait(), 10)
    for _ in range(5):
        clock.advance(lease.duration * 0.9)
        await queue.renewed_after_now()
        assert await second.run_once() == 0  # renewed: nothing for the other worker
    answered.set()
    assert await asyncio.wait_for(running, 10) == 1
    [job] = await queue.list()
    assert runs == ["slow"] and job.state is OutboxState.DONE and job.attempts == 1


async def test_unstarted_jobs_are_given_back_at_the_first_heartbeat(engine: AsyncEngine, tmp_path: Path) -> None:
    deps, queue = _deps(engine, tmp_path), OutboxQueue(engine)
    await _enqueue(deps, "slow", "next-1", "next-2")
    by: dict[str, str] = {}
    done, slow_started = asyncio.Event(), asyncio.Event()
    stop = asyncio.Event()

    async def handler(deps: Deps, job: OutboxJob) -> None:
        key = job.payload["key"]
        by[key] = job.locked_by or ""
        slow_started.set()
        if key == "slow":
            await done.wait()  # held until the other worker has run both of the rest
        await _complete(deps, job)
        if len(by) == 3:
            done.set()

    first = OutboxWorker(deps, queue, {"test": handler}, RetryPolicy(), lease=FAST)
    second = OutboxWorker(deps, queue, {"test": handler}, RetryPolicy(), idle_sleep=0.02, lease=FAST)
    running = asyncio.create_task(first.run_once())  # claims all three, starts "slow"
    await asyncio.wait_for(slow_started.wait(), 10)
    helper = asyncio.create_task(second.run(stop))
    await asyncio.wait_for(running, 30)
    stop.set()
    await helper
    assert by == {"slow": first.id, "next-1": second.id, "next-2": second.id}
    jobs = await queue.list()
    assert {(j.state, j.attempts) for j in jobs} == {(OutboxState.DONE, 1)}  # given back: not counted as tries


async def test_a_worker_that_lost_its_claim_stops_and_leaves_the_job_to_its_holder(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    deps, queue = _deps(engine, tmp_path), OutboxQueue(engine)
    await _enqueue(deps, "taken")
    started, stopped = asyncio.Event(), asyncio.Event()

    async def handler(deps: Deps, job: OutboxJob) -> None:
        started.set()
        try:
            await asyncio.Event().wait()  # a call that never answers
        except asyncio.CancelledError:
            stopped.set()
            raise

    worker = OutboxWorker(deps, queue, {"test": handler}, RetryPolicy(), lease=FAST)
    running = asyncio.create_task(worker.run_once())
    await asyncio.wait_for(started.wait(), 10)
    [job] = await queue.list()
    await _steal(engine, job.id)
    assert await asyncio.wait_for(running, 10) == 1
    assert stopped.is_set()
    [job] = await queue.list()
    assert (job.state, job.locked_by) == (OutboxState.DOING, "worker-other")  # untouched by the loser


async def test_completing_after_the_claim_was_lost_rolls_back_the_jobs_effects(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    deps, queue = _deps(engine, tmp_path), OutboxQueue(engine)
    await _enqueue(deps, "fenced")

    async def handler(deps: Deps, job: OutboxJob) -> None:
        await _steal(engine, job.id)  # the lease ran out while the handler did its I/O
        async with deps.uow() as uow:
            await uow.outbox.enqueue("effect", {}, "effect:1")
            await uow.outbox.complete(job.id)
            await uow.commit()

    worker = OutboxWorker(deps, queue, {"test": handler}, RetryPolicy(), lease=FAST)
    assert await worker.run_once() == 1
    jobs = await queue.list()
    assert [(j.kind, j.state, j.locked_by) for j in jobs] == [("test", OutboxState.DOING, "worker-other")]


async def test_a_dead_workers_job_is_taken_over_once_its_short_lease_has_passed(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    clock = StoppedClock()
    deps, queue = _deps(engine, tmp_path), OutboxQueue(engine, clock)
    await _enqueue(deps, "orphan")
    lease = Lease()  # the default: a dead worker's jobs move within seconds, not after a fixed minute
    assert lease.duration <= 10 and lease.heartbeat * 3 <= lease.duration
    [claimed] = await queue.claim("worker-dead", lease=timedelta(seconds=lease.duration))  # then it died
    worker = OutboxWorker(deps, queue, {"test": _complete}, RetryPolicy(), lease=lease)
    clock.advance(lease.duration - 0.1)
    assert await worker.run_once() == 0  # still its lease
    clock.advance(0.2)
    assert await worker.run_once() == 1  # the lease has passed: taken over
    [job] = await queue.list()
    assert job.id == claimed.id and (job.state, job.attempts) == (OutboxState.DONE, 2)


async def test_jobs_sharing_an_order_key_run_one_after_the_other(engine: AsyncEngine, tmp_path: Path) -> None:
    deps, queue = _deps(engine, tmp_path), OutboxQueue(engine)
    await _enqueue(deps, "relay", kind="first", order_key="doc:1")
    await _enqueue(deps, "status", kind="second", order_key="doc:1")
    await _enqueue(deps, "other", kind="second", order_key="doc:2")
    [first, other] = await queue.claim("w1", limit=10)  # doc:1's status waits for its relay
    assert (first.kind, other.payload["key"]) == ("first", "other")
    assert await queue.claim("w2", limit=10) == []
    async with deps.uow() as uow:
        await uow.outbox.bury(first.id, "trục từ chối")  # a dead relay still holds the status back
        await uow.commit()
    assert await queue.claim("w2", limit=10) == []
    assert await queue.requeue(first.id)
    [again] = await queue.claim("w2", limit=10)
    assert again.id == first.id
    async with deps.uow() as uow:
        await uow.outbox.complete(again.id)
        await uow.commit()
    [status] = await queue.claim("w2", limit=10)
    assert status.payload["key"] == "status"


async def test_a_recall_mail_never_overtakes_the_documents_delivery_mail(engine: AsyncEngine, tmp_path: Path) -> None:
    from bridge.services.deliveries import AGENCY_MAIL, enqueue_agency_mail
    from core.receipt import ReceiptText
    from tests.integration.storage.samples import document

    deps, queue = _deps(engine, tmp_path), OutboxQueue(engine)
    doc, other = document(), document()
    box = "vanthu@tanhoa.vinhlong.gov.vn"
    async with deps.uow() as uow:
        for key, about, to in (("delivery:1", doc, box), ("delivery:2", other, box), ("recall:1", doc, box.upper())):
            text = ReceiptText(f"{key} {about.id}", "…")
            assert await enqueue_agency_mail(uow, deps, key, to, text, token="EDOC-T", document=about, capped=False)
        await uow.commit()
    claimed = await queue.claim("w1", [AGENCY_MAIL], limit=10)  # the recall waits behind its document's delivery
    first, second = sorted(claimed, key=lambda j: j.idempotency_key)
    assert (first.idempotency_key, second.idempotency_key) == ("agency_mail:delivery:1", "agency_mail:delivery:2")
    async with deps.uow() as uow:
        await uow.outbox.retry_later(first.id, "máy chủ thư tạm ngừng", datetime.now(UTC), "w1")
        await uow.outbox.complete(second.id, "w1")
        await uow.commit()
    [again] = await queue.claim("w1", [AGENCY_MAIL], limit=10)  # a failing delivery still holds the recall back
    assert again.id == first.id
    async with deps.uow() as uow:
        await uow.outbox.complete(again.id, "w1")
        await uow.commit()
    [recall] = await queue.claim("w1", [AGENCY_MAIL], limit=10)
    assert recall.idempotency_key == "agency_mail:recall:1"
