"""Named leader locks, so that among N processes on one PostgreSQL only one polls a given mailbox."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def leader_lock(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """`async with leader_lock(engine, "imap:vanthu@…") as held:` — held is False when another process
    has it (try again later). PostgreSQL: a session advisory lock on a connection kept open (in autocommit,
    so no transaction idles) for the duration. SQLite is one process by design: always held."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = {"k": lock_key(name)}
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        held = bool((await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), key)).scalar())
        try:
            yield held
        finally:
            if held and not conn.closed:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), key)
