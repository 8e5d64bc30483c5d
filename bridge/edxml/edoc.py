"""Document packets: build in the exact layout of the official samples, parse whatever senders send."""

from __future__ import annotations

from bridge.edxml import attachments as att
from bridge.edxml._common import (
    ORG_ORDER_EDOC,
    RESPONSE_FOR_ORDER_EDOC,
    STAFF_ORDER_EDOC,
    envelope,
    read_org,
    read_response_for,
    read_staff,
    write_org,
    write_response_for,
    write_staff,
)
from bridge.edxml._reader import (
    DEFAULT_MAX_BYTES,
    Element,
    Reader,
    descendants,
    first,
    is_empty,
    kid,
    kid_any,
    kids,
    parse_xml,
    text,
    text_of,
)
from bridge.edxml._text import format_date, format_timestamp, parse_bool, parse_date, parse_int, parse_timestamp
from bridge.edxml._writer import Node, P, el, leaf, leaves, serialize
from bridge.edxml.model import (
    NAMESPACE,
    Bussiness,
    BussinessDocType,
    BussinessDocumentInfo,
    Code,
    DocumentType,
    EdocPacket,
    EdxmlError,
    OtherInfo,
    PacketAttachment,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    SignerInfo,
    TraceHeader,
    guarded,
)

# ---------------------------------------------------------------- build


def build_edoc(p: EdocPacket) -> bytes:
    _check_buildable(p)
    header = el(P + "edXMLHeader", _message_header(p), _trace_header_list(p))
    manifest = el(
        P + "edXMLManifest",
        *(_reference(a) for a in p.attachments),
        attrs=(("version", "1.0"),),
    )
    body = el(P + "edXMLBody", manifest)
    encoded = el("AttachmentEncoded", *(_attachment(a) for a in p.attachments)) if p.attachments else None
    return serialize(envelope(header, body, encoded))


def _check_buildable(p: EdocPacket) -> None:
    missing = [
        label
        for label, ok in (
            ("From/OrganId", p.from_.organ_id),
            ("To", p.to),
            ("DocumentId", p.document_id),
            ("PromulgationDate", p.promulgation_info.promulgation_date),
        )
        if not ok
    ]
    if missing:
        raise EdxmlError(f"Không lập được gói tin edXML: thiếu {', '.join(missing)}")
    ids = [a.content_id for a in p.attachments]
    if any(not i.strip() for i in ids) or len(set(ids)) != len(ids):
        raise EdxmlError("Không lập được gói tin edXML: ContentId của tệp đính kèm trống hoặc trùng nhau")


def _message_header(p: EdocPacket) -> Node:
    o, pi, dt, s = p.other_info, p.promulgation_info, p.document_type, p.signer_info
    return el(
        P + "MessageHeader",
        write_org("From", p.from_, ORG_ORDER_EDOC),
        *(write_org("To", t, ORG_ORDER_EDOC) for t in p.to),
        leaf(P + "DocumentId", p.document_id),
        el(P + "Code", leaf(P + "CodeNumber", p.code.code_number), leaf(P + "CodeNotation", p.code.code_notation)),
        el(
            P + "PromulgationInfo",
            leaf(P + "Place", pi.place),
            leaf(P + "PromulgationDate", format_date(pi.promulgation_date)) if pi.promulgation_date else None,
        ),
        el(
            P + "DocumentType",
            leaf(P + "Type", dt.type),
            leaf(P + "TypeDetail", dt.type_detail),
            leaf(P + "TypeName", dt.type_name),
        ),
        leaf(P + "Subject", p.subject),
        leaf(P + "Content", p.content),
        el(
            P + "SignerInfo",
            leaf(P + "Competence", s.competence),
            leaf(P + "Position", s.position),
            leaf(P + "FullName", s.full_name),
        ),
        leaf(P + "DueDate", format_date(p.due_date)) if p.due_date else None,
        el(
            P + "OtherInfo",
            leaf(P + "Priority", o.priority),
            leaf(P + "SphereOfPromulgation", o.sphere_of_promulgation),
            leaf(P + "TyperNotation", o.typer_notation),
            _opt_int("PromulgationAmount", o.promulgation_amount),
            _opt_int("PageAmount", o.page_amount),
            leaf(P + "Direction", "true" if o.direction else "false"),
            el(P + "Appendixes", *leaves(P + "Appendix", o.appendixes)),
        ),
        *(write_response_for(r, RESPONSE_FOR_ORDER_EDOC) for r in p.response_for),
        _opt_int("SteeringType", p.steering_type),
        el(P + "ToPlaces", *leaves(P + "Place", p.to_places)),
    )


def _opt_int(tag: str, value: int | None) -> Node | None:
    return None if value is None else leaf(P + tag, value)


def _trace_header_list(p: EdocPacket) -> Node:
    traces = [
        el(
            P + "TraceHeader",
            leaf(P + "OrganId", t.organ_id),
            leaf(P + "Timestamp", format_timestamp(t.timestamp)) if t.timestamp else None,
        )
        for t in p.trace_headers
    ]
    return el(P + "TraceHeaderList", *traces, _bussiness(p.bussiness) if p.bussiness else None)


