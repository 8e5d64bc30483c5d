"""The workers' side of the outbox: claim due jobs under a lease, renew it while a job runs (heartbeat), give
unstarted jobs back, inspect, run again now, requeue dead letters. Each call is its own short transaction;
finishing a job (complete / retry_later / bury) happens in the worker's unit of work together with the job's
effect (storage.repos.outbox), fenced to the worker holding the claim."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.access import AuditEntry
from core.ports import Clock
from storage.access import Audit, AuditRepository
from storage.records import OutboxJob, OutboxState, OutboxStats
from storage.repos._base import utc_now
from storage.repos.outbox import OutboxRepository, outbox_job
from storage.tables import outbox as t

TODO, DOING, DEAD = OutboxState.TODO.value, OutboxState.DOING.value, OutboxState.DEAD.value


class OutboxQueue:
    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._now = clock.now if clock else utc_now
        self.on_audit: Callable[[list[AuditEntry]], Awaitable[None]] | None = None  # after an audited commit

    async def claim(
        self,
        worker_id: str,
        kinds: Collection[str] | None = None,
        limit: int = 10,
        lease: timedelta = timedelta(seconds=10),
    ) -> list[OutboxJob]:
        """Take up to `limit` due jobs (oldest run_after first): todo ones whose time has come, and doing
        ones whose lease ran out (their worker died or stalled). A job with an order key waits until every
        earlier job with that key is done. Each claim counts as an attempt. PostgreSQL skips rows other
        workers are claiming right now; SQLite has one writer at a time anyway."""
        now = self._now()
        async with self._engine.begin() as conn:
            pick = sa.select(t.c.id).where(_due(now, kinds)).order_by(t.c.run_after, t.c.id).limit(limit)
            if conn.dialect.name == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            ids = (await conn.execute(pick)).scalars().all()
            if not ids:
                return []
            take = (
                sa.update(t)
                .where(t.c.id.in_(ids))
                .values(
                    state=DOING,
                    locked_by=worker_id,
                    locked_until=now + lease,
                    attempts=t.c.attempts + 1,
                    updated_at=now,
                )
                .returning(*t.c)
            )
            jobs = [outbox_job(r) for r in await conn.execute(take)]
        return sorted(jobs, key=lambda j: (j.run_after, j.id))

    async def renew(self, worker_id: str, job_ids: Collection[int], lease: timedelta) -> set[int]:
        """Heartbeat: extend the lease of these jobs while `worker_id` still holds them; returns those it holds."""
        if not job_ids:
            return set()
        now = self._now()
        q = (
            sa.update(t)
            .where(t.c.id.in_(list(job_ids)), t.c.locked_by == worker_id, t.c.state == DOING)
            .values(locked_until=now + lease)
            .returning(t.c.id)
        )
        async with self._engine.begin() as conn:
            return set((await conn.execute(q)).scalars().all())

    async def release(self, worker_id: str, job_ids: Collection[int]) -> int:
        """Give back claimed jobs this worker will not start (they wait behind a slow one, or it stops): due
        again at once for any worker, and the claim is not counted as an attempt."""
        if not job_ids:
            return 0
        q = (
            sa.update(t)
            .where(t.c.id.in_(list(job_ids)), t.c.locked_by == worker_id, t.c.state == DOING)
            .values(
                state=TODO,
                locked_by=None,
                locked_until=None,
                attempts=sa.case((t.c.attempts > 0, t.c.attempts - 1), else_=0),
                updated_at=self._now(),
            )
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(q)).rowcount

    async def requeue(self, job_id: int, audit: Audit | None = None) -> bool:
        """Dead letter → todo, due now, attempts from zero and a new retry window. False when not dead.
        `audit` records who did it in the same transaction."""
        now = self._now()
        q = (
            sa.update(t)
            .where(t.c.id == job_id, t.c.state == DEAD)
            .values(state=TODO, attempts=0, run_after=now, updated_at=now, first_failed_at=None)
        )
        return await self._change(q, audit)

    async def retry_now(self, job_id: int, audit: Audit | None = None) -> bool:
        """A job waiting for its next try (todo) → due now; its attempts stay counted, so the worker's
        limit still applies. False when the job is not waiting (dead, done, or being run)."""
        now = self._now()
        q = sa.update(t).where(t.c.id == job_id, t.c.state == TODO).values(run_after=now, updated_at=now)
        return await self._change(q, audit)

    async def _change(self, q: Any, audit: Audit | None) -> bool:
        repo: AuditRepository | None = None
        async with self._engine.begin() as conn:
            if (await conn.execute(q)).rowcount == 0:
                return False
            if audit is not None:
                repo = AuditRepository(conn)
                await audit(repo)
        if repo is not None and repo.appended and self.on_audit is not None:
            await self.on_audit(repo.appended)
        return True

    async def get(self, job_id: int) -> OutboxJob | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(t).where(t.c.id == job_id))).first()
        return outbox_job(row) if row else None

    async def list(
        self, state: OutboxState | None = None, limit: int = 100, offset: int = 0
    ) -> builtins.list[OutboxJob]:
        """Newest first."""
        q = sa.select(t).order_by(t.c.id.desc()).limit(limit).offset(offset)
        if state is not None:
            q = q.where(t.c.state == state.value)
        async with self._engine.connect() as conn:
            return [outbox_job(r) for r in await conn.execute(q)]

    async def failing(self, kinds: Collection[str] | None = None, limit: int = 500) -> builtins.list[OutboxJob]:
        """Jobs that failed and are not delivered: still being retried (since `first_failed_at`) or dead letters,
        the longest failing first — what the dashboard and /metrics raise alerts about."""
        retrying = sa.and_(t.c.state.in_([TODO, DOING]), t.c.first_failed_at.is_not(None))
        q = sa.select(t).where(sa.or_(retrying, t.c.state == DEAD), *_kinds(kinds))
        q = q.order_by(sa.func.coalesce(t.c.first_failed_at, t.c.updated_at), t.c.id).limit(limit)
        async with self._engine.connect() as conn:
            return [outbox_job(r) for r in await conn.execute(q)]

    async def stats(self) -> OutboxStats:
        now = self._now()
        async with self._engine.connect() as conn:
            counts = {OutboxState(s): n for s, n in await conn.execute(_count_by_state())}
            oldest = (await conn.execute(sa.select(sa.func.min(t.c.created_at)).where(t.c.state == TODO))).scalar()
            due = await _scalar(conn, sa.select(sa.func.count()).where(t.c.state == TODO, t.c.run_after <= now))
        return OutboxStats(
            counts={s: counts.get(s, 0) for s in OutboxState},
            oldest_todo_age=_age(now, oldest),
            due=int(due),
        )

    async def attempt_totals(self, kind: str) -> tuple[int, int]:
        """(attempts of every job of `kind`, attempts that failed) in one aggregate query (for /metrics)."""
        done = sa.case((t.c.state == OutboxState.DONE.value, 1), else_=0)
        tries = t.c.attempts - done  # a finished job's last attempt succeeded
        failed = sa.case((sa.and_(t.c.last_error.is_not(None), tries > 0), tries), else_=0)
        q = sa.select(sa.func.coalesce(sa.func.sum(t.c.attempts), 0), sa.func.coalesce(sa.func.sum(failed), 0))
        async with self._engine.connect() as conn:
            row = (await conn.execute(q.where(t.c.kind == kind))).one()
        return int(row[0]), int(row[1])

    async def wait_hint(self, kinds: Collection[str] | None = None) -> timedelta | None:
        """How long until the next job becomes claimable (zero if one is due now); None when nothing is
        pending. Workers sleep min(hint, their poll interval)."""
        next_todo = sa.select(sa.func.min(t.c.run_after)).where(t.c.state == TODO, *_kinds(kinds))
        next_lease = sa.select(sa.func.min(t.c.locked_until)).where(t.c.state == DOING, *_kinds(kinds))
        async with self._engine.connect() as conn:
            times = [await _scalar(conn, next_todo), await _scalar(conn, next_lease)]
        pending = [x for x in times if x is not None]
        if not pending:
            return None
        return max(min(pending) - self._now(), timedelta(0))

    async def prune(self, done_before: datetime, limit: int = 1000) -> int:
        """Delete up to `limit` done jobs last touched before `done_before` (storage.repos.outbox.prune), in its own
        transaction; returns how many. The service prunes through the unit of work, audited
        (bridge.services.outbox_retention)."""
        async with self._engine.begin() as conn:
            return await OutboxRepository(conn, self._now).prune(done_before, limit)


def _kinds(kinds: Collection[str] | None) -> list[sa.ColumnElement[bool]]:
    return [] if kinds is None else [t.c.kind.in_(list(kinds))]


def _due(now: datetime, kinds: Collection[str] | None) -> sa.ColumnElement[bool]:
    ready = sa.and_(t.c.state == TODO, t.c.run_after <= now)
    abandoned = sa.and_(t.c.state == DOING, t.c.locked_until < now)
    return sa.and_(sa.or_(ready, abandoned), _first_in_order(), *_kinds(kinds))


def _first_in_order() -> sa.ColumnElement[bool]:
    """No earlier job with the same order key is still to do, running or dead (a dead relay holds back the
    document's status packets until it is requeued and delivered)."""
    earlier = t.alias("earlier")
    blocking = sa.exists().where(
        earlier.c.order_key == t.c.order_key, earlier.c.id < t.c.id, earlier.c.state.in_([TODO, DOING, DEAD])
    )
    return sa.or_(t.c.order_key == "", ~blocking)


def _count_by_state() -> sa.Select[Any]:
    return sa.select(t.c.state, sa.func.count()).group_by(t.c.state)


async def _scalar(conn: AsyncConnection, q: sa.Select[Any]) -> Any:
    return (await conn.execute(q)).scalar()


def _age(now: datetime, since: datetime | None) -> timedelta | None:
    return None if since is None else max(now - since, timedelta(0))
