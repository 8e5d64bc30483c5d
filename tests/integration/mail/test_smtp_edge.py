"""The SMTP edge against real clients (smtplib in a thread, aiosmtplib in the loop)."""

from __future__ import annotations

import asyncio
import os
import smtplib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.policy import SMTP

import aiosmtplib
import pytest

from core.inbound import Channel
from mail.mime import parse_message
from mail.smtp_server import SmtpEdge, StoreResult, start_smtp, stop_smtp

SERVED = "vanthu@cau-noi.test"


class RecordingSink:
    """Stores in memory; can be told to hold each store until released, or to fail."""

    def __init__(self) -> None:
        self.stored: list[tuple[bytes, str, list[str], str]] = []
        self.events: list[str] = []
        self.hold: asyncio.Event | None = None
        self.started = asyncio.Event()
        self.failures = 0
        self.seen_ids: dict[str, str] = {}

    async def store(self, raw: bytes, *, envelope_from: str, recipients: list[str], peer: str) -> StoreResult:
        self.events.append("store started")
        self.started.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.failures:
            self.failures -= 1
            raise OSError("disk full")
        message_id = parse_message(raw, Channel.SMTP).message_id
        if message_id in self.seen_ids:
            return StoreResult(duplicate=True, id=self.seen_ids[message_id])
        self.stored.append((raw, envelope_from, recipients, peer))
        self.seen_ids[message_id] = str(len(self.stored))
        self.events.append("stored")
        return StoreResult(duplicate=False, id=self.seen_ids[message_id])


class Edge:
    def __init__(self, sink: RecordingSink, server: asyncio.Server) -> None:
        self.sink = sink
        self.port = server.sockets[0].getsockname()[1]


async def served(address: str) -> bool:
    if address == "boom@cau-noi.test":
        raise RuntimeError("registry down")
    return address.lower() in {SERVED, "văn.thư@cau-noi.test"}


MAX_SIZE = 8 * 1024 * 1024


@pytest.fixture
async def edge() -> AsyncIterator[Edge]:
    sink = RecordingSink()
    smtp_edge = SmtpEdge(sink, accepts_recipient=served, max_size=MAX_SIZE)
    server = await start_smtp(smtp_edge, "127.0.0.1", 0, hostname="mx.cau-noi.test")
    try:
        yield Edge(sink, server)
    finally:
        await stop_smtp(server, smtp_edge)


def mail(subject: str = "Công văn số 12", message_id: str = "<m1@so.test>", pdf: bytes = b"%PDF-1.4\n") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Văn thư Sở <vt@so.test>"
    msg["To"] = SERVED
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content("Kính gửi,\nXin gửi công văn.")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="Công văn 12.pdf")
    return msg


def smtplib_send(port: int, msg: EmailMessage, to: str = SERVED) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.send_message(msg, from_addr="vt@so.test", to_addrs=[to])


def raw_transaction(port: int, data: bytes, *, size: int | None = None) -> list[tuple[int, bytes]]:
    """MAIL/RCPT/DATA by hand (no automatic SIZE=), then a second small message on the same connection."""
    replies = []
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        replies.append(client.mail("vt@so.test", [f"SIZE={size}"] if size else []))
        if replies[-1][0] == 250:
            replies.append(client.rcpt(SERVED))
            replies.append(client.data(data))
        client.rset()
        replies.append(client.mail("vt@so.test"))
        replies.append(client.rcpt(SERVED))
        replies.append(client.data(mail(message_id="<after@so.test>").as_bytes(policy=SMTP)))
    return replies


async def test_250_is_sent_only_after_the_sink_stored(edge: Edge) -> None:
    edge.sink.hold = asyncio.Event()
    client = asyncio.create_task(asyncio.to_thread(smtplib_send, edge.port, mail()))
    await asyncio.wait_for(edge.sink.started.wait(), 10)
    await asyncio.sleep(0.3)  # room for a premature reply to reach the client
    assert not client.done()
    edge.sink.hold.set()
    assert await asyncio.wait_for(client, 10) == {}
    edge.sink.events.append("client got 250")
    assert edge.sink.events == ["store started", "stored", "client got 250"]
    raw, envelope_from, recipients, peer = edge.sink.stored[0]
    assert (envelope_from, recipients, peer) == ("vt@so.test", [SERVED], "127.0.0.1")
    assert parse_message(raw, Channel.SMTP).subject == "Công văn số 12"


