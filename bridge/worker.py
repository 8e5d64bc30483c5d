"""The outbox worker: claims due jobs, runs their handler, reschedules or buries failures.

Claims are leases that cannot run out under a working job: while a handler runs, a heartbeat renews its
lease; the claimed jobs not started yet are given back at the first heartbeat (they would otherwise wait
behind a slow one); if the heartbeat finds that another worker holds the job now, the handler is cancelled and
the holder finishes it. Finishing is fenced (core.claims): a handler's `complete` after its claim was lost rolls
its transaction back. A dead worker's jobs are claimable again once their short lease has passed.

Retry policy is data (RetryPolicy); delays come from tenacity's exponential backoff with jitter. Transient
failures are retried for a window of time (default 72 hours, a try at least every `maximum` seconds); only
permanent refusals (jobs.GiveUp) become dead letters at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, Protocol

from tenacity import wait_exponential_jitter

from bridge.services import jobs
from bridge.services.deps import Deps
from core.claims import Claim, ClaimLost, running
from core.records import OutboxJob

log = logging.getLogger(__name__)
Handler = Callable[[Deps, OutboxJob], Awaitable[None]]


@dataclass(frozen=True)
class Backoff:
    """How long to wait before try `attempt` (1-based) comes again: `initial` × `factor`^(attempt−1) plus up to
    `jitter` seconds at random, never more than `maximum` (the cap is applied after the jitter, so a job that
    must be tried at least every `maximum` seconds is)."""

    initial: float = 2.0
    factor: float = 2.0
    maximum: float = 600.0
    jitter: float = 1.0

    def delay(self, attempt: int) -> float:
        wait = wait_exponential_jitter(
            multiplier=self.initial, exp_base=self.factor, max=self.maximum, jitter=self.jitter
        )
        return float(wait(SimpleNamespace(attempt_number=max(1, attempt))))  # type: ignore[arg-type]

    def capped(self, maximum: float) -> Backoff:
        return replace(self, maximum=maximum)


@dataclass(frozen=True)
class RetryPolicy:
    """A failing job backs off (at most `maximum` seconds between tries) and becomes a dead letter only when it
    has been failing for `window` seconds AND was tried `max_attempts` times: an outage of days is waited out."""

    max_attempts: int = 8
    initial: float = 2.0
    maximum: float = 600.0
    jitter: float = 1.0
    factor: float = 2.0
    window: float = 72 * 3600.0

    @property
    def backoff(self) -> Backoff:
        return Backoff(self.initial, self.factor, self.maximum, self.jitter)

    def delay(self, attempt: int) -> float:
        return self.backoff.delay(attempt)

    def exhausted(self, attempts: int, failing_for: timedelta) -> bool:
        return attempts >= self.max_attempts and failing_for.total_seconds() >= self.window


@dataclass(frozen=True)
class Lease:
    """How long a claim lasts without renewal (a dead worker's jobs wait this long) and how often a running
    job's claim is renewed (well within the lease)."""

    duration: float = 10.0
    heartbeat: float = 3.0


class FailureHooks(Protocol):
    """What a job kind does, in the worker's transaction, when a try failed (e.g. tell the sender a relay is
    late) or the job becomes a dead letter (tell the sender it failed)."""

    async def retrying(self, uow: Any, deps: Deps, job: OutboxJob, error: str, failing_for: timedelta) -> None: ...
    async def buried(self, uow: Any, deps: Deps, job: OutboxJob, error: str) -> None: ...


class Queue(Protocol):
    async def claim(
        self, worker_id: str, kinds: list[str] | None = ..., limit: int = ..., lease: timedelta = ...
    ) -> list[OutboxJob]: ...
    async def renew(self, worker_id: str, job_ids: Collection[int], lease: timedelta) -> set[int]: ...
    async def release(self, worker_id: str, job_ids: Collection[int]) -> int: ...


@dataclass
class _Running:
    job: OutboxJob
    task: asyncio.Task[None]
    lost: bool = False


class OutboxWorker:
    def __init__(
        self,
        deps: Deps,
        queue: Queue,
        handlers: dict[str, Handler],
        policy: RetryPolicy,
        *,
        idle_sleep: float = 0.2,
        batch: int = 10,
        wake: asyncio.Event | None = None,
        give_way: Callable[[], Awaitable[None]] | None = None,
        lease: Lease | None = None,
        hooks: dict[str, FailureHooks] | None = None,
    ) -> None:
        self.deps, self.queue, self.handlers, self.policy = deps, queue, handlers, policy
        self.give_way = give_way  # awaited before each job: lets more urgent work (accepting mail) go first
        self.idle_sleep, self.batch = idle_sleep, batch
        self.wake = wake or asyncio.Event()
        self.lease = lease or Lease()
        self.hooks = failure_hooks() if hooks is None else hooks
        self.id = f"worker-{uuid.uuid4().hex[:8]}"
        self._pending: set[int] = set()  # claimed, not started
        self._running: _Running | None = None
        self._turn = asyncio.Lock()  # starting a job and giving back unstarted ones never interleave
        self._stop: asyncio.Event | None = None

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception:  # the database may be briefly unavailable: keep the loop alive
                log.exception("outbox claim failed")
                done = 0
            if not done:
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), self.idle_sleep)
                except TimeoutError:
                    pass

    async def run_once(self) -> int:
        lease = timedelta(seconds=self.lease.duration)
        claimed = await self.queue.claim(self.id, list(self.handlers), self.batch, lease)
        if not claimed:
            return 0
        self._pending = {job.id for job in claimed}
        beat = asyncio.create_task(self._heartbeat(), name=f"{self.id}:heartbeat")
        try:
            for job in claimed:
                if self._stop is not None and self._stop.is_set():
                    break
                if self.give_way is not None and job.id in self._pending:
                    await self.give_way()
                async with self._turn:
                    if job.id not in self._pending:
                        continue  # given back to the other workers meanwhile
                    self._pending.discard(job.id)
                    self._running = _Running(job, asyncio.create_task(self._handle(job)))
                await self._finish_running()
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            await self._give_back()
        return len(claimed)

    async def _finish_running(self) -> None:
        current = self._running
        assert current is not None
        try:
            await asyncio.wait({current.task})
        except asyncio.CancelledError:  # the worker itself is being stopped: so is its job
            current.task.cancel()
            raise
        finally:
            self._running = None
        if current.lost:
            log.warning("job %s (%s): claim lost, handler stopped; its new holder finishes it", current.job.id,
                        current.job.kind)  # fmt: skip
        elif not current.task.cancelled() and (exc := current.task.exception()) is not None:
            log.error("job %s (%s): worker error", current.job.id, current.job.kind, exc_info=exc)

    async def _heartbeat(self) -> None:
        """Every `heartbeat` seconds while this batch runs: give back the jobs not started yet, renew the
        running job's lease, and stop that job if another worker holds it now."""
        lease = timedelta(seconds=self.lease.duration)
        while True:
            await asyncio.sleep(self.lease.heartbeat)
            try:
                await self._give_back()
                current = self._running
                if current is None or current.task.done():
                    continue
                if current.job.id not in await self.queue.renew(self.id, [current.job.id], lease):
                    current.lost = True
                    current.task.cancel()
            except Exception:  # the database may be briefly unavailable; completion is fenced anyway
                log.warning("outbox heartbeat of %s failed", self.id, exc_info=True)

    async def _give_back(self) -> None:
        async with self._turn:
            if self._pending:
                await self.queue.release(self.id, list(self._pending))
                self._pending.clear()

    async def _handle(self, job: OutboxJob) -> None:
        running.set(Claim(job.id, self.id))  # this task's own context: fences the handler's finishing writes
        try:
            await self.handlers[job.kind](self.deps, job)
        except ClaimLost:
            log.warning("job %s (%s) was taken over by another worker; its result is rolled back", job.id, job.kind)
        except jobs.GiveUp as exc:
            await self._bury(job, str(exc))
        except Exception as exc:  # RetryLater and anything unexpected: back off, bury when exhausted
            if isinstance(exc, jobs.RetryLater):
                await self._reschedule(job, str(exc))  # already a sentence for the dashboard, in Vietnamese
                return
            log.exception("job %s (%s) failed", job.id, job.kind)
            await self._reschedule(job, f"Lỗi nội bộ {type(exc).__name__}: {exc}")

    async def _reschedule(self, job: OutboxJob, error: str) -> None:
        now = self.deps.clock.now()
        failing_for = now - (job.first_failed_at or now)
        if self.policy.exhausted(job.attempts, failing_for):  # attempts counted when the job was claimed
            await self._bury(job, error)
            return
        run_after = now + timedelta(seconds=self.policy.delay(job.attempts))
        async with self.deps.uow() as uow:
            held = await uow.outbox.retry_later(job.id, error, run_after, self.id)
            if held and (hooks := self.hooks.get(job.kind)) is not None:
                await hooks.retrying(uow, self.deps, job, error, failing_for)
            if held:
                await uow.commit()
        if not held:
            log.warning("job %s (%s) not rescheduled: another worker holds it now", job.id, job.kind)

    async def _bury(self, job: OutboxJob, error: str) -> None:
        async with self.deps.uow() as uow:
            held = await uow.outbox.bury(job.id, error, self.id)
            if held and (hooks := self.hooks.get(job.kind)) is not None:
                await hooks.buried(uow, self.deps, job, error)
            if held:
                await uow.commit()
        if held:
            log.error("job %s (%s) moved to dead letters: %s", job.id, job.kind, error)
        else:
            log.warning("job %s (%s) not buried: another worker holds it now", job.id, job.kind)


def handlers_for(extra: dict[str, Handler] | None = None) -> dict[str, Handler]:
    from bridge.services import axis_intake, deliveries
    from bridge.services.inbound_routes import process_routed
    from bridge.services.notifications import handle_notify
    from bridge.services.relay import relay_document

    # pipeline jobs are routed: axis packets and replies to deliveries first (bridge.services.inbound_routes);
    # receipts go out under the per-address daily cap (deliveries.capped_receipt wraps receipts.send_receipt)
    base: dict[str, Handler] = {jobs.PIPELINE: process_routed, jobs.RELAY: relay_document, **deliveries.handlers()}
    base.update(axis_intake.handlers())  # the 02 answering an axis packet that could not be read
    base[jobs.NOTIFY] = handle_notify  # chat notifications (bridge.services.notifications)
    return {**base, **(extra or {})}


def failure_hooks(relay_notice_after: timedelta = timedelta(minutes=30)) -> dict[str, FailureHooks]:
    from bridge.services.relay import RelayHooks

    return {jobs.RELAY: RelayHooks(relay_notice_after)}
