"""Documents with their recipients and attachments."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from core.access import SHARED_STATES
from core.document import Direction, Document, ProcessingState
from core.organ_id import OrganId
from storage.repos._base import Repository
from storage.repos.document_rows import (
    attachment_rows,
    document_from,
    document_row,
    fold,
    recipient_rows,
    search_text,
)
from storage.search_index import refresh_open_due, write_words
from storage.tables import attachments as ta
from storage.tables import document_recipients as tr
from storage.tables import documents as t

_CHUNK = 500  # ids per IN (...)

# A bare date in a search means that calendar day in Vietnam (UTC+7, no daylight saving).
VIETNAM = timezone(timedelta(hours=7))


class DocumentRepository(Repository):
    async def add(self, doc: Document) -> None:
        await self._conn.execute(sa.insert(t).values(document_row(doc)))
        await self._write_children(doc)

    async def update(self, doc: Document) -> None:
        """Replace the stored document (all fields, recipients and attachments). KeyError if absent."""
        row = document_row(doc)
        res = await self._conn.execute(sa.update(t).where(t.c.id == doc.id).values(row))
        if res.rowcount == 0:
            raise KeyError(doc.id)
        await self._conn.execute(sa.delete(tr).where(tr.c.document_id == doc.id))
        await self._conn.execute(sa.delete(ta).where(ta.c.document_id == doc.id))
        await self._write_children(doc)

    async def get(self, document_id: str) -> Document | None:
        return await self._first(sa.select(t).where(t.c.id == document_id))

    async def get_many(self, document_ids: Collection[str]) -> dict[str, Document]:
        """The documents that exist among `document_ids`, by id, in a few queries (chunks of `_CHUNK` ids)."""
        ids, out = list(dict.fromkeys(document_ids)), {}
        for start in range(0, len(ids), _CHUNK):
            out.update((d.id, d) for d in await self._load(sa.select(t).where(t.c.id.in_(ids[start : start + _CHUNK]))))
        return out

    async def by_inbound(self, inbound_id: str) -> Document | None:
        """The document made from an inbound item (the first one, should there be several)."""
        q = sa.select(t).where(t.c.inbound_id == inbound_id).order_by(t.c.received_at, t.c.id)
        return await self._first(q)

    async def by_document_id(self, edxml_document_id: str) -> Document | None:
        """By edXML DocumentId (`OrganId,yyyy/MM/dd,Số/Ký hiệu`) as received or derived; newest first."""
        q = sa.select(t).where(t.c.document_key == edxml_document_id)
        return await self._first(q.order_by(t.c.received_at.desc(), t.c.id))

    async def with_document_id(self, edxml_document_id: str, direction: Direction | None = None) -> list[Document]:
        """Every copy with this edXML DocumentId, oldest first (a duplicate check must see them all, not only the
        newest: an identifier registered in any earlier copy is never registered again)."""
        q = sa.select(t).where(t.c.document_key == edxml_document_id)
        if direction is not None:
            q = q.where(t.c.direction == direction.value)
        return await self._load(q.order_by(t.c.received_at, t.c.id))

    async def lock_identifier(self, edxml_document_id: str) -> None:
        """Until this transaction ends, other transactions checking the same identifier wait (PostgreSQL advisory
        lock); SQLite transactions hold the database's write lock from their start already."""
        if self._conn.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(edxml_document_id.encode()).digest()[:8], "big", signed=True)
            await self._conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def search(
        self,
        text: str | None = None,
        organ: OrganId | str | None = None,
        state: ProcessingState | Collection[ProcessingState] | None = None,
        date_from: date | datetime | None = None,
        date_to: date | datetime | None = None,
        direction: Direction | None = None,
        limit: int = 50,
        offset: int = 0,
        decided_by: str | None = None,
        visible_to: str | None = None,
    ) -> list[Document]:
        """Newest first. `text`: every word must occur in số/ký hiệu, trích yếu, type, place, signer, ids —
        ignoring case and diacritics. `organ`: sender or recipient. Dates bound received_at: from is
        inclusive, a datetime `date_to` exclusive, a date `date_to` includes that whole (Vietnam) day.
        `decided_by`: only documents that agency decides on (core.access.deciding_agencies): the outgoing
        ones it sent, the incoming ones it receives. `visible_to`: only what that agency's users may see
        (core.access.agency_may_see)."""
        conds = [*_filters(text, organ, state, date_from, date_to, direction)]
        if decided_by is not None:
            conds.append(_decided_by(decided_by))
        if visible_to is not None:
            conds.append(visible_condition(visible_to))
        q = sa.select(t).where(*conds)
        q = q.order_by(t.c.received_at.desc(), t.c.id).limit(limit).offset(offset)
        return await self._load(q)

    async def count(
        self,
        text: str | None = None,
        organ: OrganId | str | None = None,
        state: ProcessingState | Collection[ProcessingState] | None = None,
        date_from: date | datetime | None = None,
        date_to: date | datetime | None = None,
        direction: Direction | None = None,
    ) -> int:
        conds = _filters(text, organ, state, date_from, date_to, direction)
        q = sa.select(sa.func.count()).select_from(t).where(*conds)
        return int((await self._conn.execute(q)).scalar_one())

    async def _write_children(self, doc: Document) -> None:
        if doc.recipients:
            await self._conn.execute(sa.insert(tr), recipient_rows(doc))
        if doc.attachments:
            await self._conn.execute(sa.insert(ta), attachment_rows(doc))
        await write_words(self._conn, doc.id, search_text(doc))
        await refresh_open_due(self._conn, [doc.id])

    async def _first(self, q: sa.Select[Any]) -> Document | None:
        docs = await self._load(q.limit(1))
        return docs[0] if docs else None

    async def _load(self, q: sa.Select[Any]) -> list[Document]:
        rows = (await self._conn.execute(q)).all()
        if not rows:
            return []
        ids = [r.id for r in rows]
        recipients: dict[str, list[Any]] = defaultdict(list)
        for r in await self._conn.execute(sa.select(tr).where(tr.c.document_id.in_(ids))):
            recipients[r.document_id].append(r)
        files: dict[str, list[Any]] = defaultdict(list)
        for a in await self._conn.execute(sa.select(ta).where(ta.c.document_id.in_(ids))):
            files[a.document_id].append(a)
        return [document_from(r, recipients[r.id], files[r.id]) for r in rows]


