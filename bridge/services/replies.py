"""An agency's mail reply to a delivery or recall notice: a status keyword → status packet to the sender.

A mail is a reply when it carries the token of a known delivery: the X-Edoc-Token header, In-Reply-To /
References (our Message-IDs embed the token), the subject or the body. Replies are handled before the
document pipeline. Rules:
- auto-replies and bounces (InboundMessage.auto_submitted) are recorded and never answered;
- the From address must belong to the agency the document was delivered to, else the reply is refused
  (recorded, answered only when the address belongs to some agency in the directory: no backscatter);
- a status is applied once (a repeated reply changes nothing and is not confirmed again);
- answers (confirmation, "not understood") count against the daily cap per address.
"""

from __future__ import annotations

import logging

from bridge.services.deliveries import UnknownDelivery, enqueue_agency_mail, record_status
from bridge.services.deps import Deps
from core import receipt
from core.delivery import Delivery
from core.document import Document
from core.inbound import InboundMessage
from core.records import InboundRecord, InboundState, OutboxJob
from core.reply_keywords import InvalidReply, extract_token, parse_reply
from core.status import InvalidTransition

log = logging.getLogger(__name__)
_TOKEN_SOURCES = ("x-edoc-token", "in-reply-to", "references")


def reply_token(msg: InboundMessage) -> str | None:
    for text in (*(msg.headers.get(h, "") for h in _TOKEN_SOURCES), msg.subject, msg.body_text):
        if token := extract_token(text):
            return token
    return None


async def take_reply(deps: Deps, job: OutboxJob, record: InboundRecord, raw: bytes) -> bool:
    """Handle the inbound mail as a reply and finish its job; False when it is not a reply to a delivery."""
    msg = deps.parse_message(raw)
    token = reply_token(msg)
    if token is None:
        return False
    async with deps.uow() as uow:
        delivery = await uow.deliveries.by_token(token)
        if delivery is None:
            return False  # some other token (e.g. a held document's): the pipeline decides
        doc = await uow.documents.get(delivery.document_id)
        agency = await uow.agencies.get(delivery.organ_id)
        known_sender = await uow.agencies.by_email(msg.sender_address) if msg.sender_address else None
        state, note = await _answer(uow, deps, msg, delivery, doc, agency, known_sender is not None)
        await uow.inbound.set_state(record.id, state, note)
        await uow.outbox.complete(job.id)
        await uow.commit()
    log.info("reply %s (%s) from %s: %s", record.id, token, msg.sender_address, note or "recorded")
    return True


async def _answer(uow, deps: Deps, msg, delivery: Delivery, doc: Document | None, agency, known: bool):  # type: ignore[no-untyped-def]
    sender = msg.sender_address
    if msg.auto_submitted:
        return InboundState.DONE, "Thư tự động/thư báo lỗi: không xử lý, không trả lời"
    if doc is None or agency is None or not agency.owns_address(sender):
        if known and doc is not None:
            problem = (
                f"Địa chỉ {sender} không phải hộp thư của cơ quan nhận văn bản này; "
                "trạng thái chỉ được ghi nhận từ hộp thư công vụ của cơ quan nhận."
            )
            await _not_understood(uow, deps, msg, delivery, None, problem)
        return InboundState.FAILED, f"Trả lời từ địa chỉ không được phép: {sender}"
    try:
        command = parse_reply(msg.body_text) or parse_reply(msg.subject)
    except InvalidReply as exc:
        await _not_understood(uow, deps, msg, delivery, doc, str(exc))
        return InboundState.DONE, str(exc)
    if command is None:
        await _not_understood(uow, deps, msg, delivery, doc, "")
        return InboundState.DONE, "Không đọc được trạng thái trong thư trả lời"
    try:
        changed = await record_status(
            uow, deps, doc.id, delivery.organ_id, command.code, sender, command.reason, source="mail"
        )
    except (InvalidTransition, UnknownDelivery, ValueError) as exc:
        await _not_understood(uow, deps, msg, delivery, doc, str(exc))
        return InboundState.DONE, str(exc)
    if not changed:
        return InboundState.DONE, f"Trạng thái {command.code.value} đã ghi nhận trước đó"
    history = await uow.statuses.history(doc.id, delivery.organ_id)
    event = history.events[-1]
    key = f"confirm:{doc.id}:{delivery.organ_id}:{command.code.value}:{len(history.events)}"
    text = receipt.reply_confirmation(doc, event)
    await enqueue_agency_mail(uow, deps, key, sender, text, token=delivery.token, purpose="confirm", document=doc)
    return InboundState.DONE, ""


async def _not_understood(uow, deps: Deps, msg: InboundMessage, delivery: Delivery, doc, problem: str) -> None:  # type: ignore[no-untyped-def]
    text = receipt.reply_not_understood(doc, problem, delivery.token)
    key = f"not_understood:{msg.message_id or msg.subject}:{msg.sender_address}"
    await enqueue_agency_mail(uow, deps, key, msg.sender_address, text, token=delivery.token, purpose="help")