async def test_sink_failure_answers_451_and_the_retry_is_stored(edge: Edge) -> None:
    edge.sink.failures = 1
    with pytest.raises(smtplib.SMTPDataError) as failed:
        await asyncio.to_thread(smtplib_send, edge.port, mail())
    assert failed.value.smtp_code == 451
    assert failed.value.smtp_error.startswith(b"4.3.0 ")
    assert edge.sink.stored == []
    assert await asyncio.to_thread(smtplib_send, edge.port, mail()) == {}
    assert len(edge.sink.stored) == 1


async def test_aiosmtplib_sees_451_as_temporary(edge: Edge) -> None:
    edge.sink.failures = 1
    with pytest.raises(aiosmtplib.SMTPDataError) as failed:
        await aiosmtplib.send(mail(), hostname="127.0.0.1", port=edge.port, timeout=30)
    assert 400 <= failed.value.code < 500


async def test_unknown_recipient_gets_550_5_1_1_in_ascii(edge: Edge) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await asyncio.to_thread(smtplib_send, edge.port, mail(), "nobody@cau-noi.test")
    code, text = refused.value.recipients["nobody@cau-noi.test"]
    assert code == 550
    assert text.startswith(b"5.1.1 ")
    assert text.decode("ascii").isascii() and "Dia chi nhan" in text.decode("ascii")
    assert edge.sink.stored == []


async def test_recipient_check_failure_is_temporary(edge: Edge) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await asyncio.to_thread(smtplib_send, edge.port, mail(), "boom@cau-noi.test")
    code, text = refused.value.recipients["boom@cau-noi.test"]
    assert (code, text[:6]) == (451, b"4.3.0 ")


async def test_declared_oversize_gets_552_at_mail_from(edge: Edge) -> None:
    replies = await asyncio.to_thread(raw_transaction, edge.port, b"x", size=MAX_SIZE + 1)
    assert replies[0][0] == 552 and replies[0][1].startswith(b"5.3.4 ")
    assert replies[-1][0] == 250  # the connection stays usable
    assert len(edge.sink.stored) == 1


async def test_undeclared_oversize_gets_552_after_data_and_the_session_goes_on(edge: Edge) -> None:
    big = mail(pdf=os.urandom(MAX_SIZE)).as_bytes(policy=SMTP)  # CRLF: smtplib.data does not fix bytes
    replies = await asyncio.to_thread(raw_transaction, edge.port, big)
    assert [code for code, _ in replies] == [250, 250, 552, 250, 250, 250]
    assert replies[2][1].startswith(b"5.3.4 ")
    assert len(edge.sink.stored) == 1
    assert parse_message(edge.sink.stored[0][0], Channel.SMTP).message_id == "<after@so.test>"


async def test_duplicate_gets_250(edge: Edge) -> None:
    first = await aiosmtplib.send(mail(), hostname="127.0.0.1", port=edge.port, timeout=30)
    again = await aiosmtplib.send(mail(), hostname="127.0.0.1", port=edge.port, timeout=30)
    assert first[1].startswith("2.0.0 ") and again[1].startswith("2.0.0 ")
    assert "truoc do" in again[1]
    assert len(edge.sink.stored) == 1


async def test_5_mb_pdf_arrives_byte_identical(edge: Edge) -> None:
    pdf = b"%PDF-1.7\n" + os.urandom(5 * 1024 * 1024) + b"\n%%EOF\n"
    await aiosmtplib.send(mail(pdf=pdf), hostname="127.0.0.1", port=edge.port, timeout=60)
    parsed = parse_message(edge.sink.stored[0][0], Channel.SMTP)
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("Công văn 12.pdf", "application/pdf")]
    assert parsed.attachments[0].data == pdf


async def test_null_sender_and_smtputf8_vietnamese_address(edge: Edge) -> None:
    msg = mail()
    del msg["To"]
    msg["To"] = "văn.thư@cau-noi.test"
    await aiosmtplib.send(msg, sender="", recipients=["văn.thư@cau-noi.test"], hostname="127.0.0.1",
                          port=edge.port, timeout=30)  # fmt: skip
    raw, envelope_from, recipients, _ = edge.sink.stored[0]
    assert (envelope_from, recipients) == ("", ["văn.thư@cau-noi.test"])
    assert parse_message(raw, Channel.SMTP, envelope_from=envelope_from).auto_submitted
