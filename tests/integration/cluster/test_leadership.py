"""bridge.leadership.run_as_leader on a real PostgreSQL: of several contenders exactly one runs the body; when the
holder's session is terminated or its process is killed, a standby takes over, and a holder that lost its
lease has its body cancelled. SQLite: one process, always the leader."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bridge.leadership import Body, run_as_leader
from storage.engine import make_engine
from storage.locks import lock_key

NAME = "test:leader"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class Contender:
    """One process's view: how often its body started, whether it is running, and how it ended."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = 0
        self.cancelled = 0
        self.running = asyncio.Event()
        self.changes: list[bool] = []

    def body(self) -> Body:
        async def run(stop: asyncio.Event) -> None:
            self.started += 1
            self.running.set()
            try:
                await stop.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
            finally:
                self.running.clear()

        return run

    def start(self, engine: AsyncEngine, stop: asyncio.Event, retry: float = 0.1) -> asyncio.Task[None]:
        run = run_as_leader(engine, NAME, self.body(), stop, retry_every=retry, check_every=0.1,
                            on_change=self.changes.append)  # fmt: skip
        return asyncio.create_task(run)


async def _holder_pids(engine: AsyncEngine) -> list[int]:
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        " AND ((classid::bigint << 32) | objid::bigint) = CAST(:k AS bigint)"
    )
    async with engine.connect() as conn:
        return list((await conn.execute(query, {"k": lock_key(NAME)})).scalars())


async def _until(check: Callable[[], bool]) -> None:
    """Wait for `check()` (bounded by the caller's wait_for); looks again every 20 ms."""
    while not check():  # noqa: ASYNC110 - the contenders' counters have no event of their own
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_one_of_three_runs_and_a_terminated_session_hands_over(engine: AsyncEngine, db_url: str) -> None:
    engines = [engine, make_engine(db_url), make_engine(db_url)]  # three processes' pools
    contenders = [Contender(f"p{i}") for i in range(3)]
    stop = asyncio.Event()
    tasks = [c.start(e, stop) for c, e in zip(contenders, engines, strict=True)]
    try:
        await asyncio.wait_for(_until(lambda: any(c.running.is_set() for c in contenders)), 10)
        [first] = [c for c in contenders if c.running.is_set()]
        standbys = [c for c in contenders if c is not first]
        # the standbys try again and again (each failed try is told as False) and never get it while it lives
        await asyncio.wait_for(_until(lambda: all(len(c.changes) >= 5 for c in standbys)), 10)
        assert all(True not in c.changes and c.started == 0 for c in standbys)
        assert sum(c.running.is_set() for c in contenders) == 1
        assert first.started == 1 and first.changes == [True]
        [pid] = await _holder_pids(engines[1])
        async with engines[1].connect() as admin:  # as an operator (or a network cut) would
            assert (await admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})).scalar()
        await asyncio.wait_for(_until(lambda: first.cancelled == 1), 10)  # the holder's body is cancelled
        assert first.changes[:2] == [True, False]
        await asyncio.wait_for(_until(lambda: any(c.running.is_set() for c in contenders)), 10)
        new_pids = await _holder_pids(engines[1])
        assert len(new_pids) == 1 and new_pids != [pid]
        assert sum(c.running.is_set() for c in contenders) == 1
        assert sum(c.started for c in contenders) == 2  # one body at a time, and only two starts in all
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        for e in engines[1:]:
            await e.dispose()
    assert sum(c.running.is_set() for c in contenders) == 0
    assert not await _holder_pids(engine)  # released on the way out


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from bridge.leadership import run_as_leader
    from storage.engine import make_engine

    async def main() -> None:
        async def body(stop):
            print("leader", flush=True)
            await stop.wait()
        await run_as_leader(make_engine(sys.argv[1]), sys.argv[2], body, asyncio.Event(), retry_every=0.1,
                            check_every=0.1)

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_a_killed_leader_process_is_replaced_by_a_standby(engine: AsyncEngine, db_url: str) -> None:
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", CHILD, db_url, NAME, cwd=ROOT,
                                                 stdout=asyncio.subprocess.PIPE)  # fmt: skip
    assert child.stdout is not None
    stop = asyncio.Event()
    standby = Contender("standby")
    task: asyncio.Task[None] | None = None
    try:
        assert await asyncio.wait_for(child.stdout.readline(), 30) == b"leader\n"
        task = standby.start(engine, stop)
        await asyncio.wait_for(_until(lambda: len(standby.changes) >= 3), 10)  # tried three times, in vain
        assert True not in standby.changes and standby.started == 0
        os.kill(child.pid, signal.SIGKILL)  # the socket closes with the process: the server releases the lock
        await child.wait()
        await asyncio.wait_for(standby.running.wait(), 10)
        assert standby.started == 1 and standby.changes[-1] is True
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        stop.set()
        if task is not None:
            await asyncio.wait_for(task, 10)
    assert standby.cancelled == 0  # ended by stop, not by losing the lease


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_a_failing_body_is_started_again_and_a_finished_one_ends(engine: AsyncEngine) -> None:
    runs = 0

    async def flaky(stop: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise RuntimeError("axis down")
        # the third run has nothing more to do: it returns, and so does run_as_leader

    stop = asyncio.Event()
    await asyncio.wait_for(run_as_leader(engine, NAME, flaky, stop, retry_every=0.05, check_every=0.1), 10)
    assert runs == 3 and not stop.is_set()
    assert not await _holder_pids(engine)


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_sqlite_is_always_the_leader(engine: AsyncEngine) -> None:
    one, two = Contender("a"), Contender("b")
    stop = asyncio.Event()
    tasks = [one.start(engine, stop), two.start(engine, stop)]
    await asyncio.wait_for(asyncio.gather(one.running.wait(), two.running.wait()), 10)  # no lock to contend for
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert (one.started, one.cancelled, one.changes) == (1, 0, [True, False])
