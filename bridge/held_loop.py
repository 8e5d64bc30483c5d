"""The once-per-installation loop that reminds senders of held documents and gives up the long-silent ones
(bridge.services.held.remind_and_expire), every `[held] check_interval` seconds. It runs in the leader only
(bridge.service runs it under the leader lease, bridge.leadership)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bridge.services.held import remind_and_expire

log = logging.getLogger(__name__)


async def run_held_loop(bridge: Any, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            if await remind_and_expire(bridge.deps):
                bridge.wake.set()  # reminders and expiry receipts are outbox jobs
        except Exception:  # the database may be briefly away: next pass
            log.exception("held documents: reminder pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), bridge.settings.held.check_interval)
