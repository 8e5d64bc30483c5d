"""Sổ đăng ký văn bản: a gapless yearly sequence per agency and book."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.document import Book, RegisterEntry
from core.organ_id import OrganId
from storage.repos._base import Repository
from storage.tables import register_counters as tc
from storage.tables import register_entries as t


def _entry(r: Any) -> RegisterEntry:
    return RegisterEntry(
        organ_id=OrganId(r.organ_id),
        book=Book(r.book),
        year=r.year,
        number=r.number,
        document_id=r.document_id,
        registered_at=r.registered_at,
    )


class RegisterRepository(Repository):
    async def next_entry(self, organ_id: OrganId | str, book: Book, document_id: str, at: datetime) -> RegisterEntry:
        """Give the document the next number of `at`'s year (pass `at` in Vietnam time: the year turns at
        local midnight). The counter row stays locked until the caller's transaction ends, so concurrent
        registrations queue, and a rollback returns the number. Registering a document again in the same
        book returns its existing entry."""
        existing = await self._entry_of(str(organ_id), book, document_id)
        if existing is not None:
            return existing
        key = {"organ_id": str(organ_id), "book": book.value, "year": at.year}
        bump = (
            self._insert(tc)
            .values(**key, last_number=1)
            .on_conflict_do_update(
                index_elements=[tc.c.organ_id, tc.c.book, tc.c.year],
                set_={"last_number": tc.c.last_number + 1},
            )
            .returning(tc.c.last_number)
        )
        number = (await self._conn.execute(bump)).scalar_one()
        row = {**key, "number": number, "document_id": document_id, "registered_at": at}
        await self._conn.execute(sa.insert(t).values(row))
        return RegisterEntry(OrganId(key["organ_id"]), book, at.year, number, document_id, at)

    async def for_document(self, document_id: str) -> builtins.list[RegisterEntry]:
        q = sa.select(t).where(t.c.document_id == document_id).order_by(t.c.organ_id, t.c.book)
        return [_entry(r) for r in await self._conn.execute(q)]

    async def list(self, organ_id: OrganId | str, book: Book, year: int) -> builtins.list[RegisterEntry]:
        q = (
            sa.select(t)
            .where(t.c.organ_id == str(organ_id), t.c.book == book.value, t.c.year == year)
            .order_by(t.c.number)
        )
        return [_entry(r) for r in await self._conn.execute(q)]

    async def _entry_of(self, organ_id: str, book: Book, document_id: str) -> RegisterEntry | None:
        q = sa.select(t).where(t.c.organ_id == organ_id, t.c.book == book.value, t.c.document_id == document_id)
        row = (await self._conn.execute(q)).first()
        return _entry(row) if row else None
