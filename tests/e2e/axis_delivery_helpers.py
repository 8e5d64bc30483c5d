"""Helpers for the axis → agency delivery e2e tests: the province's packets, replies, what reached the axis."""

from __future__ import annotations

import email.policy
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

from bridge.axis.simulator import AxisSimulator
from bridge.edxml import BussinessDocType, build_edoc, build_status, parse_status
from bridge.edxml.mapping import packet_from_document, status_packet
from core.agency import Agency
from core.doc_code import DocCode
from core.document import Attachment, Direction, Document, Signer
from core.inbound import Channel
from core.organ_id import OrganId
from core.status import StatusCode
from storage.engine import make_engine
from storage.uow import SqlUnitOfWork

PROVINCE_UBND = Agency(
    OrganId.parse("000.00.00.H61"), "Ủy ban nhân dân tỉnh Vĩnh Long", emails=("ubnd@vinhlong.gov.vn",)
)
TAN_HOA_ORGAN = "000.20.32.H61"
TAN_HOA = Agency(OrganId.parse(TAN_HOA_ORGAN), "Ủy ban nhân dân xã Tân Hòa", emails=("vanthu@tanhoa.vinhlong.gov.vn",))


def province_document(
    code: str = "45/QĐ-UBND", subject: str = "Về việc giao chỉ tiêu chuyển đổi số năm 2027"
) -> Document:
    return Document(
        id="x",
        direction=Direction.OUTGOING,
        channel=Channel.AXIS,
        received_at=datetime.now(UTC),
        sender=PROVINCE_UBND.organ_id,
        recipients=[TAN_HOA.organ_id],
        code=DocCode.parse(code),
        issued_date=date(2026, 11, 20),
        place="Vĩnh Long",
        type_name="Quyết định",
        subject=subject,
        signer=Signer("Nguyễn Văn Bình", "Chủ tịch", "TM. ỦY BAN NHÂN DÂN"),
    )


def province_packet(pdf: bytes, doc: Document, kind: BussinessDocType = BussinessDocType.NEW) -> bytes:
    import hashlib

    doc.attachments = [Attachment("45-QD-UBND.pdf", "application/pdf", hashlib.sha256(pdf).hexdigest(), len(pdf))]
    packet = packet_from_document(
        doc, PROVINCE_UBND, [TAN_HOA], [(doc.attachments[0], pdf)], "000.00.00.H61", datetime.now(UTC), doc_type=kind
    )
    return build_edoc(packet)


def province_recall_request(doc: Document, reason: str) -> bytes:
    status = status_packet(
        f"{doc.sender},{doc.issued_date:%Y/%m/%d},{doc.code}",
        str(doc.code),
        doc.issued_date,
        str(doc.sender),
        PROVINCE_UBND,
        StatusCode.RECALL_REQUESTED,
        reason,
        "Văn thư tỉnh",
        datetime.now(UTC),
    )
    return build_status(status)


def statuses_at(axis: AxisSimulator, organ: str = "000.00.00.H61") -> list[Any]:
    """Status packets that reached `organ` at the axis, parsed."""
    return [parse_status(p.body) for p in axis.packets_for(organ) if p.message_type == "status"]


def codes_at(axis: AxisSimulator, organ: str = "000.00.00.H61") -> list[str]:
    return [s.status_code.value for s in statuses_at(axis, organ)]


def reply(
    delivery: EmailMessage, text: str, *, sender: str = TAN_HOA.emails[0], headers: dict[str, str] | None = None
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, str(delivery["Reply-To"])
    msg["Subject"] = "Re: " + str(delivery["Subject"])
    msg["In-Reply-To"] = str(delivery["Message-ID"])
    for name, value in (headers or {}).items():
        msg[name] = value
    quoted = "\n".join("> " + line for line in delivery.get_body(("plain",)).get_content().splitlines())
    msg.set_content(f"{text}\n\nVào ngày hôm qua, Cầu nối đã viết:\n{quoted}\n")
    return msg


def as_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=email.policy.SMTP)


async def inbound_states(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    try:
        async with SqlUnitOfWork(engine) as uow:
            return [r.state.value for r in await uow.inbound.list(limit=1000)]
    finally:
        await engine.dispose()
