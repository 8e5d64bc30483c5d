"""The state that flows through the pipeline steps for one inbound item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.agency import Agency
from core.inbound import Channel, InboundAttachment, InboundMessage
from core.metadata import DeclaredMetadata
from core.organ_id import OrganId
from core.ports import SignatureReport
from core.records import InboundRecord
from core.verdict import Outcome, Reason, StepRecord, decide


@dataclass
class Directory:
    agencies: list[Agency]

    def __post_init__(self) -> None:
        self._by_organ = {a.organ_id.value: a for a in self.agencies}
        self._by_email = {e: a for a in self.agencies for e in a.emails}

    def by_organ(self, organ: OrganId | str) -> Agency | None:
        return self._by_organ.get(str(organ))

    def by_email(self, address: str) -> Agency | None:
        return self._by_email.get(address.strip().lower())


@dataclass
class Inspection:
    inbound: InboundRecord
    raw: bytes
    directory: Directory
    channel: Channel
    message: InboundMessage | None = None
    agency: Agency | None = None  # the sending agency
    recipients: list[Agency] = field(default_factory=list)
    meta: DeclaredMetadata = field(default_factory=DeclaredMetadata)
    pdfs: list[InboundAttachment] = field(default_factory=list)
    signatures: dict[str, list[SignatureReport]] = field(default_factory=dict)  # by filename
    reasons: list[Reason] = field(default_factory=list)
    trail: list[StepRecord] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # step results worth keeping (auth, pages …)
    halted: bool = False  # a step found nothing further can be checked
    silent: bool = False  # never answer (bounces, auto-replies): loop protection
    step_data: dict[str, Any] = field(default_factory=dict)  # what the running step records in its trail entry
    quarantined: dict[str, str] = field(default_factory=dict)  # filename → virus name: never relayed

    def note(self, key: str, value: Any) -> None:
        """Keep a step result: in `facts` for later steps and in the step's trail entry (stored with the document)."""
        self.facts[key] = value
        self.step_data[key] = value

    @property
    def outcome(self) -> Outcome:
        return decide(self.reasons)

    def reject(self, code: str, message: str) -> None:
        self.reasons.append(Reason(code, message, Outcome.REJECT))

    def hold(self, code: str, message: str) -> None:
        self.reasons.append(Reason(code, message, Outcome.HOLD))

    def retry(self, code: str, message: str) -> None:
        self.reasons.append(Reason(code, message, Outcome.RETRY))
