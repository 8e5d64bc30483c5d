"""Done outbox jobs are pruned after `[outbox] keep_done_days` (SQLite and PostgreSQL), audited with their count;
jobs still owed (to do, running, dead letters) and every other table are never touched; 0 keeps them forever."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.bootstrap import Bridge, access, build
from bridge.outbox_pruning import run_outbox_pruning
from bridge.services.outbox_retention import prune_done_jobs
from storage.records import OutboxState
from storage.tables import metadata
from tests.fixtures.clock import MovableClock
from tests.fixtures.settings import base_settings

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
async def bridge(db_url: str, tmp_path: Path) -> AsyncIterator[Bridge]:
    s = base_settings(database_url=db_url, blob_dir=str(tmp_path / "blobs"))
    s.axis.simulator = False
    b = await build(s, clock=MovableClock(T0))
    yield b
    await b.close()


async def _jobs(b: Bridge, state: OutboxState, n: int, tag: str) -> list[int]:
    """`n` jobs left in `state` at the clock's current time."""
    async with b.deps.uow() as uow:
        for i in range(n):
            await uow.outbox.enqueue("receipt.mail", {"i": i}, f"{tag}:{i}")
        await uow.commit()
    ids = [j.id for j in await b.queue.claim(f"w-{tag}", limit=n)]
    assert len(ids) == n
    async with b.deps.uow() as uow:
        for job_id in ids:
            if state is OutboxState.DONE:
                await uow.outbox.complete(job_id, f"w-{tag}")
            elif state is OutboxState.DEAD:
                await uow.outbox.bury(job_id, "hỏng", f"w-{tag}")
            elif state is OutboxState.TODO:
                await uow.outbox.retry_later(job_id, "thử lại", b.deps.clock.now() + timedelta(days=90), f"w-{tag}")
        await uow.commit()
    return ids


async def _counts(b: Bridge) -> dict[str, int]:
    async with b.engine.connect() as conn:
        return {t.name: (await conn.execute(sa.select(sa.func.count()).select_from(t))).scalar_one()
                for t in metadata.sorted_tables}  # fmt: skip


async def _states(b: Bridge) -> dict[str, int]:
    return {s.value: n for s, n in (await b.queue.stats()).counts.items()}


async def test_done_jobs_older_than_the_retention_are_pruned_and_audited(bridge: Bridge) -> None:
    clock: MovableClock = bridge.deps.clock
    old_done = await _jobs(bridge, OutboxState.DONE, 5, "old")
    await _jobs(bridge, OutboxState.DEAD, 2, "dead")
    await _jobs(bridge, OutboxState.TODO, 2, "todo")  # failed, due again in 90 days: still owed
    clock.advance(timedelta(days=20))
    await _jobs(bridge, OutboxState.DONE, 3, "recent")
    await _jobs(bridge, OutboxState.DOING, 1, "doing")  # claimed, never finished (its worker died)
    clock.advance(timedelta(days=11))  # the old ones finished 31 days ago, the recent ones 11
    before = await _counts(bridge)
    assert await prune_done_jobs(bridge.deps, timedelta(days=30), batch=2) == 5  # three batches: 2, 2, 1
    after = await _counts(bridge)
    assert await _states(bridge) == {"todo": 2, "doing": 1, "done": 3, "dead": 2}
    async with bridge.deps.uow() as uow:
        assert [await uow.outbox.get(i) for i in old_done] == [None] * 5
    audit = [e for e in await access(bridge).audit.store.recent_audit() if e.action == "outbox.prune"]
    assert sorted(e.details["count"] for e in audit) == [1, 2, 2] and {e.actor for e in audit} == {"edoc-bridge"}
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"outbox", "audit_log"} and after["outbox"] == before["outbox"] - 5
    assert await prune_done_jobs(bridge.deps, timedelta(days=30)) == 0  # nothing more, nothing audited
    assert len([e for e in await access(bridge).audit.store.recent_audit() if e.action == "outbox.prune"]) == 3


async def test_the_leader_loop_prunes_by_the_settings(bridge: Bridge) -> None:
    clock: MovableClock = bridge.deps.clock
    await _jobs(bridge, OutboxState.DONE, 3, "old")
    clock.advance(timedelta(days=8))
    await _jobs(bridge, OutboxState.DONE, 1, "new")
    bridge.settings.outbox.keep_done_days, bridge.settings.outbox.prune_interval = 7.0, 0.05
    stop = asyncio.Event()
    loop = asyncio.create_task(run_outbox_pruning(bridge, stop))

    async def pruned() -> None:
        while (await _states(bridge))["done"] != 1:
            assert not loop.done(), "the loop ended"
            await asyncio.sleep(0.05)  # the next look: the loop runs on its own schedule

    try:
        await asyncio.wait_for(pruned(), 10)
    finally:
        stop.set()
        await asyncio.wait_for(loop, 10)
    assert (await _states(bridge))["done"] == 1  # the job done a day ago stays


async def test_zero_keeps_done_jobs_forever(bridge: Bridge) -> None:
    await _jobs(bridge, OutboxState.DONE, 2, "old")
    bridge.deps.clock.advance(timedelta(days=3650))
    bridge.settings.outbox.keep_done_days = 0.0
    await asyncio.wait_for(run_outbox_pruning(bridge, asyncio.Event()), 10)  # returns at once: nothing to do
    assert (await _states(bridge))["done"] == 2
