"""Completing a held document: the sender's missing `Key: value` lines (and optionally a corrected PDF) are merged
into the document as it arrived and every check runs again. The same document goes on — registered, still held
or rejected — never a new one. One use case for every channel: a mail reply, a chat reply, the dashboard form.

The completion is kept in the document's trail (step "completion": the lines, the PDF's blob, who, how), so a
later completion builds on the earlier ones."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bridge.pipeline.inspection import Directory, Inspection
from bridge.pipeline.run import run_pipeline
from bridge.pipeline.steps import PDF_TYPES
from bridge.services import jobs
from bridge.services.deps import Deps
from bridge.services.duplicates import hold_if_duplicate
from bridge.services.held import reply_path, tell_sender
from bridge.services.inbound import register_outgoing
from bridge.services.receive import load_raw
from bridge.services.relay import order_key
from core import receipt
from core.document import Attachment, Document, ProcessingState, Signer
from core.held import completed_fields, merged_lines, waiting_for_checks
from core.held_receipt import STATE_LABELS
from core.inbound import Channel, InboundAttachment
from core.metadata import REQUIRED
from core.urgency import Urgency
from core.verdict import Outcome, StepRecord

log = logging.getLogger(__name__)
COMPLETION_STEP = "completion"
FIELD_LABELS = {
    **REQUIRED,
    "place": "Nơi ban hành",
    "signer_name": "Người ký",
    "signer_position": "Chức vụ",
    "urgency": "Độ khẩn",
    "due_date": "Hạn xử lý",
    "page_amount": "Số trang",
    "appendixes": "Phụ lục",
}


MAX_TEXT = 20_000  # characters of a completion's own text read (the dashboard form's limit too)
AUDITED_CHANNELS = frozenset({"dashboard", "chatbot"})  # people with accounts; a sender's mail reply is evidence


class CompletionOutcome(StrEnum):
    REGISTERED = "registered"  # complete and every check passed: relayed like any accepted document
    HELD = "held"  # still held (something is still missing or a check holds it): a new receipt says what
    REJECTED = "rejected"  # a check refused it: the rejection receipt says why
    NOTHING = "nothing"  # no `Key: value` line and no PDF: nothing changed
    NOT_HELD = "not_held"  # decided meanwhile (registered, rejected, expired): nothing changed
    WAITING = "waiting"  # a dependency (clamd, DNS) is down: nothing changed, try again later


@dataclass(frozen=True, slots=True)
class Completion:
    text: str  # the sender's own text (quotes removed): its `Key: value` lines are read
    pdf: tuple[str, bytes] | None = None  # a corrected main document
    actor: str = ""  # who completed it (address, official, dashboard user)
    channel: str = "mail"  # mail | chatbot | dashboard


@dataclass(frozen=True, slots=True)
class CompletionResult:
    outcome: CompletionOutcome
    document: Document | None
    message: str  # one Vietnamese sentence for the page or the chat


Finish = Callable[[Any], Awaitable[None]]  # (uow) → None: the caller's own effects, in the same transaction


async def complete_held(
    deps: Deps, doc_id: str, completion: Completion, *, finish: Finish | None = None
) -> CompletionResult:
    """Merge the completion into held document `doc_id` and rerun its checks. Raises LookupError (Vietnamese)
    for an unknown document. `finish` runs in the transaction that records the completion (a mail reply's job
    is completed there: a crash never applies one reply twice)."""
    async with deps.uow() as uow:
        doc = await uow.documents.get(doc_id)
        record = await uow.inbound.get(doc.inbound_id) if doc is not None and doc.inbound_id else None
        agencies = await uow.agencies.list()
    if doc is None or record is None:
        raise LookupError("Không tìm thấy văn bản cần bổ sung.")
    if doc.state is not ProcessingState.HELD:
        return _not_held(doc)
    if waiting_for_checks(doc):
        return CompletionResult(CompletionOutcome.WAITING, doc, "Văn bản đang được kiểm tra lại; thử lại sau ít phút.")
    completion = dataclasses.replace(completion, text=completion.text[:MAX_TEXT])
    fields = completed_fields(completion.text)
    if not fields and completion.pdf is None:
        return CompletionResult(CompletionOutcome.NOTHING, doc, "Chưa có thông tin bổ sung nào (dòng «Khóa: giá trị»).")
    raw = await load_raw(deps, record)
    original = deps.parse_message(raw)
    earlier = [r.data for r in doc.trail if r.step == COMPLETION_STEP]
    pdf = completion.pdf or await _earlier_pdf(deps, earlier)
    attachments = list(original.attachments)
    if pdf is not None:  # the corrected PDF replaces the ones that came first (kept as evidence in the mail)
        attachments = [a for a in attachments if not _pdf(a)] + [InboundAttachment(pdf[0], "application/pdf", pdf[1])]
    updates = [*(str(e.get("lines", "")) for e in earlier), completion.text]
    text = await asyncio.to_thread(merged_lines, original.body_text, *updates)  # a whole body: off the loop
    amended = dataclasses.replace(original, body_text=text, attachments=attachments)
    ins = Inspection(record, raw, Directory(agencies), Channel(record.channel))
    checking = copy.copy(deps)  # the same ports, reading the completed message instead of the stored bytes
    checking.parse_message = lambda _raw: amended
    await run_pipeline(ins, checking)
    if ins.outcome is Outcome.RETRY:
        return CompletionResult(CompletionOutcome.WAITING, doc, "Máy quét tạm ngừng; phần bổ sung sẽ cần gửi lại sau.")
    sha = await deps.blobs.put(completion.pdf[1]) if completion.pdf else None
    return await _record(deps, doc_id, completion, fields, ins, attachments, sha, finish)


async def _record(
    deps: Deps,
    doc_id: str,
    completion: Completion,
    fields: list[str],
    ins: Inspection,
    attachments: list[InboundAttachment],
    sha: str | None,
    finish: Finish | None,
) -> CompletionResult:
    now = deps.clock.now()
    labels = ", ".join(FIELD_LABELS.get(f, f) for f in fields) + (", tệp PDF" if completion.pdf else "")
    detail = f"Bổ sung qua {completion.channel} ({completion.actor}): {labels.strip(', ')}"
    data = {"lines": completion.text, "actor": completion.actor, "channel": completion.channel}
    if completion.pdf and sha:
        data["pdf"] = [completion.pdf[0], sha]
    files = {a.filename: await deps.blobs.put(a.data) for a in attachments}
    async with deps.uow() as uow:
        doc = await uow.documents.get(doc_id)
        if doc is None or doc.state is not ProcessingState.HELD:
            return _not_held(doc) if doc else CompletionResult(CompletionOutcome.NOT_HELD, None, "Không còn văn bản.")
        _apply(doc, ins, attachments, files)
        await hold_if_duplicate(uow, ins, doc)  # the completed identifier may be another document's
        doc.reasons = list(ins.reasons)
        doc.trail += [StepRecord(COMPLETION_STEP, ins.outcome, now, detail, data), *ins.trail]
        outcome = await _decide(uow, deps, doc, ins)
        if outcome is None:
            message = "Văn bản vừa được tiếp nhận theo cách khác; phần bổ sung không được ghi nhận."
            return CompletionResult(CompletionOutcome.NOT_HELD, doc, message)  # rolled back
        if completion.channel in AUDITED_CHANNELS:  # a user's or an official's action: audited with the change
            await deps.audit.record_in(
                uow.audit, completion.actor, "document.complete", doc_id, channel=completion.channel,
                fields=[FIELD_LABELS.get(f, f) for f in fields], file=completion.pdf[0] if completion.pdf else "",
                outcome=outcome.value,
            )  # fmt: skip
        if finish is not None:
            await finish(uow)
        await uow.commit()
    log.info("held document %s completed via %s: %s", doc_id, completion.channel, outcome)
    return CompletionResult(outcome, doc, _MESSAGES[outcome])


async def _decide(uow, deps: Deps, doc: Document, ins: Inspection) -> CompletionOutcome | None:  # type: ignore[no-untyped-def]
    match ins.outcome:
        case Outcome.CONTINUE:
            # the relay job's unique key: a concurrent release or completion makes this one roll back
            relay = {"document_id": doc.id}
            if not await uow.outbox.enqueue(jobs.RELAY, relay, f"relay:{doc.id}", order_key=order_key(doc.id)):
                return None
            doc.state = ProcessingState.REGISTERED
            await uow.documents.update(doc)
            await register_outgoing(uow, deps, doc)
            return CompletionOutcome.REGISTERED
        case Outcome.REJECT:
            doc.state = ProcessingState.REJECTED
            await uow.documents.update(doc)
            if doc.reply_to:
                payload = {"document_id": doc.id, "kind": "rejected"}
                await uow.outbox.enqueue(jobs.RECEIPT, payload, f"receipt:{doc.id}:rejected")
            return CompletionOutcome.REJECTED
    await uow.documents.update(doc)
    if doc.reply_to:
        path = await reply_path(uow, deps, doc)
        text = receipt.held_receipt(doc, doc.reasons, path=path)
        await tell_sender(uow, deps, doc, text, f"held:receipt:{doc.id}:{len(doc.trail)}", capped=False)
    return CompletionOutcome.HELD


_MESSAGES = {
    CompletionOutcome.REGISTERED: "Đã đủ thông tin: văn bản được tiếp nhận và đang chuyển tới nơi nhận.",
    CompletionOutcome.HELD: "Đã ghi nhận phần bổ sung; văn bản vẫn tạm giữ (xem lý do còn lại).",
    CompletionOutcome.REJECTED: "Sau khi bổ sung, văn bản không đạt kiểm tra và bị từ chối (xem lý do).",
}


def _not_held(doc: Document) -> CompletionResult:
    return CompletionResult(
        CompletionOutcome.NOT_HELD, doc, f"Văn bản {STATE_LABELS[doc.state]}; phần bổ sung không được ghi nhận."
    )


def _apply(doc: Document, ins: Inspection, attachments: list[InboundAttachment], files: dict[str, str]) -> None:
    """The document takes the checked metadata and files (as process_inbound builds a new one)."""
    meta, msg = ins.meta, ins.message
    doc.recipients = [a.organ_id for a in ins.recipients]
    doc.code, doc.issued_date, doc.place, doc.type_name = meta.code, meta.issued_date, meta.place, meta.type_name
    doc.subject = meta.subject or (msg.subject if msg else doc.subject)
    doc.signer = Signer(meta.signer_name, meta.signer_position, meta.signer_competence)
    doc.urgency, doc.due_date = meta.urgency or Urgency.THUONG, meta.due_date
    doc.page_amount, doc.appendixes = meta.page_amount, list(meta.appendixes)
    doc.attachments = [
        Attachment(a.filename, a.content_type, files[a.filename], len(a.data),
                   f"Đã cách ly: chứa mã độc {ins.quarantined[a.filename]}" if a.filename in ins.quarantined else "")
        for a in attachments
    ]  # fmt: skip


async def _earlier_pdf(deps: Deps, earlier: list[dict[str, object]]) -> tuple[str, bytes] | None:
    for data in reversed(earlier):
        if isinstance(found := data.get("pdf"), list) and len(found) == 2:
            return str(found[0]), await deps.blobs.get(str(found[1]))
    return None


def _pdf(a: InboundAttachment) -> bool:
    return a.data.startswith(b"%PDF-") and (a.content_type in PDF_TYPES or a.filename.lower().endswith(".pdf"))