def _filters(
    text: str | None,
    organ: OrganId | str | None,
    state: ProcessingState | Collection[ProcessingState] | None,
    date_from: date | datetime | None,
    date_to: date | datetime | None,
    direction: Direction | None,
) -> Sequence[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = []
    for word in fold(text or "").split():
        conds.append(t.c.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    if organ is not None:
        as_recipient = sa.exists().where(tr.c.document_id == t.c.id, tr.c.organ_id == str(organ))
        conds.append(sa.or_(t.c.sender == str(organ), as_recipient))
    if isinstance(state, ProcessingState):
        conds.append(t.c.state == state.value)
    elif state is not None:
        conds.append(t.c.state.in_([s.value for s in state]))
    if date_from is not None:
        conds.append(t.c.received_at >= _instant(date_from))
    if date_to is not None:
        end = date_to if isinstance(date_to, datetime) or date_to.year >= _LATEST.year else date_to + timedelta(days=1)
        conds.append(t.c.received_at < _instant(end))
    if direction is not None:
        conds.append(t.c.direction == direction.value)
    return conds


def _decided_by(organ: str) -> sa.ColumnElement[bool]:
    receives = sa.exists().where(tr.c.document_id == t.c.id, tr.c.organ_id == organ)
    return sa.or_(
        sa.and_(t.c.direction == Direction.OUTGOING.value, t.c.sender == organ),
        sa.and_(t.c.direction == Direction.INCOMING.value, receives),
    )


def visible_condition(organ: str) -> sa.ColumnElement[bool]:
    """core.access.agency_may_see in SQL: what the agency sent or decides on, and what it receives once the
    document has been released to it."""
    as_recipient = sa.exists().where(tr.c.document_id == t.c.id, tr.c.organ_id == organ)
    released = t.c.state.in_([s.value for s in SHARED_STATES])
    return sa.or_(t.c.sender == organ, _decided_by(organ), sa.and_(released, as_recipient))


_EARLIEST, _LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def _instant(d: date | datetime) -> datetime:
    """A search bound as an instant, clamped to years the databases and the UTC conversion handle: a date in
    year 1 or 9999 from a query string is a wide-open bound, not an overflow."""
    if d.year <= _EARLIEST.year:
        return _EARLIEST
    if d.year >= _LATEST.year:
        return _LATEST
    return d if isinstance(d, datetime) else datetime.combine(d, time.min, VIETNAM)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
