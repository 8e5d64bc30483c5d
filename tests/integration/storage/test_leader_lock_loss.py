"""A leader whose PostgreSQL session is terminated learns it has lost the lease, and another may take it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from storage.locks import leader_lock, lock_key

NAMES = ["imap:vanthu@bridge.gov.vn", "imap:congvan@vinhlong.gov.vn"]  # keys < 0 and > 0


async def _holder_pids(engine: AsyncEngine, name: str) -> list[int]:
    """Backends granted the advisory lock `name` (read from another connection, as an operator would)."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        " AND ((classid::bigint << 32) | objid::bigint) = CAST(:k AS bigint)"
    )
    async with engine.connect() as conn:
        return list((await conn.execute(query, {"k": lock_key(name)})).scalars())


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
@pytest.mark.parametrize("name", NAMES)
async def test_terminated_session_signals_loss_and_frees_the_lease(engine: AsyncEngine, db_url: str, name: str) -> None:
    assert {lock_key(n) < 0 for n in NAMES} == {True, False}  # both signs of the key are checked
    other_process = make_engine(db_url)
    try:
        async with leader_lock(engine, name, check_every=0.2) as lease:
            assert lease and not lease.is_lost
            async with leader_lock(other_process, name) as contender:
                assert not contender
            [pid] = await _holder_pids(other_process, name)
            async with other_process.connect() as admin:
                assert (await admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})).scalar()
            await asyncio.wait_for(lease.lost(), timeout=5)
            assert not lease and lease.is_lost
            async with leader_lock(other_process, name) as taken_over:
                assert taken_over
        # leaving the lost lease neither raised nor returned the dead connection to the pool
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await other_process.dispose()


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_a_healthy_lease_is_not_reported_lost(engine: AsyncEngine, db_url: str) -> None:
    other_process = make_engine(db_url)
    try:
        async with leader_lock(engine, NAMES[0], check_every=0.05) as lease:
            checks = 0
            while checks < 20:  # many checks pass while the session lives
                await asyncio.sleep(0.05)
                checks += 1
                assert not lease.is_lost
            assert await _holder_pids(other_process, NAMES[0])
        assert not await _holder_pids(other_process, NAMES[0])  # released on exit
    finally:
        await other_process.dispose()


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_sqlite_lease_is_never_lost(engine: AsyncEngine) -> None:
    async with leader_lock(engine, NAMES[0], check_every=0.01) as lease:
        assert lease
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(lease.lost(), timeout=0.1)


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_session_dying_between_checks_is_released_quietly(engine: AsyncEngine, db_url: str) -> None:
    other_process = make_engine(db_url)
    try:
        async with leader_lock(engine, NAMES[0], check_every=3600) as lease:
            [pid] = await _holder_pids(other_process, NAMES[0])
            async with other_process.connect() as admin:
                await admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        assert lease.is_lost  # found out on release, which did not raise
        async with leader_lock(other_process, NAMES[0]) as taken_over:
            assert taken_over
    finally:
        await other_process.dispose()
