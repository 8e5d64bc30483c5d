"""The one composition root: the only module that knows the concrete adapters."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bridge.checks import AnalysisPool, configure_checks, pool_size, prepare_demo_pki
from bridge.demo_marks import marked_mail
from bridge.directory import load_directory
from bridge.edxml.dsig import PacketPolicy
from bridge.services import receive
from bridge.services.deps import Deps, SystemClock
from bridge.settings import Settings
from bridge.worker import FailureHooks, Lease, OutboxWorker, RetryPolicy, failure_hooks, handlers_for
from core.inbound import Channel, InboundMessage

log = logging.getLogger(__name__)


@dataclass
class Bridge:
    """Everything a running edoc-bridge holds: dependencies, queue, engine and the workers' wake-up event."""

    settings: Settings
    deps: Deps
    engine: Any
    queue: Any
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    pool: AnalysisPool | None = None  # processes for PDF analysis and signature validation
    addresses: RecipientAddresses | None = None  # what SMTP RCPT accepts, kept in memory
    writer: receive.IntakeWriter | None = None  # group commit of accepted mail
    leader: bool = False  # this process holds the leader lease (bridge.service.run_leader_loops)

    def intake_writer(self) -> receive.IntakeWriter:
        if self.writer is None:
            self.writer = receive.IntakeWriter(self.deps)
        return self.writer

    def retry_policy(self) -> RetryPolicy:
        o = self.settings.outbox
        return RetryPolicy(o.max_attempts, o.initial_delay, o.max_delay, o.jitter, window=o.retry_window_hours * 3600)

    def failure_hooks(self) -> dict[str, FailureHooks]:
        return failure_hooks(timedelta(minutes=self.settings.outbox.relay_notice_after_minutes))

    def workers(self) -> list[OutboxWorker]:
        o = self.settings.outbox
        return [
            OutboxWorker(
                self.deps,
                self.queue,
                handlers_for(),
                self.retry_policy(),
                idle_sleep=o.idle_sleep,
                wake=self.wake,
                give_way=self.intake_first,
                lease=Lease(o.lease, o.heartbeat),
                hooks=self.failure_hooks(),
            )
            for _ in range(max(1, o.workers))
        ]

    async def intake_first(self) -> None:
        """Accepting mail goes first: while mail is arriving (its CPU and, on SQLite, the write lock are what an
        SMTP client waits for), a worker waits for a pause before its next job, but at most
        `outbox.intake_yield` seconds, so documents keep moving during a long burst."""
        await receive.give_way(self.writer, self.settings.outbox.intake_yield)

    async def close(self) -> None:
        aclose = getattr(self.deps.axis, "aclose", None)
        if aclose:
            await aclose()
        if close := getattr(self.deps.signatures, "close", None):
            close()  # the validator's worker thread
        if self.pool is not None:
            await asyncio.to_thread(self.pool.close)
        await self.engine.dispose()


class RecipientAddresses:
    """The agencies' addresses, read at most every `max_age` seconds: SMTP RCPT is answered from memory, not
    with a database transaction per recipient (on SQLite each takes the write lock the accept path needs).
    An address not (yet) in the snapshot is still looked up, so a newly imported agency is never refused."""

    def __init__(self, bridge: Bridge, max_age: float = 30.0) -> None:
        self.bridge, self.max_age = bridge, max_age
        self._intake = frozenset(a.strip().lower() for a in bridge.settings.smtp_in.intake_addresses)
        self._known: frozenset[str] = frozenset()
        self._read_at = float("-inf")

    def invalidate(self) -> None:
        self._read_at = float("-inf")

    async def accepts(self, address: str) -> bool:
        address = address.strip().lower()
        if address in self._intake:
            return True
        if time.monotonic() - self._read_at > self.max_age:
            async with self.bridge.deps.uow() as uow:
                agencies = await uow.agencies.list()
            self._known = frozenset(e.strip().lower() for a in agencies for e in a.emails)
            self._read_at = time.monotonic()
        if address in self._known:
            return True
        async with self.bridge.deps.uow() as uow:
            return await uow.agencies.by_email(address) is not None


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
            writer=self.bridge.intake_writer(),
        )
        self.bridge.wake.set()
        return stored

    async def store_imap(self, raw: bytes, *, mailbox: str, uidvalidity: int, uid: int) -> bool:
        """True when new; False when this key or the same bytes from this mailbox were stored already (after a
        UIDVALIDITY change). A message over the SMTP size limit keeps only its header block, as evidence and
        for the refusal the pipeline sends (receive.oversized)."""
        stored = await receive.store_raw(
            self.bridge.deps,
            receive.within_limit(raw, self.bridge.settings.smtp_in.max_size),
            size=len(raw),
            channel=Channel.IMAP,
            source_ref=f"imap:{mailbox}:{uidvalidity}:{uid}",
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=uid,
            writer=self.bridge.intake_writer(),
        )
        self.bridge.wake.set()
        return not stored.duplicate

    async def last_uid(self, mailbox: str, uidvalidity: int) -> int | None:
        async with self.bridge.deps.uow() as uow:
            return await uow.inbound.max_uid(mailbox, uidvalidity)

    async def accepts_recipient(self, address: str) -> bool:
        if self.bridge.addresses is None:
            self.bridge.addresses = RecipientAddresses(self.bridge)
        return await self.bridge.addresses.accepts(address)


