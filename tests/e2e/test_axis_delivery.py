"""End to end: the province's packet for a commune → 01 back → delivery mail → the commune's reply → 03/02/15."""

from __future__ import annotations

import asyncio

from bridge.axis.simulator import AxisSimulator
from bridge.edxml import BussinessDocType
from core.reply_keywords import is_token
from tests.e2e.axis_delivery_helpers import (
    TAN_HOA,
    codes_at,
    inbound_states,
    province_document,
    province_packet,
    province_recall_request,
    reply,
    statuses_at,
)
from tests.e2e.harness import RunningBridge, api_get, eventually, send_mail
from tests.fixtures.pdfs import make_official_pdf

PROVINCE = "000.00.00.H61"


async def delivered(bridge: RunningBridge, axis: AxisSimulator, mail_sink, pdf: bytes, **kw):  # type: ignore[no-untyped-def]
    doc = province_document(**kw)
    await axis.inject(province_packet(pdf, doc))
    await eventually(lambda: codes_at(axis) == ["01"], what="status 01 at the axis")
    mail = await mail_sink.wait_for(
        lambda m: doc.subject[:30] in str(m["Subject"]) and "Văn bản đến" in str(m["Subject"])
    )
    return doc, mail


async def test_packet_delivered_then_accepted_by_reply(bridge, axis, mail_sink, db_url) -> None:
    pdf = make_official_pdf()
    _, mail = await delivered(bridge, axis, mail_sink, pdf)

    first = statuses_at(axis)[0]
    assert first.from_.organ_id == TAN_HOA.organ_id.value
    assert first.response_for.document_id == "000.00.00.H61,2026/11/20,45/QĐ-UBND"
    assert mail["To"] == TAN_HOA.emails[0]
    assert is_token(mail["X-Edoc-Token"]) and mail["X-Edoc-Token"] in str(mail["Subject"])
    assert mail["Reply-To"] == "vanban@edoc-bridge.local"
    body = mail.get_body(("plain",)).get_content()
    assert "45/QĐ-UBND" in body and "Ủy ban nhân dân tỉnh Vĩnh Long" in body and "TIẾP NHẬN" in body
    assert [p.get_content() for p in mail.iter_attachments()] == [pdf]

    docs = [d for d in await api_get(bridge.api, "/api/documents") if d["state"] == "registered"]
    detail = await api_get(bridge.api, f"/api/documents/{docs[0]['id']}")
    assert [(e["organ_id"], e["book"], e["number"]) for e in detail["register"]] == [(TAN_HOA.organ_id.value, "den", 1)]

    answer = reply(mail, "Tiếp nhận")
    assert await send_mail(bridge.settings.smtp_in.port, answer) == {}
    await eventually(lambda: codes_at(axis) == ["01", "03"], what="status 03 at the axis")
    confirmation = await mail_sink.wait_for(lambda m: "Đã ghi nhận «Đã tiếp nhận»" in str(m["Subject"]))
    assert confirmation["To"] == TAN_HOA.emails[0]

    await send_mail(bridge.settings.smtp_in.port, answer)  # the same reply again: idempotent
    await eventually(lambda: _all_done(db_url), what="replies processed")
    await asyncio.sleep(0.5)
    assert codes_at(axis) == ["01", "03"]
    assert len([m for m in mail_sink.messages if "Đã ghi nhận" in str(m["Subject"])]) == 1
    detail = await api_get(bridge.api, f"/api/documents/{docs[0]['id']}")
    assert detail["statuses"][TAN_HOA.organ_id.value]["current"] == "03"


async def test_rejection_with_reason_goes_back_as_02(bridge, axis, mail_sink) -> None:
    _, mail = await delivered(bridge, axis, mail_sink, make_official_pdf())
    await send_mail(bridge.settings.smtp_in.port, reply(mail, "TỪ CHỐI: văn bản gửi nhầm nơi nhận"))
    await eventually(lambda: codes_at(axis) == ["01", "02"], what="status 02 at the axis")
    assert statuses_at(axis)[1].description == "văn bản gửi nhầm nơi nhận"


async def test_reject_without_reason_is_not_understood(bridge, axis, mail_sink) -> None:
    _, mail = await delivered(bridge, axis, mail_sink, make_official_pdf())
    await send_mail(bridge.settings.smtp_in.port, reply(mail, "Từ chối"))
    help_mail = await mail_sink.wait_for(lambda m: "Chưa ghi nhận trả lời" in str(m["Subject"]))
    assert "Thiếu lý do từ chối" in help_mail.get_body(("plain",)).get_content()
    assert codes_at(axis) == ["01"]


async def test_recall_request_answered_15(bridge, axis, mail_sink) -> None:
    doc, _ = await delivered(bridge, axis, mail_sink, make_official_pdf())
    await axis.inject(
        province_recall_request(doc, "Ban hành nhầm số"), message_type="status", to=TAN_HOA.organ_id.value
    )
    notice = await mail_sink.wait_for(lambda m: "Đề nghị thu hồi" in str(m["Subject"]))
    assert "Ban hành nhầm số" in notice.get_body(("plain",)).get_content()
    await send_mail(bridge.settings.smtp_in.port, reply(notice, "Đồng ý thu hồi"))
    await eventually(lambda: codes_at(axis) == ["01", "15"], what="status 15 at the axis")
    docs = await api_get(bridge.api, "/api/documents")
    assert [d["state"] for d in docs] == ["recalled"]


async def test_revocation_packet_recalls_automatically(bridge, axis, mail_sink) -> None:
    pdf = make_official_pdf()
    doc, _ = await delivered(bridge, axis, mail_sink, pdf)
    await axis.inject(province_packet(pdf, doc, BussinessDocType.REVOKE))
    await eventually(lambda: codes_at(axis) == ["01", "15"], what="status 15 at the axis")
    notice = await mail_sink.wait_for(lambda m: "Thu hồi văn bản" in str(m["Subject"]))
    assert notice["To"] == TAN_HOA.emails[0]
    assert [d["state"] for d in await api_get(bridge.api, "/api/documents")] == ["recalled"]


async def test_auto_reply_bounce_and_stranger_get_no_answer(bridge, axis, mail_sink, db_url) -> None:
    _, mail = await delivered(bridge, axis, mail_sink, make_official_pdf())
    port = bridge.settings.smtp_in.port
    await send_mail(port, reply(mail, "Tiếp nhận", headers={"Auto-Submitted": "auto-replied"}))
    await send_mail(port, reply(mail, "Tôi đang nghỉ phép", sender="mailer-daemon@tanhoa.vinhlong.gov.vn"))
    await send_mail(port, reply(mail, "Tiếp nhận", sender="ke-gia-mao@example.com"))
    await eventually(lambda: _all_done(db_url), what="replies processed")
    await asyncio.sleep(0.5)
    assert codes_at(axis) == ["01"]
    answered = [
        m for m in mail_sink.messages if "Chưa ghi nhận" in str(m["Subject"]) or "Đã ghi nhận" in str(m["Subject"])
    ]
    assert answered == []


async def _all_done(db_url: str) -> bool:
    states = await inbound_states(db_url)
    return bool(states) and all(s in ("done", "failed") for s in states)
