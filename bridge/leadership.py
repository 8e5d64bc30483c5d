"""Run a loop in exactly one of N processes sharing a PostgreSQL database: the holder of a named leader lease.

A process without the lease (standby) tries for it every `retry_every` seconds. The holder's lease is checked
every `check_every` seconds (storage.locks): when its database session is gone (the process was killed — the
server releases the lock when the socket closes — or the session was terminated), the body is cancelled and
this process goes back to standby. So a dead leader is replaced within about `retry_every` seconds; a live
leader that lost its session may overlap a new one for up to `check_every` seconds, which the loops tolerate
(everything they write is idempotent). On SQLite there is one process: it is always the leader."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.locks import Lease, leader_lock

log = logging.getLogger(__name__)

Body = Callable[[asyncio.Event], Awaitable[None]]  # runs until the event is set (or it is cancelled)


async def run_as_leader(
    engine: AsyncEngine,
    name: str,
    body: Body,
    stop: asyncio.Event,
    *,
    retry_every: float,
    check_every: float,
    on_change: Callable[[bool], None] | None = None,
) -> None:
    """Run `body(stop)` whenever this process holds the lease `name`, until `stop`. `on_change(True/False)` is
    told when leadership is taken and given up. A body that fails is logged and started again (after
    `retry_every`, under a fresh lease); a body that returns while `stop` is not set had nothing to do."""
    told = on_change or (lambda _leader: None)
    while not stop.is_set():
        finished = False
        try:
            async with leader_lock(engine, name, check_every=check_every) as lease:
                if lease:
                    log.info("lease %s taken: this process runs it", name)
                    told(True)
                    finished = await _run_while_held(name, body, lease, stop)
        except Exception:  # the database may be briefly away, or the body failed: standby, then try again
            log.exception("lease %s: run failed", name)
        finally:
            told(False)
        if finished:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), retry_every)


async def _run_while_held(name: str, body: Body, lease: Lease, stop: asyncio.Event) -> bool:
    """Run the body until it ends or the lease is lost (then cancel it). True when the body ended by itself."""
    running = asyncio.create_task(body(stop), name=f"leader:{name}")
    lost = asyncio.create_task(lease.lost(), name=f"lost:{name}")
    try:
        await asyncio.wait([running, lost], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (running, lost):
            task.cancel()
        await asyncio.gather(running, lost, return_exceptions=True)
    if lease.is_lost:
        log.warning("lease %s lost: stopped here, standing by", name)
        return False
    if running.cancelled():  # cancelled from inside (the body's own doing): treat as a failure, try again
        raise RuntimeError(f"lease {name}: body cancelled")
    running.result()  # re-raise what ended the body
    return True
