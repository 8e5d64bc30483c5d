"""Every entity goes in and comes back equal, Vietnamese text included, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from core.doc_code import DocCode
from core.document import Attachment, Book, Direction, ProcessingState
from core.inbound import Channel
from core.status import StatusCode, StatusEvent
from storage.records import InboundState
from storage.repos import documents as documents_repo
from storage.repos import statuses as statuses_repo
from storage.uow import SqlUnitOfWork
from tests.integration.storage.samples import ICT, SO_TNMT, UBND_XA, VP_UBND, agency, document, inbound


async def test_agency_round_trip_and_lookup_by_any_address(engine: AsyncEngine) -> None:
    a = agency()
    other = replace(agency(SO_TNMT, "vanthu@stnmt.hanoi.gov.vn"), name="Sở Tài nguyên và Môi trường", served=False)
    async with SqlUnitOfWork(engine) as uow:
        await uow.agencies.upsert(a)
        await uow.agencies.upsert(other)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        got = await uow.agencies.get(UBND_XA)
        assert got == a and got.extra == {"ghi_chú": "Đơn vị thí điểm"}
        assert await uow.agencies.by_email("  UBND.DongTam@hanoi.gov.vn ") == a
        assert await uow.agencies.by_email("nobody@example.org") is None
        assert await uow.agencies.get(VP_UBND) is None
        assert [x.organ_id for x in await uow.agencies.list()] == [SO_TNMT, UBND_XA]
        assert await uow.agencies.list(served=False) == [other]


async def test_agency_upsert_replaces_fields_and_addresses(engine: AsyncEngine) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.agencies.upsert(agency())
        await uow.agencies.upsert(replace(agency(), name="UBND xã Đồng Tâm (mới)", emails=("moi@hanoi.gov.vn",)))
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        got = await uow.agencies.get(UBND_XA)
        assert got is not None and got.name == "UBND xã Đồng Tâm (mới)" and got.emails == ("moi@hanoi.gov.vn",)
        assert await uow.agencies.by_email("vanthu.dongtam@hanoi.gov.vn") is None
        assert await uow.agencies.by_email("moi@hanoi.gov.vn") == got


async def test_inbound_round_trip_duplicate_and_state(engine: AsyncEngine) -> None:
    rec = inbound()
    imap = inbound(
        "imap:INBOX/Văn bản:1700000000:42",
        channel=Channel.IMAP,
        mailbox="INBOX/Văn bản",
        uidvalidity=1700000000,
        uid=42,
    )
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.inbound.add(rec) is True
        assert await uow.inbound.add(imap) is True
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        # Same source again (redelivery) under a new id: refused, nothing written, transaction still usable.
        assert await uow.inbound.add(inbound(rec.source_ref, size=1)) is False
        assert await uow.inbound.get(rec.id) == rec
        assert await uow.inbound.by_source(imap.source_ref) == imap
        assert await uow.inbound.max_uid("INBOX/Văn bản", 1700000000) == 42
        assert await uow.inbound.max_uid("INBOX/Văn bản", 1) is None
        await uow.inbound.set_state(rec.id, InboundState.FAILED, "Không đọc được thư: MIME hỏng")
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        got = await uow.inbound.get(rec.id)
        assert got is not None and got.size == rec.size
        assert (got.state, got.last_error) == (InboundState.FAILED, "Không đọc được thư: MIME hỏng")
        assert [r.id for r in await uow.inbound.list(state=InboundState.FAILED)] == [rec.id]


async def test_document_round_trip_and_update(engine: AsyncEngine) -> None:
    rec = inbound()
    doc = document(inbound_id=rec.id)
    bare = document(
        code=None, sender=None, issued_date=None, recipients=[], attachments=[], reasons=[], trail=[],
        due_date=None, page_amount=None, direction=Direction.INCOMING, channel=Channel.AXIS,
        edxml_document_id="000.00.12.H29,2026/11/20,123/STNMT-VP",
    )  # fmt: skip
    async with SqlUnitOfWork(engine) as uow:
        await uow.inbound.add(rec)
        await uow.documents.add(doc)
        await uow.documents.add(bare)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        got = await uow.documents.get(doc.id)
        assert got == doc
        assert got.received_at.tzinfo is not None and got.received_at == doc.received_at
        assert got.trail[1].data == {"chữ_ký": 2, "hợp_lệ": False, "ghi chú": ["một", "hai"]}
        assert await uow.documents.get(bare.id) == bare
        assert await uow.documents.by_inbound(rec.id) == doc
        assert await uow.documents.by_document_id("000.01.32.H29,2026/11/25,05/QĐ-UBND") == doc
        assert await uow.documents.by_document_id(bare.edxml_document_id) == bare
        assert await uow.documents.get("không-có") is None

        doc.state = ProcessingState.REGISTERED
        doc.code = DocCode("06", "QĐ-UBND")
        doc.recipients = [VP_UBND]
        doc.attachments = [Attachment("bản-sửa.pdf", "application/pdf", "d" * 64, 9)]
        doc.reasons = []
        await uow.documents.update(doc)
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.documents.get(doc.id) == doc


async def test_register_entry_and_status_history_round_trip(engine: AsyncEngine) -> None:
    doc = document()
    at = datetime(2026, 11, 26, 10, 0, tzinfo=ICT)
    async with SqlUnitOfWork(engine) as uow:
        await uow.documents.add(doc)
        entry = await uow.register.next_entry(SO_TNMT, Book.INCOMING, doc.id, at)
        again = await uow.register.next_entry(SO_TNMT, Book.INCOMING, doc.id, at)
        await uow.statuses.add(doc.id, SO_TNMT, StatusEvent(StatusCode.ARRIVED, at, "system"), "pipeline")
        await uow.statuses.add(
            doc.id, SO_TNMT, StatusEvent(StatusCode.ACCEPTED, at, "Trần Thị Hoa", "Đã vào sổ"), "bot"
        )
        await uow.statuses.add(doc.id, VP_UBND, StatusEvent(StatusCode.ARRIVED, at, "axis:000.00.01.H29"), "axis")
        await uow.commit()
    assert (entry.number, entry.year, again) == (1, 2026, entry)
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.register.for_document(doc.id) == [entry]
        assert await uow.register.list(SO_TNMT, Book.INCOMING, 2026) == [entry]
        history = await uow.statuses.history(doc.id, SO_TNMT)
        assert history.current is StatusCode.ACCEPTED
        assert history.events[1] == StatusEvent(StatusCode.ACCEPTED, at, "Trần Thị Hoa", "Đã vào sổ")
        every = await uow.statuses.all_for(doc.id)
        assert set(every) == {str(SO_TNMT), str(VP_UBND)}
        assert every[str(VP_UBND)].current is StatusCode.ARRIVED
        assert (await uow.statuses.history(doc.id, UBND_XA)).events == []
        assert await uow.statuses.all_for_many([doc.id, "khong-co"]) == {doc.id: every, "khong-co": {}}


async def test_many_documents_and_histories_match_one_by_one(engine: AsyncEngine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(statuses_repo, "_CHUNK", 2)  # several IN (...) queries for five documents
    monkeypatch.setattr(documents_repo, "_CHUNK", 2)
    at = datetime(2026, 11, 26, 10, 0, tzinfo=ICT)
    docs = [document(code=DocCode(str(n), "QĐ-UBND")) for n in range(5)]
    async with SqlUnitOfWork(engine) as uow:
        for n, doc in enumerate(docs):
            await uow.documents.add(doc)
            for code in [StatusCode.ARRIVED, StatusCode.ACCEPTED][: n % 3]:
                await uow.statuses.add(doc.id, SO_TNMT if n % 2 else VP_UBND, StatusEvent(code, at, "system"))
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        many = await uow.statuses.all_for_many([d.id for d in docs])
        assert many == {d.id: await uow.statuses.all_for(d.id) for d in docs}
        found = await uow.documents.get_many([*(d.id for d in reversed(docs)), "khong-co", docs[0].id])
        assert found == {d.id: await uow.documents.get(d.id) for d in docs}
    assert [sum(len(h.events) for h in many[d.id].values()) for d in docs] == [0, 1, 2, 0, 1]


async def test_outbox_payload_round_trip(engine: AsyncEngine) -> None:
    payload = {"document_id": "x", "tới": ["Sở Tài nguyên"], "n": 3, "ok": True, "lồng": {"a": None}}
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.outbox.enqueue("receipt.mail", payload, "receipt:x") is True
        await uow.commit()
    async with SqlUnitOfWork(engine) as uow:
        job = await uow.outbox.get(1)
    assert job is not None and job.payload == payload and job.kind == "receipt.mail" and job.attempts == 0
    assert job.created_at.tzinfo is UTC
