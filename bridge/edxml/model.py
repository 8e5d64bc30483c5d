"""edXML wire model (QCVN 102:2016): one typed field per packet element, named after the element.

Text fields hold the element text with surrounding whitespace removed. Content ids are kept without
the `cid:` prefix; the builder adds it. Timestamps read from a packet are aware, in Vietnamese time.
`problems` lists (in Vietnamese) what the parser had to guess or drop; a built packet leaves it empty.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum
from typing import ParamSpec, TypeVar

from core.status import StatusCode

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
P = ParamSpec("P")
T = TypeVar("T")


class EdxmlError(ValueError):
    """The bytes are not a usable edXML packet, or a packet cannot be written. Message in Vietnamese."""


UNEXPECTED = "lỗi không lường trước"


def guarded(parse: Callable[P, T]) -> Callable[P, T]:
    """A parser of outside input raises EdxmlError and nothing else: a surprise from below (lxml, zipfile, int,
    datetime …) becomes one too, so no hostile packet can stop the caller's loop. The fuzz target fails on
    any error carrying UNEXPECTED, so each such path still gets its own fix and message."""

    @functools.wraps(parse)
    def safe(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return parse(*args, **kwargs)
        except EdxmlError:
            raise
        except Exception as exc:
            raise EdxmlError(f"Gói tin edXML không đọc được ({UNEXPECTED}: {type(exc).__name__})") from exc

    return safe


class BussinessDocType(IntEnum):
    NEW = 0  # văn bản điện tử mới
    REVOKE = 1  # thu hồi
    UPDATE = 2  # cập nhật
    REPLACE = 3  # thay thế

    @property
    def reason(self) -> str:
        """The BussinessDocReason text the official samples use."""
        return _REASONS[self]


_REASONS = {
    BussinessDocType.NEW: "Văn bản điện tử mới",
    BussinessDocType.REVOKE: "Thu hồi văn bản điện tử",
    BussinessDocType.UPDATE: "Cập nhật văn bản điện tử",
    BussinessDocType.REPLACE: "Văn bản thay thế",
}


@dataclass(slots=True)
class Organization:
    organ_id: str = ""
    organization_in_charge: str = ""
    organ_name: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(slots=True)
class Code:
    code_number: str = ""
    code_notation: str = ""

    def __str__(self) -> str:
        return f"{self.code_number}/{self.code_notation}"


@dataclass(slots=True)
class PromulgationInfo:
    place: str = ""
    promulgation_date: date | None = None


@dataclass(slots=True)
class DocumentType:
    type: int = 1  # meaning undocumented; every official sample of a công văn uses 1/0
    type_detail: int = 0
    type_name: str = ""


@dataclass(slots=True)
class SignerInfo:
    competence: str = ""  # "TL. BỘ TRƯỞNG"
    position: str = ""
    full_name: str = ""


@dataclass(slots=True)
class OtherInfo:
    priority: int = 0  # core.urgency.Urgency value
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool = False
    appendixes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ResponseFor:
    organ_id: str = ""
    code: str = ""  # the full "số/ký hiệu"
    promulgation_date: date | None = None
    document_id: str = ""


@dataclass(slots=True)
class TraceHeader:
    organ_id: str = ""
    timestamp: datetime | None = None


@dataclass(slots=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(slots=True)
class Receiver:
    organ_id: str = ""
    receiver_type: int = 0


@dataclass(slots=True)
class BussinessDocumentInfo:
    """What an update (BussinessDocType 2) changes; flag meanings are not documented anywhere."""

    document_info: int = 0
    document_receiver: int = 0
    receivers: list[Receiver] = field(default_factory=list)


@dataclass(slots=True)
class ReplacementInfo:
    document_id: str = ""  # the replaced document
    organ_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Bussiness:
    doc_type: BussinessDocType = BussinessDocType.NEW
    reason: str = BussinessDocType.NEW.reason
    paper: int = 0
    document_id: str = ""
    document_info: BussinessDocumentInfo | None = None
    replacement_info_list: list[ReplacementInfo] = field(default_factory=list)
    staff_info: StaffInfo = field(default_factory=StaffInfo)


@dataclass(slots=True)
class PacketAttachment:
    content_id: str  # without "cid:"
    name: str  # AttachmentName: the real file name
    description: str = ""
    content_type: str = "application/octet-stream"  # of the file itself, not of its zip wrapping
    data: bytes = b""  # the file itself, unzipped


@dataclass(slots=True)
class EdocPacket:
    from_: Organization = field(default_factory=Organization)
    to: list[Organization] = field(default_factory=list)
    document_id: str = ""
    code: Code = field(default_factory=Code)
    promulgation_info: PromulgationInfo = field(default_factory=PromulgationInfo)
    document_type: DocumentType = field(default_factory=DocumentType)
    subject: str = ""
    content: str = ""
    signer_info: SignerInfo = field(default_factory=SignerInfo)
    due_date: date | None = None
    other_info: OtherInfo = field(default_factory=OtherInfo)
    response_for: list[ResponseFor] = field(default_factory=list)
    steering_type: int | None = None
    to_places: list[str] = field(default_factory=list)
    trace_headers: list[TraceHeader] = field(default_factory=list)
    bussiness: Bussiness | None = None
    attachments: list[PacketAttachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StatusPacket:
    from_: Organization
    response_for: ResponseFor
    status_code: StatusCode
    staff_info: StaffInfo = field(default_factory=StaffInfo)
    description: str = ""
    timestamp: datetime | None = None
    problems: list[str] = field(default_factory=list)
