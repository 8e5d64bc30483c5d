"""Records of the bridge's own bookkeeping: stored inbound items and queued effects (outbox jobs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import uuid4

from core.inbound import Channel


class InboundState(StrEnum):
    STORED = "stored"  # raw message durable, pipeline job queued
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


@dataclass(slots=True)
class InboundRecord:
    """One received raw item (mail or upload). `source_ref` identifies it at its source so a redelivery
    is recognised: `smtp:<message-id>:<sha256>`, `imap:<mailbox>:<uidvalidity>:<uid>`, `bot:<chat>:<msg>`."""

    channel: Channel
    source_ref: str
    raw_sha256: str
    size: int
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    envelope_from: str = ""
    peer_ip: str = ""  # the SMTP client, for SPF
    recipients: tuple[str, ...] = ()
    mailbox: str = ""
    uidvalidity: int | None = None
    uid: int | None = None
    state: InboundState = InboundState.STORED
    last_error: str = ""
    id: str = field(default_factory=lambda: uuid4().hex)


class OutboxState(StrEnum):
    TODO = "todo"
    DOING = "doing"  # claimed by a worker until locked_until
    DONE = "done"
    DEAD = "dead"  # gave up; a person may requeue it


@dataclass(frozen=True, slots=True)
class OutboxJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int  # claims so far, this one included
    idempotency_key: str
    last_error: str
    state: OutboxState
    run_after: datetime
    created_at: datetime
    locked_by: str | None = None
    locked_until: datetime | None = None
    first_failed_at: datetime | None = None  # since when it keeps failing (None: never failed, or requeued)
    order_key: str = ""  # jobs sharing a key run one at a time, in order of creation ("" = no order)


@dataclass(frozen=True, slots=True)
class OutboxStats:
    counts: dict[OutboxState, int]  # every state present, zero included
    oldest_todo_age: timedelta | None  # how long the oldest waiting job has waited since created
    due: int  # todo jobs whose run_after has passed
