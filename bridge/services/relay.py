"""Relay a registered document to the axis as an edXML packet, exactly once.

The packet is built once, on the first try: its bytes go to the blob store and their reference (with the time it
was built) into the job's payload, so every retry sends the very same bytes with the same identifiers. A retry
is an uncertain outcome (the previous try may have reached the axis before a crash, a timeout or a lost answer):
it first asks the axis what it already has (getSentEdocList) and records that answer instead of sending again.

When the axis has taken the packet — and only then — status 01 is recorded per recipient, in the transaction that
completes the job; until then the document is "đang chuyển". Transient failures (connection, timeout, 5xx, FAIL
codes that mean "try later") are retried by the worker for its retry window; only a permanent refusal (a malformed
packet, an unknown recipient) goes to the dead letters at once. `RelayHooks` tells the sender when a relay keeps
failing (after `notice_after`) and when it failed for good, and the outcome once it is delivered after all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bridge.edxml import EdxmlError, build_edoc
from bridge.edxml.mapping import packet_from_document
from bridge.services import jobs
from bridge.services.deps import Deps
from core.document import Document, ProcessingState
from core.ports import AxisRejected, AxisUnavailable, SentEdoc
from core.records import OutboxJob
from core.status import StatusCode, StatusEvent
from core.verdict import Outcome, StepRecord
from core.vn_time import VIETNAM

log = logging.getLogger(__name__)

# FAIL codes about the packet itself: sending the same bytes again cannot help. Every other FAIL (-1 "error",
# credentials, the axis's own trouble) is retried: the regulation expects work to go on through an outage.
PERMANENT_AXIS_CODES = frozenset({"400", "404", "413"})
SENT_TIME_SKEW = timedelta(minutes=10)  # the axis's clock against ours, when matching getSentEdocList rows


def order_key(doc_id: str) -> str:
    """A document's relay and the status packets about it run in this order (outbox order key)."""
    return f"doc:{doc_id}"


async def relay_document(deps: Deps, job: OutboxJob) -> None:
    async with deps.uow() as uow:
        doc = await uow.documents.get(job.payload["document_id"])
        if doc is None or doc.state is not ProcessingState.REGISTERED or doc.sender is None:
            await uow.outbox.complete(job.id)  # recalled or gone: nothing to send
            await uow.commit()
            return
        sender = await uow.agencies.get(doc.sender)
        recipients = [a for a in [await uow.agencies.get(o) for o in doc.recipients] if a is not None]
    if "packet" in job.payload:  # tried before: the axis may have it already
        built_at = datetime.fromisoformat(job.payload["built_at"])
        if axis_id := await already_sent(deps, doc, built_at):
            await _taken(deps, job, doc, axis_id, "đã có trên trục từ lần gửi trước")
            return
    packet = await packet_once(deps, job, lambda: _build(deps, doc, sender, recipients))
    try:
        axis_id = await deps.axis.send_edoc(str(doc.sender), packet)
    except AxisUnavailable as exc:
        raise jobs.RetryLater(f"Trục liên thông không phản hồi: {exc}") from exc
    except AxisRejected as exc:
        raise refusal(exc, "gói tin") from exc
    await _taken(deps, job, doc, axis_id, "")


def refusal(exc: AxisRejected, what: str) -> Exception:
    """GiveUp for a FAIL about the packet itself, RetryLater for any other."""
    code, desc = (*exc.args, "", "")[:2]
    text = f"Trục liên thông từ chối {what} (mã lỗi {code or '?'}: {desc or 'không rõ'})"
    if str(code).strip() in PERMANENT_AXIS_CODES:
        return jobs.GiveUp(text)
    return jobs.RetryLater(text + "; sẽ gửi lại")


async def _build(deps: Deps, doc: Document, sender: Any, recipients: list[Any]) -> bytes:
    if sender is None or not recipients:
        raise jobs.GiveUp("Cơ quan gửi hoặc nơi nhận của văn bản không còn trong danh bạ; chưa lập được gói tin")
    files = [(att, await deps.blobs.get(att.sha256)) for att in doc.attachments]
    now = deps.clock.now()
    try:
        packet = packet_from_document(doc, sender, recipients, files, trace_organ=deps.bridge_organ, now=now)
        built = await asyncio.to_thread(build_edoc, packet)  # base64 of every file: off the event loop
        return deps.packets.seal(built)  # signed once, with the packet: a retry sends this very signature
    except EdxmlError as exc:
        raise jobs.GiveUp(f"Không lập được gói tin edXML: {exc}") from exc


async def already_sent(deps: Deps, doc: Document, built_at: datetime) -> str:
    """The DocId under which the axis already holds this document's packet, or "" (not there, or the axis cannot
    say: then the packet is sent again, identical, and a careful axis recognises it)."""
    try:
        rows = await deps.axis.sent("", "edoc")
    except AxisUnavailable as exc:
        raise jobs.RetryLater(f"Trục liên thông không phản hồi (tra cứu gói đã gửi): {exc}") from exc
    except AxisRejected as exc:
        log.warning("getSentEdocList refused (%s): sending document %s again, identical", exc, doc.id)
        return ""
    found = [r for r in rows if _is_ours(r, doc, built_at)]
    return found[0].sender_doc_id if found else ""


