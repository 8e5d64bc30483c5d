"""One background thread with its own event loop, where pyHanko's async (but CPU-bound) validation runs.

pyHanko's coroutines hardly ever await: parsing and checking a PDF is 5–60 ms of pure Python that would
otherwise hold the caller's loop. Running them on this thread leaves the caller's loop free; the GIL hands it
back every few milliseconds. One thread keeps validation serial, which also bounds its CPU use.

The thread takes jobs from a queue and runs each to completion on its private loop (`run_until_complete`);
the result goes back with `call_soon_threadsafe`. A loop that runs forever, fed by `run_coroutine_threadsafe`,
costs ~150 µs of CPU per call in wake-ups and chained futures; this costs ~25 µs. The loop only runs while a
job does, which is all pyHanko needs (an HTTP fetcher's housekeeping waits for the next job).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
Outcome = Callable[[Any, BaseException | None], None]  # called on the worker thread with (result, error)


class _Job:
    def __init__(self, coro: Coroutine[Any, Any, Any], outcome: Outcome) -> None:
        self.coro, self.outcome = coro, outcome
        self._lock = threading.Lock()  # start and cancel may race (worker thread / caller's thread)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancelled = False

    def run_on(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            if self._cancelled:
                self.coro.close()
                return
            self._loop, self._task = loop, loop.create_task(self.coro)
        try:
            result = loop.run_until_complete(self._task)
        except BaseException as e:  # CancelledError included: the caller learns how its job ended
            self.outcome(None, e)
        else:
            self.outcome(result, None)

    def cancel(self) -> None:
        """From the caller's side: a job not started never starts; a running one gets CancelledError."""
        with self._lock:
            self._cancelled = True
            if self._loop is not None and self._task is not None:
                self._loop.call_soon_threadsafe(self._task.cancel)


class LoopThread:
    def __init__(self, name: str = "signature-validation") -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _submit(self, job: _Job) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=_serve, args=(self._jobs,), name=self._name, daemon=True)
                self._thread.start()
            self._jobs.put(job)

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        caller = asyncio.get_running_loop()
        future: asyncio.Future[T] = caller.create_future()

        def outcome(result: Any, error: BaseException | None) -> None:
            try:
                caller.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the caller's loop is closed: nobody is waiting any more
                pass

        job = _Job(coro, outcome)
        self._submit(job)
        try:
            return await future
        except asyncio.CancelledError:
            job.cancel()
            raise

    def run_blocking(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """From synchronous code (not from the worker thread itself)."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def outcome(result: Any, error: BaseException | None) -> None:
            done.set_exception(error) if error is not None else done.set_result(result)

        self._submit(_Job(coro, outcome))
        return done.result(timeout)

    def close(self) -> None:
        """Finish the queued jobs, then stop the thread; a later `run` starts a new one."""
        with self._lock:
            thread, jobs = self._thread, self._jobs
            self._thread, self._jobs = None, queue.SimpleQueue()
        if thread is not None:
            jobs.put(None)
            thread.join(timeout=5)


def _serve(jobs: queue.SimpleQueue[_Job | None]) -> None:
    loop = asyncio.new_event_loop()
    try:
        while (job := jobs.get()) is not None:
            job.run_on(loop)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if isinstance(error, asyncio.CancelledError):
        future.cancel()
    elif error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
