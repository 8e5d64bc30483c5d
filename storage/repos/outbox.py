"""Effects to perform after commit (relay, receipts, notifications), written in the same transaction as
the change that causes them. Workers claim jobs through storage.outbox_queue.OutboxQueue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.records import OutboxJob, OutboxState
from storage.repos._base import Repository
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
    )


class OutboxRepository(Repository):
    async def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        idempotency_key: str,
        run_after: datetime | None = None,
    ) -> bool:
        """False, and nothing written, when a job with this key exists (whatever its state)."""
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

    async def get(self, job_id: int) -> OutboxJob | None:
        row = (await self._conn.execute(sa.select(t).where(t.c.id == job_id))).first()
        return outbox_job(row) if row else None

    async def complete(self, job_id: int, worker_id: str | None = None) -> bool:
        """Mark done. With `worker_id`, only while that worker still holds the job (False otherwise:
        its lease expired and another worker took it over — roll back)."""
        return await self._finish(job_id, worker_id, state=OutboxState.DONE)

    async def retry_later(self, job_id: int, error: str, run_after: datetime, worker_id: str | None = None) -> bool:
        return await self._finish(job_id, worker_id, state=OutboxState.TODO, last_error=error, run_after=run_after)

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

    async def _finish(self, job_id: int, worker_id: str | None, state: OutboxState, **values: Any) -> bool:
        q = sa.update(t).where(t.c.id == job_id)
        if worker_id is not None:
            q = q.where(t.c.locked_by == worker_id, t.c.state == OutboxState.DOING.value)
        q = q.values(state=state.value, locked_by=None, locked_until=None, updated_at=self._now(), **values)
        return (await self._conn.execute(q)).rowcount > 0
