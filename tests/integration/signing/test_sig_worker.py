"""signing.sig_worker.LoopThread: pyHanko's coroutines run on one background thread, the caller's loop stays free."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from signing.sig_worker import LoopThread


@pytest.fixture
def worker() -> LoopThread:
    thread = LoopThread("test-worker")
    yield thread  # type: ignore[misc]
    thread.close()


async def _where() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


async def test_a_coroutine_runs_on_the_worker_thread_and_returns(worker: LoopThread) -> None:
    assert await worker.run(_where()) == "test-worker"
    assert threading.current_thread().name != "test-worker"


async def test_an_error_reaches_the_caller(worker: LoopThread) -> None:
    async def broken() -> None:
        raise ValueError("hỏng")

    with pytest.raises(ValueError, match="hỏng"):
        await worker.run(broken())
    assert await worker.run(_where()) == "test-worker"  # the worker survives


async def test_the_callers_loop_keeps_running_during_cpu_bound_work(worker: LoopThread) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    async def busy() -> int:
        deadline = time.monotonic() + 0.2
        spins = 0
        while time.monotonic() < deadline:  # pure CPU, no await: like parsing a PDF
            spins += 1
        return spins

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    assert await worker.run(busy()) > 0
    task.cancel()
    assert ticks >= 10


async def test_jobs_run_one_at_a_time_in_order(worker: LoopThread) -> None:
    log: list[str] = []

    async def job(name: str) -> str:
        log.append(f"{name} start")
        await asyncio.sleep(0.01)
        log.append(f"{name} end")
        return name

    assert await asyncio.gather(*(worker.run(job(n)) for n in "abc")) == ["a", "b", "c"]
    assert log == ["a start", "a end", "b start", "b end", "c start", "c end"]


async def test_cancelling_the_caller_cancels_the_running_job(worker: LoopThread) -> None:
    started, stopped = threading.Event(), threading.Event()

    async def waits() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            stopped.set()

    task = asyncio.create_task(worker.run(waits()))
    assert await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(stopped.wait, 5)
    assert await worker.run(_where()) == "test-worker"


async def test_a_cancelled_job_that_has_not_started_never_runs(worker: LoopThread) -> None:
    release, ran = threading.Event(), []

    async def blocks() -> None:
        release.wait(5)  # holds the worker thread

    async def second() -> None:
        ran.append("second")

    first = asyncio.create_task(worker.run(blocks()))
    queued = asyncio.create_task(worker.run(second()))
    await asyncio.sleep(0.05)
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await queued
    release.set()
    await first
    assert await worker.run(_where()) == "test-worker"
    assert ran == []


def test_run_blocking_from_synchronous_code(worker: LoopThread) -> None:
    assert worker.run_blocking(_where()) == "test-worker"

    async def slow() -> None:
        await asyncio.sleep(0.5)

    with pytest.raises(TimeoutError):
        worker.run_blocking(slow(), timeout=0.05)


async def test_close_stops_the_thread_and_a_later_run_starts_another(worker: LoopThread) -> None:
    await worker.run(_where())
    before = {t for t in threading.enumerate() if t.name == "test-worker"}
    worker.close()
    assert not any(t.is_alive() for t in before)
    assert await worker.run(_where()) == "test-worker"
