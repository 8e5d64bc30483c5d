"""The once-per-installation loop that prunes done outbox jobs (bridge.services.outbox_retention) every
`[outbox] prune_interval` seconds; `keep_done_days = 0` turns it off. Runs in the leader only (bridge.service)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from bridge.services.outbox_retention import prune_done_jobs

log = logging.getLogger(__name__)


async def run_outbox_pruning(bridge: Any, stop: asyncio.Event) -> None:
    cfg = bridge.settings.outbox
    if cfg.keep_done_days <= 0:
        return  # kept forever
    while not stop.is_set():
        try:
            await prune_done_jobs(bridge.deps, timedelta(days=cfg.keep_done_days))
        except Exception:  # the database may be briefly away: next pass
            log.exception("outbox: pruning done jobs failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), cfg.prune_interval)