def _bussiness(b: Bussiness) -> Node:
    info = b.document_info
    return el(
        P + "Bussiness",
        leaf(P + "DocumentId", b.document_id) if b.document_id else None,
        leaf(P + "BussinessDocType", int(b.doc_type)),
        leaf(P + "BussinessDocReason", b.reason),
        leaf(P + "Paper", b.paper),
        _document_info(info) if info else None,
        _replacements(b.replacement_info_list) if b.replacement_info_list else None,
        write_staff(b.staff_info, STAFF_ORDER_EDOC),
    )


def _document_info(info: BussinessDocumentInfo) -> Node:
    receivers = [
        el(P + "Receiver", leaf(P + "OrganId", r.organ_id), leaf(P + "ReceiverType", r.receiver_type))
        for r in info.receivers
    ]
    return el(
        P + "BussinessDocumentInfo",
        leaf(P + "DocumentInfo", info.document_info),
        leaf(P + "DocumentReceiver", info.document_receiver),
        el(P + "ReceiverList", *receivers),
    )


def _replacements(items: list[ReplacementInfo]) -> Node:
    return el(
        P + "ReplacementInfoList",
        *(
            el(
                P + "ReplacementInfo",
                leaf(P + "DocumentId", r.document_id),
                el(P + "OrganIdList", *leaves(P + "OrganId", r.organ_ids)),
            )
            for r in items
        ),
    )


def _reference(a: PacketAttachment) -> Node:
    return el(
        P + "Reference",
        leaf(P + "ContentId", f"cid:{a.content_id}"),
        leaf(P + "ContentType", att.ZIP),
        leaf(P + "Description", a.description),
        leaf(P + "AttachmentName", a.name),
    )


def _attachment(a: PacketAttachment) -> Node:
    return el(
        "Attachment",
        leaf("ContentId", f"cid:{a.content_id}"),
        leaf("AttachmentName", a.name),
        leaf("Description", a.description),
        leaf("ContentType", att.ZIP),
        leaf(
            P + "ContentTransferEncoded",
            att.encode(a.name, a.data),
            attrs=(("xmlns:edXML", NAMESPACE),),
            verbatim=True,
        ),
    )


# ---------------------------------------------------------------- parse


@guarded
def parse_edoc(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_unzipped: int = att.DEFAULT_MAX_UNZIPPED
) -> EdocPacket:
    return read_edoc(parse_xml(data, max_bytes), max_unzipped)


def read_edoc(root: Element, max_unzipped: int = att.DEFAULT_MAX_UNZIPPED) -> EdocPacket:
    header = first(root, "MessageHeader")
    if header is None:
        if first(root, "Status") is not None:
            raise EdxmlError("Đây là gói tin trạng thái, không phải gói tin văn bản")
        raise EdxmlError("Gói tin edXML không có phần MessageHeader")
    if kid(header, "StatusCode") is not None:
        raise EdxmlError("Đây là gói tin trạng thái, không phải gói tin văn bản")
    r = Reader()
    p = _read_header(header, r)
    trace_list = first(root, "TraceHeaderList")
    p.trace_headers = [
        TraceHeader(text(t, "OrganId"), r.typed(t, "Timestamp", parse_timestamp, "Thời điểm chuyển"))
        for t in kids(trace_list, "TraceHeader")
    ]
    business = kid_any(trace_list, "Bussiness", "Business")
    p.bussiness = _read_bussiness(business, r) if business is not None else None
    p.attachments = _read_attachments(root, max_unzipped)
    p.problems = r.problems
    return p


def _read_header(h: Element, r: Reader) -> EdocPacket:
    code, pinfo, dtype, signer, other = (
        kid(h, n) for n in ("Code", "PromulgationInfo", "DocumentType", "SignerInfo", "OtherInfo")
    )
    return EdocPacket(
        from_=read_org(kid(h, "From")),
        to=[read_org(t) for t in kids(h, "To")],
        document_id=text(h, "DocumentId"),
        code=Code(text(code, "CodeNumber"), text(code, "CodeNotation")),
        promulgation_info=PromulgationInfo(
            text(pinfo, "Place"), r.typed(pinfo, "PromulgationDate", parse_date, "Ngày ban hành")
        ),
        document_type=DocumentType(
            _int_or(r.typed(dtype, "Type", parse_int, "Loại văn bản"), 1),
            _int_or(r.typed(dtype, "TypeDetail", parse_int, "Chi tiết loại văn bản"), 0),
            text(dtype, "TypeName"),
        ),
        subject=text(h, "Subject"),
        content=text(h, "Content"),
        signer_info=SignerInfo(text(signer, "Competence"), text(signer, "Position"), text(signer, "FullName")),
        due_date=r.typed(h, "DueDate", parse_date, "Hạn xử lý"),
        other_info=_read_other_info(other, r),
        response_for=[read_response_for(e, r) for e in kids(h, "ResponseFor") if not is_empty(e)],
        steering_type=r.typed(h, "SteeringType", parse_int, "Loại chỉ đạo"),
        to_places=[t for t in (text_of(e) for e in kids(kid(h, "ToPlaces"), "Place")) if t],
    )


