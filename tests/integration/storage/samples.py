"""Sample records with Vietnamese text for the storage tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from uuid import uuid4

from core.agency import Agency, SenderPolicy
from core.doc_code import DocCode
from core.document import Attachment, Direction, Document, ProcessingState, Signer
from core.inbound import Channel
from core.organ_id import OrganId
from core.urgency import Urgency
from core.verdict import Outcome, Reason, StepRecord
from storage.records import InboundRecord

ICT = timezone(timedelta(hours=7))
UBND_XA = OrganId("000.01.32.H29")
SO_TNMT = OrganId("000.00.12.H29")
VP_UBND = OrganId("000.00.01.H29")


def agency(organ: OrganId = UBND_XA, *emails: str) -> Agency:
    return Agency(
        organ_id=organ,
        name="Ủy ban nhân dân xã Đồng Tâm",
        parent_name="Ủy ban nhân dân huyện Mỹ Đức",
        emails=emails or ("vanthu.dongtam@hanoi.gov.vn", "ubnd.dongtam@hanoi.gov.vn"),
        served=True,
        address="Thôn Hoành, xã Đồng Tâm, huyện Mỹ Đức, Hà Nội",
        telephone="024 3384 1234",
        tax_codes=("MST:0100686209", "MNS:1234567"),
        cert_fingerprints=("ab" * 32,),
        sender_policy=SenderPolicy.DKIM,
        code_qd20="H29.32.01",
        abbreviation="UBND",
        extra={"ghi_chú": "Đơn vị thí điểm"},
    )


def inbound(ref: str | None = None, **kw: object) -> InboundRecord:
    values: dict[str, object] = {
        "channel": Channel.SMTP,
        "source_ref": ref or f"smtp:<{uuid4().hex}@hanoi.gov.vn>:{'c' * 64}",
        "raw_sha256": "c" * 64,
        "size": 123_456,
        "received_at": datetime(2026, 11, 26, 9, 30, tzinfo=ICT),
        "envelope_from": "vanthu.dongtam@hanoi.gov.vn",
        "recipients": ("congvan@bridge.gov.vn", "lưu.trữ@bridge.gov.vn"),
    }
    values.update(kw)
    return InboundRecord(**values)  # type: ignore[arg-type]


def document(doc_id: str | None = None, inbound_id: str | None = None, **kw: object) -> Document:
    values: dict[str, object] = {
        "id": doc_id or uuid4().hex,
        "direction": Direction.OUTGOING,
        "channel": Channel.SMTP,
        "received_at": datetime(2026, 11, 26, 9, 31, 5, 123456, tzinfo=ICT),
        "sender": UBND_XA,
        "recipients": [SO_TNMT, VP_UBND],
        "code": DocCode("05", "QĐ-UBND"),
        "issued_date": date(2026, 11, 25),
        "place": "Đồng Tâm",
        "type_name": "Quyết định",
        "subject": "Về việc phê duyệt kế hoạch sử dụng đất năm 2027",
        "signer": Signer("Nguyễn Văn Đức", "Chủ tịch", "TM. Ủy ban nhân dân"),
        "urgency": Urgency.THUONG_KHAN,
        "due_date": date(2026, 12, 5),
        "page_amount": 3,
        "appendixes": ["Phụ lục I: Danh mục công trình", "Phụ lục II: Bản đồ"],
        "attachments": [
            Attachment("quyết-định-05.pdf", "application/pdf", "a" * 64, 52_311, "Văn bản chính"),
            Attachment("phụ-lục.pdf", "application/pdf", "b" * 64, 10_001),
        ],
        "state": ProcessingState.HELD,
        "reasons": [Reason("signature.untrusted", "Chữ ký số không được tin cậy", Outcome.HOLD)],
        "trail": [
            StepRecord("parse", Outcome.CONTINUE, datetime(2026, 11, 26, 2, 31, tzinfo=UTC), "Đã đọc thư"),
            StepRecord(
                "verify",
                Outcome.HOLD,
                datetime(2026, 11, 26, 2, 32, tzinfo=UTC),
                "Chữ ký chưa được tin cậy",
                {"chữ_ký": 2, "hợp_lệ": False, "ghi chú": ["một", "hai"]},
            ),
        ],
        "inbound_id": inbound_id,
        "reply_to": "vanthu.dongtam@hanoi.gov.vn",
    }
    values.update(kw)
    return Document(**values)  # type: ignore[arg-type]
