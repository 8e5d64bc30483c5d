"""One background thread with its own event loop, where pyHanko's async (but CPU-bound) validation runs.

pyHanko's coroutines hardly ever await: parsing and checking a PDF is 5–60 ms of pure Python that would
otherwise hold the caller's loop. Running them on this loop leaves the caller's loop free; the GIL hands it
back every few milliseconds. One thread keeps validation serial, which also bounds its CPU use.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str = "signature-validation") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._start())
        return await asyncio.wrap_future(future)

    def run_blocking(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """From synchronous code (not from the worker loop itself)."""
        return asyncio.run_coroutine_threadsafe(coro, self._start()).result(timeout)

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