def _int_or(value: int | None, default: int) -> int:
    return default if value is None else value


def _read_other_info(o: Element | None, r: Reader) -> OtherInfo:
    return OtherInfo(
        priority=_int_or(r.typed(o, "Priority", parse_int, "Độ khẩn"), 0),
        sphere_of_promulgation=text(o, "SphereOfPromulgation"),
        typer_notation=text(o, "TyperNotation"),
        promulgation_amount=r.typed(o, "PromulgationAmount", parse_int, "Số lượng bản phát hành"),
        page_amount=r.typed(o, "PageAmount", parse_int, "Số trang"),
        direction=bool(r.typed(o, "Direction", parse_bool, "Direction")),
        appendixes=[t for t in (text_of(e) for e in kids(kid(o, "Appendixes"), "Appendix")) if t],
    )


def _read_bussiness(b: Element, r: Reader) -> Bussiness:
    raw_type = text(b, "BussinessDocType") or text(b, "BusinessDocType")
    value = parse_int(raw_type) if raw_type else 0
    try:
        doc_type = BussinessDocType(value)
    except ValueError:
        raise EdxmlError(f"Loại nghiệp vụ (BussinessDocType) không hợp lệ: {raw_type[:40]!r}") from None
    info = kid_any(b, "BussinessDocumentInfo", "BusinessDocumentInfo")
    return Bussiness(
        doc_type=doc_type,
        reason=text(b, "BussinessDocReason") or text(b, "BusinessDocReason"),
        paper=_int_or(r.typed(b, "Paper", parse_int, "Paper"), 0),
        document_id=text(b, "DocumentId"),
        document_info=_read_document_info(info, r) if info is not None else None,
        replacement_info_list=[
            ReplacementInfo(text(e, "DocumentId"), [text_of(o) for o in kids(kid(e, "OrganIdList"), "OrganId")])
            for e in kids(kid(b, "ReplacementInfoList"), "ReplacementInfo")
        ],
        staff_info=read_staff(kid(b, "StaffInfo")),
    )


def _read_document_info(e: Element, r: Reader) -> BussinessDocumentInfo:
    return BussinessDocumentInfo(
        document_info=_int_or(r.typed(e, "DocumentInfo", parse_int, "DocumentInfo"), 0),
        document_receiver=_int_or(r.typed(e, "DocumentReceiver", parse_int, "DocumentReceiver"), 0),
        receivers=[
            Receiver(text(x, "OrganId"), _int_or(r.typed(x, "ReceiverType", parse_int, "ReceiverType"), 0))
            for x in kids(kid(e, "ReceiverList"), "Receiver")
        ],
    )


def _cid(value: str) -> str:
    v = value.strip().strip("<>").strip()
    return v[4:].strip() if v.lower().startswith("cid:") else v


def _read_attachments(root: Element, max_unzipped: int) -> list[PacketAttachment]:
    refs: dict[str, Element] = {}
    for ref in kids(first(root, "edXMLManifest"), "Reference"):
        refs.setdefault(_cid(text(ref, "ContentId")) or text(ref, "AttachmentName"), ref)
    out: list[PacketAttachment] = []
    seen: set[str] = set()
    budget = max_unzipped  # for all the files together: many small zip bombs are one big one
    for a in (x for enc in descendants(root, "AttachmentEncoded") for x in kids(enc, "Attachment")):
        key = _cid(text(a, "ContentId")) or text(a, "AttachmentName")
        seen.add(key)
        attachment = _read_attachment(a, refs.get(key), key, budget)
        budget -= len(attachment.data)
        out.append(attachment)
    missing = [text(refs[k], "AttachmentName") or k for k in refs if k not in seen]
    if missing:
        raise EdxmlError(f"Tệp đính kèm có trong danh mục nhưng thiếu nội dung: {', '.join(missing)}")
    return out


def _read_attachment(a: Element, ref: Element | None, key: str, max_unzipped: int) -> PacketAttachment:
    name = text(a, "AttachmentName") or text(ref, "AttachmentName") or key
    payload = kid(a, "ContentTransferEncoded")
    if payload is None:
        raise EdxmlError(f"Tệp đính kèm «{name}» không có nội dung (ContentTransferEncoded)")
    own_type, ref_type = text(a, "ContentType"), text(ref, "ContentType")
    raw = att.decode_base64(text_of(payload), name)
    data = att.unwrap(raw, name, own_type or ref_type, max_unzipped)
    if data is not raw:  # unwrapped: the zip type said nothing about the file itself
        real = [t for t in (ref_type, own_type) if t and not att.is_zip_type(t)]
        content_type = real[0] if real else att.guess_type(name)
    else:
        content_type = own_type or ref_type or att.guess_type(name)
    return PacketAttachment(
        content_id=key,
        name=name,
        description=text(a, "Description") or text(ref, "Description"),
        content_type=content_type,
        data=data,
    )