def _mail_sender(settings: Settings) -> Any:
    from mail.sender import MailFolderSender, SmtpMailSender

    out = settings.smtp_out
    if out.mode == "folder":
        return MailFolderSender(out.folder, from_address=out.from_address)
    return SmtpMailSender(
        out.host,
        out.port,
        from_address=out.from_address,
        starttls=out.starttls,
        username=out.username or None,
        password=out.password.get_secret_value() or None,
    )


async def build(settings: Settings, *, clock: Any = None) -> Bridge:
    """`clock` (the Clock port: `now()` in UTC) defaults to the system clock; tests move time with it."""
    from bridge.axis.client import VxpAxisClient
    from mail.mime import parse_message
    from storage.engine import make_engine
    from storage.outbox_queue import OutboxQueue
    from storage.uow import SqlUnitOfWork

    engine = make_engine(settings.database_url)
    prepare_demo_pki(settings.checks)  # demo only: its roots and CRLs must exist before the pool reads them
    pool = AnalysisPool(size, settings.checks) if (size := pool_size(settings.checks)) else None
    clock = clock or SystemClock()
    audit = audit_log(settings, engine, clock)
    deps = Deps(
        uow=lambda: SqlUnitOfWork(engine, clock, on_audit=audit.committed),
        clock=clock,
        blobs=blob_store(settings),
        axis=VxpAxisClient(
            settings.axis.base_url, settings.axis.system_id, settings.axis.secret.get_secret_value(), clock=clock
        ),
        mail=marked_mail(_mail_sender(settings), settings.demo),  # demo: every mail says so
        demo=settings.demo,
        parse_message=parsed_once(lambda raw: parse_message(raw, Channel.SMTP)),
        bridge_organ=settings.bridge_organ,
        audit=audit,
        own_addresses=own_addresses(settings),
    )
    if pool is not None:
        pool.start()
    configure_checks(deps, settings.checks, pool=pool)
    deps.packets = packet_policy(settings)
    queue = OutboxQueue(engine, clock)
    queue.on_audit = audit.committed
    return Bridge(settings, deps, engine, queue, pool=pool)


def blob_store(settings: Settings) -> Any:
    """The BlobStore [blobs] names: the folder blob_dir, or an S3-compatible bucket."""
    b = settings.blobs
    if b.backend == "local":
        from storage.blobs import FileBlobStore

        return FileBlobStore(Path(settings.blob_dir))
    from storage.blobs_s3 import S3BlobStore, S3Location

    return S3BlobStore(
        S3Location(
            bucket=b.s3_bucket,
            endpoint=b.s3_endpoint,
            region=b.s3_region,
            access_key=b.s3_access_key,
            secret_key=b.s3_secret_key.get_secret_value(),
            timeout=b.s3_timeout,
        )
    )


def packet_policy(settings: Settings) -> PacketPolicy:
    """edXML packet signatures: ours from [axis] signing_cert/key, theirs checked against [checks] trust roots."""
    from bridge.edxml.dsig import PacketSigner, TrustAnchors

    axis = settings.axis
    signer = None
    if axis.signing_cert or axis.signing_key:
        password = axis.signing_key_password.get_secret_value()
        signer = PacketSigner.from_files(axis.signing_cert, axis.signing_key, password)
    anchors = TrustAnchors.from_files(settings.checks.trust_roots, settings.checks.intermediates)
    return PacketPolicy(signer=signer, anchors=anchors, require_signed=axis.require_signed_packets)


