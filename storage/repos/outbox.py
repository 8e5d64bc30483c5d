"""Effects to perform after commit (relay, receipts, notifications), written in the same transaction as
the change that causes them. Workers claim jobs through storage.outbox_queue.OutboxQueue.

Finishing a job is fenced: with an explicit `worker_id`, or while a worker runs that job (core.claims.running),
the update only applies while that worker still holds the job. Through core.claims a lost claim raises
ClaimLost, so the handler's transaction — the job's effects with it — rolls back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.claims import ClaimLost, holder_of
from storage.records import OutboxJob, OutboxState
from storage.repos._base import Repository
from storage.tables import UtcDateTime
from storage.tables import outbox as t


def outbox_job(r: Any) -> OutboxJob:
    return OutboxJob(
        id=r.id,
        kind=r.kind,
        payload=dict(r.payload),
        attempts=r.attempts,
        idempotency_key=r.idempotency_key,
        last_error=r.last_error,
        state=OutboxState(r.state),
        run_after=r.run_after,
        created_at=r.created_at,
        locked_by=r.locked_by,
        locked_until=r.locked_until,
        first_failed_at=r.first_failed_at,
        order_key=r.order_key,
    )


class OutboxRepository(Repository):
    async def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        idempotency_key: str,
        run_after: datetime | None = None,
        order_key: str = "",
    ) -> bool:
        """False, and nothing written, when a job with this key exists (whatever its state). Jobs with the same
        `order_key` (e.g. "doc:<id>": a document's relay, then its status packets) run one after the other in
        the order they were queued; an unfinished or dead earlier one holds the later ones back."""
        now = self._now()
        values = {
            "kind": kind,
            "payload": payload,
            "state": OutboxState.TODO.value,
            "attempts": 0,
            "run_after": run_after or now,
            "idempotency_key": idempotency_key,
            "created_at": now,
            "updated_at": now,
            "last_error": "",
            "order_key": order_key,
        }
        ins = self._insert(t).values(values).on_conflict_do_nothing(index_elements=[t.c.idempotency_key])
        return (await self._conn.execute(ins.returning(t.c.id))).first() is not None

    async def enqueue_many(self, jobs: list[tuple[str, dict[str, Any], str]]) -> None:
        """`enqueue` of several (kind, payload, idempotency_key) in one statement; existing keys are skipped."""
        if not jobs:
            return
        now = self._now()
        rows = [
            {"kind": kind, "payload": payload, "state": OutboxState.TODO.value, "attempts": 0, "run_after": now,
             "idempotency_key": key, "created_at": now, "updated_at": now, "last_error": ""}
            for kind, payload, key in jobs
        ]  # fmt: skip
        ins = self._insert(t).on_conflict_do_nothing(index_elements=[t.c.idempotency_key])
        await self._conn.execute(ins, rows)

    async def has_key(self, key: str, *, prefix: bool = False) -> bool:
        """A job with this idempotency key (or one starting with it) was ever queued, whatever its state."""
        cond = t.c.idempotency_key.startswith(key, autoescape=True) if prefix else t.c.idempotency_key == key
        return (await self._conn.execute(sa.select(t.c.id).where(cond).limit(1))).first() is not None

    async def get(self, job_id: int) -> OutboxJob | None:
        row = (await self._conn.execute(sa.select(t).where(t.c.id == job_id))).first()
        return outbox_job(row) if row else None

    async def complete(self, job_id: int, worker_id: str | None = None) -> bool:
        """Mark done. With `worker_id`, only while that worker still holds the job (False otherwise:
        its lease expired and another worker took it over — roll back)."""
        return await self._finish(job_id, worker_id, state=OutboxState.DONE)

    async def retry_later(self, job_id: int, error: str, run_after: datetime, worker_id: str | None = None) -> bool:
        """A failure worth another try at `run_after`; the first failure's time is kept (retry window, alerts)."""
        first = sa.func.coalesce(t.c.first_failed_at, sa.literal(self._now(), UtcDateTime()))
        return await self._finish(
            job_id, worker_id, state=OutboxState.TODO, last_error=error, run_after=run_after, first_failed_at=first
        )

    async def update_payload(self, job_id: int, payload: dict[str, Any]) -> bool:
        """Replace the payload of a running job (e.g. the reference of a packet built once), fenced like finishing."""
        q = sa.update(t).where(t.c.id == job_id)
        return await self._fenced(q.values(payload=payload, updated_at=self._now()), job_id, None)

    async def wait(self, job_id: int, reason: str, run_after: datetime, payload: dict[str, Any]) -> bool:
        """Not a failure: something the job needs (clamd, DNS) is down. Due again at `run_after`, and the claim is
        given back (attempts − 1), so however long it waits the job keeps every try of its retry policy for real
        failures afterwards. `payload` replaces the job's (the caller keeps its wait count there)."""
        attempts = sa.case((t.c.attempts > 0, t.c.attempts - 1), else_=0)
        return await self._finish(
            job_id, None, state=OutboxState.TODO, last_error=reason, run_after=run_after, attempts=attempts,
            payload=payload,
        )  # fmt: skip

    async def bury(self, job_id: int, error: str, worker_id: str | None = None) -> bool:
        """Dead letter: kept for a person to look at and requeue."""
        return await self._finish(job_id, worker_id, state=OutboxState.DEAD, last_error=error)

    async def prune(self, done_before: datetime, limit: int) -> int:
        """Delete up to `limit` done jobs last touched (finished) before `done_before`, oldest first; returns how
        many. Only done ones: jobs to do, running or dead (still owed, or waiting for a person) stay."""
        done = OutboxState.DONE.value
        old = sa.select(t.c.id).where(t.c.state == done, t.c.updated_at < done_before).order_by(t.c.id).limit(limit)
        q = sa.delete(t).where(t.c.id.in_(old.scalar_subquery()), t.c.state == done)
        return (await self._conn.execute(q)).rowcount

    async def _finish(self, job_id: int, worker_id: str | None, state: OutboxState, **values: Any) -> bool:
        q = sa.update(t).where(t.c.id == job_id)
        q = q.values(state=state.value, locked_by=None, locked_until=None, updated_at=self._now(), **values)
        return await self._fenced(q, job_id, worker_id)

    async def _fenced(self, q: Any, job_id: int, worker_id: str | None) -> bool:
        holder = worker_id or holder_of(job_id)
        if holder is not None:
            q = q.where(t.c.locked_by == holder, t.c.state == OutboxState.DOING.value)
        done = (await self._conn.execute(q)).rowcount > 0
        if not done and worker_id is None and holder is not None:
            raise ClaimLost(f"outbox job {job_id} is no longer held by {holder}")
        return done
