"""The search's summaries (storage/search_index.py) follow every write: words on add/update, open_due on the
document's state and deadline and on each recipient's finishing (06) or refusing (02) status."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from core.document import ProcessingState
from core.register_search import SearchFilters
from core.status import StatusCode, StatusEvent
from storage.search_index import words
from storage.tables import documents
from storage.uow import SqlUnitOfWork
from tests.integration.storage.samples import ICT, SO_TNMT, VP_UBND, document

TODAY = date(2026, 12, 10)  # after the sample's deadline (5/12)
AT = datetime(2026, 11, 27, 8, 0, tzinfo=ICT)


async def _found(engine: AsyncEngine, **kw: object) -> list[str]:
    async with SqlUnitOfWork(engine) as uow:
        return [r.id for r in await uow.search.rows(SearchFilters(**{"today": TODAY, **kw}))]  # type: ignore[arg-type]


async def _open_due(engine: AsyncEngine, doc_id: str) -> date | None:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(documents.c.open_due).where(documents.c.id == doc_id))).scalar_one()


def test_words_split_codes_and_keep_order() -> None:
    assert words("05/qd-ubnd | ve viec dat 05") == ["05", "qd", "ubnd", "ve", "viec", "dat"]


async def test_keywords_start_words_without_diacritics(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.documents.add(document("vb-1", state=ProcessingState.REGISTERED))
        await uow.documents.add(document("vb-2", subject="Về việc tiếp công dân", state=ProcessingState.REGISTERED))
        await uow.commit()
    assert await _found(engine, text="ĐẤT") == ["vb-1"]
    assert await _found(engine, text="ke hoach") == ["vb-1"]  # every word, in any order
    assert await _found(engine, text="05/QĐ-UBND") == ["vb-2", "vb-1"]
    assert await _found(engine, text="tiep cong") == ["vb-2"]
    assert await _found(engine, text="ong") == []  # a word's start, not any substring
    async with SqlUnitOfWork(engine) as uow:  # an edit replaces the words
        await uow.documents.update(document("vb-2", subject="Về việc giao đất", state=ProcessingState.REGISTERED))
        await uow.commit()
    assert await _found(engine, text="tiep") == []
    assert await _found(engine, text="giao dat") == ["vb-2"]


async def test_overdue_follows_state_deadline_and_each_recipient(engine: AsyncEngine) -> None:
    held = document("vb-1")  # deadline 5/12, held: not overdue
    async with SqlUnitOfWork(engine) as uow:
        await uow.documents.add(held)
        await uow.commit()
    assert await _open_due(engine, "vb-1") is None and await _found(engine, overdue=True) == []
    async with SqlUnitOfWork(engine) as uow:
        await uow.documents.update(replace(held, state=ProcessingState.REGISTERED))
        await uow.commit()
    assert await _open_due(engine, "vb-1") == date(2026, 12, 5)
    assert await _found(engine, overdue=True) == ["vb-1"]
    assert await _found(engine, overdue=True, today=date(2026, 12, 5)) == []  # due today is not overdue yet
    async with SqlUnitOfWork(engine) as uow:
        for code in (StatusCode.ARRIVED, StatusCode.ACCEPTED, StatusCode.DONE):
            await uow.statuses.apply("vb-1", SO_TNMT, StatusEvent(code, AT), "bot")
        await uow.commit()
    assert await _found(engine, overdue=True) == ["vb-1"]  # VP_UBND has not finished
    async with SqlUnitOfWork(engine) as uow:
        await uow.statuses.apply("vb-1", VP_UBND, StatusEvent(StatusCode.ARRIVED, AT), "bot")
        await uow.statuses.apply("vb-1", VP_UBND, StatusEvent(StatusCode.REJECTED, AT, "", "sai nơi"), "bot")
        await uow.commit()
    assert await _open_due(engine, "vb-1") is None and await _found(engine, overdue=True) == []
