"""Deliveries of axis documents to agencies without a system (tracking tokens) and the receipt log that caps
automatic answers per address and day. Tables of the `deliveries` migration branch, on the shared metadata."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from core.delivery import Delivery
from storage.tables import UtcDateTime, metadata

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("token", sa.String(24), primary_key=True),
    sa.Column("document_id", sa.String(), nullable=False),  # documents.id (the incoming document)
    sa.Column("organ_id", sa.String(20), nullable=False),  # the served recipient
    sa.Column("edxml_document_id", sa.Text(), nullable=False),
    sa.Column("sender_organ", sa.String(20), nullable=False, server_default=""),
    sa.Column("mailbox", sa.Text(), nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index("ix_deliveries_edxml_document_id_organ_id", "edxml_document_id", "organ_id"),
    sa.Index("ix_deliveries_document_id", "document_id"),
)

receipt_log = sa.Table(
    "receipt_log",
    metadata,
    sa.Column("key", sa.String(), primary_key=True),  # one automatic answer (idempotent across retries)
    sa.Column("address", sa.Text(), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("sent", sa.Boolean(), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Index("ix_receipt_log_address_day", "address", "day"),
)


def _delivery(r: Any) -> Delivery:
    return Delivery(r.token, r.document_id, r.organ_id, r.edxml_document_id, r.sender_organ, r.mailbox, r.created_at)


class DeliveryRepository:
    """Bound to a unit of work's connection; reached as `uow.deliveries`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, d: Delivery) -> None:
        values = {
            "token": d.token,
            "document_id": d.document_id,
            "organ_id": d.organ_id,
            "edxml_document_id": d.edxml_document_id,
            "sender_organ": d.sender_organ,
            "mailbox": d.mailbox,
            "created_at": d.created_at,
        }
        await self._conn.execute(sa.insert(deliveries).values(values))

    async def by_token(self, token: str) -> Delivery | None:
        row = (await self._conn.execute(sa.select(deliveries).where(deliveries.c.token == token.upper()))).first()
        return _delivery(row) if row else None

    async def by_document(self, document_id: str) -> Delivery | None:
        row = (await self._conn.execute(sa.select(deliveries).where(deliveries.c.document_id == document_id))).first()
        return _delivery(row) if row else None

    async def for_edxml(self, edxml_document_id: str, organ_id: str) -> list[Delivery]:
        """Deliveries of one edXML document to one agency, newest first (an update re-delivers it)."""
        c = deliveries.c
        q = sa.select(deliveries).where(c.edxml_document_id == edxml_document_id, c.organ_id == organ_id)
        return [_delivery(r) for r in await self._conn.execute(q.order_by(c.created_at.desc(), c.token))]

    async def for_organ(self, organ_id: str, limit: int = 200) -> list[Delivery]:
        """The agency's latest deliveries, newest first (matching a reply that lost its token)."""
        c = deliveries.c
        q = sa.select(deliveries).where(c.organ_id == organ_id).order_by(c.created_at.desc(), c.token).limit(limit)
        return [_delivery(r) for r in await self._conn.execute(q)]

    async def take_receipt(self, key: str, address: str, day: date, cap: int, at: datetime) -> bool:
        """May the automatic answer `key` to `address` go out today? Counted once per key; False over the cap."""
        t = receipt_log
        row = (await self._conn.execute(sa.select(t.c.sent).where(t.c.key == key))).first()
        if row is not None:
            return bool(row.sent)
        address = address.strip().lower()
        count = sa.select(sa.func.count()).where(t.c.address == address, t.c.day == day, t.c.sent.is_(True))
        sent = int((await self._conn.execute(count)).scalar_one()) < cap
        insert = (postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert)(t)
        values = {"key": key, "address": address, "day": day, "sent": sent, "at": at}
        await self._conn.execute(insert.values(values).on_conflict_do_nothing(index_elements=[t.c.key]))
        return sent