def _is_ours(row: SentEdoc, doc: Document, built_at: datetime) -> bool:
    if row.from_code != str(doc.sender) or row.message_type not in ("", "edoc") or not row.sender_doc_id:
        return False
    if row.notation != str(doc.code) or (row.title and row.title.strip() != doc.subject.strip()):
        return False
    sent = _axis_time(row.sent_time, built_at)
    return sent is None or sent >= built_at - SENT_TIME_SKEW


def _axis_time(text: str, like: datetime) -> datetime | None:
    """The axis writes times as Vietnam local text ("2026/12/03 09:15:00"); None when it says something else."""
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip()[:19], fmt).replace(tzinfo=VIETNAM)
        except ValueError:
            continue
    return None


async def _taken(deps: Deps, job: OutboxJob, doc: Document, axis_id: str, how: str) -> None:
    """The axis has the packet: 01 per recipient, the trail, the sender told if it had been told of trouble."""
    now = deps.clock.now()
    note = f"Đã chuyển lên trục liên thông (mã gói {axis_id})" + (f", {how}" if how else "")
    async with deps.uow() as uow:
        doc = await uow.documents.get(doc.id) or doc
        doc.trail.append(StepRecord("relay", Outcome.CONTINUE, now, note))
        await uow.documents.update(doc)
        for organ in doc.recipients:
            event = StatusEvent(StatusCode.ARRIVED, now, "axis", "Trục liên thông đã nhận văn bản")
            await uow.statuses.apply(doc.id, str(organ), event, "bridge")
        if doc.reply_to and await _sender_was_told_of_trouble(uow, doc.id):
            await _receipt(uow, doc, "relayed", f"receipt:{doc.id}:relayed", {"at": now.isoformat()})
        await uow.outbox.complete(job.id)
        await uow.commit()


# --- telling the sender when a relay keeps failing ------------------------------------------------------------


@dataclass(frozen=True)
class RelayHooks:
    """The worker calls these, inside its transaction, when a relay job is rescheduled or buried."""

    notice_after: timedelta = timedelta(minutes=30)  # failing this long: the sender is told it is still trying

    async def retrying(self, uow, deps: Deps, job: OutboxJob, error: str, failing_for: timedelta) -> None:  # type: ignore[no-untyped-def]
        if failing_for < self.notice_after:
            return
        doc = await _registered(uow, job)
        if doc is not None and doc.reply_to:
            since = (job.first_failed_at or deps.clock.now()).isoformat()
            await _receipt(uow, doc, "relay_delayed", _delayed_key(doc.id), {"since": since, "error": error})

    async def buried(self, uow, deps: Deps, job: OutboxJob, error: str) -> None:  # type: ignore[no-untyped-def]
        doc = await _registered(uow, job)
        if doc is not None and doc.reply_to:
            key = _failed_key(doc.id, job.first_failed_at or deps.clock.now())  # once per burial
            await _receipt(uow, doc, "relay_failed", key, {"error": error})


async def _registered(uow, job: OutboxJob) -> Document | None:  # type: ignore[no-untyped-def]
    doc = await uow.documents.get(job.payload.get("document_id", ""))
    return doc if doc is not None and doc.state is ProcessingState.REGISTERED else None


def _delayed_key(doc_id: str) -> str:
    return f"receipt:{doc_id}:relay_delayed"


def _failed_key(doc_id: str, since: datetime) -> str:
    return f"receipt:{doc_id}:relay_failed:{since.isoformat()}"


async def _sender_was_told_of_trouble(uow, doc_id: str) -> bool:  # type: ignore[no-untyped-def]
    return await uow.outbox.has_key(_delayed_key(doc_id)) or await uow.outbox.has_key(
        f"receipt:{doc_id}:relay_failed:", prefix=True
    )


async def _receipt(uow, doc: Document, kind: str, key: str, extra: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    await uow.outbox.enqueue(jobs.RECEIPT, {"document_id": doc.id, "kind": kind, **extra}, key)


async def packet_once(deps: Deps, job: OutboxJob, build: Callable[[], Awaitable[bytes]]) -> bytes:
    """The job's packet: built by `build` on the first try and kept (blob + reference in the payload), the
    stored bytes on every later try."""
    if "packet" in job.payload:
        return await deps.blobs.get(job.payload["packet"])
    packet = await build()
    sha = await deps.blobs.put(packet)
    payload = {**job.payload, "packet": sha, "built_at": deps.clock.now().isoformat()}
    async with deps.uow() as uow:
        await uow.outbox.update_payload(job.id, payload)
        await uow.commit()
    return packet
