"""End to end with the chatbot: the province's packet for Tân Hòa → registered in its sổ đến (axis intake) →
the văn thư's chat gets the notification with buttons → presses → status packets at the axis simulator."""

from __future__ import annotations

import asyncio
from typing import Any

from bridge.axis.simulator import AxisSimulator
from bridge.bootstrap import build
from bridge.services.officials import create_official
from tests.e2e.axis_delivery_helpers import codes_at, province_document, province_packet, statuses_at
from tests.e2e.harness import RunningBridge, api_get, eventually
from tests.fixtures.fake_bot_api import FakeBotApi
from tests.fixtures.pdfs import make_official_pdf

TAN_HOA, LONG_PHUOC = "000.20.32.H61", "000.21.32.H61"
CLERK, LEADER, SPECIALIST, OTHER_CLERK, STRANGER = 101, 102, 103, 201, 300


async def officials(running: RunningBridge, fake: FakeBotApi) -> None:
    """Create the officials with the use case and link their chats with /start CODE."""
    bridge = await build(running.settings)
    try:
        people = [
            (CLERK, "Trần Thị Văn Thư", TAN_HOA, "văn thư"),
            (LEADER, "Lê Văn Lãnh Đạo", TAN_HOA, "lãnh đạo"),
            (SPECIALIST, "Phạm Chuyên Viên", TAN_HOA, "chuyên viên"),
            (OTHER_CLERK, "Võ Thị Long Phước", LONG_PHUOC, "văn thư"),
        ]
        for chat, name, organ, role in people:
            made = await create_official(bridge.deps, name, organ, role)
            fake.inject_message(chat, f"/start {made.code}")
            await fake.wait_call("sendMessage", chat, where=lambda p: "Đã liên kết" in p["text"])
    finally:
        await bridge.close()


