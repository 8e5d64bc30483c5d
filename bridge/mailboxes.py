"""IMAP pollers of the configured official mailboxes, one task per mailbox.

On PostgreSQL a process polls a mailbox only while it holds the leader lock `imap:<name>`; the others try
again every `lease_retry` seconds, so exactly one of N processes polls each mailbox. The leader checks its
lease every `lease_check` seconds: if the database session holding it drops, the server has released the lock
and another process may already poll, so polling stops (a message being stored is finished first; it is flagged by
whoever polls next, the sink recognising it) and this process goes back to trying for the lease. The health
of every mailbox (leader or not, connected, last success, last error) is kept here for the API and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bridge.mailbox_pause import halted_when_paused, is_paused
from bridge.settings import Imap
from mail.imap_poller import ImapSink, MailboxConfig, MailboxPoller
from storage.locks import Lease, leader_lock

log = logging.getLogger(__name__)


def mailbox_configs(imap: Imap) -> list[MailboxConfig]:
    """`[[imap.mailboxes]]` → configs. A password_file wins over password (secrets stay out of the TOML)."""
    out = []
    for m in imap.mailboxes:
        password = m.password.get_secret_value()
        if m.password_file:
            password = Path(m.password_file).read_text(encoding="utf-8").strip()
        context = ssl.create_default_context(cafile=m.ca_file) if m.tls and m.ca_file else None
        out.append(
            MailboxConfig(
                name=m.name,
                host=m.host,
                port=m.port or (993 if m.tls else 143),
                user=m.user,
                password=password,
                folder=m.folder,
                tls=m.tls,
                ssl_context=context,
                processed_folder=m.processed_folder or None,
                owner_organ=m.owner_organ,
            )
        )
    return out


@dataclass
class MailboxHealth:
    name: str
    owner_organ: str
    leader: bool = False  # this process holds the mailbox's lease and polls it
    paused: bool = False  # paused by an administrator: not polled
    poller: MailboxPoller | None = field(default=None, repr=False)
    lease_checked_at: datetime | None = None

    def view(self, alert_after: int, silent_after: timedelta) -> dict[str, Any]:
        p = self.poller
        now = datetime.now(UTC)
        silent = bool(p and p.last_success and now - p.last_success > silent_after)
        healthy = not self.leader or (p is not None and p.healthy(alert_after) and not silent)
        return {
            "name": self.name,
            "owner_organ": self.owner_organ,
            "leader": self.leader,
            "paused": self.paused,
            "healthy": healthy,
            "connected": bool(p and p.connected),
            "last_success": p.last_success.isoformat() if p and p.last_success else None,
            "last_error": p.last_error if p else None,
            "consecutive_failures": p.consecutive_failures if p else 0,
            "stored": p.stored if p else 0,
            "duplicates": p.duplicates if p else 0,
            "failing_messages": p.failing_messages if p else 0,
            "uidvalidity": p.uidvalidity if p else None,
            "lease_checked_at": self.lease_checked_at.isoformat() if self.lease_checked_at else None,
        }


async def run_mailbox(
    engine: Any, config: MailboxConfig, sink: Any, settings: Imap, health: MailboxHealth, stop: asyncio.Event
) -> None:
    """Poll `config` whenever this process holds its lease, until `stop`."""
    while not stop.is_set():
        try:
            health.paused = await is_paused(engine, config.name)  # paused: not polled (bridge/mailbox_pause.py)
            if health.paused:
                raise _Paused
            async with leader_lock(engine, f"imap:{config.name}", check_every=settings.lease_check) as lease:
                health.leader, health.lease_checked_at = bool(lease), datetime.now(UTC)
                if lease:
                    log.info("mailbox %s: lease taken, polling", config.name)
                    health.poller = MailboxPoller(
                        config, _StoreToTheEnd(sink), idle=settings.idle, poll_interval=settings.poll_interval
                    )
                    async with halted_when_paused(engine, config.name, stop, settings.lease_check) as halt:
                        await _poll_while_held(health.poller, lease, halt)
        except _Paused:
            pass
        except Exception:  # the database may be briefly away: try for the lease again later
            log.exception("mailbox %s: lease failed", config.name)
        finally:
            health.leader = False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.lease_retry)


async def _poll_while_held(poller: MailboxPoller, lease: Lease, stop: asyncio.Event) -> None:
    """Run the poller until `stop`, or cancel it as soon as the lease is lost."""
    polling = asyncio.create_task(poller.run(stop), name=f"poll:{poller.config.name}")
    lost = asyncio.create_task(lease.lost(), name=f"lost:{poller.config.name}")
    try:
        await asyncio.wait([polling, lost], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (polling, lost):
            task.cancel()
        await asyncio.gather(polling, lost, return_exceptions=True)
    if lease.is_lost:
        log.warning("mailbox %s: lease lost, polling stopped; trying for the lease again", poller.config.name)
    elif not polling.cancelled():
        polling.result()  # re-raise whatever ended the poller


class _Paused(Exception):
    """The mailbox is paused: skip this round."""


class _StoreToTheEnd:
    """The sink, with each store shielded from cancellation: a poller cancelled mid-store waits for the
    store to finish (it is one transaction, then the wake-up), and only then stops, before the \\Seen."""

    def __init__(self, sink: ImapSink) -> None:
        self._sink = sink

    async def store_imap(self, raw: bytes, *, mailbox: str, uidvalidity: int, uid: int) -> bool:
        store = asyncio.ensure_future(self._sink.store_imap(raw, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid))
        try:
            return await asyncio.shield(store)
        except asyncio.CancelledError:
            await asyncio.wait([store])  # finish it, then let the cancellation through
            if not store.cancelled():
                store.exception()  # a failed store is left for the next poller: nothing more to do here
            raise

    async def last_uid(self, mailbox: str, uidvalidity: int) -> int | None:
        return await self._sink.last_uid(mailbox, uidvalidity)


def mailbox_health(bridge: Any) -> dict[str, MailboxHealth]:
    """The running service's mailboxes by name (filled by service.start_mailboxes)."""
    found: dict[str, MailboxHealth] | None = getattr(bridge, "mailboxes", None)
    if found is None:
        found = {}
        bridge.mailboxes = found
    return found


def mailbox_views(bridge: Any) -> list[dict[str, Any]]:
    """Health of every configured mailbox, for the API, the dashboard and /metrics: unhealthy after
    `alert_after` failed sessions in a row, or when the leader has had no success for a long while."""
    settings = bridge.settings.imap
    silent = timedelta(seconds=max(600.0, 4 * settings.poll_interval))
    return [h.view(settings.alert_after, silent) for h in mailbox_health(bridge).values()]
