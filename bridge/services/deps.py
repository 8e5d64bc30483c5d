"""What the use cases need, as ports. Built once by bridge.bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bridge.edxml.dsig import PacketPolicy
from bridge.services.audit import AuditLog
from bridge.services.checks import CheckPolicy
from core.inbound import InboundMessage
from core.ports import AxisClient, BlobStore, MailSender, Notifier, Scanner, SignatureValidator


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Deps:
    uow: Callable[[], Any]  # () -> storage unit of work (async context manager)
    blobs: BlobStore
    axis: AxisClient
    mail: MailSender
    parse_message: Callable[[bytes], InboundMessage] = field(default=lambda raw: InboundMessage(channel=None))  # type: ignore[arg-type]
    clock: Any = field(default_factory=SystemClock)
    scanner: Scanner | None = None
    signatures: SignatureValidator | None = None
    notifier: Notifier | None = None
    authenticator: Any = None  # mail.auth.SenderAuthenticator, optional
    bridge_organ: str = ""
    require_signature: bool = False
    extract_pdf_metadata: Callable[[bytes], Any] | None = None
    check_pdf: Callable[..., Any] | None = None  # async (pdf, declared_pages=) -> CompletenessReport
    check_attachments: Callable[..., Any] | None = None  # (attachments, declared_appendixes) -> list[Reason]
    checks: CheckPolicy = field(default_factory=CheckPolicy)
    normalise_address: Callable[[str], str] = field(default=lambda text: text.strip().lower())  # raises ValueError
    packets: PacketPolicy = field(default_factory=PacketPolicy)  # edXML packet signatures, out and in
    # the audit chain; use cases write to it inside their unit of work: deps.audit.record_in(uow.audit, …)
    audit: AuditLog = field(default_factory=lambda: AuditLog(None, SystemClock()))
    # the bridge's own mail addresses (sender of receipts, intake, Reply-To): mail from them, or answering a
    # Message-ID of their domains, is never answered (bridge.pipeline.answers)
    own_addresses: frozenset[str] = frozenset()
    demo: bool = False  # the demo profile: chat receipts end with core.receipt.DEMO_NOTE (mail: bridge.demo_marks)
