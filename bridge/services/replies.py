"""Replies to the bridge's own mails, handled before the document pipeline: a reply is never a new document.

A mail is a reply when it carries a tracking token (X-Edoc-Token, In-Reply-To / References — our Message-IDs
embed it —, the subject or the body), or, without one, when it answers one of our mails (the receipt tag in its
subject, or our Message-ID domain in In-Reply-To / References). A token-less reply is matched to a document by
its subject where that is unambiguous (bridge.services.reply_matching); otherwise it is answered "không nhận ra
thư trả lời" with what to do. Replies to a held document's receipts complete it (bridge.services.held_replies).

Replies to a delivery or recall notice (a status keyword → status packet to the sender):
- auto-replies and bounces (InboundMessage.auto_submitted) are recorded and never answered;
- the From address must belong to the agency the document was delivered to; a colleague's address at the
  agency's domain is not obeyed and the agency's registered mailbox is told; a known agency's other address is
  answered; anyone else gets nothing (no backscatter);
- a token older than `[held] token_days` is answered "hết hạn";
- a status is applied once; a contradicting one is answered with the current state and whom to contact;
- answers (confirmation, "not understood") count against the daily cap per address.
"""

from __future__ import annotations

import asyncio
import logging

from bridge.services.deliveries import UnknownDelivery, enqueue_agency_mail, record_status
from bridge.services.deps import Deps
from bridge.services.held import held_options
from bridge.services.held_replies import take_held_reply
from bridge.services.reply_matching import is_reply_to_bridge, match_tokenless, not_recognised
from core import receipt
from core.delivery import Delivery
from core.document import Document
from core.held_receipt import sent_from_other_address, token_expired
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
    """Handle the inbound mail as a reply and finish its job; False when it is not a reply to the bridge."""
    msg = await asyncio.to_thread(deps.parse_message, raw)  # outside input: off the event loop
    token = reply_token(msg)
    async with deps.uow() as uow:
        delivery = await uow.deliveries.by_token(token) if token else None
        held = await uow.held_tokens.by_token(token) if token and delivery is None else None
    if delivery is None and held is None:
        if token is None and not is_reply_to_bridge(msg, deps):
            return False  # a new document
        delivery, held = await match_tokenless(deps, msg)
        if delivery is None and held is None:
            await not_recognised(deps, job, record, msg)
            return True
    if held is not None:
        await take_held_reply(deps, job, record, msg, held)
        return True
    assert delivery is not None
    async with deps.uow() as uow:
        doc = await uow.documents.get(delivery.document_id)
        agency = await uow.agencies.get(delivery.organ_id)
        known_sender = await uow.agencies.by_email(msg.sender_address) if msg.sender_address else None
        state, note = await _answer(uow, deps, msg, delivery, doc, agency, known_sender is not None)
        await uow.inbound.set_state(record.id, state, note)
        await uow.outbox.complete(job.id)
        await uow.commit()
    log.info("reply %s (%s) from %s: %s", record.id, delivery.token, msg.sender_address, note or "recorded")
    return True


async def _answer(uow, deps: Deps, msg, delivery: Delivery, doc: Document | None, agency, known: bool):  # type: ignore[no-untyped-def]
    sender = msg.sender_address
    if msg.auto_submitted:
        return InboundState.DONE, "Thư tự động/thư báo lỗi: không xử lý, không trả lời"
    if doc is not None and deps.clock.now() >= delivery.created_at + held_options(deps).token_lifetime:
        if known or (agency is not None and agency.owns_address(sender)):
            text = token_expired(delivery.token, doc, held_options(deps).token_lifetime.days)
            await enqueue_agency_mail(uow, deps, _key(msg, "expired"), sender, text, purpose="help")
        return InboundState.DONE, f"Mã theo dõi {delivery.token} đã hết hạn"
    if doc is None or agency is None or not agency.owns_address(sender):
        if doc is not None and agency is not None and agency.mailbox and _same_domain(sender, agency):
            text = sent_from_other_address(doc, sender, receipt.ReplyPath(token=delivery.token))
            await enqueue_agency_mail(
                uow, deps, _key(msg, "other_address"), agency.mailbox, text, token=delivery.token, purpose="help"
            )
        elif known and doc is not None:
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
    except InvalidTransition as exc:
        await _conflict(uow, deps, msg, delivery, doc, command.code)
        return InboundState.DONE, str(exc)
    except (UnknownDelivery, ValueError) as exc:
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


async def _conflict(uow, deps: Deps, msg: InboundMessage, delivery: Delivery, doc: Document, wanted) -> None:  # type: ignore[no-untyped-def]
    """A second reply contradicting the first: the current state, who set it, whom to contact."""
    history = await uow.statuses.history(doc.id, delivery.organ_id)
    current = next((e for e in reversed(history.events) if e.code is history.current), None)
    sender = await uow.agencies.get(doc.sender) if doc.sender else None
    contact = "cơ quan gửi văn bản"
    if sender is not None:
        contact += f" ({sender.name}" + (f", {sender.mailbox})" if sender.mailbox else ")")
    if current is not None and current.actor and current.actor != "edoc-bridge":
        contact = f"{current.actor} (người đã báo trạng thái hiện tại) hoặc {contact}"
    text = receipt.status_conflict(doc, wanted, current, contact, delivery.token)
    key = _key(msg, "conflict")
    await enqueue_agency_mail(uow, deps, key, msg.sender_address, text, token=delivery.token, purpose="help")


async def _not_understood(uow, deps: Deps, msg: InboundMessage, delivery: Delivery, doc, problem: str) -> None:  # type: ignore[no-untyped-def]
    text = receipt.reply_not_understood(doc, problem, delivery.token)
    key = f"not_understood:{msg.message_id or msg.subject}:{msg.sender_address}"
    await enqueue_agency_mail(uow, deps, key, msg.sender_address, text, token=delivery.token, purpose="help")


def _key(msg: InboundMessage, kind: str) -> str:
    return f"reply:{kind}:{msg.message_id or msg.subject}:{msg.sender_address}"


def _same_domain(address: str, agency) -> bool:  # type: ignore[no-untyped-def]
    domain = address.rpartition("@")[2].strip().lower()
    return bool(domain) and domain in {e.rpartition("@")[2] for e in agency.emails}
