"""Receive: store the raw message and its pipeline job in one transaction, before acknowledging."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from bridge.services.deps import Deps
from bridge.services.jobs import PIPELINE as PIPELINE_JOB
from core.inbound import Channel
from core.records import InboundRecord


@dataclass(frozen=True, slots=True)
class Stored:
    id: str
    duplicate: bool


def message_id_of(raw: bytes) -> str:
    try:
        value = BytesHeaderParser(policy=compat32).parsebytes(raw[:65536]).get("Message-ID", "")
        return str(value).strip().strip("<>")[:300]
    except Exception:  # a broken header block must not stop storage
        return ""


def smtp_source_ref(raw: bytes, sha256: str) -> str:
    """Same Message-ID and same bytes = the same submission (a client retrying after a lost 250)."""
    return f"smtp:{message_id_of(raw)}:{sha256}"


async def store_raw(
    deps: Deps,
    raw: bytes,
    *,
    channel: Channel,
    source_ref: str | None = None,
    envelope_from: str = "",
    peer_ip: str = "",
    recipients: tuple[str, ...] = (),
    mailbox: str | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
) -> Stored:
    """Durably store one inbound item and queue its pipeline job. Idempotent on `source_ref`."""
    sha = hashlib.sha256(raw).hexdigest()
    await deps.blobs.put(raw)  # content-addressed: a retry rewrites the same file
    record = InboundRecord(
        id=uuid.uuid4().hex,
        channel=channel,
        source_ref=source_ref or smtp_source_ref(raw, sha),
        raw_sha256=sha,
        size=len(raw),
        received_at=deps.clock.now(),
        envelope_from=envelope_from,
        peer_ip=peer_ip,
        recipients=tuple(recipients),
        mailbox=mailbox or "",
        uidvalidity=uidvalidity,
        uid=uid,
    )
    async with deps.uow() as uow:
        if not await uow.inbound.add(record):
            existing = await uow.inbound.by_source(record.source_ref)
            return Stored(existing.id if existing else "", duplicate=True)
        await uow.outbox.enqueue(PIPELINE_JOB, {"inbound_id": record.id}, f"pipeline:{record.id}")
        await uow.commit()
    return Stored(record.id, duplicate=False)
