"""Held documents and their sender: the tracking token and reply path of their receipts, messages back on the
channel the document came in, reminders and expiry.

A held document has one token (core.held.HeldToken) for all its receipts. Mail receipts carry it in the subject,
the X-Edoc-Token header and the Message-ID (so In-Reply-To/References find it) and have a Reply-To on an address
the bridge serves; chat receipts carry it in the text (a chat reply quotes it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bridge.services import notifications
from bridge.services.deliveries import TOKEN_HEADER, enqueue_agency_mail, message_id
from bridge.services.deps import Deps
from core import receipt
from core.document import Document, ProcessingState
from core.held import EXPIRED_CODE, REMINDER_STEP, Due, HeldToken, due, expires_at
from core.held_receipt import expired_notice, reminder_notice
from core.inbound import Channel
from core.reply_keywords import new_token
from core.verdict import Outcome, Reason, StepRecord
from core.vn_time import format_time

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HeldOptions:
    reply_address: str = "vanban@edoc-bridge.local"  # Reply-To of receipts: an address the bridge serves
    public_url: str = "http://127.0.0.1:8080"  # the dashboard as people reach it
    remind_after: timedelta = timedelta(hours=48)
    expire_after: timedelta = timedelta(days=14)
    token_lifetime: timedelta = timedelta(days=30)
    own_domains: tuple[str, ...] = ("edoc-bridge.local",)  # Message-ID domains of the bridge's mail


def configure_held(deps: Deps, settings: Any) -> None:
    """From bridge.settings.Settings (`[held]`, `[api] public_url`, the intake address); kept on deps."""
    h, api = settings.held, settings.api
    intake = settings.smtp_in.intake_addresses
    deps.held = HeldOptions(  # type: ignore[attr-defined]
        reply_address=settings.deliveries.reply_address or (intake[0] if intake else HeldOptions.reply_address),
        public_url=(api.public_url or f"http://{api.host}:{api.port}").rstrip("/"),
        remind_after=timedelta(hours=h.remind_after_hours),
        expire_after=timedelta(days=h.expire_after_days),
        token_lifetime=timedelta(days=h.token_days),
        own_domains=tuple(
            {_domain(a) for a in (settings.deliveries.reply_address, settings.smtp_out.from_address, *intake) if a}
        ),
    )


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip(" >").lower()


def held_options(deps: Deps) -> HeldOptions:
    return getattr(deps, "held", None) or HeldOptions()


def completion_url(deps: Deps, doc_id: str) -> str:
    """The dashboard page where the sender's clerk completes the document (bridge.web.pages.held_form)."""
    return f"{held_options(deps).public_url}/web/held/{doc_id}/bo-sung"


async def token_of(uow, doc: Document) -> HeldToken:  # type: ignore[no-untyped-def]
    """The document's tracking token, issued on first use (stored: every receipt repeats the same one)."""
    return await uow.held_tokens.issue(new_token(), doc.id, doc.reply_to, str(doc.sender or ""))


async def reply_path(uow, deps: Deps, doc: Document) -> receipt.ReplyPath:  # type: ignore[no-untyped-def]
    token = await token_of(uow, doc)
    has_account = bool(doc.sender) and await uow.held_tokens.agency_has_account(str(doc.sender))
    return receipt.ReplyPath(
        token=token.token,
        dashboard_url=completion_url(deps, doc.id) if has_account else "",
        chat=doc.channel is Channel.BOT,
        expires=format_time(expires_at(doc, held_options(deps).expire_after)),
    )


async def held_receipt_mail(deps: Deps, doc: Document) -> tuple[receipt.ReceiptText, dict[str, str], str]:
    """The held receipt as sent by bridge.services.receipts: text, extra headers, Reply-To."""
    async with deps.uow() as uow:
        path = await reply_path(uow, deps, doc)
        await uow.commit()
    headers = {TOKEN_HEADER: path.token, "Message-ID": message_id(deps, path.token, "held")}
    return receipt.held_receipt(doc, doc.reasons, path=path), headers, held_options(deps).reply_address


async def tell_sender(  # type: ignore[no-untyped-def]
    uow, deps: Deps, doc: Document, text: receipt.ReceiptText, key: str, *, to: str = "", capped: bool = True
) -> bool:
    """Queue a message to the document's sender on its channel (inside the caller's unit of work)."""
    token, target = await token_of(uow, doc), to or doc.reply_to
    if doc.channel is Channel.BOT and "@" not in target:  # a chat id: the chatbot says it
        return await notifications.send_chat(uow, target, f"{text.subject}\n\n{text.body}", key)
    return await enqueue_agency_mail(
        uow, deps, key, target, text, token=token.token, purpose="held", document=doc, capped=capped
    )


# --- reminders and expiry -----------------------------------------------------------------------------------


async def remind_and_expire(deps: Deps, limit: int = 200) -> int:
    """One pass over held documents: remind the silent ones once, give up the long-silent ones. Returns how many
    documents were acted on. Safe to run in several processes (idempotency keys), meant to run in one."""
    opts, now = held_options(deps), deps.clock.now()
    async with deps.uow() as uow:
        held = await uow.documents.search(state=ProcessingState.HELD, date_to=now - opts.remind_after, limit=limit)
    acted = 0
    for doc in held:
        match due(doc, now, opts.remind_after, opts.expire_after):
            case Due.REMIND:
                acted += await _remind(deps, doc.id)
            case Due.EXPIRE:
                acted += await _expire(deps, doc.id)
    return acted


async def _remind(deps: Deps, doc_id: str) -> int:
    opts, now = held_options(deps), deps.clock.now()
    async with deps.uow() as uow:
        doc = await uow.documents.get(doc_id)
        if doc is None or due(doc, now, opts.remind_after, opts.expire_after) is not Due.REMIND:
            return 0  # completed or decided meanwhile
        path = await reply_path(uow, deps, doc)
        doc.trail.append(StepRecord(REMINDER_STEP, Outcome.HOLD, now, f"Nhắc bổ sung (hủy lúc {path.expires})"))
        await uow.documents.update(doc)
        if doc.reply_to:
            key = f"held:reminder:{doc.id}:{len(doc.trail)}"
            await tell_sender(uow, deps, doc, reminder_notice(doc, doc.reasons, path), key, capped=False)
        await uow.commit()
    log.info("held document %s: sender reminded", doc_id)
    return 1


async def _expire(deps: Deps, doc_id: str) -> int:
    opts, now = held_options(deps), deps.clock.now()
    async with deps.uow() as uow:
        doc = await uow.documents.get(doc_id)
        if doc is None or due(doc, now, opts.remind_after, opts.expire_after) is not Due.EXPIRE:
            return 0
        days = opts.expire_after.days or 1
        why = f"Văn bản bị hủy: tạm giữ quá {days} ngày mà không được bổ sung."
        earlier = [r.message for r in doc.reasons]
        doc.state, doc.reasons = ProcessingState.REJECTED, [Reason(EXPIRED_CODE, why, Outcome.REJECT)]
        doc.trail.append(StepRecord("held_expired", Outcome.REJECT, now, why, {"reasons": earlier}))
        await uow.documents.update(doc)
        if doc.reply_to:
            text = expired_notice(doc, earlier, days)
            await tell_sender(uow, deps, doc, text, f"held:expired:{doc.id}", capped=False)
        await uow.commit()
    log.info("held document %s expired", doc_id)
    return 1
