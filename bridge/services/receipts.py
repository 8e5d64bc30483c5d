"""Receipts back to the sender, on the channel the document came in, exactly once.

A receipt is rendered on its first try and stored in its job (text, address, date): a retry sends the very
same mail, and its Message-ID is derived from the job's key (mail.sender), so a re-send after a crash carries
the same Message-ID and mail clients (and the harness) see one receipt. Chat receipts carry the job's key too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bridge.services import jobs
from bridge.services.deps import Deps
from bridge.services.held import held_receipt_mail
from core import receipt
from core.document import Document
from core.inbound import Channel
from core.ports import MailRefused, MailUnavailable, OutgoingMail
from core.receipt import ReceiptText, with_demo_note
from core.records import OutboxJob
from core.status import StatusCode, StatusEvent


async def send_receipt(deps: Deps, job: OutboxJob) -> None:
    p = job.payload
    if "subject" not in p:
        p = await _render_once(deps, job)
        if p is None:
            return
    if p["channel"] == Channel.BOT.value:
        await _chat(deps, job, p)
    else:
        await _mail(deps, job, p)
    async with deps.uow() as uow:
        await uow.outbox.complete(job.id)
        await uow.commit()


async def _render_once(deps: Deps, job: OutboxJob) -> dict[str, Any] | None:
    p = job.payload
    async with deps.uow() as uow:
        doc = await uow.documents.get(p["document_id"])
        if doc is None or not doc.reply_to:
            await uow.outbox.complete(job.id)  # gone, or nobody may be answered
            await uow.commit()
            return None
        names = {o.value: a.name for o in doc.recipients if (a := await uow.agencies.get(o))}
        reporter = await uow.agencies.get(p["organ"]) if p.get("organ") else None
    headers: dict[str, str] = {}
    reply_to = ""
    if p["kind"] == "held":  # with its tracking token and a Reply-To the bridge serves (bridge.services.held)
        text, headers, reply_to = await held_receipt_mail(deps, doc)
    else:
        text = render(doc, p, [names.get(o.value, o.value) for o in doc.recipients], reporter)
    rendered = {
        **p,
        "subject": text.subject,
        "body": text.body,
        "to": doc.reply_to,
        "channel": doc.channel.value,
        "date": deps.clock.now().isoformat(),
        "headers": headers,
        "reply_to": reply_to,
    }
    async with deps.uow() as uow:
        await uow.outbox.update_payload(job.id, rendered)  # kept before sending: a retry sends the same
        await uow.commit()
    return rendered


def render(doc: Document, p: dict[str, Any], recipient_names: list[str], reporter: Any) -> ReceiptText:
    match p["kind"]:
        case "accepted":
            return receipt.accepted_receipt(doc, recipient_names)
        case "rejected":
            return receipt.rejected_receipt(doc, doc.reasons)
        case "status":
            event = StatusEvent(StatusCode(p["code"]), datetime.fromisoformat(p["at"]), "", p.get("description", ""))
            return receipt.status_receipt(doc, reporter.name if reporter else p["organ"], event)
        case "relay_delayed":
            since = datetime.fromisoformat(p["since"])
            return receipt.relay_delayed_receipt(doc, recipient_names, since, p.get("error", ""))
        case "relay_failed":
            return receipt.relay_failed_receipt(doc, recipient_names, p.get("error", ""))
        case "relayed":
            return receipt.relayed_receipt(doc, recipient_names, datetime.fromisoformat(p["at"]))
        case other:
            raise jobs.GiveUp(f"Loại thông báo không xác định: {other}")


async def _mail(deps: Deps, job: OutboxJob, p: dict[str, Any]) -> None:
    mail = OutgoingMail(
        to=[p["to"]],
        subject=p["subject"],
        body=p["body"],
        headers={"X-Edoc-Document": p["document_id"], **p.get("headers", {})},
        reply_to=p.get("reply_to", ""),
        key=job.idempotency_key,
        date=datetime.fromisoformat(p["date"]),
    )
    try:
        await deps.mail.send(mail)
    except MailUnavailable as exc:
        raise jobs.RetryLater(f"Máy chủ thư không sẵn sàng: {exc}") from exc
    except MailRefused as exc:
        raise jobs.GiveUp(f"Máy chủ thư từ chối thư gửi {p['to']}: {exc}") from exc


async def _chat(deps: Deps, job: OutboxJob, p: dict[str, Any]) -> None:
    if deps.notifier is None:
        raise jobs.RetryLater("chatbot chưa sẵn sàng")
    text = f"{p['subject']}\n\n{p['body']}"
    await deps.notifier.notify(p["to"], with_demo_note(text) if deps.demo else text, key=job.idempotency_key)
