"""The chatbot as an equal channel (issue 16), through the running service and the fake Bot API: every copy of a
notification follows the document whoever changed it and by whatever channel; the leader is offered «Phân công»
once the clerk accepted (here by mail); a recall reaches the chat with agree/refuse; two clerks pressing at once;
/pending, /status, /start, the command menu; a held document sent through the bot completed by a chat reply."""

from __future__ import annotations

from typing import Any

from bridge.bootstrap import build
from bridge.edxml import BussinessDocType
from bridge.services.officials import create_official
from tests.e2e.axis_delivery_helpers import codes_at, province_document, province_packet, province_recall_request, reply
from tests.e2e.harness import RunningBridge, eventually, send_mail
from tests.e2e.test_bot import CLERK, LEADER, SPECIALIST, TAN_HOA, data_of, has_button, officials
from tests.fixtures.fake_bot_api import FakeBotApi
from tests.fixtures.pdfs import make_official_pdf

SECOND_CLERK = 104


def buttons(params: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def delivered(fake: FakeBotApi, axis: Any, mail_sink: Any, subject: str) -> tuple[Any, dict[str, Any]]:
    doc = province_document(subject=subject)
    await axis.inject(province_packet(make_official_pdf(), doc))
    note = await fake.wait_call("sendMessage", LEADER, where=lambda p: subject in p["text"])
    return doc, note


async def test_accepted_by_mail_the_leaders_message_gains_phan_cong_then_assign_and_done(  # type: ignore[no-untyped-def]
    bot_bridge, axis, mail_sink, fake_bot_api
) -> None:
    fake = fake_bot_api
    await officials(bot_bridge, fake)
    assert fake.calls_of("setMyCommands"), "the command menu is set at start-up"
    subject = "Về việc tổng kết công tác cải cách hành chính"
    _, leader_note = await delivered(fake, axis, mail_sink, subject)
    assert buttons(leader_note) == ["Xem tệp"] and "Số đến: 1 (sổ văn bản đến năm" in leader_note["text"]
    clerk_note = await fake.wait_call("sendMessage", CLERK, where=lambda p: subject in p["text"])

    mail = await mail_sink.wait_for(lambda m: subject[:30] in str(m["Subject"]))
    await send_mail(bot_bridge.settings.smtp_in.port, reply(mail, "Tiếp nhận"))  # the clerk answers by mail

    leader_msg = str(leader_note["_result"]["message_id"])
    gained = await fake.wait_call(
        "editMessageText", LEADER, where=lambda p: str(p["message_id"]) == leader_msg and has_button("Phân công")(p)
    )
    assert "Trạng thái: Đã tiếp nhận (vanthu@tanhoa.vinhlong.gov.vn," in gained["text"]
    clerk_msg = str(clerk_note["_result"]["message_id"])
    followed = await fake.wait_call("editMessageText", CLERK, where=lambda p: str(p["message_id"]) == clerk_msg)
    assert "Tiếp nhận" not in buttons(followed) and "Đã tiếp nhận" in followed["text"]  # no live stale buttons

    fake.inject_callback(LEADER, leader_note["_result"], data_of(gained, "Phân công"))
    choices = await fake.wait_call("editMessageText", LEADER, where=has_button("Phạm Chuyên Viên"))
    fake.inject_callback(LEADER, leader_note["_result"], data_of(choices, "Phạm Chuyên Viên"))
    await eventually(lambda: codes_at(axis) == ["01", "03", "04"], what="status 04 at the axis")
    task = await fake.wait_call("sendMessage", SPECIALIST, where=has_button("Hoàn thành"))
    fake.inject_callback(SPECIALIST, task["_result"], data_of(task, "Hoàn thành"))
    await eventually(lambda: codes_at(axis) == ["01", "03", "04", "06"], what="status 06 at the axis")
    await fake.wait_call("editMessageText", CLERK, where=lambda p: "Trạng thái: Hoàn thành" in p["text"])

    fake.inject_message(CLERK, "/status cải cách hành chính")
    status = await fake.wait_call("sendMessage", CLERK, where=lambda p: p["text"].startswith("📄 45/QĐ-UBND"))
    assert "Số đến: 1" in status["text"] and "Trạng thái: Hoàn thành (Phạm Chuyên Viên" in status["text"]
    assert "Mã:" not in status["text"] and not any(len(w) == 32 for w in status["text"].split())


async def test_a_recall_reaches_the_chat_with_agree_and_refuse(bot_bridge, axis, fake_bot_api) -> None:  # type: ignore[no-untyped-def]
    fake = fake_bot_api
    await officials(bot_bridge, fake)
    subject = "Về việc điều chỉnh kế hoạch năm 2027"
    doc, _ = await delivered(fake, axis, None, subject)
    await fake.wait_call("sendMessage", CLERK, where=lambda p: subject in p["text"])
    await axis.inject(province_recall_request(doc, "Ban hành nhầm số"), message_type="status", to=TAN_HOA)
    recall = await fake.wait_call("sendMessage", CLERK, where=has_button("Đồng ý thu hồi"))
    assert "Trạng thái: Yêu cầu thu hồi (Ủy ban nhân dân tỉnh Vĩnh Long," in recall["text"]
    assert recall["text"].endswith("— lý do: Ban hành nhầm số")
    assert "Không đồng ý" in buttons(recall)
    fake.inject_callback(CLERK, recall["_result"], data_of(recall, "Đồng ý thu hồi"))
    await eventually(lambda: codes_at(axis) == ["01", "15"], what="status 15 at the axis")


async def test_two_clerks_at_once_the_loser_is_told_who_acted_and_what_became_of_the_reason(  # type: ignore[no-untyped-def]
    bot_bridge, axis, fake_bot_api
) -> None:
    fake = fake_bot_api
    await officials(bot_bridge, fake)
    await _second_clerk(bot_bridge, fake)
    subject = "Về việc kiểm tra công tác phòng cháy"
    await delivered(fake, axis, None, subject)
    first = await fake.wait_call("sendMessage", CLERK, where=lambda p: subject in p["text"])
    second = await fake.wait_call("sendMessage", SECOND_CLERK, where=lambda p: subject in p["text"])
    fake.inject_callback(SECOND_CLERK, second["_result"], data_of(second, "Từ chối"))
    await fake.wait_call("sendMessage", SECOND_CLERK, where=lambda p: "lý do" in p["text"])
    fake.inject_callback(CLERK, first["_result"], data_of(first, "Tiếp nhận"))
    await eventually(lambda: codes_at(axis) == ["01", "03"], what="status 03 at the axis")
    fake.inject_message(SECOND_CLERK, "Không thuộc thẩm quyền")
    told = await fake.wait_call("sendMessage", SECOND_CLERK, where=lambda p: "Chưa ghi nhận" in p["text"])
    assert "Trần Thị Văn Thư (Văn thư) đã ghi nhận «Đã tiếp nhận» lúc" in told["text"]
    assert "(«Không thuộc thẩm quyền») không được dùng" in told["text"]
    assert codes_at(axis) == ["01", "03"]


async def test_pending_start_and_a_held_document_completed_by_a_chat_reply(bot_bridge, axis, fake_bot_api) -> None:  # type: ignore[no-untyped-def]
    fake = fake_bot_api
    await officials(bot_bridge, fake)
    fake.inject_message(CLERK, "/start")
    again = await fake.wait_call("sendMessage", CLERK, where=lambda p: "đã liên kết" in p["text"].lower(), count=1)
    assert "Trần Thị Văn Thư — Văn thư, Ủy ban nhân dân xã Tân Hòa" in again["text"]

    caption = "Số: 12/QĐ-UBND\nNgày: 20/11/2026\nLoại: Quyết định\nTrích yếu: Về việc thử gửi qua chatbot"
    fake.inject_message(CLERK, document=("12-QD-UBND.pdf", make_official_pdf()), caption=caption)
    held = await fake.wait_call("sendMessage", CLERK, where=lambda p: "Tạm giữ" in p["text"])
    assert "Trả lời tin nhắn này" in held["text"] and "EDOC-" in held["text"]

    fake.inject_message(LEADER, "/pending")
    await fake.wait_call("sendMessage", LEADER, where=lambda p: "1 văn bản của cơ quan đang tạm giữ" in p["text"])
    item = await fake.wait_call("sendMessage", LEADER, where=lambda p: p["text"].startswith("⏸"))
    assert "Bổ sung" in buttons(item) and "Còn thiếu: Nơi nhận" in item["text"]

    fake.inject_message(CLERK, "Nơi nhận: 000.00.32.H61", reply_to=held["_result"])
    done = await fake.wait_call("sendMessage", CLERK, where=lambda p: "văn bản được tiếp nhận" in p["text"])
    assert "12/QĐ-UBND" in done["text"]
    await eventually(lambda: axis.packets_for("000.00.32.H61"), what="packet at the axis")


async def _second_clerk(running: RunningBridge, fake: FakeBotApi) -> None:
    bridge = await build(running.settings)
    try:
        made = await create_official(bridge.deps, "Ngô Văn Thư Hai", TAN_HOA, "văn thư")
        fake.inject_message(SECOND_CLERK, f"/start {made.code}")
        await fake.wait_call("sendMessage", SECOND_CLERK, where=lambda p: "Đã liên kết" in p["text"])
    finally:
        await bridge.close()


async def test_a_revocation_reaches_the_chat_as_a_new_message(bot_bridge, axis, fake_bot_api) -> None:  # type: ignore[no-untyped-def]
    fake = fake_bot_api
    await officials(bot_bridge, fake)
    subject = "Về việc tạm dừng thi công công trình"
    doc = province_document(subject=subject)
    pdf = make_official_pdf()
    await axis.inject(province_packet(pdf, doc))
    first = await fake.wait_call("sendMessage", CLERK, where=lambda p: subject in p["text"])
    await axis.inject(province_packet(pdf, doc, BussinessDocType.REVOKE))
    stop = await fake.wait_call(
        "sendMessage", CLERK, where=lambda p: subject in p["text"] and "dừng xử lý" in p["text"]
    )
    assert buttons(stop) == ["Xem tệp"] and "Trạng thái: Đồng ý thu hồi" in stop["text"]
    old = await fake.wait_call(
        "editMessageText", CLERK, where=lambda p: str(p["message_id"]) == str(first["_result"]["message_id"])
    )
    assert "Tiếp nhận" not in buttons(old)  # the old copy keeps no live button
