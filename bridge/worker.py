"""The outbox worker: claims due jobs, runs their handler, reschedules or buries failures.

Retry policy is data (RetryPolicy); delays come from tenacity's exponential backoff with jitter."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Protocol

from tenacity import wait_exponential_jitter

from bridge.services import jobs
from bridge.services.deps import Deps
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
    """A failing job backs off, then is buried as a dead letter after `max_attempts` claims."""

    max_attempts: int = 8
    initial: float = 2.0
    maximum: float = 600.0
    jitter: float = 1.0
    factor: float = 2.0

    @property
    def backoff(self) -> Backoff:
        return Backoff(self.initial, self.factor, self.maximum, self.jitter)

    def delay(self, attempt: int) -> float:
        return self.backoff.delay(attempt)


class Queue(Protocol):
    async def claim(
        self, worker_id: str, kinds: list[str] | None = ..., limit: int = ..., lease: timedelta = ...
    ) -> list[OutboxJob]: ...


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
    ) -> None:
        self.deps, self.queue, self.handlers, self.policy = deps, queue, handlers, policy
        self.give_way = give_way  # awaited before each job: lets more urgent work (accepting mail) go first
        self.idle_sleep, self.batch = idle_sleep, batch
        self.wake = wake or asyncio.Event()
        self.id = f"worker-{uuid.uuid4().hex[:8]}"

    async def run(self, stop: asyncio.Event) -> None:
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
        claimed = await self.queue.claim(self.id, list(self.handlers), self.batch)
        for job in claimed:
            if self.give_way is not None:
                await self.give_way()
            await self._run(job)
        return len(claimed)

    async def _run(self, job: OutboxJob) -> None:
        try:
            await self.handlers[job.kind](self.deps, job)
        except jobs.GiveUp as exc:
            await self._bury(job, str(exc))
        except Exception as exc:  # RetryLater and anything unexpected: back off, bury when exhausted
            if not isinstance(exc, jobs.RetryLater):
                log.exception("job %s (%s) failed", job.id, job.kind)
            await self._reschedule(job, f"{type(exc).__name__}: {exc}")

    async def _reschedule(self, job: OutboxJob, error: str) -> None:
        attempts = job.attempts  # counted when the job was claimed
        if attempts >= self.policy.max_attempts:
            await self._bury(job, error)
            return
        run_after = self.deps.clock.now() + timedelta(seconds=self.policy.delay(attempts))
        async with self.deps.uow() as uow:
            await uow.outbox.retry_later(job.id, error, run_after)
            await uow.commit()

    async def _bury(self, job: OutboxJob, error: str) -> None:
        log.error("job %s (%s) moved to dead letters: %s", job.id, job.kind, error)
        async with self.deps.uow() as uow:
            await uow.outbox.bury(job.id, error)
            await uow.commit()


def handlers_for(extra: dict[str, Handler] | None = None) -> dict[str, Handler]:
    from bridge.services import deliveries
    from bridge.services.inbound_routes import process_routed
    from bridge.services.notifications import handle_notify
    from bridge.services.relay import relay_document

    # pipeline jobs are routed: axis packets and replies to deliveries first (bridge.services.inbound_routes);
    # receipts go out under the per-address daily cap (deliveries.capped_receipt wraps receipts.send_receipt)
    base: dict[str, Handler] = {jobs.PIPELINE: process_routed, jobs.RELAY: relay_document, **deliveries.handlers()}
    base[jobs.NOTIFY] = handle_notify  # chat notifications (bridge.services.notifications)
    return {**base, **(extra or {})}
