"""A bot button acts only where core.access lets the official's agency decide: never on an outgoing document
the agency is merely a recipient of, even through a notice that names it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bridge.bootstrap import Bridge, build, import_directory
from bridge.services.chat import ChatDesk
from bridge.services.officials import create_official, link_chat, repo
from core.document import Direction, Document
from core.inbound import Channel
from core.organ_id import OrganId
from core.status import StatusCode, StatusEvent
from tests.e2e.harness import settings_for

TAN_HOA, PROVINCE = "000.20.32.H61", "000.00.00.H61"


@pytest.fixture
async def bridge(db_url: str, tmp_path: Path) -> AsyncIterator[Bridge]:
    b = await build(settings_for(db_url, tmp_path, "http://127.0.0.1:9", 9))
    await import_directory(b, b.settings.directory_file)
    yield b
    await b.close()


async def noticed(b: Bridge, direction: Direction, official_id: int) -> tuple[str, int]:
    now = datetime.now(UTC)
    doc = Document(
        id=uuid.uuid4().hex, direction=direction, channel=Channel.AXIS, received_at=now,
        sender=OrganId.parse(PROVINCE), recipients=[OrganId.parse(TAN_HOA)], type_name="Công văn", subject="Thử",
    )  # fmt: skip
    async with b.deps.uow() as uow:
        await uow.documents.add(doc)
        await uow.statuses.add(doc.id, TAN_HOA, StatusEvent(StatusCode.ARRIVED, now, "system"), "axis")
        notice_id = await repo(uow, b.deps).add_notice(doc.id, TAN_HOA, official_id)
        await uow.commit()
    assert notice_id is not None
    return doc.id, notice_id


async def test_a_recipient_clerk_cannot_accept_the_senders_document(bridge: Bridge) -> None:
    made = await create_official(bridge.deps, "Trần Thị Văn Thư", TAN_HOA, "văn thư")
    assert await link_chat(bridge.deps, "101", made.code) is not None
    desk = ChatDesk(bridge.deps)
    outgoing, n_out = await noticed(bridge, Direction.OUTGOING, made.official.id)
    answer = await desk.press("101", f"n:{n_out}:acc")
    assert answer.toast == "Bạn không có quyền với văn bản này."
    async with bridge.deps.uow() as uow:
        assert [e.code for e in (await uow.statuses.history(outgoing, TAN_HOA)).events] == [StatusCode.ARRIVED]
    incoming, n_in = await noticed(bridge, Direction.INCOMING, made.official.id)
    answer = await desk.press("101", f"n:{n_in}:acc")
    assert answer.toast.startswith("Đã ghi nhận"), answer.toast
    async with bridge.deps.uow() as uow:
        assert (await uow.statuses.history(incoming, TAN_HOA)).current is StatusCode.ACCEPTED
