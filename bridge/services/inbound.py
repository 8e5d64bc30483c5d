"""Process one stored inbound item: run the pipeline, then record the decision and its effects atomically."""

from __future__ import annotations

import uuid
from datetime import timedelta

from bridge.pipeline.answers import answer_address
from bridge.pipeline.inspection import Directory, Inspection
from bridge.pipeline.run import run_pipeline
from bridge.services import jobs
from bridge.services.deps import Deps
from bridge.services.duplicates import hold_if_duplicate
from bridge.services.receive import load_raw
from bridge.services.relay import order_key
from bridge.worker import Backoff
from core.document import Attachment, Book, Direction, Document, ProcessingState, Signer
from core.inbound import Channel
from core.records import InboundState, OutboxJob
from core.urgency import Urgency
from core.verdict import Outcome
from core.vn_time import VIETNAM

_MAX_TRAIL = 200  # a document waiting days for clamd keeps only its latest attempts
# While clamd or DNS is down the pipeline job tries again after these waits; the cap is replaced by
# `checks.scan_retry_max_delay` (a waiting document is tried at least that often, so it moves soon after
# the dependency returns). There is no last attempt: waits are counted in the job's payload ("waits"), not as
# attempts, so the job never becomes a dead letter for waiting, nor sooner for a real failure afterwards.
DEPENDENCY_WAIT = Backoff(initial=2.0, factor=2.0, maximum=60.0, jitter=1.0)
_STATE = {Outcome.REJECT: ProcessingState.REJECTED, Outcome.HOLD: ProcessingState.HELD}


async def process_inbound(deps: Deps, job: OutboxJob) -> None:
    inbound_id = job.payload["inbound_id"]
    async with deps.uow() as uow:
        record = await uow.inbound.get(inbound_id)
        agencies = await uow.agencies.list()
        earlier = await uow.documents.by_inbound(inbound_id)
    if record is None:
        raise jobs.GiveUp(f"inbound {inbound_id} not found")
    if earlier is not None and not waiting_for_retry(earlier):  # a clerk decided meanwhile
        async with deps.uow() as uow:
            await uow.outbox.complete(job.id)
            await uow.commit()
        return
    raw = await load_raw(deps, record)
    ins = Inspection(record, raw, Directory(agencies), Channel(record.channel))
    await run_pipeline(ins, deps)
    doc = await _document(deps, ins)
    if ins.outcome is Outcome.RETRY:
        await _wait_and_retry(deps, job, ins, doc)
        return
    async with deps.uow() as uow:
        earlier = await uow.documents.by_inbound(record.id)  # held while a dependency was down
        if earlier is not None:
            doc.id = earlier.id
        await hold_if_duplicate(uow, ins, doc)
        doc.state = _STATE.get(ins.outcome, ProcessingState.REGISTERED)
        doc.reasons, doc.trail = list(ins.reasons), [*(earlier.trail if earlier else []), *ins.trail]
        await (uow.documents.update(doc) if earlier is not None else uow.documents.add(doc))
        if doc.state is ProcessingState.REGISTERED:
            await register_outgoing(uow, deps, doc)
        elif not ins.silent and doc.reply_to:
            kind = "rejected" if doc.state is ProcessingState.REJECTED else "held"
            await uow.outbox.enqueue(jobs.RECEIPT, {"document_id": doc.id, "kind": kind}, f"receipt:{doc.id}:{kind}")
        await uow.inbound.set_state(record.id, InboundState.DONE)
        await uow.outbox.complete(job.id)
        await uow.commit()


