"""A held document is completed by the person who sent it, on the channel it came in (issue 16): the receipt
names what is missing and carries a Reply-To the bridge serves plus a tracking token; the reply completes the
same document, which is registered, relayed and receipted — never a new document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.e2e.clerk_helpers import body_of, reply_to
from tests.e2e.harness import (
    TAN_HOA,
    RunningBridge,
    api_get,
    document_mail,
    eventually,
    send_mail,
    settings_for,
    start_bridge,
)
from tests.fixtures.clock import MovableClock
from tests.fixtures.pdfs import make_official_pdf

HUYEN = "000.00.32.H61"


async def documents(api: str) -> list[dict]:
    return list(await api_get(api, "/api/documents"))


async def test_unknown_recipient_is_held_with_a_suggestion_and_the_reply_completes_it(bridge, axis, mail_sink) -> None:  # type: ignore[no-untyped-def]
    mail = document_mail(make_official_pdf(), recipients="UBND huyện Long Hồ")
    assert await send_mail(bridge.settings.smtp_in.port, mail) == {}

    held = await mail_sink.wait_for(lambda m: "Tạm giữ" in str(m["Subject"]))
    body = body_of(held)
    assert "Có phải: Ủy ban nhân dân huyện Long Hồ (mã 000.00.32.H61)?" in body
    assert "Nơi nhận: 000.00.32.H61" in body  # the example line to send back
    assert "Số, ký hiệu: 12/QĐ-UBND" in body and "Tệp nhận được: 12-QD-UBND.pdf" in body
    assert "văn thư sẽ xử lý" not in body.lower() and "Trả lời thư này" in body
    assert held["Reply-To"] == "vanban@edoc-bridge.local"  # an address the bridge serves
    token = str(held["X-Edoc-Token"])
    assert token.startswith("EDOC-") and token in str(held["Subject"]) and token in str(held["Message-ID"])
    [doc] = await documents(bridge.api)
    assert doc["state"] == "held"

    assert await send_mail(bridge.settings.smtp_in.port, reply_to(held, "Nơi nhận: 000.00.32.H61")) == {}

    accepted = await mail_sink.wait_for(lambda m: "Đã tiếp nhận và chuyển" in str(m["Subject"]), timeout=20)
    assert "Ủy ban nhân dân huyện Long Hồ" in body_of(accepted)
    packets = await eventually(lambda: axis.packets_for(HUYEN), what="packet at the axis")
    assert len(packets) == 1
    docs = await documents(bridge.api)
    assert [(d["id"], d["state"]) for d in docs] == [(doc["id"], "registered")]  # the same document, no new one
    detail = await api_get(bridge.api, f"/api/documents/{doc['id']}")
    assert HUYEN in detail["statuses"]


async def test_a_reply_that_completes_nothing_is_answered_once_and_never_a_document(bridge, mail_sink) -> None:  # type: ignore[no-untyped-def]
    mail = document_mail(make_official_pdf(), recipients="")
    assert await send_mail(bridge.settings.smtp_in.port, mail) == {}
    held = await mail_sink.wait_for(lambda m: "Tạm giữ" in str(m["Subject"]))
    assert "Còn thiếu thông tin: Nơi nhận." in body_of(held)

    thanks = reply_to(held, "Cảm ơn, chúng tôi sẽ bổ sung sau.")
    assert await send_mail(bridge.settings.smtp_in.port, thanks) == {}
    answer = await mail_sink.wait_for(lambda m: "Chưa có thông tin bổ sung" in str(m["Subject"]))
    assert "không được đăng ký như một văn bản" in body_of(answer)
    assert answer["To"] == "vanthu@tanhoa.vinhlong.gov.vn"
    docs = await documents(bridge.api)
    assert [d["state"] for d in docs] == ["held"]  # still one document: the reply is not one
    report = await api_get(bridge.api, "/api/reports/period?from=2000-01-01&to=2100-12-31")
    # the 6-monthly report sees one item (held, not yet a registered document), never the reply
    assert (report["received_items"], report["held"], report["total"]["documents"], report["non_documents"]) == (
        1,
        1,
        0,
        0,
    )


async def test_a_docx_is_refused_with_the_typed_number_and_what_to_do(bridge, mail_sink) -> None:  # type: ignore[no-untyped-def]
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = TAN_HOA, "vanban@edoc-bridge.local", "Gửi văn bản 12/QĐ-UBND"
    mail.set_content("Số: 12/QĐ-UBND\nNgày: 20/11/2026\nLoại: Quyết định\nTrích yếu: Về việc thử\n")
    docx = "vnd.openxmlformats-officedocument.wordprocessingml.document"
    mail.add_attachment(b"PK\x03\x04 docx", maintype="application", subtype=docx, filename="Quyết định 12.docx")
    assert await send_mail(bridge.settings.smtp_in.port, mail) == {}
    refused = await mail_sink.wait_for(lambda m: "Từ chối" in str(m["Subject"]))
    body = body_of(refused)
    assert "Số, ký hiệu: 12/QĐ-UBND" in body and "(chưa có)" not in body.split("Trích yếu")[0]
    assert "«Quyết định 12.docx» không phải văn bản định dạng PDF" in body
    assert "Chuyển tệp sang định dạng PDF, ký số" in body


@pytest.fixture
async def clocked(db_url: str, tmp_path: Path, axis, mail_sink) -> AsyncIterator[tuple[RunningBridge, MovableClock]]:  # type: ignore[no-untyped-def]
    clock = MovableClock(datetime.now(UTC))
    settings = settings_for(db_url, tmp_path, axis.base_url, mail_sink.port)
    settings.held.check_interval = 0.2
    running = await start_bridge(settings, clock=clock)
    yield running, clock
    await running.shutdown()


async def test_held_then_reminded_then_expired_with_a_receipt_that_says_so(clocked, mail_sink) -> None:  # type: ignore[no-untyped-def]
    bridge, clock = clocked
    assert await send_mail(bridge.settings.smtp_in.port, document_mail(make_official_pdf(), recipients="")) == {}
    held = await mail_sink.wait_for(lambda m: "Tạm giữ" in str(m["Subject"]), timeout=60)
    assert "sẽ bị hủy lúc" in body_of(held)
    # time jumps only once the mail jobs are finished: a jump of days would end a running job's lease (leases
    # are on the same clock) and the job would be taken over and its mail sent again (same Message-ID)
    await eventually(lambda: mail_jobs_done(bridge.api), within=60, what="the held receipt's job done")

    clock.advance(timedelta(hours=49))
    reminder = await mail_sink.wait_for(lambda m: "Nhắc bổ sung" in str(m["Subject"]), timeout=60)
    assert str(held["X-Edoc-Token"]) in str(reminder["Subject"]) and reminder["Reply-To"] == "vanban@edoc-bridge.local"
    assert "Còn thiếu" in body_of(held) and "Nơi nhận" in body_of(reminder)
    await eventually(lambda: mail_jobs_done(bridge.api), within=60, what="the reminder's job done")

    clock.advance(timedelta(days=14))
    expired = await mail_sink.wait_for(lambda m: "Đã hủy văn bản tạm giữ" in str(m["Subject"]), timeout=60)
    assert "KHÔNG được chuyển tới nơi nhận nào" in body_of(expired)
    [doc] = await documents(bridge.api)
    assert doc["state"] == "rejected"
    await eventually(lambda: mail_jobs_done(bridge.api), within=60, what="the expiry receipt's job done")
    # reminded once: one reminder mail, and each mail sent once
    reminders = [str(m["Message-ID"]) for m in mail_sink.messages if "Nhắc bổ sung" in str(m["Subject"])]
    assert len(reminders) == 1
    assert len({str(m["Message-ID"]) for m in mail_sink.messages}) == len(mail_sink.messages) == 3


async def mail_jobs_done(api: str) -> bool:
    jobs = await api_get(api, "/api/outbox?limit=200")
    mail = [j for j in jobs if j["kind"] in ("receipt", "agency_mail")]
    return bool(mail) and all(j["state"] == "done" for j in mail)
