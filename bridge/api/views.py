"""Plain-JSON views of domain objects for the API."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from core.doc_code import DocCode
from core.document import Document, ProcessingState, RegisterEntry
from core.organ_id import OrganId
from core.status import StatusHistory


def plain(value: Any) -> Any:
    if isinstance(value, OrganId | DocCode):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def document_summary(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "code": str(doc.code) if doc.code else None,
        "document_id": doc.document_id,
        "direction": doc.direction.value,
        "channel": doc.channel.value,
        "state": doc.state.value,
        "sender": str(doc.sender) if doc.sender else None,
        "recipients": [str(r) for r in doc.recipients],
        "type_name": doc.type_name,
        "subject": doc.subject,
        "issued_date": doc.issued_date.isoformat() if doc.issued_date else None,
        "received_at": doc.received_at.isoformat(),
        "urgency": doc.urgency.label,
    }


def document_detail(doc: Document, entries: list[RegisterEntry], statuses: dict[str, StatusHistory]) -> dict[str, Any]:
    return {
        **document_summary(doc),
        "signer": plain(doc.signer),
        "due_date": doc.due_date.isoformat() if doc.due_date else None,
        "page_amount": doc.page_amount,
        "attachments": plain(doc.attachments),
        "reasons": plain(doc.reasons),
        "trail": plain(doc.trail),
        "register": [plain(e) for e in entries],
        "statuses": {
            organ: {
                "current": h.current.value if h.current else None,
                "label": _label(doc, h),
                "events": plain(h.events),
            }
            for organ, h in {**{str(r): StatusHistory() for r in doc.recipients}, **statuses}.items()
        },
    }


def _label(doc: Document, history: StatusHistory) -> str:
    """A relayed document's status at a recipient; before the axis took it (no 01 yet) it is "đang chuyển"."""
    if history.current is not None:
        return history.current.label
    return "Đang chuyển" if doc.state is ProcessingState.REGISTERED else "Chưa gửi"
