"""SmtpMailSender against the real recording SMTP sink."""

from __future__ import annotations

import socket

import pytest

from core.inbound import Channel
from core.ports import MailSender, MailUnavailable, OutgoingMail
from mail.mime import parse_message
from mail.sender import MailRejected, SmtpMailSender
from tests.fixtures.smtp_sink import SmtpSink

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


def receipt(**changes: object) -> OutgoingMail:
    fields: dict[str, object] = {
        "to": ["vanthu@ubnd-xa-x.test"],
        "subject": "Biên nhận văn bản số 12/QĐ-UBND: đã tiếp nhận",
        "body": "Kính gửi Văn thư UBND xã X,\nVăn bản đã được tiếp nhận và chuyển lên trục liên thông.",
        "headers": {"In-Reply-To": "<goc@ubnd-xa-x.test>", "References": "<goc@ubnd-xa-x.test>"},
        "attachments": [("Văn bản đã ký số.pdf", "application/pdf", PDF)],
        "reply_to": "hotro@cau-noi.test",
    }
    fields.update(changes)
    return OutgoingMail(**fields)  # type: ignore[arg-type]


def sender_for(sink: SmtpSink) -> SmtpMailSender:
    return SmtpMailSender(sink.host, sink.port, from_address="cau-noi@cau-noi.test", timeout=10)


async def test_round_trip_with_vietnamese_subject_and_pdf(mail_sink: SmtpSink) -> None:
    sender: MailSender = sender_for(mail_sink)
    message_id = await sender.send(receipt())
    received = await mail_sink.wait_for(lambda m: m["Message-ID"] == message_id)
    assert message_id.startswith("<") and message_id.endswith("@cau-noi.test>")
    assert received["Subject"] == "Biên nhận văn bản số 12/QĐ-UBND: đã tiếp nhận"
    assert received["From"].addresses[0].display_name == "Cầu nối văn bản điện tử"
    assert received["Auto-Submitted"] == "auto-replied"
    assert received["In-Reply-To"] == "<goc@ubnd-xa-x.test>"
    assert received["Reply-To"] == "hotro@cau-noi.test"
    assert mail_sink.received[0].envelope_from == "cau-noi@cau-noi.test"
    assert mail_sink.received[0].recipients == ["vanthu@ubnd-xa-x.test"]
    parsed = parse_message(mail_sink.received[0].raw, Channel.SMTP)
    assert parsed.body_text.startswith("Kính gửi Văn thư UBND xã X,")
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("Văn bản đã ký số.pdf", "application/pdf", PDF)
    ]
    assert parsed.auto_submitted and parsed.problems == []


async def test_header_injection_is_flattened(mail_sink: SmtpSink) -> None:
    await sender_for(mail_sink).send(receipt(subject="Biên nhận\r\nBcc: ke-gian@x.test", attachments=()))
    received = await mail_sink.wait_for()
    assert received["Subject"] == "Biên nhận  Bcc: ke-gian@x.test"
    assert received["Bcc"] is None
    assert mail_sink.received[0].recipients == ["vanthu@ubnd-xa-x.test"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_sink_down_is_mail_unavailable() -> None:
    sender = SmtpMailSender("127.0.0.1", free_port(), from_address="cau-noi@cau-noi.test", timeout=5)
    with pytest.raises(MailUnavailable):
        await sender.send(receipt())


async def test_temporary_failure_is_mail_unavailable_and_retry_works(mail_sink: SmtpSink) -> None:
    mail_sink.fail_next_stores = 1
    with pytest.raises(MailUnavailable, match="451"):
        await sender_for(mail_sink).send(receipt())
    await sender_for(mail_sink).send(receipt())
    assert len(mail_sink.messages) == 1


async def test_permanent_refusal_is_mail_rejected() -> None:
    async def nobody(address: str) -> bool:
        return False

    sink = await SmtpSink(accepts_recipient=nobody).start()
    try:
        with pytest.raises(MailRejected) as rejected:
            await sender_for(sink).send(receipt())
        assert rejected.value.code == 550
    finally:
        await sink.stop()


async def test_oversize_is_mail_rejected() -> None:
    sink = await SmtpSink(max_size=10_000).start()
    try:
        with pytest.raises(MailRejected) as rejected:
            await sender_for(sink).send(receipt())
        assert rejected.value.code == 552
    finally:
        await sink.stop()
