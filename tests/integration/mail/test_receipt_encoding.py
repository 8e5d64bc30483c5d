"""Every receipt text survives the trip through mail: its subject and body, decoded by the standard library
(modern and legacy APIs), are exactly the Vietnamese text core.receipt wrote — including long subjects that fold
("Từ chối tiếp nhận vănbản" lost the space at every folded encoded word)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime
from email.header import decode_header, make_header

from hypothesis import given, settings
from hypothesis import strategies as st

from core.doc_code import DocCode
from core.document import Direction, Document
from core.inbound import Channel
from core.organ_id import OrganId
from core.ports import OutgoingMail
from core.receipt import (
    ReceiptText,
    accepted_receipt,
    delivery_notice,
    held_receipt,
    recall_notice,
    rejected_receipt,
    reply_confirmation,
    reply_not_understood,
    status_receipt,
)
from core.status import StatusCode, StatusEvent
from core.verdict import Outcome, Reason
from mail.sender import SmtpMailSender, build_message
from tests.fixtures.smtp_sink import SmtpSink

TOKEN = "EDOC-0123456789ABCDEF"
LONG = "Về việc báo cáo tình hình triển khai kế hoạch chuyển đổi số năm 2027 của Ủy ban nhân dân xã Tân Hòa"


def doc(subject: str = LONG) -> Document:
    return Document(
        id="d1", direction=Direction.OUTGOING, channel=Channel.SMTP, received_at=datetime(2026, 12, 1, tzinfo=UTC),
        sender=OrganId("000.20.32.H61"), recipients=[OrganId("000.00.32.H61")], code=DocCode("12", "QĐ-UBND"),
        issued_date=date(2026, 11, 20), type_name="Quyết định", subject=subject,
    )  # fmt: skip


def every_receipt(d: Document) -> list[ReceiptText]:
    event = StatusEvent(StatusCode.REJECTED, datetime(2026, 12, 2, 1, 0, tzinfo=UTC), "", "Gửi nhầm nơi nhận")
    reasons = [Reason("metadata.missing", "Thiếu trích yếu", Outcome.HOLD)]
    return [
        accepted_receipt(d, ["Ủy ban nhân dân huyện Long Hồ"]),
        rejected_receipt(d, reasons),
        rejected_receipt(f"Gửi văn bản {LONG}", reasons),
        held_receipt(d, reasons, token=TOKEN),
        status_receipt(d, "Ủy ban nhân dân huyện Long Hồ", event),
        delivery_notice(d, "Ủy ban nhân dân tỉnh Vĩnh Long", TOKEN),
        recall_notice(d, "Ủy ban nhân dân tỉnh Vĩnh Long", TOKEN, "Nhầm số"),
        reply_confirmation(d, event),
        reply_not_understood(d, "Không đọc được trạng thái", TOKEN),
    ]


def mailed(r: ReceiptText) -> bytes:
    out = OutgoingMail(to=["vanthu@tanhoa.vinhlong.gov.vn"], subject=r.subject, body=r.body)
    return build_message(out, "vanban@edoc-bridge.local").as_bytes()


def assert_decodes_to(raw: bytes, r: ReceiptText) -> None:
    modern = email.message_from_bytes(raw, policy=email.policy.default)
    assert modern["Subject"] == r.subject
    text = modern.get_body(("plain",)).get_content()
    assert text.replace("\r\n", "\n") == r.body + "\n"  # mail text lines end in CRLF
    legacy = email.message_from_bytes(raw, policy=email.policy.compat32)
    unfolded = "".join(str(legacy["Subject"]).splitlines())  # RFC 5322 unfolding: CRLF removed, WSP kept
    assert str(make_header(decode_header(unfolded))) == r.subject
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n")), "header lines fold at 78"


def test_every_receipt_decodes_to_the_intended_vietnamese() -> None:
    receipts = every_receipt(doc())
    assert any(len(r.subject) > 100 for r in receipts), "long subjects must fold"
    for r in receipts:
        assert_decodes_to(mailed(r), r)
    assert "vănbản" not in "".join(email.message_from_bytes(mailed(receipts[1]))["Subject"])


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ Ủ–/-,.",
        min_size=1,
        max_size=200,
    )
)
def test_any_trich_yeu_survives_the_subject_folding(subject: str) -> None:
    r = held_receipt(doc(subject), [], token=TOKEN)
    assert_decodes_to(mailed(r), r)


async def test_a_long_subject_through_a_real_smtp_session(mail_sink: SmtpSink) -> None:
    r = rejected_receipt(doc(), [Reason("pdf.missing", "Thư không kèm tệp PDF", Outcome.REJECT)])
    sender = SmtpMailSender(mail_sink.host, mail_sink.port, from_address="vanban@edoc-bridge.local", timeout=10)
    await sender.send(OutgoingMail(to=["vanthu@tanhoa.vinhlong.gov.vn"], subject=r.subject, body=r.body))
    await mail_sink.wait_for()
    assert_decodes_to(mail_sink.received[0].raw, r)
    assert "Từ chối tiếp nhận văn bản số 12/QĐ-UBND – Về việc báo cáo" in r.subject
