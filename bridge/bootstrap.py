"""The one composition root: the only module that knows the concrete adapters."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.directory import load_directory
from bridge.services import receive
from bridge.services.checks import configure_checks
from bridge.services.deps import Deps, SystemClock
from bridge.settings import Settings
from bridge.worker import OutboxWorker, RetryPolicy, handlers_for
from core.inbound import Channel

log = logging.getLogger(__name__)


@dataclass
class Bridge:
    """Everything a running edoc-bridge holds: dependencies, queue, engine and the workers' wake-up event."""

    settings: Settings
    deps: Deps
    engine: Any
    queue: Any
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def workers(self) -> list[OutboxWorker]:
        o = self.settings.outbox
        policy = RetryPolicy(o.max_attempts, o.initial_delay, o.max_delay, o.jitter)
        return [
            OutboxWorker(self.deps, self.queue, handlers_for(), policy, idle_sleep=o.idle_sleep, wake=self.wake)
            for _ in range(max(1, o.workers))
        ]

    async def close(self) -> None:
        aclose = getattr(self.deps.axis, "aclose", None)
        if aclose:
            await aclose()
        if close := getattr(self.deps.signatures, "close", None):
            close()  # the validator's worker thread
        await self.engine.dispose()


class MailIntake:
    """What the SMTP edge and IMAP pollers call: durable storage first, then wake the workers."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge

    async def store(self, raw: bytes, *, envelope_from: str, recipients: list[str], peer: str) -> Any:
        stored = await receive.store_raw(
            self.bridge.deps,
            raw,
            channel=Channel.SMTP,
            envelope_from=envelope_from,
            recipients=tuple(recipients),
            peer_ip=peer,
        )
        self.bridge.wake.set()
        return stored

    async def store_imap(self, raw: bytes, *, mailbox: str, uidvalidity: int, uid: int) -> bool:
        stored = await receive.store_raw(
            self.bridge.deps,
            raw,
            channel=Channel.IMAP,
            source_ref=f"imap:{mailbox}:{uidvalidity}:{uid}",
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=uid,
        )
        self.bridge.wake.set()
        return not stored.duplicate

    async def last_uid(self, mailbox: str, uidvalidity: int) -> int | None:
        async with self.bridge.deps.uow() as uow:
            return await uow.inbound.max_uid(mailbox, uidvalidity)

    async def accepts_recipient(self, address: str) -> bool:
        address = address.strip().lower()
        if address in {a.lower() for a in self.bridge.settings.smtp_in.intake_addresses}:
            return True
        async with self.bridge.deps.uow() as uow:
            return await uow.agencies.by_email(address) is not None


async def build(settings: Settings) -> Bridge:
    from bridge.axis.client import VxpAxisClient
    from mail.mime import parse_message
    from mail.sender import SmtpMailSender
    from storage.blobs import FileBlobStore
    from storage.engine import make_engine
    from storage.outbox_queue import OutboxQueue
    from storage.uow import SqlUnitOfWork

    engine = make_engine(settings.database_url)
    out = settings.smtp_out
    clock = SystemClock()
    deps = Deps(
        uow=lambda: SqlUnitOfWork(engine, clock),
        clock=clock,
        blobs=FileBlobStore(Path(settings.blob_dir)),
        axis=VxpAxisClient(settings.axis.base_url, settings.axis.system_id, settings.axis.secret),
        mail=SmtpMailSender(
            out.host,
            out.port,
            from_address=out.from_address,
            starttls=out.starttls,
            username=out.username or None,
            password=out.password or None,
        ),
        parse_message=lambda raw: parse_message(raw, Channel.SMTP),
        bridge_organ=settings.bridge_organ,
    )
    configure_checks(deps, settings.checks)
    return Bridge(settings, deps, engine, OutboxQueue(engine))


async def import_directory(bridge: Bridge, path: str | Path) -> int:
    agencies = load_directory(path)
    async with bridge.deps.uow() as uow:
        for agency in agencies:
            await uow.agencies.upsert(agency)
        await uow.commit()
    return len(agencies)


@dataclass
class Access:
    """Users, sessions, tokens and the audit log (dashboard and API)."""

    store: Any
    audit: Any
    accounts: Any


def access(bridge: Bridge) -> Access:
    """Built on first use and kept on the bridge."""
    if (found := getattr(bridge, "_access", None)) is not None:
        return found  # type: ignore[no-any-return]
    from bridge.services.accounts import Accounts
    from bridge.services.audit import AuditLog
    from storage.access import AccessStore

    store = AccessStore(bridge.engine)
    audit = AuditLog(store, bridge.deps.clock)
    made = Access(store, audit, Accounts(store, audit, bridge.deps.clock))
    bridge._access = made  # type: ignore[attr-defined]
    return made
