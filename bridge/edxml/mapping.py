"""Between the domain (core.Document, Agency, StatusCode) and the edXML wire model."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from bridge.edxml.model import (
    Bussiness,
    BussinessDocType,
    Code,
    DocumentType,
    EdocPacket,
    EdxmlError,
    Organization,
    OtherInfo,
    PacketAttachment,
    PromulgationInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPacket,
    TraceHeader,
)
from core.agency import Agency
from core.doc_code import DocCode, InvalidDocCode
from core.document import Attachment, Document, Signer, document_id
from core.organ_id import InvalidOrganId, OrganId
from core.status import StatusCode, StatusEvent
from core.urgency import Urgency

# Values every official sample carries and whose meaning no source documents.
SPHERE_OF_PROMULGATION = "Liên thông văn bản quốc gia"
STEERING_TYPE = 1
_CID_NAMESPACE = uuid.UUID("6f1c1f4e-3b1a-5b8e-9a61-0d6c2a5e1b47")


def organization(a: Agency) -> Organization:
    return Organization(
        organ_id=str(a.organ_id),
        organization_in_charge=a.parent_name or a.name,
        organ_name=a.name,
        organ_add=a.address,
        email=a.mailbox or "",
        telephone=a.telephone,
        fax=a.extra.get("fax", ""),
        website=a.extra.get("website", ""),
    )


def packet_from_document(
    doc: Document,
    sender: Agency,
    recipients: list[Agency],
    attachments: list[tuple[Attachment, bytes]],
    trace_organ: str,
    now: datetime,
    *,
    staff: StaffInfo | None = None,
    doc_type: BussinessDocType = BussinessDocType.NEW,
) -> EdocPacket:
    """The packet that sends `doc` from `sender`; `trace_organ` is the node writing the first trace."""
    if doc.code is None or doc.issued_date is None:
        raise EdxmlError("Văn bản chưa có số, ký hiệu hoặc ngày ban hành nên chưa lập được gói tin edXML")
    if not recipients:
        raise EdxmlError("Văn bản chưa có nơi nhận nên chưa lập được gói tin edXML")
    doc_id = doc.edxml_document_id or document_id(sender.organ_id, doc.issued_date, doc.code)
    return EdocPacket(
        from_=organization(sender),
        to=[organization(r) for r in recipients],
        document_id=doc_id,
        code=Code(doc.code.number, doc.code.notation),
        promulgation_info=PromulgationInfo(doc.place, doc.issued_date),
        document_type=DocumentType(type_name=doc.type_name),
        subject=doc.subject,
        content=doc.subject,  # the samples repeat the trích yếu here
        signer_info=SignerInfo(doc.signer.competence, doc.signer.position, doc.signer.full_name),
        due_date=doc.due_date,
        other_info=OtherInfo(
            priority=int(doc.urgency),
            sphere_of_promulgation=SPHERE_OF_PROMULGATION,
            promulgation_amount=len(recipients),  # one electronic copy per recipient
            page_amount=doc.page_amount,
            appendixes=list(doc.appendixes),
        ),
        steering_type=STEERING_TYPE,
        to_places=[r.name for r in recipients],
        trace_headers=[TraceHeader(trace_organ, now)],
        bussiness=Bussiness(
            doc_type=doc_type,
            reason=doc_type.reason,
            staff_info=staff or StaffInfo(email=sender.mailbox or "", mobile=sender.telephone),
        ),
        attachments=[_attachment(doc_id, i, a, data) for i, (a, data) in enumerate(attachments)],
    )


def _attachment(doc_id: str, index: int, a: Attachment, data: bytes) -> PacketAttachment:
    if hashlib.sha256(data).hexdigest() != a.sha256.lower():
        raise EdxmlError(f"Nội dung tệp «{a.filename}» không khớp mã băm đã lưu, không gửi đi")
    # Stable per document and file, so a resent packet carries the same ids.
    cid = uuid.uuid5(_CID_NAMESPACE, f"{doc_id}/{index}/{a.sha256.lower()}")
    return PacketAttachment(
        content_id=str(cid),
        name=a.filename,
        description=a.description or a.filename,
        content_type=a.content_type,
        data=data,
    )


@dataclass(slots=True)
class DocumentFields:
    """What a received packet says about the document, in core types. `problems` are in Vietnamese."""

    sender: OrganId | None
    sender_raw: str
    sender_name: str
    code: DocCode | None
    code_raw: str
    issued_date: date | None
    place: str
    type_name: str
    subject: str
    signer: Signer
    urgency: Urgency
    due_date: date | None
    page_amount: int | None
    appendixes: list[str]
    recipients: list[OrganId]
    edxml_document_id: str
    business_doc_type: BussinessDocType
    business_reason: str = ""
    replaced_document_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def document_fields_from_packet(p: EdocPacket) -> DocumentFields:
    problems = list(p.problems)
    code_raw = str(p.code) if p.code.code_number or p.code.code_notation else ""
    business = p.bussiness or Bussiness()
    return DocumentFields(
        sender=_organ(p.from_.organ_id, "nơi gửi", problems),
        sender_raw=p.from_.organ_id,
        sender_name=p.from_.organ_name or p.from_.organization_in_charge,
        code=_code(p.code, problems),
        code_raw=code_raw,
        issued_date=p.promulgation_info.promulgation_date,
        place=p.promulgation_info.place,
        type_name=p.document_type.type_name,
        subject=p.subject or p.content,
        signer=Signer(
            full_name=p.signer_info.full_name,
            position=p.signer_info.position,
            competence=p.signer_info.competence,
        ),
        urgency=_urgency(p.other_info.priority, problems),
        due_date=p.due_date,
        page_amount=p.other_info.page_amount,
        appendixes=list(p.other_info.appendixes),
        recipients=[o for o in (_organ(t.organ_id, "nơi nhận", problems) for t in p.to) if o],
        edxml_document_id=p.document_id,
        business_doc_type=business.doc_type,
        business_reason=business.reason,
        replaced_document_ids=[r.document_id for r in business.replacement_info_list if r.document_id],
        problems=problems,
    )


def _organ(raw: str, role: str, problems: list[str]) -> OrganId | None:
    if not raw:
        problems.append(f"Thiếu mã định danh {role}")
        return None
    try:
        return OrganId.parse(raw)
    except InvalidOrganId as exc:
        problems.append(f"Mã định danh {role}: {exc}")
        return None


def _code(code: Code, problems: list[str]) -> DocCode | None:
    if not code.code_number and not code.code_notation:
        problems.append("Thiếu số, ký hiệu văn bản")
        return None
    try:
        return DocCode(code.code_number.strip(), code.code_notation.strip())
    except InvalidDocCode as exc:
        problems.append(str(exc))
        return None


def _urgency(priority: int, problems: list[str]) -> Urgency:
    try:
        return Urgency(priority)
    except ValueError:
        problems.append(f"Độ khẩn (Priority) không hợp lệ: {priority}, coi là «Thường»")
        return Urgency.THUONG


def status_packet(
    doc_document_id: str,
    doc_code: DocCode | str,
    doc_date: date | None,
    sender_organ: OrganId | str,
    reporter: Agency,
    code: StatusCode,
    description: str,
    staff: StaffInfo | str,
    at: datetime,
) -> StatusPacket:
    """The status `reporter` sends about a document that `sender_organ` issued."""
    return StatusPacket(
        from_=organization(reporter),
        response_for=ResponseFor(
            organ_id=str(sender_organ),
            code=str(doc_code),
            promulgation_date=doc_date,
            document_id=doc_document_id,
        ),
        status_code=StatusCode(code),
        staff_info=StaffInfo(staff=staff) if isinstance(staff, str) else staff,
        description=description or StatusCode(code).label,
        timestamp=at,
    )


def status_event_from_packet(p: StatusPacket, received_at: datetime) -> StatusEvent:
    """The core status event a received status packet stands for (actor `axis:<OrganId>`)."""
    return StatusEvent(
        code=p.status_code,
        at=p.timestamp or received_at,
        actor=f"axis:{p.from_.organ_id}",
        description=p.description,
    )
