"""Pruning of finished outbox jobs: a done job (a packet relayed, a receipt sent) is kept `[outbox]
keep_done_days` after it finished, for the dashboard and for questions, then deleted. Nothing else is ever
pruned here: documents, raw mail, the register, status history, dead letters and jobs still to do or running
stay. Each batch and its audit entry ("outbox.prune", with the count) are one transaction."""

from __future__ import annotations

import logging
from datetime import timedelta

from bridge.services.deps import Deps

log = logging.getLogger(__name__)

ACTOR = "edoc-bridge"
BATCH = 1000  # rows per transaction: short transactions, so intake never waits long behind a prune (SQLite)


async def prune_done_jobs(deps: Deps, keep: timedelta, batch: int = BATCH) -> int:
    """Delete the done jobs that finished before now − `keep`; returns how many."""
    before = deps.clock.now() - keep
    total = 0
    while True:
        async with deps.uow() as uow:
            pruned = await uow.outbox.prune(before, batch)
            if pruned:
                await deps.audit.record_in(
                    uow.audit, ACTOR, "outbox.prune", "", count=pruned, done_before=before.isoformat()
                )
            await uow.commit()
        total += pruned
        if pruned < batch:
            break
    if total:
        log.info("outbox: %d done jobs older than %s pruned", total, before.isoformat())
    return total
