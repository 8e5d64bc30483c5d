"""Named leader locks, so that among N processes on one PostgreSQL only one polls a given mailbox.

A PostgreSQL advisory lock lives as long as the session holding it: when that connection drops (server
restart, pg_terminate_backend, network) the server releases it and another process may take it. The holder
would not know, so while the lock is held a watcher asks the holding connection every `check_every` seconds
whether the lock is still its own, and signals the loss on the `Lease` (`await lease.lost()`)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# still ours: granted to this very session (a bigint key is split into classid/objid, objsubid 1)
_STILL_HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    " AND granted AND objsubid = 1"
    " AND ((classid::bigint << 32) | objid::bigint) = CAST(:k AS bigint))"
)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Lease:
    """What `leader_lock` yields: truthy while held; `lost()` returns once the lock is gone under us."""

    def __init__(self, name: str, held: bool) -> None:
        self.name = name
        self.held = held
        self._lost = asyncio.Event()

    def __bool__(self) -> bool:
        return self.held

    @property
    def is_lost(self) -> bool:
        return self._lost.is_set()

    async def lost(self) -> None:
        """Wait until the lease is lost (forever on SQLite, or when it was never held)."""
        await self._lost.wait()

    def _lose(self, why: str) -> None:
        if not self._lost.is_set():
            log.warning("lease %s lost: %s", self.name, why)
            self.held = False
            self._lost.set()


@asynccontextmanager
async def leader_lock(engine: AsyncEngine, name: str, *, check_every: float = 5.0) -> AsyncIterator[Lease]:
    """`async with leader_lock(engine, "imap:vanthu@…") as lease:` — lease is falsy when another process
    has it (try again later). PostgreSQL: a session advisory lock on a connection kept open (in autocommit,
    so no transaction idles) for the duration, checked every `check_every` seconds. SQLite is one process by
    design: always held, never lost."""
    if engine.dialect.name != "postgresql":
        yield Lease(name, True)
        return
    key = {"k": lock_key(name)}
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        lease = Lease(name, bool((await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), key)).scalar()))
        if not lease:
            yield lease
            return
        done = asyncio.Event()
        watcher = asyncio.create_task(_watch(conn, lease, key, check_every, done), name=f"lease:{name}")
        try:
            yield lease
        finally:
            done.set()
            await watcher  # at most one check in flight, bounded by its timeout
            await _release(conn, lease, key)


async def _release(conn: AsyncConnection, lease: Lease, key: dict[str, int]) -> None:
    if not lease.is_lost:
        try:
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), key)
            return
        except Exception as exc:  # died since the last check: the server has released the lock with it
            lease._lose(f"on release: {type(exc).__name__}")
    await conn.invalidate()  # the session is gone or unusable: never back into the pool


async def _watch(conn: AsyncConnection, lease: Lease, key: dict[str, int], every: float, done: asyncio.Event) -> None:
    timeout = max(every, 5.0)  # a silent network partition must not hang the check
    while not done.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), every)
        if done.is_set():
            return
        try:
            still = (await asyncio.wait_for(conn.execute(_STILL_HELD, key), timeout)).scalar()
        except Exception as exc:  # connection dropped, backend terminated, server restarting, timeout
            lease._lose(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300])
            return
        if not still:
            lease._lose("no longer granted to this session")
            return
