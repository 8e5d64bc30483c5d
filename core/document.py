"""Document, its attachments and register entries (NĐ 30/2020 Phụ lục VI metadata)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from core.doc_code import DocCode
from core.inbound import Channel
from core.organ_id import OrganId
from core.urgency import Urgency
from core.verdict import Reason, StepRecord


class Direction(StrEnum):
    OUTGOING = "outgoing"  # văn bản đi of a served agency (it sent it through the bridge)
    INCOMING = "incoming"  # văn bản đến of a served agency (the axis delivered it)


class Book(StrEnum):
    INCOMING = "den"  # sổ đăng ký văn bản đến
    OUTGOING = "di"  # sổ đăng ký văn bản đi


class ProcessingState(StrEnum):
    """Where the bridge is with the document; the business status per recipient is separate."""

    RECEIVED = "received"  # stored, pipeline not finished
    HELD = "held"  # waiting for a clerk (reasons say why)
    REJECTED = "rejected"  # refused with reasons, sender told
    REGISTERED = "registered"  # in the register, effects queued
    RECALLED = "recalled"  # thu hồi agreed (15): frozen, metadata kept


@dataclass(frozen=True, slots=True)
class Signer:
    full_name: str = ""
    position: str = ""
    competence: str = ""  # TM., KT., TL., Q., TUQ. + the authority


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    sha256: str  # key in the blob store
    size: int
    description: str = ""


def document_id(sender: OrganId, issued: date, code: DocCode) -> str:
    """edXML DocumentId: `OrganId,yyyy/MM/dd,Số/Ký hiệu`."""
    return f"{sender},{issued:%Y/%m/%d},{code}"


class InvalidDocumentId(ValueError):
    pass


_ISSUED = re.compile(r"([0-9]{4})[/-]([0-9]{1,2})[/-]([0-9]{1,2})")


def parse_document_id(text: str) -> tuple[OrganId, date, DocCode]:
    """Inverse of document_id. Raises InvalidDocumentId (a ValueError) with a Vietnamese message.

    Bare UUIDs also travel on the axis (spec §1.2); they are not parseable and raise too.
    """
    try:
        organ, day, code = text.split(",", 2)
        m = _ISSUED.fullmatch(day.strip())
        if not m:
            raise ValueError(day)
        y, mo, d = (int(g) for g in m.groups())
        return OrganId.parse(organ), date(y, mo, d), DocCode.parse(code)
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidDocumentId(
            f"Mã định danh văn bản không hợp lệ: {text!r} (đúng dạng «000.00.00.H61,2024/03/05,05/QĐ-UBND»)"
        ) from exc


@dataclass(slots=True)
class Document:
    id: str
    direction: Direction
    channel: Channel
    received_at: datetime
    sender: OrganId | None = None
    recipients: list[OrganId] = field(default_factory=list)
    code: DocCode | None = None
    issued_date: date | None = None
    place: str = ""
    type_name: str = ""
    subject: str = ""  # trích yếu
    signer: Signer = field(default_factory=Signer)
    urgency: Urgency = Urgency.THUONG
    due_date: date | None = None
    page_amount: int | None = None
    appendixes: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    state: ProcessingState = ProcessingState.RECEIVED
    reasons: list[Reason] = field(default_factory=list)
    trail: list[StepRecord] = field(default_factory=list)
    inbound_id: str | None = None
    reply_to: str = ""  # where receipts go back (address or chat id), on the channel it came in
    edxml_document_id: str = ""  # as received from the axis, when it came from there

    @property
    def document_id(self) -> str:
        if self.edxml_document_id:
            return self.edxml_document_id
        if self.sender and self.issued_date and self.code:
            return document_id(self.sender, self.issued_date, self.code)
        return ""

    @property
    def display_code(self) -> str:
        return str(self.code) if self.code else "(chưa có số, ký hiệu)"


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One line of a served agency's sổ đến / sổ đi. Numbers run 1.. per agency, book and year."""

    organ_id: OrganId
    book: Book
    year: int
    number: int
    document_id: str  # Document.id
    registered_at: datetime
