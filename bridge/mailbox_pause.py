"""A paused mailbox is not polled (storage table mailbox_pauses, set from the console or the CLI through
bridge.services.mailbox_admin). The poll loop asks before it tries for the lease, and while it polls a watcher
re-reads the pause every `every` seconds and ends the poller the graceful way (as `stop` does: a message
being stored is finished first), so a pause takes effect within one check on every instance."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from storage.uow import SqlUnitOfWork


async def is_paused(engine: Any, mailbox: str) -> bool:
    async with SqlUnitOfWork(engine) as uow:
        return await uow.mailbox_pauses.is_paused(mailbox)


@contextlib.asynccontextmanager
async def halted_when_paused(
    engine: Any, mailbox: str, stop: asyncio.Event, every: float
) -> AsyncIterator[asyncio.Event]:
    """An event set when `stop` is set or the mailbox is found paused; pass it to the poller as its stop."""
    halt = asyncio.Event()

    async def watch() -> None:
        while not halt.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            if stop.is_set():
                halt.set()
                break
            try:
                if await is_paused(engine, mailbox):
                    halt.set()
            except Exception:  # the database briefly away: the lease check deals with that, keep polling
                continue

    task = asyncio.create_task(watch(), name=f"pause-watch:{mailbox}")
    try:
        yield halt
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
