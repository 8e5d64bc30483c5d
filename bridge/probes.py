"""Availability samples for the period report (Điều 24.2.b): every `[report] probe_interval` seconds the leader
checks the axis (its list of waiting packets: read-only), clamd (PING) and each configured mailbox that is not
paused (log in, select the folder, leave), and records up or down with the reason in availability_samples
through the unit of work (time from the Clock port). A paused mailbox is not sampled: being paused is not
being unavailable. The report turns the samples into each component's share of "up" over the period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bridge.mailboxes import mailbox_configs
from mail.imap_poller import probe_mailbox

log = logging.getLogger(__name__)
AXIS, CLAMD, MAILBOX = "axis", "clamd", "mailbox"


async def probe_once(bridge: Any, within: float = 30.0) -> list[tuple[str, str, bool, str]]:
    """(component, target, up, why not) of everything probed now, recorded in one transaction."""
    deps = bridge.deps
    checks: list[tuple[str, str, Any]] = [(AXIS, "", _axis(deps, within))]
    if deps.scanner is not None:
        checks.append((CLAMD, "", _clamd(deps.scanner, within)))
    async with deps.uow() as uow:
        paused = await uow.mailbox_pauses.all()
    for config in mailbox_configs(bridge.settings.imap):
        if config.name not in paused:
            checks.append((MAILBOX, config.name, probe_mailbox(config, within)))
    answers = await asyncio.gather(*(c for _, _, c in checks))
    samples = [(component, target, not why, why) for (component, target, _), why in zip(checks, answers, strict=True)]
    async with deps.uow() as uow:
        for component, target, up, why in samples:
            await uow.availability.record(component, target, up, why)
        await uow.commit()
    return samples


async def run_probes(bridge: Any, stop: asyncio.Event) -> None:
    """A leader loop (bridge/service.py): one process of the installation probes."""
    while not stop.is_set():
        try:
            await probe_once(bridge)
        except Exception:  # the database may be away: the next round records again
            log.exception("availability probe failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), bridge.settings.report.probe_interval)


async def _axis(deps: Any, within: float) -> str:
    try:
        await asyncio.wait_for(deps.axis.received(), within)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return ""


async def _clamd(scanner: Any, within: float) -> str:
    try:
        return "" if await asyncio.wait_for(scanner.ping(), within) else "clamd không trả lời PONG"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
