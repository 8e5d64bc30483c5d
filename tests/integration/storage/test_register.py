"""Số đến: a gapless yearly sequence per agency and book, under concurrent registrations."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from core.document import Book
from storage.uow import SqlUnitOfWork
from tests.integration.storage.samples import ICT, SO_TNMT, UBND_XA, document

AT = datetime(2026, 11, 26, 10, 0, tzinfo=ICT)


async def _documents(engine: AsyncEngine, n: int) -> list[str]:
    docs = [document(f"vb-{i:03d}") for i in range(n)]
    async with SqlUnitOfWork(engine) as uow:
        for d in docs:
            await uow.documents.add(d)
        await uow.commit()
    return [d.id for d in docs]


async def _register(engine: AsyncEngine, doc_id: str, at: datetime = AT, commit: bool = True) -> int:
    async with SqlUnitOfWork(engine) as uow:
        entry = await uow.register.next_entry(SO_TNMT, Book.INCOMING, doc_id, at)
        await asyncio.sleep(0)  # let the others run while this transaction holds the counter
        if commit:
            await uow.commit()
    return entry.number


async def test_fifty_concurrent_registrations_get_one_to_fifty(engine: AsyncEngine) -> None:
    ids = await _documents(engine, 50)
    numbers = await asyncio.gather(*(_register(engine, i) for i in ids))
    assert sorted(numbers) == list(range(1, 51))
    async with SqlUnitOfWork(engine) as uow:
        book = await uow.register.list(SO_TNMT, Book.INCOMING, 2026)
    assert [e.number for e in book] == list(range(1, 51))
    assert {e.document_id for e in book} == set(ids)


async def test_rolled_back_registration_burns_no_number(engine: AsyncEngine) -> None:
    a, b, c = await _documents(engine, 3)
    assert await _register(engine, a) == 1
    assert await _register(engine, b, commit=False) == 2  # rolled back
    assert await _register(engine, c) == 2
    assert await _register(engine, b) == 3
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.register.for_document(b) != []
        assert [e.number for e in await uow.register.list(SO_TNMT, Book.INCOMING, 2026)] == [1, 2, 3]


async def test_concurrent_registrations_with_rollbacks_leave_no_gaps(engine: AsyncEngine) -> None:
    ids = await _documents(engine, 20)
    await asyncio.gather(*(_register(engine, d, commit=i % 3 != 0) for i, d in enumerate(ids)))
    async with SqlUnitOfWork(engine) as uow:
        book = await uow.register.list(SO_TNMT, Book.INCOMING, 2026)
    assert [e.number for e in book] == list(range(1, len([i for i in range(20) if i % 3 != 0]) + 1))


async def test_new_year_and_other_book_or_agency_start_at_one(engine: AsyncEngine) -> None:
    ids = await _documents(engine, 4)
    assert await _register(engine, ids[0]) == 1
    # 00:30 on 1 January in Vietnam is still 31 December in UTC: the local year counts.
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=ICT)
    assert await _register(engine, ids[1], at=new_year) == 1
    assert await _register(engine, ids[2], at=new_year) == 2
    async with SqlUnitOfWork(engine) as uow:
        outgoing = await uow.register.next_entry(SO_TNMT, Book.OUTGOING, ids[3], AT)
        other = await uow.register.next_entry(UBND_XA, Book.INCOMING, ids[3], AT)
        await uow.commit()
        assert (outgoing.number, other.number) == (1, 1)
        assert [e.year for e in await uow.register.for_document(ids[1])] == [2027]
        assert len(await uow.register.list(SO_TNMT, Book.INCOMING, 2026)) == 1