def own_addresses(settings: Settings) -> frozenset[str]:
    """The addresses the bridge sends from or receives at: mail from them is never answered."""
    found = [settings.smtp_out.from_address, settings.deliveries.reply_address, *settings.smtp_in.intake_addresses]
    return frozenset(a.strip().lower() for a in found if a and "@" in a)


def parsed_once(parse: Callable[[bytes], InboundMessage], keep: int = 4) -> Callable[[bytes], InboundMessage]:
    """The reply router and then the document pipeline both parse a mail: the second gets the first's result
    (the same bytes parse to the same message, which nobody modifies). Only the last few are kept: a mail
    may be 25 MB, and the pair of parses of one job comes a few milliseconds apart."""
    recent: OrderedDict[bytes, InboundMessage] = OrderedDict()
    lock = threading.Lock()  # callers parse in worker threads (asyncio.to_thread)

    def parse_message(raw: bytes) -> InboundMessage:
        with lock:
            found = recent.get(raw)
        if found is None:
            found = parse(raw)
            with lock:
                recent[raw] = found
                while len(recent) > keep:
                    recent.popitem(last=False)
        return found

    return parse_message


async def import_directory(bridge: Bridge, path: str | Path, actor: str = "cli", source: str = "") -> int:
    """Upsert every agency of a directory file, audited in the same transaction (`source`: the name the
    file is known by, e.g. an upload's, else its path)."""
    agencies = load_directory(path)
    async with bridge.deps.uow() as uow:
        for agency in agencies:
            await uow.agencies.upsert(agency)
        target = source or str(path)
        await bridge.deps.audit.record_in(uow.audit, actor, "agency.import", target, count=len(agencies))
        await uow.commit()
    if bridge.addresses is not None:
        bridge.addresses.invalidate()
    return len(agencies)


@dataclass
class Access:
    """Users, sessions, tokens and the audit log (dashboard and API)."""

    store: Any
    audit: Any
    accounts: Any


def access(bridge: Bridge) -> Access:
    """Built on first use and kept on the bridge; the audit log is the one the use cases write (deps.audit)."""
    if (found := getattr(bridge, "_access", None)) is not None:
        return found  # type: ignore[no-any-return]
    made = access_for(bridge.settings, bridge.engine, bridge.deps.clock, bridge.deps.audit)
    bridge._access = made  # type: ignore[attr-defined]
    return made


def access_for(settings: Settings, engine: Any, clock: Any, audit: Any = None) -> Access:
    """Accounts and the audit log over a database engine (the CLI's `users` commands need nothing else)."""
    from datetime import timedelta

    from bridge.services.accounts import Accounts
    from core.login_policy import LoginPolicy

    sec = settings.security
    policy = LoginPolicy(
        slow_after=sec.login_slow_after,
        lock_after=sec.login_lock_after,
        address_lock_after=sec.login_address_lock_after,
        window=timedelta(minutes=sec.login_window_minutes),
        delay=timedelta(seconds=sec.login_delay),
        lock_for=timedelta(minutes=sec.login_lock_minutes),
    )
    ttl = timedelta(days=sec.token_days) if sec.token_days else None
    audit = audit or audit_log(settings, engine, clock)
    return Access(audit.store, audit, Accounts(audit.store, audit, clock, policy, ttl))


def audit_head_path(settings: Settings) -> Path:
    return Path(settings.security.audit_head_file or Path(settings.blob_dir).parent / "audit-head.json")


def audit_log(settings: Settings, engine: Any, clock: Any) -> Any:
    """The keyed audit chain over the access store, its head also written to `security.audit_head_file`."""
    from bridge.services.audit import AuditLog
    from storage.access import AccessStore
    from storage.audit_head import AuditHeadFile

    sec = settings.security
    store = AccessStore(engine)
    head = AuditHeadFile(audit_head_path(settings))
    log = AuditLog(store, clock, sec.audit_key.get_secret_value().encode(), head)
    store.on_commit = log.committed
    return log
