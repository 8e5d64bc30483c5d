"""What an edge (SMTP, IMAP, bot, axis) hands to the pipeline, independent of its wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Channel(StrEnum):
    SMTP = "smtp"
    IMAP = "imap"
    BOT = "bot"
    AXIS = "axis"

    @property
    def label(self) -> str:
        return {
            "smtp": "Thư điện tử (SMTP)",
            "imap": "Hộp thư (IMAP)",
            "bot": "Chatbot",
            "axis": "Trục liên thông",
        }[self.value]


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class InboundMessage:
    """A parsed inbound item. `problems` lists why it could not be parsed cleanly (Vietnamese)."""

    channel: Channel
    sender_address: str = ""  # From: (mail) or chat id (bot) or OrganId (axis)
    envelope_from: str = ""
    recipients: tuple[str, ...] = ()
    subject: str = ""
    message_id: str = ""
    body_text: str = ""
    attachments: list[InboundAttachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names, first value
    auto_submitted: bool = False  # Auto-Submitted / Precedence bulk|junk|list / bounce
    problems: list[str] = field(default_factory=list)
