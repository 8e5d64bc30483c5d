"""Raw inbound items: the durable record behind every acknowledgement (250 / IMAP \\Seen)."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa

from core.inbound import Channel
from storage.records import InboundRecord, InboundState
from storage.repos._base import Repository
from storage.tables import inbound as t


def _row(r: InboundRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "channel": r.channel.value,
        "source_ref": r.source_ref,
        "raw_sha256": r.raw_sha256,
        "size": r.size,
        "envelope_from": r.envelope_from,
        "peer_ip": r.peer_ip,
        "recipients": list(r.recipients),
        "mailbox": r.mailbox,
        "uidvalidity": r.uidvalidity,
        "uid": r.uid,
        "received_at": r.received_at,
        "state": r.state.value,
        "last_error": r.last_error,
    }


def _record(r: Any) -> InboundRecord:
    return InboundRecord(
        id=r.id,
        channel=Channel(r.channel),
        source_ref=r.source_ref,
        raw_sha256=r.raw_sha256,
        size=r.size,
        envelope_from=r.envelope_from,
        peer_ip=r.peer_ip,
        recipients=tuple(r.recipients),
        mailbox=r.mailbox,
        uidvalidity=r.uidvalidity,
        uid=r.uid,
        received_at=r.received_at,
        state=InboundState(r.state),
        last_error=r.last_error,
    )


_FIELDS = [c for c in t.c if c.name != "raw"]  # listing records never drags the messages along


class InboundRepository(Repository):
    async def add(self, record: InboundRecord, raw: bytes | None = None) -> bool:
        """False, and nothing written, when an item with the same source_ref is already stored. With `raw`,
        the message bytes are stored in the row (see `take_raw`)."""
        ins = self._insert(t).values({**_row(record), "raw": raw})
        ins = ins.on_conflict_do_nothing(index_elements=[t.c.source_ref]).returning(t.c.id)
        return (await self._conn.execute(ins)).first() is not None

    async def get(self, inbound_id: str) -> InboundRecord | None:
        return await self._one(t.c.id == inbound_id)

    async def by_source(self, source_ref: str) -> InboundRecord | None:
        return await self._one(t.c.source_ref == source_ref)

    async def same_content(self, record: InboundRecord) -> InboundRecord | None:
        """An item already stored with the same bytes from the same place, whatever its channel key says: an IMAP
        message again after a UIDVALIDITY change (same mailbox), the same axis packet delivered twice (same
        recipient organ). Mail by SMTP is recognised by its key, which holds the Message-ID and the hash."""
        if record.channel not in (Channel.IMAP, Channel.AXIS):
            return None
        q = sa.select(*_FIELDS).where(t.c.raw_sha256 == record.raw_sha256, t.c.channel == record.channel.value)
        if record.channel is Channel.IMAP:
            q = q.where(t.c.mailbox == record.mailbox)
        for row in await self._conn.execute(q.order_by(t.c.received_at, t.c.id)):
            found = _record(row)
            if found.recipients == record.recipients:
                return found
        return None

    async def add_many(self, items: builtins.list[tuple[InboundRecord, bytes | None]]) -> set[str]:
        """`add` for a group of items in one statement; returns the ids written (the others' source_ref
        was already stored)."""
        if not items:
            return set()
        ins = self._insert(t).on_conflict_do_nothing(index_elements=[t.c.source_ref]).returning(t.c.id)
        rows = [{**_row(record), "raw": raw} for record, raw in items]
        return {row.id for row in await self._conn.execute(ins, rows)}

    async def raw(self, inbound_id: str) -> bytes | None:
        """The message bytes while they are still in the row (None once moved to the blob store)."""
        return (await self._conn.execute(sa.select(t.c.raw).where(t.c.id == inbound_id))).scalar()

    async def release_raw(self, inbound_id: str) -> None:
        """The bytes are safe in the blob store now: the row no longer carries them."""
        await self._conn.execute(sa.update(t).where(t.c.id == inbound_id).values(raw=None))

    async def set_state(self, inbound_id: str, state: InboundState, error: str = "") -> None:
        res = await self._conn.execute(
            sa.update(t).where(t.c.id == inbound_id).values(state=state.value, last_error=error)
        )
        if res.rowcount == 0:
            raise KeyError(inbound_id)

    async def max_uid(self, mailbox: str, uidvalidity: int) -> int | None:
        """Highest IMAP UID stored for this mailbox generation: the poller resumes after it."""
        q = sa.select(sa.func.max(t.c.uid)).where(t.c.mailbox == mailbox, t.c.uidvalidity == uidvalidity)
        return (await self._conn.execute(q)).scalar()

    async def list(
        self, state: InboundState | None = None, limit: int = 100, offset: int = 0
    ) -> builtins.list[InboundRecord]:
        """Newest first."""
        q = sa.select(*_FIELDS).order_by(t.c.received_at.desc(), t.c.id).limit(limit).offset(offset)
        if state is not None:
            q = q.where(t.c.state == state.value)
        return [_record(r) for r in await self._conn.execute(q)]

    async def _one(self, cond: Any) -> InboundRecord | None:
        row = (await self._conn.execute(sa.select(*_FIELDS).where(cond))).first()
        return _record(row) if row else None
