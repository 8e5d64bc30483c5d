"""Status events of a document per recipient (edXML 01–06, 13, 15, 16)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from core.organ_id import OrganId
from core.status import StatusCode, StatusEvent, StatusHistory
from storage.repos._base import Repository
from storage.search_index import FINISHED, refresh_open_due
from storage.tables import documents as td
from storage.tables import status_events as t

_CHUNK = 500  # ids per IN (...): well within SQLite's and PostgreSQL's limits on bound parameters


def _event(r: Any) -> StatusEvent:
    return StatusEvent(StatusCode(r.code), r.at, r.actor, r.description)


class StatusRepository(Repository):
    async def add(self, document_id: str, organ_id: OrganId | str, event: StatusEvent, source: str = "") -> int:
        """Record the event as given (no transition check; see `apply`). `source`: where it came from,
        e.g. "pipeline", "bot", "dashboard", "mail", "axis". Returns the event's id."""
        values = {
            "document_id": document_id,
            "organ_id": str(organ_id),
            "code": event.code.value,
            "at": event.at,
            "actor": event.actor,
            "description": event.description,
            "source": source,
        }
        event_id = int((await self._conn.execute(sa.insert(t).values(values).returning(t.c.id))).scalar_one())
        if event.code.value in FINISHED:
            await refresh_open_due(self._conn, [document_id])
        return event_id

    async def apply(self, document_id: str, organ_id: OrganId | str, event: StatusEvent, source: str = "") -> bool:
        """Check the transition against the stored history and record it. False for an idempotent repeat;
        core.status.InvalidTransition when not allowed. Locks the document row (PostgreSQL) so two
        concurrent changes to one document cannot both pass the check."""
        await self._lock_document(document_id)
        history = await self.history(document_id, organ_id)
        if not history.apply(event):
            return False
        await self.add(document_id, organ_id, event, source)
        return True

    async def history(self, document_id: str, organ_id: OrganId | str) -> StatusHistory:
        q = sa.select(t).where(t.c.document_id == document_id, t.c.organ_id == str(organ_id)).order_by(t.c.id)
        return StatusHistory([_event(r) for r in await self._conn.execute(q)])

    async def all_for(self, document_id: str) -> dict[str, StatusHistory]:
        """Histories keyed by recipient organ_id (str), in first-event order."""
        q = sa.select(t).where(t.c.document_id == document_id).order_by(t.c.id)
        out: dict[str, StatusHistory] = defaultdict(StatusHistory)
        for r in await self._conn.execute(q):
            out[r.organ_id].events.append(_event(r))
        return dict(out)

    async def all_for_many(self, document_ids: Collection[str]) -> dict[str, dict[str, StatusHistory]]:
        """`all_for` of each document (every id a key, {} when it has no events), in one query per `_CHUNK` ids
        instead of one per document: reports and registers read thousands."""
        out: dict[str, dict[str, StatusHistory]] = {i: {} for i in document_ids}
        ids = list(out)
        for start in range(0, len(ids), _CHUNK):
            q = sa.select(t).where(t.c.document_id.in_(ids[start : start + _CHUNK])).order_by(t.c.id)
            for r in await self._conn.execute(q):
                out[r.document_id].setdefault(r.organ_id, StatusHistory()).events.append(_event(r))
        return out

    async def _lock_document(self, document_id: str) -> None:
        # SQLite transactions here already hold the database write lock (BEGIN IMMEDIATE).
        if self._conn.dialect.name == "postgresql":
            q = sa.select(td.c.id).where(td.c.id == document_id).with_for_update()
            await self._conn.execute(q)
