"""Status packets (gói tin trạng thái): no body, one MessageHeader about one document."""

from __future__ import annotations

from bridge.edxml._common import (
    ORG_ORDER_STATUS,
    RESPONSE_FOR_ORDER_STATUS,
    STAFF_ORDER_STATUS,
    envelope,
    read_org,
    read_response_for,
    read_staff,
    write_org,
    write_response_for,
    write_staff,
)
from bridge.edxml._reader import DEFAULT_MAX_BYTES, Element, Reader, descendants, kid, parse_xml, text
from bridge.edxml._text import format_timestamp, parse_timestamp
from bridge.edxml._writer import P, el, leaf, serialize
from bridge.edxml.model import EdxmlError, StatusPacket, guarded
from core.status import StatusCode


def build_status(p: StatusPacket) -> bytes:
    if not p.from_.organ_id or not p.response_for.organ_id or not p.response_for.document_id:
        raise EdxmlError(
            "Không lập được gói tin trạng thái: thiếu From/OrganId, ResponseFor/OrganId hoặc ResponseFor/DocumentId"
        )
    header = el(
        P + "MessageHeader",
        write_org("From", p.from_, ORG_ORDER_STATUS),
        write_response_for(p.response_for, RESPONSE_FOR_ORDER_STATUS),
        write_staff(p.staff_info, STAFF_ORDER_STATUS),
        leaf(P + "StatusCode", StatusCode(p.status_code).value),
        leaf(P + "Description", p.description),
        leaf(P + "Timestamp", format_timestamp(p.timestamp)) if p.timestamp else None,
    )
    return serialize(envelope(el(P + "edXMLHeader", header)))


def status_header(root: Element) -> Element | None:
    """The group holding StatusCode: MessageHeader per the samples, `<Status>` in Bkav's builder."""
    for name in ("MessageHeader", "Status"):
        for e in descendants(root, name):
            if kid(e, "StatusCode") is not None:
                return e
    return None


@guarded
def parse_status(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> StatusPacket:
    return read_status(parse_xml(data, max_bytes))


def read_status(root: Element) -> StatusPacket:
    h = status_header(root)
    if h is None:
        raise EdxmlError("Gói tin không phải gói tin trạng thái: không có StatusCode")
    r = Reader()
    return StatusPacket(
        from_=read_org(kid(h, "From")),
        response_for=read_response_for(kid(h, "ResponseFor"), r),
        status_code=_status_code(text(h, "StatusCode")),
        staff_info=read_staff(kid(h, "StaffInfo")),
        description=text(h, "Description"),
        timestamp=r.typed(h, "Timestamp", parse_timestamp, "Thời điểm cập nhật trạng thái"),
        problems=r.problems,
    )


def _status_code(raw: str) -> StatusCode:
    code = raw.zfill(2) if raw.isdigit() and len(raw) < 2 else raw
    try:
        return StatusCode(code)
    except ValueError:
        raise EdxmlError(f"Mã trạng thái không hợp lệ: {raw[:40]!r}") from None
