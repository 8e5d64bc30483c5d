"""Unit of work: commit, rollback on leaving, reuse; document search."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from core.doc_code import DocCode
from core.document import Direction, ProcessingState, Signer
from core.status import InvalidTransition, StatusCode, StatusEvent
from storage.uow import SqlUnitOfWork
from tests.integration.storage.samples import ICT, SO_TNMT, UBND_XA, VP_UBND, document, inbound


async def test_leaving_without_commit_rolls_back(engine: AsyncEngine) -> None:
    uow = SqlUnitOfWork(engine)
    async with uow:
        await uow.documents.add(document("vb-1"))
    async with uow:  # the same instance may be entered again
        assert await uow.documents.get("vb-1") is None


async def test_exception_rolls_back_and_propagates(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError, match="pipeline"):
        async with SqlUnitOfWork(engine) as uow:
            await uow.inbound.add(inbound("smtp:<a@b>:x"))
            raise RuntimeError("pipeline")
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.inbound.by_source("smtp:<a@b>:x") is None


async def test_commit_then_more_work_is_a_new_transaction(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(async_sessionmaker(engine)) as uow:
        await uow.documents.add(document("vb-1"))
        await uow.commit()
        await uow.documents.add(document("vb-2"))  # not committed
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.documents.get("vb-1") is not None
        assert await uow.documents.get("vb-2") is None


async def test_one_instance_is_one_transaction_at_a_time(engine: AsyncEngine) -> None:
    uow = SqlUnitOfWork(engine)
    async with uow:
        with pytest.raises(RuntimeError, match="already active"):
            await uow.__aenter__()


async def test_status_apply_checks_transitions(engine: AsyncEngine) -> None:
    at = datetime(2026, 11, 26, 10, 0, tzinfo=ICT)
    async with SqlUnitOfWork(engine) as uow:
        await uow.documents.add(document("vb-1"))
        assert await uow.statuses.apply("vb-1", SO_TNMT, StatusEvent(StatusCode.ARRIVED, at), "pipeline")
        assert not await uow.statuses.apply("vb-1", SO_TNMT, StatusEvent(StatusCode.ARRIVED, at), "axis")
        with pytest.raises(InvalidTransition):
            await uow.statuses.apply("vb-1", SO_TNMT, StatusEvent(StatusCode.DONE, at), "bot")
        assert await uow.statuses.apply("vb-1", SO_TNMT, StatusEvent(StatusCode.ACCEPTED, at), "bot")
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        history = await uow.statuses.history("vb-1", SO_TNMT)
    assert [e.code for e in history.events] == [StatusCode.ARRIVED, StatusCode.ACCEPTED]


async def test_search_by_text_organ_state_dates(engine: AsyncEngine) -> None:
    day = datetime(2026, 11, 26, 9, 0, tzinfo=ICT)
    docs = [
        document("vb-1", received_at=day),
        document(
            "vb-2", received_at=day.replace(day=27, hour=0, minute=30), subject="Báo cáo tình hình thiên tai",
            code=DocCode("12", "BC-STNMT"), type_name="Báo cáo", sender=SO_TNMT, recipients=[UBND_XA],
            state=ProcessingState.REGISTERED, direction=Direction.INCOMING, signer=Signer("Lê Thị Mai"),
        ),
        document("vb-3", received_at=day.replace(day=28), subject="Giấy mời họp 50% thành viên",
                 recipients=[VP_UBND], state=ProcessingState.REJECTED),
    ]  # fmt: skip
    async with SqlUnitOfWork(engine) as uow:
        for d in docs:
            await uow.documents.add(d)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        search = uow.documents.search

        async def ids(**kw: object) -> list[str]:
            return [d.id for d in await search(**kw)]  # type: ignore[arg-type]

        assert await ids() == ["vb-3", "vb-2", "vb-1"]  # newest first
        assert await ids(text="THIÊN TAI") == ["vb-2"]
        assert await ids(text="thien tai bao cao") == ["vb-2"]  # without diacritics, any order
        assert await ids(text="12/BC-STNMT") == ["vb-2"]
        assert await ids(text="đức") == ["vb-3", "vb-1"]  # signer Nguyễn Văn Đức
        assert await ids(text="50%") == ["vb-3"] and await ids(text="%") == ["vb-3"]
        assert await ids(organ=SO_TNMT) == ["vb-2", "vb-1"]  # as sender or recipient
        assert await ids(organ=str(VP_UBND)) == ["vb-3", "vb-1"]
        assert await ids(state=ProcessingState.REGISTERED) == ["vb-2"]
        assert await ids(state=[ProcessingState.HELD, ProcessingState.REJECTED]) == ["vb-3", "vb-1"]
        assert await ids(direction=Direction.INCOMING) == ["vb-2"]
        # 00:30 on 27/11 Vietnam time belongs to 27/11 although it is still 26/11 in UTC.
        assert await ids(date_from=date(2026, 11, 27), date_to=date(2026, 11, 27)) == ["vb-2"]
        assert await ids(date_to=date(2026, 11, 26)) == ["vb-1"]
        assert await ids(date_from=day.replace(day=27, hour=1)) == ["vb-3"]
        assert await ids(limit=1, offset=1) == ["vb-2"]
        assert await uow.documents.count(organ=SO_TNMT) == 2
        assert await uow.documents.count(text="không có gì") == 0
