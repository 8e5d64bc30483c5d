"""A search over the documents: the filters a person can set, the orders they can sort by, and one result row
(only what a results table shows, never the trail or the attachments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from core.document import Direction, ProcessingState
from core.inbound import Channel
from core.urgency import Urgency


class SortKey(StrEnum):
    RECEIVED = "received"  # nhận lúc
    CODE = "code"  # số, ký hiệu
    SUBJECT = "subject"  # trích yếu
    SENDER = "sender"  # cơ quan gửi
    STATE = "state"
    DUE = "due"  # hạn xử lý
    URGENCY = "urgency"


@dataclass(frozen=True, slots=True)
class SearchFilters:
    text: str = ""  # each word must start a word of the document (case and diacritics ignored)
    scope: str | None = None  # the agency a clerk or leader is limited to (sender or recipient)
    organ: str | None = None  # an agency chosen in the form (sender or recipient)
    states: tuple[ProcessingState, ...] = ()
    channel: Channel | None = None
    direction: Direction | None = None
    type_name: str = ""
    date_from: date | None = None  # received, Vietnam days, inclusive
    date_to: date | None = None
    urgency: Urgency | None = None
    overdue: bool = False  # past its handling deadline with a recipient that has not finished (06) or refused (02)
    today: date | None = None  # "now" for `overdue`, from the Clock port


@dataclass(frozen=True, slots=True)
class SearchOrder:
    key: SortKey = SortKey.RECEIVED
    descending: bool = True


@dataclass(frozen=True, slots=True)
class SearchRow:
    id: str
    code: str
    subject: str
    type_name: str
    sender: str
    sender_name: str
    received_at: datetime
    state: ProcessingState
    channel: Channel
    direction: Direction
    urgency: Urgency
    due_date: date | None
    document_id: str
    recipients: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SearchPage:
    rows: list[SearchRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
