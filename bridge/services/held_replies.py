"""A mail reply to a held document's receipt: it completes that document (bridge.services.completion) or is
answered once — never registered as a document, never counted in reports (its inbound row only says why).

Who may complete: the address the receipt went to, or a registered address of the sending agency. A colleague
writing from another address of the agency's domain is not obeyed; the agency's registered mailbox is told.
Anyone else gets no answer (no backscatter). Auto-replies and bounces are recorded and never answered."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bridge.services.completion import MAX_TEXT as MAX_REPLY
from bridge.services.completion import Completion, CompletionOutcome, complete_held
from bridge.services.deps import Deps
from bridge.services.held import held_options, reply_path, tell_sender
from core.agency import Agency
from core.document import Document, ProcessingState
from core.held import HeldToken, reply_text
from core.held_receipt import no_longer_held, nothing_to_complete, sent_from_other_address, token_expired
from core.inbound import InboundMessage
from core.receipt import ReceiptText
from core.records import InboundRecord, InboundState, OutboxJob

log = logging.getLogger(__name__)
DECISION_STEPS = ("clerk_release", "clerk_reject", "completion", "held_expired")


@dataclass(frozen=True, slots=True)
class Standing:
    """How the reply's sender relates to the document's agency."""

    allowed: bool  # may complete it
    answer_to: str  # where an answer goes ("" = nowhere)


async def take_held_reply(
    deps: Deps, job: OutboxJob, record: InboundRecord, msg: InboundMessage, held: HeldToken
) -> None:
    """Handle the mail and finish its job (completing the held document, or answering once)."""
    async with deps.uow() as uow:
        doc = await uow.documents.get(held.document_id)
        agency = await uow.agencies.get(held.organ_id) if held.organ_id else None
        standing = await _standing(uow, msg.sender_address, held, agency)
    note = ""
    if doc is None:
        note = "Mã theo dõi của văn bản không còn"
    elif msg.auto_submitted:
        note = "Thư tự động/thư báo lỗi: không xử lý, không trả lời"
    elif held.expired(deps.clock.now(), held_options(deps).token_lifetime):
        days = held_options(deps).token_lifetime.days
        note = await _answer(deps, record, doc, standing.answer_to, token_expired(held.token, doc, days), "expired")
    elif not standing.allowed:
        if standing.answer_to:
            async with deps.uow() as uow:
                path = await reply_path(uow, deps, doc)
            text = sent_from_other_address(doc, msg.sender_address, path)
            await _answer(deps, record, doc, standing.answer_to, text, "other_address")
        note = f"Trả lời từ địa chỉ không được phép: {msg.sender_address}"
    elif doc.state is not ProcessingState.HELD:
        note = await _answer_decided(deps, record, doc, standing.answer_to)
    else:
        note = await _complete(deps, job, record, msg, doc, standing)
        if note is None:
            return  # recorded with the completion, job finished there
    await _finish(deps, job, record, note)


async def _complete(
    deps: Deps, job: OutboxJob, record: InboundRecord, msg: InboundMessage, doc: Document, standing: Standing
) -> str | None:
    pdf = next(((a.filename or "van-ban.pdf", a.data) for a in msg.attachments if a.data.startswith(b"%PDF-")), None)
    own_text = await asyncio.to_thread(reply_text, msg.body_text)  # CPU on a whole body: off the event loop
    completion = Completion(own_text[:MAX_REPLY], pdf, msg.sender_address, "mail")

    async def finish(uow) -> None:  # type: ignore[no-untyped-def]
        await uow.inbound.set_state(record.id, InboundState.DONE, f"Bổ sung cho văn bản {doc.id}")
        await uow.outbox.complete(job.id)

    result = await complete_held(deps, doc.id, completion, finish=finish)
    match result.outcome:
        case CompletionOutcome.NOTHING:
            async with deps.uow() as uow:
                text = nothing_to_complete(doc, doc.reasons, await reply_path(uow, deps, doc))
                await tell_sender(uow, deps, doc, text, f"reply:{record.id}:nothing", to=standing.answer_to)
                await uow.commit()
            return "Thư trả lời không có thông tin bổ sung (đã trả lời)"
        case CompletionOutcome.NOT_HELD:
            return await _answer_decided(deps, record, result.document or doc, standing.answer_to)
        case CompletionOutcome.WAITING:
            from bridge.services.jobs import RetryLater

            raise RetryLater(result.message)
    return None


async def _answer_decided(deps: Deps, record: InboundRecord, doc: Document, to: str) -> str:
    async with deps.uow() as uow:
        current = await uow.documents.get(doc.id) or doc
        contact = await bridge_contact(uow, deps)
    decided = next((r.detail for r in reversed(current.trail) if r.step in DECISION_STEPS), "")
    await _answer(deps, record, current, to, no_longer_held(current, decided, contact), "decided")
    return f"Trả lời cho văn bản không còn tạm giữ ({current.state.value})"


async def bridge_contact(uow, deps: Deps) -> str:  # type: ignore[no-untyped-def]
    """Whom to contact about a decided document: the bridge's operator agency as the directory knows it."""
    agency = await uow.agencies.get(deps.bridge_organ) if deps.bridge_organ else None
    if agency is None:
        return "cán bộ quản trị cầu nối (Văn phòng UBND tỉnh)"
    ways = [w for w in (agency.telephone and f"điện thoại {agency.telephone}", agency.mailbox) if w]
    return f"cán bộ quản trị cầu nối ({agency.name}{', ' + ', '.join(ways) if ways else ''})"


async def _answer(deps: Deps, record: InboundRecord, doc: Document, to: str, text: ReceiptText, kind: str) -> str:
    if to:
        async with deps.uow() as uow:
            await tell_sender(uow, deps, doc, text, f"reply:{record.id}:{kind}", to=to)
            await uow.commit()
    return text.subject


async def _standing(uow, sender: str, held: HeldToken, agency: Agency | None) -> Standing:  # type: ignore[no-untyped-def]
    sender = sender.strip().lower()
    if sender and (sender == held.address.strip().lower() or (agency is not None and agency.owns_address(sender))):
        return Standing(True, sender)
    if agency is not None and agency.mailbox and _domain(sender) in {_domain(e) for e in agency.emails}:
        return Standing(False, agency.mailbox)  # a colleague's address: the registered mailbox is told
    known = await uow.agencies.by_email(sender) if sender else None
    return Standing(False, sender if known is not None else "")


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


async def _finish(deps: Deps, job: OutboxJob, record: InboundRecord, note: str) -> None:
    async with deps.uow() as uow:
        await uow.inbound.set_state(record.id, InboundState.DONE, note)
        await uow.outbox.complete(job.id)
        await uow.commit()
    log.info("reply %s to a held document: %s", record.id, note)
