"""Bad input through SMTP: each gets a Vietnamese receipt saying why and a record; a resent mail counts once."""

from __future__ import annotations

import asyncio
import email.policy
import smtplib
from email.message import EmailMessage

from tests.e2e.harness import TAN_HOA, api_get, document_mail, eventually, send_mail
from tests.fixtures.pdfs import make_official_pdf


def text(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()


async def docs(api: str, state: str | None = None) -> list[dict]:
    return [d for d in await api_get(api, "/api/documents") if state is None or d["state"] == state]


async def _two(api: str) -> bool:
    return len(await docs(api)) == 2


async def send_raw(port: int, sender: str, raw: bytes) -> None:
    def _send() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            s.sendmail(sender, ["vanban@edoc-bridge.local"], raw)

    await asyncio.to_thread(_send)


async def test_unknown_sender_is_recorded_but_not_answered(bridge, mail_sink) -> None:
    """No backscatter: a stranger's address may be forged (issue 15; with SPF passing it is answered, see
    tests/integration/delivery/test_answers.py)."""
    stranger = "ai.do@example.com.vn"
    await send_mail(bridge.settings.smtp_in.port, document_mail(make_official_pdf(), sender=stranger))
    [doc] = await eventually(lambda: docs(bridge.api, "rejected"))
    detail = await api_get(bridge.api, f"/api/documents/{doc['id']}")
    assert [r["code"] for r in detail["reasons"]] == ["sender.unknown"] and detail["register"] == []
    await eventually(lambda: _idle(bridge.api), what="nothing left to send")
    assert [m for m in mail_sink.messages if m["To"] == stranger] == []


async def _idle(api: str) -> bool:
    return all(j["state"] in ("done", "dead") for j in await api_get(api, "/api/outbox?limit=200"))


async def test_mail_without_a_pdf_is_refused(bridge, mail_sink) -> None:
    msg = document_mail(make_official_pdf())
    msg.clear_content()
    msg.set_content(
        "Số: 12/QĐ-UBND\nNgày: 20/11/2026\nLoại: Quyết định\nTrích yếu: Thiếu tệp\nNơi nhận: 000.00.32.H61\n"
    )
    await send_mail(bridge.settings.smtp_in.port, msg)
    receipt = await mail_sink.wait_for(lambda m: "Từ chối" in str(m["Subject"]))
    assert "Thư không kèm tệp văn bản định dạng PDF." in text(receipt)


async def test_missing_metadata_is_held_and_the_receipt_names_it(bridge, mail_sink) -> None:
    msg = document_mail(make_official_pdf(), recipients="")
    await send_mail(bridge.settings.smtp_in.port, msg)
    receipt = await mail_sink.wait_for(lambda m: "Tạm giữ" in str(m["Subject"]))
    assert "Nơi nhận" in text(receipt)
    assert await eventually(lambda: docs(bridge.api, "held"))


async def test_malformed_mime_gets_a_verdict_and_nothing_crashes(bridge, mail_sink) -> None:
    raw = (
        f"From: {TAN_HOA}\r\nTo: vanban@edoc-bridge.local\r\nSubject: =?utf-8?B?broken\r\n"
        'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\n'
        'Content-Type: application/pdf; name="x.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x!!!\r\n'
    ).encode()
    await send_raw(bridge.settings.smtp_in.port, TAN_HOA, raw)
    receipt = await mail_sink.wait_for(lambda m: m["To"] == TAN_HOA and "Từ chối" in str(m["Subject"]))
    assert "Lý do" in text(receipt)
    [doc] = await eventually(lambda: docs(bridge.api, "rejected"))
    assert doc["sender"] == "000.20.32.H61"
    # the service is still healthy and takes the next good mail
    await send_mail(bridge.settings.smtp_in.port, document_mail(make_official_pdf()))
    assert await eventually(lambda: _two(bridge.api))


async def test_the_same_mail_resent_is_acknowledged_and_processed_once(bridge, mail_sink) -> None:
    msg = document_mail(make_official_pdf())
    msg["Message-ID"] = "<resent-1@tanhoa.vinhlong.gov.vn>"
    raw = msg.as_bytes(policy=email.policy.SMTP)
    await send_raw(bridge.settings.smtp_in.port, TAN_HOA, raw)
    await send_raw(bridge.settings.smtp_in.port, TAN_HOA, raw)  # a client retrying after a lost 250
    await mail_sink.wait_for(lambda m: m["To"] == TAN_HOA)
    await asyncio.sleep(0.5)
    assert len(await docs(bridge.api)) == 1
    assert len([m for m in mail_sink.messages if m["To"] == TAN_HOA]) == 1


async def test_a_1_mb_hostile_header_is_answered_at_once_and_other_mail_keeps_flowing(bridge, mail_sink) -> None:
    """A From of 1 MB without "@" (the quadratic address search took minutes): SMTP answers within a second, the
    pipeline refuses it, and a good document sent right after is registered meanwhile."""
    import time

    folded = b"\r\n ".join([b"a" * 990] * 1010)  # SMTP lines stop at 1,000 bytes: one header, folded
    hostile = b"From: " + folded + b"\r\nTo: vanban@edoc-bridge.local\r\nSubject: x\r\n\r\nx\r\n"
    started = time.monotonic()
    await send_raw(bridge.settings.smtp_in.port, "ke.gian@example.com", hostile)
    assert time.monotonic() - started < 1.0
    await send_mail(bridge.settings.smtp_in.port, document_mail(make_official_pdf()))
    await eventually(lambda: _two(bridge.api))
    states = sorted(d["state"] for d in await docs(bridge.api))
    assert states[0] != "received" and "rejected" in states, states
    rejected = [d for d in await docs(bridge.api, "rejected")]
    reasons = [(await api_get(bridge.api, f"/api/documents/{d['id']}"))["reasons"] for d in rejected]
    assert any(r["code"] == "mime.no_sender" for rs in reasons for r in rs)
