"""Everything sent outside is the same when sent again: a receipt's Message-ID and Date come from its job (the
real SMTP sink sees two copies as one mail); a chat message sent again under the same key edits the first
(fake Bot API); the axis simulator answers a re-sent identical packet with the original DocId; after a lost
answer the relay asks the axis (getSentEdocList) and records what it already has instead of sending again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.notifier import TelegramNotifier
from bridge.axis.client import VxpAxisClient
from bridge.services import receive
from core.document import ProcessingState
from core.inbound import Channel
from core.ports import AxisUnavailable, OutgoingMail
from core.status import StatusCode
from mail.sender import SmtpMailSender
from tests.e2e.harness import BRIDGE_SECRET, BRIDGE_SYSTEM
from tests.fixtures.axis_fixtures import edoc_packet
from tests.fixtures.bot_fixtures import TOKEN
from tests.fixtures.fake_bot_api import FakeBotApi
from tests.fixtures.smtp_sink import SmtpSink
from tests.integration.delivery.conftest import HUYEN, Line

CHAT = 4242


async def test_a_receipt_sent_twice_is_one_mail_by_message_id(mail_sink: SmtpSink) -> None:
    sender = SmtpMailSender(mail_sink.host, mail_sink.port, from_address="edoc-bridge@vinhlong.gov.vn")
    at = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    mail = OutgoingMail(to=["vanthu@tanhoa.vinhlong.gov.vn"], subject="Biên nhận", body="…", key="receipt:d1:accepted",
                        date=at)  # fmt: skip
    first, again = await sender.send(mail), await sender.send(mail)
    other = await sender.send(OutgoingMail(to=mail.to, subject="Biên nhận", body="…", key="receipt:d2:accepted"))
    assert first == again != other and first.endswith("@vinhlong.gov.vn>")
    ids = [str(m["Message-ID"]) for m in mail_sink.messages]
    assert ids == [first, first, other] and len({str(m["Date"]) for m in mail_sink.messages[:2]}) == 1


async def test_a_chat_message_sent_again_under_its_key_edits_the_first(fake_bot_api: FakeBotApi) -> None:
    bot = Bot(TOKEN, base_url=fake_bot_api.base_url, request=HTTPXRequest())
    notifier = TelegramNotifier(bot)
    first = await notifier.notify(str(CHAT), "Văn bản đến", [("Xem tệp", "n:1:file")], key="notify:notice:1")
    again = await notifier.notify(str(CHAT), "Văn bản đến", [("Xem tệp", "n:1:file")], key="notify:notice:1")
    other = await notifier.notify(str(CHAT), "Văn bản khác", key="notify:notice:2")
    assert first == again != other
    assert len(fake_bot_api.calls_of("sendMessage", CHAT)) == 2 and len(fake_bot_api.calls_of("editMessageText")) == 1
    await bot.shutdown()


async def test_the_simulator_answers_a_resent_packet_with_its_first_docid(line: Line) -> None:
    packet = edoc_packet("000.20.32.H61", [HUYEN])
    async with VxpAxisClient(line.axis.base_url, BRIDGE_SYSTEM, BRIDGE_SECRET) as client:
        first = await client.send_edoc("000.20.32.H61", packet)
        again = await client.send_edoc("000.20.32.H61", packet)
    assert first == again and len(line.axis.packets_for(HUYEN)) == 1
    assert list(line.axis.send_counts().values()) == [2]  # both calls seen, one delivery


class AnswerLost:
    """The real axis client, except that the answer to the first sendEdoc is lost after the axis took the packet
    (a read timeout, a connection reset): the bridge cannot know whether it went through."""

    def __init__(self, inner: VxpAxisClient) -> None:
        self.inner, self.lost = inner, 0

    async def send_edoc(self, from_code: str, packet: bytes, message_type: str = "edoc") -> str:
        answer = await self.inner.send_edoc(from_code, packet, message_type)
        if not self.lost:
            self.lost += 1
            raise AxisUnavailable("/sendEdoc: ReadTimeout: no answer")
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_after_a_lost_answer_the_relay_asks_the_axis_and_does_not_send_again(line: Line) -> None:
    line.bridge.deps.axis = AnswerLost(line.bridge.deps.axis)
    inbound = await line.send(96)
    await line.run()
    [relay] = await line.jobs("relay")
    assert relay.state.value == "todo" and "không phản hồi" in relay.last_error
    assert len(line.axis.packets_for(HUYEN)) == 1  # it did go through
    for _ in range(10):
        if (await line.jobs("relay"))[0].state.value == "done":
            break
        await line.later()
        await line.run()
    assert line.axis.calls["sendEdoc"] == 1 and line.axis.calls["getSentEdocList"] == 1
    assert len(line.axis.packets_for(HUYEN)) == 1
    doc = await line.document(inbound)
    assert doc.state is ProcessingState.REGISTERED and "lần gửi trước" in doc.trail[-1].detail
    async with line.bridge.deps.uow() as uow:
        assert (await uow.statuses.history(doc.id, HUYEN)).current is StatusCode.ARRIVED


async def test_the_same_axis_packet_delivered_twice_is_stored_once_per_recipient(line: Line) -> None:
    packet = edoc_packet("000.00.32.H61", ["000.20.32.H61", "000.21.32.H61"])
    deps = line.bridge.deps

    async def take(doc_id: str, organ: str) -> receive.Stored:
        return await receive.store_raw(deps, packet, channel=Channel.AXIS, source_ref=f"axis:{doc_id}",
                                       envelope_from="000.00.32.H61", recipients=(organ,))  # fmt: skip

    first, again = await take("d-1", "000.20.32.H61"), await take("d-2", "000.20.32.H61")  # the axis, twice
    other = await take("d-3", "000.21.32.H61")  # the same bytes for the other commune: its own delivery
    assert (again.duplicate, again.id) == (True, first.id) and not first.duplicate and not other.duplicate
    assert len([j for j in await line.queue.list(limit=100) if j.kind == "pipeline"]) == 2
