"""Ports: what the application needs from the outside world. Adapters implement these structurally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class BlobStore(Protocol):
    """Content-addressed store: the key is the SHA-256 hex of the bytes."""

    async def put(self, data: bytes) -> str: ...
    async def get(self, sha256: str) -> bytes: ...
    async def exists(self, sha256: str) -> bool: ...


class ScanVerdict(StrEnum):
    CLEAN = "clean"
    INFECTED = "infected"
    INCOMPLETE = "incomplete"  # the scan stopped at a limit (archive bomb, deep nesting): never passed, held


@dataclass(frozen=True, slots=True)
class ScanResult:
    verdict: ScanVerdict
    signature: str = ""  # virus name when infected; the limit reached when incomplete


class ScannerUnavailable(Exception):
    """clamd down, timed out, or refused the stream (size limit): hold and retry, never pass."""


class Scanner(Protocol):
    async def scan(self, data: bytes) -> ScanResult: ...


class Indication(StrEnum):
    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


@dataclass(frozen=True, slots=True)
class SignatureReport:
    field_name: str
    indication: Indication
    sub_indication: str = ""  # e.g. "MODIFIED_AFTER_SIGNING", "NO_TRUSTED_ROOT", "REVOCATION_UNKNOWN"
    message: str = ""  # Vietnamese explanation for receipts
    signer_subject: str = ""
    signer_cn: str = ""
    signer_org: str = ""
    signer_uids: tuple[str, ...] = ()  # "MST:0100686209", "CCCD:…"
    issuer: str = ""
    cert_sha256: str = ""
    signing_time: datetime | None = None
    subfilter: str = ""
    coverage: str = ""
    modification_level: str = ""
    is_organisation: bool = False  # organisation ("con dấu") vs personal signature
    kind: str = "signature"  # "signature", "timestamp" (a /DocTimeStamp) or "document" (a finding about the file)
    revision: int = -1  # the file revision this signature covers (0 = the first); -1 = not known
    signed_length: int = 0  # bytes from the start of the file that the signature covers (end of its /ByteRange)
    intact: bool = False  # the covered bytes are unchanged and the signature matches its certificate


class SignatureValidator(Protocol):
    async def validate(self, pdf: bytes) -> list[SignatureReport]: ...


class AxisUnavailable(Exception):
    """Transport failure: retry later."""


class AxisRejected(Exception):
    """The axis answered FAIL (args: ErrorCode, ErrorDesc). Final only for a code about the packet itself
    (malformed, unknown recipient, too large); others mean "try later" (the caller decides)."""


@dataclass(frozen=True, slots=True)
class AxisItem:
    doc_id: str
    from_code: str
    to_code: str
    message_type: str  # "edoc" | "status"


@dataclass(frozen=True, slots=True)
class SentEdoc:
    """One receiver's row of getSentEdocList: what the axis says it did with a packet we sent.

    The fields are the ones the VPCP SDK reads (its StatusResult); the axis fills them as it likes, so any may
    be "" (times are the axis's own text)."""

    sender_doc_id: str  # the DocId sendEdoc answered
    receiver_doc_id: str  # the receiver's docId for the same packet
    from_code: str
    to_code: str
    message_type: str = ""
    service_type: str = ""
    title: str = ""
    notation: str = ""
    sent_time: str = ""
    received_time: str = ""
    send_status: str = ""
    send_status_desc: str = ""
    receive_status: str = ""
    receive_status_desc: str = ""


class AxisClient(Protocol):
    async def send_edoc(self, from_code: str, packet: bytes, message_type: str = "edoc") -> str: ...
    async def received(self, message_type: str = "edoc") -> list[AxisItem]: ...
    async def get_edoc(self, doc_id: str) -> bytes: ...
    async def update_status(self, doc_id: str, status: str) -> None: ...
    # getSentEdocList: per receiver, what the axis did with what we sent (all of it, or one DocId's rows)
    async def sent(self, doc_id: str = "", message_type: str = "edoc") -> list[SentEdoc]: ...


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to: Sequence[str]
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    attachments: Sequence[tuple[str, str, bytes]] = ()  # (filename, content type, data)
    reply_to: str = ""
    key: str = ""  # idempotency key of the job sending it: the Message-ID is derived from it (same on a re-send)
    date: datetime | None = None  # the Date header (kept with the job, so a re-send is the same mail); None: now


class MailUnavailable(Exception):
    """The relay is down or answered a temporary error: retry later."""


class MailRefused(Exception):
    """The relay refused this mail for good (5xx): sending the same mail again will not help."""


class MailSender(Protocol):
    async def send(self, mail: OutgoingMail) -> str: ...  # returns the Message-ID


class Notifier(Protocol):
    # `key`: the sending job's stable key; a second notify with the same key edits the message sent under it
    # instead of posting another (a retry after the message went out but before it was recorded)
    async def notify(
        self, chat_id: str, text: str, buttons: Sequence[tuple[str, str]] = (), *, key: str = ""
    ) -> str: ...

    async def edit(self, chat_id: str, message_id: str, text: str, buttons: Sequence[tuple[str, str]] = ()) -> None:
        """Replace a sent message's text and buttons (the same text again is not an error)."""
        ...
