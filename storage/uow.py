"""One database transaction around a use case: `async with uow: …; await uow.commit()`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from core.access import AuditEntry
from core.ports import Clock
from storage.access import AuditRepository
from storage.deliveries import DeliveryRepository
from storage.officials import OfficialRepository
from storage.operations import AvailabilityRepository, MailboxPauseRepository
from storage.reply_tokens import HeldTokenRepository
from storage.repos._base import utc_now
from storage.repos.agencies import AgencyRepository
from storage.repos.documents import DocumentRepository
from storage.repos.inbound import InboundRepository
from storage.repos.outbox import OutboxRepository
from storage.repos.register import RegisterRepository
from storage.repos.statuses import StatusRepository
from storage.search import RegisterSearch


def engine_of(engine_or_sessionmaker: AsyncEngine | async_sessionmaker[Any]) -> AsyncEngine:
    if isinstance(engine_or_sessionmaker, AsyncEngine):
        return engine_or_sessionmaker
    bind = engine_or_sessionmaker.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("the sessionmaker must be bound to an AsyncEngine")
    return bind


class SqlUnitOfWork:
    """Entering opens a connection and a transaction; leaving without `commit()` rolls back.

    One instance serves one task at a time (create one per use, they are cheap), and it may be entered
    again after it was left. After `commit()` further work starts a new transaction. On SQLite the
    transaction holds the database write lock from the start: keep slow work (scans, HTTP) outside."""

    agencies: AgencyRepository
    inbound: InboundRepository
    documents: DocumentRepository
    register: RegisterRepository
    statuses: StatusRepository
    outbox: OutboxRepository
    deliveries: DeliveryRepository
    officials: OfficialRepository
    held_tokens: HeldTokenRepository
    search: RegisterSearch
    mailbox_pauses: MailboxPauseRepository
    availability: AvailabilityRepository
    audit: AuditRepository  # the audit chain, written in the same transaction as the action it records

    def __init__(
        self,
        engine_or_sessionmaker: AsyncEngine | async_sessionmaker[Any],
        clock: Clock | None = None,
        on_audit: Callable[[list[AuditEntry]], Awaitable[None]] | None = None,
    ) -> None:
        self._engine = engine_of(engine_or_sessionmaker)
        self._now = clock.now if clock else utc_now
        self._conn: AsyncConnection | None = None
        self._on_audit = on_audit  # told of the audit entries a commit made durable

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("SqlUnitOfWork is not active: use `async with uow:`")
        return self._conn

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("SqlUnitOfWork is already active: create one unit of work per task")
        conn = await self._engine.connect()
        try:
            await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self.agencies = AgencyRepository(conn, self._now)
        self.inbound = InboundRepository(conn, self._now)
        self.documents = DocumentRepository(conn, self._now)
        self.register = RegisterRepository(conn, self._now)
        self.statuses = StatusRepository(conn, self._now)
        self.outbox = OutboxRepository(conn, self._now)
        self.deliveries = DeliveryRepository(conn)
        self.officials = OfficialRepository(conn, self._now)
        self.held_tokens = HeldTokenRepository(conn, self._now)
        self.search = RegisterSearch(conn)
        self.mailbox_pauses = MailboxPauseRepository(conn, self._now)
        self.availability = AvailabilityRepository(conn, self._now)
        self.audit = AuditRepository(conn)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self.connection, None
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()

    async def commit(self) -> None:
        await self.connection.commit()
        written, self.audit.appended = self.audit.appended, []
        if written and self._on_audit is not None:
            await self._on_audit(written)

    async def rollback(self) -> None:
        await self.connection.rollback()
        self.audit.appended = []
