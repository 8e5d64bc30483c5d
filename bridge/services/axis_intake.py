"""Packets from the axis for the agencies the bridge serves.

Intake (the poller): getEdoc → the raw packet stored durably as an inbound item (channel AXIS, source_ref
`axis:<docId>`, recipient = the served organ) with its processing job → only then updateStatus done. Nothing is
parsed here, so no packet, however hostile, can stop the poll: each item is taken on its own.
Processing (the job, through process_inbound): parse; a new document is checked (the pipeline's attachment
steps), registered in the agency's sổ đến, status 01 goes back and the delivery mail goes to its mailbox;
revoke/update/replace go to bridge.services.recall. A packet that does not parse stays stored as evidence with
its error and is answered with status 02 and the reason (built once, sent by its own job).
A packet carrying an XML-DSig Signature that does not hold (or an unsigned one, with [axis]
require_signed_packets) is refused the same way (bridge.edxml.dsig).
Status packets are parsed at once: 13 → recall, the others → apply_status; one that does not parse (or whose
signature does not hold) is stored as evidence (state failed, with the error) and acknowledged — never answered
with a status (two systems could bounce refusals at each other forever).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import uuid
from typing import Any

from bridge.edxml import BussinessDocType, EdocPacket, EdxmlError, build_status, parse_edoc, parse_status
from bridge.edxml.mapping import DocumentFields, document_fields_from_packet, status_packet
from bridge.edxml.salvage import salvage_reference
from bridge.pipeline.inspection import Directory, Inspection
from bridge.pipeline.run import run_pipeline
from bridge.pipeline.steps import STEPS
from bridge.services import jobs, recall, receive
from bridge.services.deliveries import VIETNAM, enqueue_agency_mail, record_status
from bridge.services.deps import Deps
from bridge.services.register_numbers import arrival_number
from bridge.services.relay import refusal
from bridge.services.statuses import apply_status
from core import receipt
from core.agency import Agency
from core.delivery import Delivery
from core.document import Attachment, Book, Direction, Document, ProcessingState
from core.inbound import Channel, InboundAttachment, InboundMessage
from core.organ_id import InvalidOrganId, OrganId
from core.ports import AxisItem, AxisRejected, AxisUnavailable
from core.records import InboundRecord, InboundState, OutboxJob
from core.reply_keywords import new_token
from core.status import StatusCode
from core.verdict import Outcome

log = logging.getLogger(__name__)

# The pipeline steps that check attachments (the others read a mail); names absent from STEPS are skipped.
ATTACHMENT_CHECKS = ("collect_pdfs", "scan", "check_completeness", "verify_signatures")
REFUSAL = "axis_refusal"  # job: the status 02 answering a packet that could not be read
REFUSAL_STAFF = "Cầu nối văn bản điện tử"
_MAX_REASON = 500


# --- polling ------------------------------------------------------------------------------------------------


async def poll_axis_inbox(deps: Deps) -> int:
    """One poll of documents and status packets; returns how many items were taken. One item's trouble never
    keeps the others (of this poll, of either kind) from being taken."""
    taken = 0
    for kind, take in (("edoc", take_document), ("status", take_status_item)):
        try:
            items = await deps.axis.received(kind)
        except AxisUnavailable:
            continue
        for item in items:
            try:
                await take(deps, item)
                taken += 1
            except AxisUnavailable as exc:  # left on the axis: taken again at the next poll
                log.warning("axis item %s not taken: %s", item.doc_id, exc)
            except Exception:  # a bug or a database hiccup: this item waits for the next poll, the rest go on
                log.exception("axis item %s (%s) not taken", item.doc_id, kind)
    return taken


async def take_document(deps: Deps, item: AxisItem) -> None:
    data = await deps.axis.get_edoc(item.doc_id)
    await receive.store_raw(
        deps, data, channel=Channel.AXIS, source_ref=f"axis:{item.doc_id}",
        envelope_from=item.from_code, recipients=(item.to_code,),
    )  # fmt: skip
    # Stored, so taken: `done` even for a packet that will not parse — its job answers the sender with 02, and a
    # `fail` could have the axis offer the same bytes again at every poll.
    await deps.axis.update_status(item.doc_id, "done")


async def take_status_item(deps: Deps, item: AxisItem) -> None:
    data = await deps.axis.get_edoc(item.doc_id)
    try:
        packet = await asyncio.to_thread(parse_status, data)
    except EdxmlError as exc:
        await _keep_refused_status(deps, item, data, f"Gói tin trạng thái không đọc được: {exc}")
        await deps.axis.update_status(item.doc_id, "done")
        return
    refusal = await asyncio.to_thread(deps.packets.refusal, data, deps.clock.now())
    if refusal:
        await _keep_refused_status(deps, item, data, f"Gói tin trạng thái bị từ chối vì chữ ký số: {refusal}")
        await deps.axis.update_status(item.doc_id, "done")
        return
    sender = packet.from_
    if packet.status_code is StatusCode.RECALL_REQUESTED:
        name = sender.organ_name or sender.organ_id
        at = packet.timestamp
        await recall.request_recall(deps, packet.response_for.document_id, item.to_code, name, packet.description, at)
    else:
        doc_id = packet.response_for.document_id
        code = packet.status_code
        await apply_status(deps, doc_id, sender.organ_id, code, packet.description, packet.timestamp)
    await deps.axis.update_status(item.doc_id, "done")


async def _keep_refused_status(deps: Deps, item: AxisItem, data: bytes, error: str) -> None:
    log.warning("status packet %s refused: %s", item.doc_id, error)
    record = InboundRecord(
        channel=Channel.AXIS,
        source_ref=f"axis-status:{item.doc_id}",
        raw_sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        received_at=deps.clock.now(),
        envelope_from=item.from_code,
        recipients=(item.to_code,),
        state=InboundState.FAILED,
        last_error=error[:_MAX_REASON],
    )
    async with deps.uow() as uow:
        await uow.inbound.add(record, data)  # no job: evidence only; a redelivery is the same row
        await uow.commit()


# --- processing (the inbound job) ---------------------------------------------------------------------------


async def process_axis_document(deps: Deps, job: OutboxJob, record: InboundRecord) -> None:
    raw = await receive.load_raw(deps, record)
    try:
        packet = await asyncio.to_thread(parse_edoc, raw)
    except EdxmlError as exc:
        await _refuse_packet(deps, job, record, raw, f"Gói tin edXML không đọc được: {exc}")
        return
    refusal = await asyncio.to_thread(deps.packets.refusal, raw, deps.clock.now())
    if refusal:
        await _refuse_packet(deps, job, record, raw, f"Gói tin bị từ chối vì chữ ký số: {refusal}")
        return
    fields = document_fields_from_packet(packet)
    organ = record.recipients[0] if record.recipients else ""
    async with deps.uow() as uow:
        agencies = await uow.agencies.list()
    directory = Directory(agencies)
    agency = directory.by_organ(organ)
    if agency is None or not agency.served:
        await _finish(deps, job, record, InboundState.FAILED, f"Cơ quan {organ} không do cầu nối phục vụ")
        return
    sender = directory.by_organ(fields.sender_raw)
    sender_name = fields.sender_name or (sender.name if sender else fields.sender_raw)
    kind = fields.business_doc_type
    if kind is BussinessDocType.REVOKE:
        async with deps.uow() as uow:
            await recall.revoke(uow, deps, packet.document_id, organ, sender_name, fields.business_reason,
                                replaced=False)  # fmt: skip
            await _done(uow, job, record)
            await uow.commit()
        return
    superseded = _superseded(packet, fields, kind)
    await _register_incoming(deps, job, record, packet, fields, agency, sender, sender_name, superseded)


def _superseded(packet: EdocPacket, fields: DocumentFields, kind: BussinessDocType) -> list[str]:
    if kind is BussinessDocType.REPLACE:
        return fields.replaced_document_ids
    if kind is BussinessDocType.UPDATE:
        return [packet.document_id]
    return []


async def _register_incoming(
    deps: Deps,
    job: OutboxJob,
    record: InboundRecord,
    packet: EdocPacket,
    fields: DocumentFields,
    agency: Agency,
    sender: Agency | None,
    sender_name: str,
    superseded: list[str],
) -> None:
    organ = str(agency.organ_id)
    ins = await _check(deps, record, packet, sender)
    if ins.outcome is Outcome.RETRY:
        raise jobs.RetryLater("; ".join(r.message for r in ins.reasons if r.outcome is Outcome.RETRY))
    doc = await _document(deps, record, packet, fields, organ)
    # only a rejection (virus) stops the delivery: what would hold a mail for our clerk goes to the receiving
    # agency's clerk as notes in the delivery mail — accepting (03) or refusing (02) is theirs to decide
    doc.state = ProcessingState.REJECTED if ins.outcome is Outcome.REJECT else ProcessingState.REGISTERED
    doc.reasons, doc.trail = list(ins.reasons), list(ins.trail)
    async with deps.uow() as uow:
        repo = uow.deliveries
        if not superseded and await repo.for_edxml(packet.document_id, organ):
            log.info("axis packet %s for %s already delivered", packet.document_id, organ)
            await _done(uow, job, record)
            await uow.commit()
            return
        for old in superseded:
            await recall.revoke(uow, deps, old, organ, sender_name, fields.business_reason, replaced=True)
        await uow.documents.add(doc)
        await _arrived(uow, deps, doc, organ)
        if doc.state is ProcessingState.REJECTED:
            reason = "; ".join(r.message for r in doc.reasons if r.outcome is Outcome.REJECT)
            await record_status(uow, deps, doc.id, organ, StatusCode.REJECTED, "edoc-bridge", reason, source="check")
        elif doc.state is ProcessingState.REGISTERED:
            await _deliver(uow, deps, doc, agency, sender_name, packet.document_id)
        await _done(uow, job, record)
        await uow.commit()


async def _check(deps: Deps, record: InboundRecord, packet: EdocPacket, sender: Agency | None) -> Inspection:
    """The pipeline's attachment checks (scan, signatures, completeness) over the packet's files."""
    ins = Inspection(record, b"", Directory([sender] if sender else []), Channel.AXIS)
    files = [InboundAttachment(a.name, a.content_type, a.data) for a in packet.attachments]
    ins.message = InboundMessage(Channel.AXIS, sender_address=packet.from_.organ_id, attachments=files)
    ins.agency = sender
    steps = [(name, step) for name, step in STEPS if name in ATTACHMENT_CHECKS]
    return await run_pipeline(ins, deps, steps)


async def _arrived(uow, deps: Deps, doc: Document, organ: str) -> None:  # type: ignore[no-untyped-def]
    """Sổ đến of the recipient (only when registered) and status 01, sent back at once (NĐ 30 Điều 21.2.c)."""
    if doc.state is ProcessingState.REGISTERED:
        local = deps.clock.now().astimezone(VIETNAM)
        await uow.register.next_entry(organ, Book.INCOMING, doc.id, local)
    await record_status(uow, deps, doc.id, organ, StatusCode.ARRIVED, "edoc-bridge", "", source="axis")


async def _deliver(uow, deps: Deps, doc: Document, agency: Agency, sender_name: str, edxml_id: str) -> None:  # type: ignore[no-untyped-def]
    token = new_token()
    mailbox = agency.mailbox or ""
    await uow.deliveries.add(
        Delivery(token, doc.id, str(agency.organ_id), edxml_id, str(doc.sender or ""), mailbox, deps.clock.now())
    )
    if not mailbox:
        log.warning("agency %s has no mailbox: document %s waits for the bot/dashboard", agency.organ_id, doc.id)
        return
    text = receipt.delivery_notice(doc, sender_name, token, await arrival_number(uow, doc.id, str(agency.organ_id)))
    notes = [r.message for r in doc.reasons if r.outcome is Outcome.HOLD]
    if notes:
        extra = "\n".join(["Lưu ý khi kiểm tra văn bản:", *(f"  - {n}" for n in notes), "", ""])
        head, sep, tail = text.body.partition("Để báo trạng thái")
        text = receipt.ReceiptText(text.subject, head + extra + sep + tail)
    await enqueue_agency_mail(
        uow, deps, f"delivery:{doc.id}", mailbox, text, token=token, purpose="delivery",
        document=doc, attachments=doc.attachments, capped=False,
    )  # fmt: skip


async def _document(deps: Deps, record: InboundRecord, packet: EdocPacket, f: DocumentFields, organ: str) -> Document:
    attachments = []
    for a in packet.attachments:
        sha = await deps.blobs.put(a.data)
        attachments.append(Attachment(a.name, a.content_type, sha, len(a.data), a.description))
    return Document(
        id=uuid.uuid4().hex,
        direction=Direction.INCOMING,
        channel=Channel.AXIS,
        received_at=record.received_at,
        sender=f.sender,
        recipients=[OrganId.parse(organ)],
        code=f.code,
        issued_date=f.issued_date,
        place=f.place,
        type_name=f.type_name,
        subject=f.subject,
        signer=f.signer,
        urgency=f.urgency,
        due_date=f.due_date,
        page_amount=f.page_amount,
        appendixes=list(f.appendixes),
        attachments=attachments,
        inbound_id=record.id,
        edxml_document_id=packet.document_id,
    )


async def _done(uow, job: OutboxJob, record: InboundRecord) -> None:  # type: ignore[no-untyped-def]
    await uow.inbound.set_state(record.id, InboundState.DONE)
    await uow.outbox.complete(job.id)


async def _finish(deps: Deps, job: OutboxJob, record: InboundRecord, state: InboundState, error: str) -> None:
    log.warning("axis inbound %s: %s", record.id, error)
    async with deps.uow() as uow:
        await uow.inbound.set_state(record.id, state, error)
        await uow.outbox.complete(job.id)
        await uow.commit()


# --- packets that cannot be read ---------------------------------------------------------------------------


async def _refuse_packet(deps: Deps, job: OutboxJob, record: InboundRecord, raw: bytes, error: str) -> None:
    """Keep the packet as evidence with its error and answer its sender with status 02 and the reason."""
    error = error[:_MAX_REASON]
    organ = record.recipients[0] if record.recipients else ""
    try:
        about = await asyncio.to_thread(salvage_reference, raw)
    except EdxmlError:
        about = None
    sender = (about.organ_id if about else "") or record.envelope_from
    async with deps.uow() as uow:
        reporter = await uow.agencies.get(organ) if organ else None
    packet = _refusal_packet(deps, record, about, sender, reporter, error) if reporter else None
    if packet is None:
        await _finish(deps, job, record, InboundState.FAILED, f"{error} (không trả lời được: thiếu cơ quan gửi/nhận)")
        return
    async with deps.uow() as uow:
        await uow.inbound.set_state(record.id, InboundState.FAILED, error)
        payload = {"organ": organ, "packet": base64.b64encode(packet).decode("ascii"), "inbound_id": record.id}
        await uow.outbox.enqueue(REFUSAL, payload, f"{REFUSAL}:{record.id}")
        await uow.outbox.complete(job.id)
        await uow.commit()
    log.warning("axis inbound %s refused with 02: %s", record.id, error)


def _refusal_packet(
    deps: Deps, record: InboundRecord, about: Any, sender: str, reporter: Agency, error: str
) -> bytes | None:
    """The 02, built once (the job re-sends these exact bytes). The document is named as far as it can be read;
    when even its DocumentId is gone, the axis docId stands in (the sender finds it in getSentEdocList)."""
    try:
        OrganId.parse(sender)
    except InvalidOrganId:
        return None
    document_id = (about.document_id if about else "") or record.source_ref.removeprefix("axis:")
    status = status_packet(
        document_id,
        about.code if about else "",
        about.promulgation_date if about else None,
        sender,
        reporter,
        StatusCode.REJECTED,
        error,
        REFUSAL_STAFF,
        deps.clock.now().astimezone(VIETNAM),
    )
    try:
        return deps.packets.seal(build_status(status))
    except EdxmlError:
        return None


async def send_refusal(deps: Deps, job: OutboxJob) -> None:
    """`axis_refusal` job: send the stored 02 as it was built."""
    packet = base64.b64decode(job.payload["packet"])
    try:
        await deps.axis.send_edoc(job.payload["organ"], packet, "status")
    except AxisUnavailable as exc:
        raise jobs.RetryLater(f"Trục liên thông không phản hồi: {exc}") from exc
    except AxisRejected as exc:  # only a FAIL about the packet itself is final; -1 and the like: later
        raise refusal(exc, "gói trạng thái 02") from exc
    async with deps.uow() as uow:
        await uow.outbox.complete(job.id)
        await uow.commit()


def handlers() -> dict[str, Any]:
    return {REFUSAL: send_refusal}
