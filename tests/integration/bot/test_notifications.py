"""Officials, link codes, notification delivery (429, outage), escalation by mail, digest — real databases,
the real PTB Bot over HTTP against the fake Bot API, a real SMTP sink."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotConfig, ChatBot
from bridge.bootstrap import Bridge, build, import_directory
from bridge.services import notifications
from bridge.services.chat import ChatDesk
from bridge.services.officials import create_official, link_chat, repo
from bridge.worker import OutboxWorker, RetryPolicy, handlers_for
from core.document import Book, Direction, Document
from core.inbound import Channel
from core.officials import NoticeState
from core.organ_id import OrganId
from core.status import StatusCode, StatusEvent
from core.urgency import Urgency
from tests.e2e.harness import settings_for
from tests.fixtures.bot_fixtures import TOKEN
from tests.fixtures.fake_bot_api import FakeBotApi

TAN_HOA, PROVINCE = "000.20.32.H61", "000.00.00.H61"


@pytest.fixture
async def bridge(db_url: str, tmp_path: Path, mail_sink: Any, fake_bot_api: FakeBotApi) -> AsyncIterator[Bridge]:
    b = await build(settings_for(db_url, tmp_path, "http://127.0.0.1:9", mail_sink.port))
    await import_directory(b, b.settings.directory_file)
    config = BotConfig(TOKEN, fake_bot_api.base_url, fake_bot_api.base_file_url)
    b.deps.notifier = ChatBot(config, ChatDesk(b.deps)).notifier
    yield b
    await b.close()


async def register_incoming(b: Bridge, urgency: Urgency = Urgency.THUONG, due: date | None = None) -> str:
    """What the axis intake does for a served agency: the document, its sổ đến entry, status 01."""
    now = datetime.now(UTC)
    doc = Document(
        id=uuid.uuid4().hex, direction=Direction.INCOMING, channel=Channel.AXIS, received_at=now,
        sender=OrganId.parse(PROVINCE), recipients=[OrganId.parse(TAN_HOA)], type_name="Công văn",
        subject="Về việc trực phòng chống lụt bão", urgency=urgency, due_date=due,
    )  # fmt: skip
    async with b.deps.uow() as uow:
        await uow.documents.add(doc)
        await uow.register.next_entry(TAN_HOA, Book.INCOMING, doc.id, now)
        await uow.statuses.add(doc.id, TAN_HOA, StatusEvent(StatusCode.ARRIVED, now, "system"), "axis")
        await uow.commit()
    return doc.id


async def clerk(b: Bridge, chat: str = "101", email: str = "") -> None:
    made = await create_official(b.deps, "Trần Thị Văn Thư", TAN_HOA, "văn thư", email)
    assert await link_chat(b.deps, chat, made.code) is not None


def worker(b: Bridge) -> OutboxWorker:
    return OutboxWorker(b.deps, b.queue, handlers_for(), RetryPolicy(initial=0.1, maximum=0.5, jitter=0.0))


async def test_a_link_code_works_once_and_expires(bridge: Bridge) -> None:
    made = await create_official(bridge.deps, "Lê Văn A", TAN_HOA, "lãnh đạo")
    assert (await link_chat(bridge.deps, "55", made.code.lower())) == made.official.__class__(
        made.official.id, "Lê Văn A", TAN_HOA, made.official.role, "", "55"
    )
    assert await link_chat(bridge.deps, "56", made.code) is None  # used
    old = await create_official(bridge.deps, "Lê Văn B", TAN_HOA, "chuyên viên", code_ttl=timedelta(seconds=-1))
    assert await link_chat(bridge.deps, "57", old.code) is None  # expired
    with pytest.raises(ValueError, match="Không có cơ quan"):
        await create_official(bridge.deps, "X", "000.99.99.H61", "văn thư")


async def test_rate_limit_is_retried_after_retry_after(bridge: Bridge, fake_bot_api: FakeBotApi) -> None:
    await clerk(bridge)
    doc_id = await register_incoming(bridge)
    assert await notifications.sweep_registrations(bridge.deps) == 1
    assert await notifications.sweep_registrations(bridge.deps) == 0  # once per registration
    fake_bot_api.rate_limited = [1]
    w = worker(bridge)
    assert await w.run_once() == 1
    async with bridge.deps.uow() as uow:
        [notice] = await repo(uow, bridge.deps).notices_for(doc_id, TAN_HOA)
    assert (notice.state is NoticeState.FAILED and "429" in notice.last_error) or "giới hạn" in notice.last_error
    assert await w.run_once() == 0  # not before retry_after
    await asyncio.sleep(1.1)
    assert await w.run_once() == 1
    sent = await fake_bot_api.wait_call("sendMessage", 101)
    assert "Về việc trực phòng chống lụt bão" in sent["text"]
    async with bridge.deps.uow() as uow:
        [notice] = await repo(uow, bridge.deps).notices_for(doc_id, TAN_HOA)
    assert notice.state is NoticeState.SENT and notice.message_id == str(sent["_result"]["message_id"])


async def test_unacknowledged_urgent_document_escalates_by_mail(bridge: Bridge, fake_bot_api, mail_sink) -> None:
    await clerk(bridge, email="tran.vanthu@tanhoa.vinhlong.gov.vn")
    await fake_bot_api.down()  # never delivered either
    urgent = await register_incoming(bridge, Urgency.HOA_TOC)
    await register_incoming(bridge)  # a normal one never escalates
    await notifications.sweep_registrations(bridge.deps)
    await worker(bridge).run_once()
    assert await notifications.sweep_escalations(bridge.deps, timedelta(0)) == 1
    assert await notifications.sweep_escalations(bridge.deps, timedelta(0)) == 0
    await worker(bridge).run_once()
    mail = await mail_sink.wait_for(lambda m: "chưa tiếp nhận" in str(m["Subject"]))
    assert "HỎA TỐC" in str(mail["Subject"])
    assert set(str(mail["To"]).replace(" ", "").split(",")) == {
        "vanthu@tanhoa.vinhlong.gov.vn",
        "tran.vanthu@tanhoa.vinhlong.gov.vn",
    }
    async with bridge.deps.uow() as uow:
        [notice] = await repo(uow, bridge.deps).notices_for(urgent, TAN_HOA)
    assert notice.state is NoticeState.FAILED  # still retried by the outbox meanwhile
    # sent again (as after a crash between the relay's 250 and recording it): the same mail to clients
    [job] = [j for j in await bridge.queue.list(limit=500) if j.payload.get("escalate") == urgent]
    await notifications.handle_notify(bridge.deps, job)
    again = await mail_sink.wait_for(lambda m: m is not mail and "chưa tiếp nhận" in str(m["Subject"]))
    assert again["Message-ID"] == mail["Message-ID"] and again["Date"] == mail["Date"]
    assert str(mail["Message-ID"]).startswith("<edoc.notify.")


async def test_digest_lists_pending_and_overdue(bridge: Bridge, fake_bot_api: FakeBotApi) -> None:
    await clerk(bridge)
    await register_incoming(bridge, due=date(2020, 1, 1))
    await register_incoming(bridge)
    await notifications.sweep_registrations(bridge.deps)
    assert await notifications.queue_digest(bridge.deps, "07:30") == 1
    assert await notifications.queue_digest(bridge.deps, "07:30") == 0  # once per slot and day
    w = worker(bridge)
    while await w.run_once():
        pass
    digest = await fake_bot_api.wait_call("sendMessage", 101, where=lambda p: "Tổng hợp" in p["text"])
    assert "(2 văn bản, 1 quá hạn)" in digest["text"] and "QUÁ HẠN" in digest["text"]


async def test_a_refresh_while_the_notice_is_on_its_way_edits_it_once_it_is_sent(bridge: Bridge, fake_bot_api) -> None:
    """The state changed while the first send may be drawing the old one: the refresh waits for the message id
    (not a failure, not an attempt) and then edits, instead of finding nothing to edit and dropping the change."""
    await clerk(bridge)
    doc_id = await register_incoming(bridge)
    assert await notifications.sweep_registrations(bridge.deps) == 1
    async with bridge.deps.uow() as uow:
        assert await notifications.queue_refresh(uow, bridge.deps, doc_id, TAN_HOA) == 1
        await uow.commit()
    jobs = {j.idempotency_key.split(":")[1]: j for j in await bridge.queue.list(limit=50) if j.kind == "notify"}
    await notifications.handle_notify(bridge.deps, jobs["refresh"])  # before the notice's own send is recorded
    waiting = await bridge.queue.get(jobs["refresh"].id)
    assert waiting is not None and waiting.state.value == "todo" and waiting.payload["waits"] == 1
    assert waiting.first_failed_at is None and fake_bot_api.calls_of("editMessageText") == []
    await notifications.handle_notify(bridge.deps, jobs["notice"])
    sent = await fake_bot_api.wait_call("sendMessage", 101)
    await notifications.handle_notify(bridge.deps, waiting)
    [edit] = fake_bot_api.calls_of("editMessageText", 101)
    assert int(edit["message_id"]) == int(sent["_result"]["message_id"])
    done = await bridge.queue.get(jobs["refresh"].id)
    assert done is not None and done.state.value == "done"