def has_button(label: str) -> Any:
    return lambda p: any(
        b["text"] == label for row in (p.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
    )


def data_of(params: dict[str, Any], label: str) -> str:
    rows = params["reply_markup"]["inline_keyboard"]
    return next(b["callback_data"] for row in rows for b in row if b["text"] == label)


async def notified(fake: FakeBotApi, axis: AxisSimulator, subject: str, chat: int = CLERK) -> dict[str, Any]:
    pdf = make_official_pdf()
    await axis.inject(province_packet(pdf, province_document(subject=subject)))
    return await fake.wait_call("sendMessage", chat, where=lambda p: subject in p["text"] and has_button("Xem tệp")(p))


async def test_accept_assign_process_and_access_rules(bot_bridge, axis, fake_bot_api) -> None:
    fake = fake_bot_api
    await officials(bot_bridge, fake)
    subject = "Về việc giao chỉ tiêu chuyển đổi số năm 2027"
    note = await notified(fake, axis, subject)
    for words in ("Số/ký hiệu: 45/QĐ-UBND", "Loại: Quyết định", "Nơi gửi: Ủy ban nhân dân tỉnh Vĩnh Long",
                  "Độ khẩn: Thường", "Hạn xử lý:", "Trạng thái: Đã đến"):  # fmt: skip
        assert words in note["text"]
    assert [b["text"] for b in note["reply_markup"]["inline_keyboard"][0]] == ["Tiếp nhận", "Từ chối", "Xem tệp"]
    leader_note = await fake.wait_call("sendMessage", LEADER, where=lambda p: subject in p["text"])
    accept, message = data_of(note, "Tiếp nhận"), note["_result"]

    # a stranger's chat and another agency's clerk cannot act on this notice
    fake.inject_message(STRANGER, "/pending")
    assert "chưa được liên kết" in (await fake.wait_call("sendMessage", STRANGER))["text"]
    for chat in (STRANGER, OTHER_CLERK):
        fake.inject_callback(chat, message, accept)
        refused = await fake.wait_call("answerCallbackQuery", where=lambda p, c=chat: str(p.get("text", "")) and True,
                                       count=1 if chat == STRANGER else 2)  # fmt: skip
        assert "liên kết" in refused["text"] or "không có quyền" in refused["text"]
    await asyncio.sleep(0.3)
    assert codes_at(axis) == ["01"]

    # Tiếp nhận → 03 at the axis, the message edited; a double press changes nothing
    fake.inject_callback(CLERK, message, accept)
    edited = await fake.wait_call("editMessageText", CLERK)
    assert "Trạng thái: Đã tiếp nhận" in edited["text"] and "Trần Thị Văn Thư" in edited["text"]
    assert str(edited["message_id"]) == str(message["message_id"])
    await eventually(lambda: codes_at(axis) == ["01", "03"], what="status 03 at the axis")
    fake.inject_callback(CLERK, message, accept)
    again = await fake.wait_call("answerCallbackQuery", where=lambda p: "trước đó" in str(p.get("text", "")))
    assert again
    # the leader's stale-free view: Phân công appears once the document is received
    fake.inject_callback(LEADER, leader_note["_result"], data_of(leader_note, "Xem tệp"))
    doc = await fake.wait_call("sendDocument", LEADER)
    assert doc["document"].startswith(b"%PDF-")

    fake.inject_message(LEADER, "/pending")
    pending = await fake.wait_call("sendMessage", LEADER, where=lambda p: p["text"].startswith("Văn bản đang chờ bạn"))
    assert "1 văn bản đến cần phân công" in pending["text"]
    item = await fake.wait_call(
        "sendMessage", LEADER, where=lambda p: "45/QĐ-UBND" in p["text"] and has_button("Phân công")(p)
    )
    leader_msg = item["_result"]
    fake.inject_callback(LEADER, leader_msg, data_of(item, "Phân công"))
    choices = await fake.wait_call("editMessageText", LEADER, where=has_button("Phạm Chuyên Viên"))
    fake.inject_callback(LEADER, leader_msg, data_of(choices, "Phạm Chuyên Viên"))
    await eventually(lambda: codes_at(axis) == ["01", "03", "04"], what="status 04 at the axis")
    task = await fake.wait_call("sendMessage", SPECIALIST, where=has_button("Đang xử lý"))
    fake.inject_callback(SPECIALIST, task["_result"], data_of(task, "Hoàn thành"))
    await eventually(lambda: codes_at(axis) == ["01", "03", "04", "06"], what="status 06 at the axis")

    fake.inject_message(CLERK, "/status 45/QĐ-UBND")
    status = await fake.wait_call(
        "sendMessage", CLERK, where=lambda p: "Trạng thái: Hoàn thành" in p["text"] and "Số đến: 1" in p["text"]
    )
    assert "Đã tiếp nhận" in status["text"] and "Mã:" not in status["text"]
    fake.inject_message(OTHER_CLERK, "/status 45/QĐ-UBND")
    other = await fake.wait_call("sendMessage", OTHER_CLERK, where=lambda p: "Không tìm thấy" in p["text"])
    assert "45/QĐ-UBND" in other["text"]


async def test_reject_asks_for_the_reason(bot_bridge, axis, fake_bot_api) -> None:
    fake = fake_bot_api
    await officials(bot_bridge, fake)
    note = await notified(fake, axis, "Về việc kiểm tra công tác văn thư")
    fake.inject_callback(CLERK, note["_result"], data_of(note, "Từ chối"))
    await fake.wait_call("sendMessage", CLERK, where=lambda p: "lý do" in p["text"])
    fake.inject_message(CLERK, "Văn bản gửi nhầm nơi nhận")
    await eventually(lambda: codes_at(axis) == ["01", "02"], what="status 02 at the axis")
    assert statuses_at(axis)[1].description == "Văn bản gửi nhầm nơi nhận"
    # the edit to the rejected state (an earlier refresh may have re-drawn the 01 state first: same text)
    edited = await fake.wait_call("editMessageText", CLERK, where=lambda p: "Từ chối tiếp nhận" in p["text"])
    assert "Tiếp nhận" not in str(edited.get("reply_markup"))
    assert int(edited["message_id"]) == int(note["_result"]["message_id"])  # the notice itself, not a new one


async def test_bot_api_down_notifications_arrive_once_after_it_returns(bot_bridge, axis, fake_bot_api) -> None:
    fake = fake_bot_api
    await officials(bot_bridge, fake)
    await fake.down()
    subject = "Về việc báo cáo tình hình mưa lũ"
    await axis.inject(province_packet(make_official_pdf(), province_document(code="46/QĐ-UBND", subject=subject)))
    await eventually(lambda: codes_at(axis) == ["01"], what="registered while the Bot API is down")
    await eventually(lambda: notify_jobs(bot_bridge, failed=True), within=30, what="notices failing while down")
    await fake.up()
    await fake.wait_call("sendMessage", CLERK, where=lambda p: subject in p["text"], within=30)
    await fake.wait_call("sendMessage", LEADER, where=lambda p: subject in p["text"], within=30)
    await eventually(lambda: notify_jobs(bot_bridge), within=30, what="every notice job done")  # none left to run
    for chat in (CLERK, LEADER):
        assert len([p for p in fake.calls_of("sendMessage", chat) if subject in p["text"]]) == 1


async def notify_jobs(running: RunningBridge, *, failed: bool = False) -> bool:
    """The notices' jobs: with `failed`, whether some have failed; else whether all are done."""
    jobs = [j for j in await api_get(running.api, "/api/outbox?limit=200") if j["kind"] == "notify"]
    if failed:
        return any(j["last_error"] for j in jobs)
    return bool(jobs) and all(j["state"] == "done" for j in jobs)


async def test_clerk_sends_a_document_through_the_bot_and_gets_receipts_in_chat(bot_bridge, axis, fake_bot_api) -> None:
    fake = fake_bot_api
    await officials(bot_bridge, fake)
    caption = (
        "Số: 12/QĐ-UBND\nNgày: 20/11/2026\nLoại: Quyết định\n"
        "Trích yếu: Về việc phê duyệt kế hoạch chuyển đổi số năm 2027\n"
        "Người ký: Nguyễn Văn An\nChức vụ: Chủ tịch\nNơi nhận: 000.00.32.H61"
    )
    fake.inject_message(CLERK, document=("12-QD-UBND.pdf", make_official_pdf()), caption=caption)
    await fake.wait_call("sendMessage", CLERK, where=lambda p: "Đã nhận tệp 12-QD-UBND.pdf" in p["text"])
    # the same pipeline as mail decides (registered, or held by the PDF checks); the receipt comes back here
    receipt = await fake.wait_call(
        "sendMessage", CLERK, where=lambda p: p["text"].startswith("[edoc-bridge]") and "12/QĐ-UBND" in p["text"]
    )
    assert "000.20.32.H61,2026/11/20,12/QĐ-UBND" in receipt["text"]
    # a chuyên viên may not send documents
    fake.inject_message(SPECIALIST, document=("x.pdf", make_official_pdf()), caption=caption)
    await fake.wait_call("sendMessage", SPECIALIST, where=lambda p: "Chỉ văn thư" in p["text"])