async def _wait_and_retry(deps: Deps, job: OutboxJob, ins: Inspection, doc: Document) -> None:
    """A dependency (clamd, DNS) is down: show the document as held-for-retry and run the job again later.

    The job reschedules itself (DEPENDENCY_WAIT) instead of raising RetryLater, and gives its claim back, so the
    worker never buries a document because clamd stayed down: it is processed when clamd returns, without the
    sender resending. Nothing is sent to the sender meanwhile."""
    why = "; ".join(r.message for r in ins.reasons if r.outcome is Outcome.RETRY)
    waits = int(job.payload.get("waits", 0)) + 1
    delay = dependency_wait(deps).delay(waits)
    async with deps.uow() as uow:
        earlier = await uow.documents.by_inbound(ins.inbound.id)
        if earlier is not None:
            doc.id = earlier.id
        doc.state, doc.reasons = ProcessingState.HELD, list(ins.reasons)
        doc.trail = [*(earlier.trail if earlier else []), *ins.trail][-_MAX_TRAIL:]
        await (uow.documents.update(doc) if earlier is not None else uow.documents.add(doc))
        await uow.outbox.wait(job.id, why, deps.clock.now() + timedelta(seconds=delay), {**job.payload, "waits": waits})
        await uow.commit()


def dependency_wait(deps: Deps) -> Backoff:
    return DEPENDENCY_WAIT.capped(deps.checks.scan_retry_max_delay)


def waiting_for_retry(doc: Document) -> bool:
    """Held only because a dependency was down: the checks are not finished, a clerk cannot release it."""
    return any(r.outcome is Outcome.RETRY for r in doc.reasons)


async def register_outgoing(uow, deps: Deps, doc: Document) -> None:  # type: ignore[no-untyped-def]
    """Sổ đi of the sending agency, then relay + receipt in the same transaction. Status 01 comes when the axis
    has taken the packet (bridge.services.relay); until then the document is "đang chuyển"."""
    assert doc.sender is not None
    now = deps.clock.now()
    await uow.register.next_entry(doc.sender, Book.OUTGOING, doc.id, now.astimezone(VIETNAM))
    await uow.outbox.enqueue(jobs.RELAY, {"document_id": doc.id}, f"relay:{doc.id}", order_key=order_key(doc.id))
    if doc.reply_to:
        await uow.outbox.enqueue(
            jobs.RECEIPT, {"document_id": doc.id, "kind": "accepted"}, f"receipt:{doc.id}:accepted"
        )


async def _document(deps: Deps, ins: Inspection) -> Document:
    msg, meta = ins.message, ins.meta
    attachments = []
    for att in msg.attachments if msg else []:
        sha = await deps.blobs.put(att.data)  # infected files too: kept as evidence, marked, never relayed
        virus = ins.quarantined.get(att.filename)
        note = f"Đã cách ly: chứa mã độc {virus}" if virus else ""
        attachments.append(Attachment(att.filename, att.content_type, sha, len(att.data), note))
    return Document(
        id=uuid.uuid4().hex,
        direction=Direction.OUTGOING,
        channel=ins.channel,
        received_at=ins.inbound.received_at,
        sender=ins.agency.organ_id if ins.agency else None,
        recipients=[a.organ_id for a in ins.recipients],
        code=meta.code,
        issued_date=meta.issued_date,
        place=meta.place,
        type_name=meta.type_name,
        subject=meta.subject or (msg.subject if msg else ""),
        signer=Signer(meta.signer_name, meta.signer_position, meta.signer_competence),
        urgency=meta.urgency or Urgency.THUONG,
        due_date=meta.due_date,
        page_amount=meta.page_amount,
        appendixes=list(meta.appendixes),
        attachments=attachments,
        inbound_id=ins.inbound.id,
        reply_to=_reply_to(ins, deps),
    )


def _reply_to(ins: Inspection, deps: Deps) -> str:
    """Where receipts go (the channel the document came in; for the chatbot the uploading chat), or "" when
    nobody may be answered (bridge.pipeline.answers: no backscatter, no loops)."""
    msg = ins.message
    if ins.channel is Channel.BOT and msg is not None and msg.headers.get("x-edoc-reply-chat"):
        return msg.headers["x-edoc-reply-chat"]
    return answer_address(ins, deps)
