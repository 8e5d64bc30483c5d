"""Records of the bridge's own bookkeeping: stored inbound items and queued effects (outbox jobs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.inbound import Channel


class InboundState(StrEnum):
    STORED = "stored"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


@dataclass(slots=True)
class InboundRecord:
    id: str
    channel: Channel
    source_ref: str  # smtp:<message-id>:<sha256> | imap:<mailbox>:<uidvalidity>:<uid> | bot:<chat>:<msg> | axis:<doc>
    raw_sha256: str
    size: int
    received_at: datetime
    envelope_from: str = ""
    recipients: tuple[str, ...] = ()
    mailbox: str | None = None
    uidvalidity: int | None = None
    uid: int | None = None
    state: InboundState = InboundState.STORED
    last_error: str = ""


class JobState(StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"
    DEAD = "dead"


@dataclass(slots=True)
class OutboxJob:
    id: int
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int = 0
    state: JobState = JobState.TODO
    last_error: str = ""
    run_after: datetime | None = None
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
