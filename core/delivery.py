"""A document delivered from the axis to an agency without a system, tracked by a token in its mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    token: str  # core.reply_keywords token, carried in the delivery mail and its replies
    document_id: str  # the incoming Document.id
    organ_id: str  # the receiving agency
    edxml_document_id: str
    sender_organ: str  # the original sender, where status packets go
    mailbox: str  # the agency address the notice was sent to
    created_at: datetime
