"""set_incoming_status (dashboard/bot use case) and the receipt cap, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bridge.services.deliveries import UnknownDelivery, set_incoming_status
from bridge.services.deps import Deps
from core.document import Direction, ProcessingState
from core.inbound import Channel
from core.status import InvalidTransition, StatusCode, StatusEvent
from storage.deliveries import DeliveryRepository
from storage.tables import outbox
from storage.uow import SqlUnitOfWork
from tests.integration.storage.samples import SO_TNMT, UBND_XA, agency, document

RECIPIENT = str(UBND_XA)


def deps_for(engine: AsyncEngine) -> Deps:
    # the ports these use cases never touch (they only write the database and queue jobs)
    return Deps(uow=lambda: SqlUnitOfWork(engine), blobs=None, axis=None, mail=None)  # type: ignore[arg-type]


async def incoming(engine: AsyncEngine) -> str:
    doc = document(direction=Direction.INCOMING, channel=Channel.AXIS, sender=SO_TNMT, recipients=[UBND_XA],
                   state=ProcessingState.REGISTERED, reasons=[])  # fmt: skip
    async with SqlUnitOfWork(engine) as uow:
        await uow.agencies.upsert(agency())
        await uow.documents.add(doc)
        await uow.statuses.add(doc.id, RECIPIENT, StatusEvent(StatusCode.ARRIVED, datetime.now(UTC), "edoc-bridge"))
        await uow.commit()
    return doc.id


async def status_jobs(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.payload).where(outbox.c.kind == "status_out"))
        return [dict(r.payload) for r in rows]


async def test_status_recorded_once_and_queued_for_the_sender(engine: AsyncEngine) -> None:
    deps, doc_id = deps_for(engine), await incoming(engine)
    assert await set_incoming_status(deps, doc_id, RECIPIENT, "03", "Nguyễn Thị Lan", "Vào sổ đến số 7") is True
    assert await set_incoming_status(deps, doc_id, RECIPIENT, StatusCode.ACCEPTED, "Nguyễn Thị Lan") is False
    assert await set_incoming_status(deps, doc_id, RECIPIENT, "05", "Trần Văn Hùng", source="bot") is True
    jobs = await status_jobs(engine)
    assert [(j["code"], j["organ"], j["description"]) for j in jobs] == [
        ("03", RECIPIENT, "Vào sổ đến số 7"), ("05", RECIPIENT, ""),
    ]  # fmt: skip
    async with SqlUnitOfWork(engine) as uow:
        history = await uow.statuses.history(doc_id, RECIPIENT)
    assert [e.code.value for e in history.events] == ["01", "03", "05"]


async def test_invalid_requests_are_refused_in_vietnamese(engine: AsyncEngine) -> None:
    deps, doc_id = deps_for(engine), await incoming(engine)
    with pytest.raises(ValueError, match="lý do"):
        await set_incoming_status(deps, doc_id, RECIPIENT, "02", "văn thư", "  ")
    with pytest.raises(ValueError, match="13"):
        await set_incoming_status(deps, doc_id, RECIPIENT, "13", "văn thư", "thu hồi")
    with pytest.raises(UnknownDelivery):
        await set_incoming_status(deps, doc_id, str(SO_TNMT), "03", "văn thư")
    with pytest.raises(InvalidTransition):
        await set_incoming_status(deps, doc_id, RECIPIENT, "15", "văn thư")  # no recall was requested
    assert await status_jobs(engine) == []


async def test_recall_agreed_marks_the_document_recalled(engine: AsyncEngine) -> None:
    deps, doc_id = deps_for(engine), await incoming(engine)
    async with SqlUnitOfWork(engine) as uow:
        event = StatusEvent(StatusCode.RECALL_REQUESTED, datetime.now(UTC), "axis:000.00.12.H29", "Nhầm số")
        await uow.statuses.apply(doc_id, RECIPIENT, event, "axis")
        await uow.commit()
    assert await set_incoming_status(deps, doc_id, RECIPIENT, "15", "Nguyễn Thị Lan") is True
    async with SqlUnitOfWork(engine) as uow:
        assert (await uow.documents.get(doc_id)).state is ProcessingState.RECALLED


async def test_receipt_cap_per_address_and_day_counts_each_answer_once(engine: AsyncEngine) -> None:
    now, today = datetime.now(UTC), date(2026, 11, 26)
    async with SqlUnitOfWork(engine) as uow:
        repo = DeliveryRepository(uow.connection)
        taken = [await repo.take_receipt(k, "Vanthu@Xa.gov.vn", today, 2, now) for k in ("a", "b", "c", "a", "b")]
        other_day = await repo.take_receipt("d", "vanthu@xa.gov.vn", date(2026, 11, 27), 2, now)
        other_address = await repo.take_receipt("e", "khac@xa.gov.vn", today, 2, now)
        await uow.commit()
    assert taken == [True, True, False, True, True]
    assert other_day and other_address
