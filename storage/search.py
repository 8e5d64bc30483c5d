"""The register search: filters, sorting and pagination in SQL, the count from the same conditions, and the
recipients of a whole page in one more query (never a query per row). The indexes it relies on are declared
here and created by the "console" migration branch."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.document import Direction, ProcessingState
from core.inbound import Channel
from core.register_search import SearchFilters, SearchOrder, SearchRow, SortKey
from core.urgency import Urgency
from storage.repos.document_rows import fold
from storage.repos.documents import visible_condition
from storage.search_index import starting_with, words
from storage.tables import agencies, document_recipients, documents, status_events

t, tr, ts = documents, document_recipients, status_events
VIETNAM = timezone(timedelta(hours=7))  # UTC+7 all year: a bare date in a filter is a Vietnam day

SUMMARY = ("id", "received_at", "state", "type_name", "urgency", "channel", "direction", "open_due", "sender")
INDEXES = (
    sa.Index("ix_documents_state_received_at", t.c.state, t.c.received_at),
    sa.Index("ix_documents_sender_received_at", t.c.sender, t.c.received_at),
    sa.Index("ix_documents_channel_received_at", t.c.channel, t.c.received_at),
    sa.Index("ix_documents_direction_received_at", t.c.direction, t.c.received_at),
    sa.Index("ix_documents_due_date", t.c.due_date),
    sa.Index("ix_document_recipients_organ_id_document_id", tr.c.organ_id, tr.c.document_id),
    sa.Index("ix_documents_received_at_id", t.c.received_at, t.c.id),
    sa.Index("ix_documents_subject", t.c.subject),
    sa.Index("ix_status_events_code_document_id", ts.c.code, ts.c.document_id),
    sa.Index("ix_documents_open_due_received_at", t.c.open_due, t.c.received_at),  # console_0002
    sa.Index("ix_documents_type_name_received_at", t.c.type_name, t.c.received_at),
    sa.Index("ix_documents_urgency_received_at", t.c.urgency, t.c.received_at),
    sa.Index("ix_documents_urgency_open_due", t.c.urgency, t.c.open_due, t.c.received_at),
    # Every filtered column by id: a document found through another index (agency, word) is checked and sorted
    # from this index alone, without reading its wide row (trail, reasons); SQLite reads it as a covering index.
    sa.Index("ix_documents_search_summary", *(t.c[n] for n in SUMMARY)),
)

_ORDER: dict[SortKey, Sequence[sa.ColumnElement[Any]]] = {
    SortKey.RECEIVED: (t.c.received_at,),
    SortKey.CODE: (t.c.code_number, t.c.code_notation),
    SortKey.SUBJECT: (t.c.subject,),
    SortKey.SENDER: (t.c.sender,),
    SortKey.STATE: (t.c.state,),
    SortKey.DUE: (t.c.due_date,),
    SortKey.URGENCY: (t.c.urgency,),
}
_COLUMNS = (
    t.c.id, t.c.code_number, t.c.code_notation, t.c.subject, t.c.type_name, t.c.sender, t.c.received_at,
    t.c.state, t.c.channel, t.c.direction, t.c.urgency, t.c.due_date, t.c.document_key,
)  # fmt: skip


class RegisterSearch:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def count(self, f: SearchFilters) -> int:
        q = sa.select(sa.func.count()).select_from(t).where(*conditions(f))
        return int((await self._conn.execute(q)).scalar_one())

    async def rows(
        self, f: SearchFilters, order: SearchOrder = SearchOrder(), limit: int = 50, offset: int = 0
    ) -> builtins.list[SearchRow]:
        direction = sa.desc if order.descending else sa.asc
        keys = [direction(c) for c in _ORDER[order.key]]
        page = sa.select(t.c.id).where(*conditions(f)).order_by(*keys, direction(t.c.id)).limit(limit).offset(offset)
        q = (
            sa.select(*_COLUMNS, agencies.c.name.label("sender_name"))
            .select_from(t.outerjoin(agencies, agencies.c.organ_id == t.c.sender))
            .where(t.c.id.in_(page))
            .order_by(*keys, direction(t.c.id))
        )
        found = (await self._conn.execute(q)).all()
        recipients: dict[str, builtins.list[str]] = defaultdict(list)
        if found:
            rq = sa.select(tr.c.document_id, tr.c.organ_id).where(tr.c.document_id.in_([r.id for r in found]))
            for r in (await self._conn.execute(rq.order_by(tr.c.document_id, tr.c.position))).all():
                recipients[r.document_id].append(r.organ_id)
        return [_row(r, recipients[r.id]) for r in found]


def conditions(f: SearchFilters) -> builtins.list[sa.ColumnElement[bool]]:
    conds: builtins.list[sa.ColumnElement[bool]] = []
    if found := [starting_with(w) for w in words(fold(f.text))]:  # each starts a word of it: index ranges, no scan
        conds.append(t.c.id.in_(found[0] if len(found) == 1 else sa.intersect(*found)))  # one set, then documents
    for organ in (f.scope, f.organ):
        if organ:  # two index lookups united (an OR across the tables would scan every document)
            sent = sa.select(t.c.id).where(t.c.sender == organ)
            conds.append(t.c.id.in_(sa.union(sent, sa.select(tr.c.document_id).where(tr.c.organ_id == organ))))
    if f.scope:  # and only what that agency may see: another's held or rejected document is not (core.access)
        conds.append(visible_condition(f.scope))
    if f.states:
        conds.append(t.c.state.in_([s.value for s in f.states]))
    if f.channel is not None:
        conds.append(t.c.channel == f.channel.value)
    if f.direction is not None:
        conds.append(t.c.direction == f.direction.value)
    if f.type_name:
        conds.append(t.c.type_name == f.type_name)
    if f.date_from is not None:
        conds.append(t.c.received_at >= _start_of(f.date_from))
    if f.date_to is not None:
        conds.append(t.c.received_at < _start_of(min(f.date_to, date(9998, 12, 31)) + timedelta(days=1)))
    if f.urgency is not None:
        conds.append(t.c.urgency == int(f.urgency))
    if f.overdue and f.today is not None:  # open_due: kept by storage/search_index.py
        conds.append(t.c.open_due < f.today)
    return conds


def _start_of(day: date) -> datetime:
    """Vietnam midnight; days before 1900 count from 1900 (year 1 at UTC+7 would not convert to UTC)."""
    return datetime.combine(max(day, date(1900, 1, 1)), time.min, VIETNAM)


def _row(r: Any, recipients: builtins.list[str]) -> SearchRow:
    code = f"{r.code_number}/{r.code_notation}" if r.code_number is not None else ""
    return SearchRow(
        id=r.id,
        code=code,
        subject=r.subject,
        type_name=r.type_name,
        sender=r.sender or "",
        sender_name=r.sender_name or "",
        received_at=r.received_at,
        state=ProcessingState(r.state),
        channel=Channel(r.channel),
        direction=Direction(r.direction),
        urgency=Urgency(r.urgency),
        due_date=r.due_date,
        document_id=r.document_key,
        recipients=recipients,
    )
