"""Business status of a document at one recipient (edXML status codes) and its allowed moves."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class StatusCode(StrEnum):
    ARRIVED = "01"  # Đã đến
    REJECTED = "02"  # Từ chối tiếp nhận
    ACCEPTED = "03"  # Đã tiếp nhận (vào sổ)
    ASSIGNED = "04"  # Phân công
    PROCESSING = "05"  # Đang xử lý
    DONE = "06"  # Hoàn thành
    RECALL_REQUESTED = "13"  # Lấy lại / thu hồi (from the original sender)
    RECALL_AGREED = "15"  # Đồng ý lấy lại / cập nhật
    RECALL_REFUSED = "16"  # Từ chối lấy lại / cập nhật

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def needs_reason(self) -> bool:
        """Rejection (02), recall request (13) and refused recall (16) must say why."""
        return self in REASON_REQUIRED

    @classmethod
    def parse(cls, text: str) -> StatusCode:
        """'05', '5', ' 05 ' → PROCESSING; anything else raises ValueError (Vietnamese)."""
        t = text.strip() if isinstance(text, str) else ""
        if re.fullmatch(r"[0-9]{1,2}", t) and t.zfill(2) in cls._value2member_map_:
            return cls(t.zfill(2))
        raise ValueError(f"Mã trạng thái không hợp lệ: {text!r} (01–06, 13, 15, 16)")


LABELS: dict[StatusCode, str] = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.REJECTED: "Từ chối tiếp nhận",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Đã phân công xử lý",
    StatusCode.PROCESSING: "Đang xử lý",
    StatusCode.DONE: "Hoàn thành",
    StatusCode.RECALL_REQUESTED: "Yêu cầu thu hồi",
    StatusCode.RECALL_AGREED: "Đồng ý thu hồi",
    StatusCode.RECALL_REFUSED: "Từ chối thu hồi",
}

S = StatusCode
REASON_REQUIRED = frozenset({S.REJECTED, S.RECALL_REQUESTED, S.RECALL_REFUSED})
_RECALLABLE = {S.ARRIVED, S.ACCEPTED, S.ASSIGNED, S.PROCESSING}
# None = no status yet. A status may repeat itself (e.g. re-assignment) where it makes sense.
TRANSITIONS: dict[StatusCode | None, frozenset[StatusCode]] = {
    None: frozenset({S.ARRIVED}),
    S.ARRIVED: frozenset({S.REJECTED, S.ACCEPTED, S.RECALL_REQUESTED}),
    S.ACCEPTED: frozenset({S.ASSIGNED, S.PROCESSING, S.DONE, S.RECALL_REQUESTED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.PROCESSING, S.DONE, S.RECALL_REQUESTED}),
    S.PROCESSING: frozenset({S.DONE, S.RECALL_REQUESTED}),
    S.DONE: frozenset(),
    S.REJECTED: frozenset(),
    S.RECALL_REQUESTED: frozenset({S.RECALL_AGREED, S.RECALL_REFUSED}),
    S.RECALL_AGREED: frozenset(),
    S.RECALL_REFUSED: frozenset(),  # the status before the request applies again, see current_status
}


class InvalidTransition(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class StatusEvent:
    code: StatusCode
    at: datetime
    actor: str = ""  # who: an official, "axis:<organ>", "system"
    description: str = ""  # reason for 02/13/16, free text otherwise


@dataclass(slots=True)
class StatusHistory:
    """The status trail of one document at one recipient."""

    events: list[StatusEvent] = field(default_factory=list)

    @property
    def current(self) -> StatusCode | None:
        return current_status(self.events)

    def can_apply(self, code: StatusCode) -> bool:
        return code in TRANSITIONS[self.current]

    def apply(self, event: StatusEvent) -> bool:
        """Append the event and return True; raise InvalidTransition when the move is not allowed.

        Replays are idempotent and return False: the very same event again, or a status already in the
        history that is not a legal move now (a re-delivered or late packet: 03 after 05, 16 after 16).
        """
        cur = self.current
        if event in self.events:
            return False
        if event.code not in TRANSITIONS[cur] and any(e.code is event.code for e in self.events):
            return False
        if event.code not in TRANSITIONS[cur]:
            raise InvalidTransition(
                f"Không thể chuyển trạng thái từ {cur.label if cur else 'chưa có'} sang {event.code.label}"
            )
        self.events.append(event)
        return True


def current_status(events: Iterable[StatusEvent]) -> StatusCode | None:
    """16 (refused recall) restores the status that was current before the 13."""
    stack: list[StatusCode] = []
    for e in events:
        if e.code is S.RECALL_REFUSED and stack and stack[-1] is S.RECALL_REQUESTED:
            stack.pop()
        else:
            stack.append(e.code)
    return stack[-1] if stack else None
