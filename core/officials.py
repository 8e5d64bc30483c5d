"""Officials of served agencies who work with documents through the chatbot, and their notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.status import StatusCode
from core.text import fold


class Role(StrEnum):
    CLERK = "van_thu"  # văn thư: receives (tiếp nhận) or refuses, sends documents
    LEADER = "lanh_dao"  # lãnh đạo: assigns an official
    SPECIALIST = "chuyen_vien"  # chuyên viên: processes what was assigned to them
    MONITOR = "giam_sat"  # provincial monitor: reads, never acts

    @property
    def label(self) -> str:
        return {"van_thu": "Văn thư", "lanh_dao": "Lãnh đạo", "chuyen_vien": "Chuyên viên", "giam_sat": "Giám sát"}[
            self.value
        ]

    @classmethod
    def parse(cls, text: str) -> Role:
        """'văn thư', 'van_thu', 'Van thu', 'clerk' → CLERK; ValueError (Vietnamese) otherwise."""
        key = fold(text or "").replace(" ", "_").replace("-", "_")
        for role in cls:
            if key in {role.value, role.name.lower(), fold(role.label).replace(" ", "_")}:
                return role
        raise ValueError(f"Vai trò không hợp lệ: {text!r} (văn thư, lãnh đạo, chuyên viên, giám sát)")

    @property
    def waits_for(self) -> frozenset[StatusCode]:
        """The statuses at which a document waits for this role (its /pending list)."""
        return _WAITS[self]


_WAITS = {  # a recall request (13) waits for the clerk or the leader to agree or refuse
    Role.CLERK: frozenset({StatusCode.ARRIVED, StatusCode.RECALL_REQUESTED}),
    Role.LEADER: frozenset({StatusCode.ACCEPTED, StatusCode.RECALL_REQUESTED}),
    Role.SPECIALIST: frozenset({StatusCode.ASSIGNED, StatusCode.PROCESSING}),
    Role.MONITOR: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Official:
    id: int
    name: str
    organ_id: str
    role: Role
    email: str = ""
    chat_id: str | None = None  # set once the official linked a chat with /start CODE


class NoticeState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; retried through the outbox
    ACKNOWLEDGED = "acknowledged"  # someone of the agency acted on the document


@dataclass(frozen=True, slots=True)
class Notice:
    """One chat notification of one document to one official."""

    id: int
    document_id: str
    organ_id: str
    official_id: int
    state: NoticeState
    created_at: datetime
    message_id: str = ""
    sent_at: datetime | None = None
    acked_at: datetime | None = None
    attempts: int = 0
    last_error: str = ""
    chat_id: str = ""  # where it was sent (the official may have linked another chat since)
