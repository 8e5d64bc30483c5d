"""Receipts back to the sender, on the channel the document came in."""

from __future__ import annotations

from datetime import datetime

from bridge.services import jobs
from bridge.services.deps import Deps
from bridge.services.held import held_receipt_mail
from core import receipt
from core.inbound import Channel
from core.ports import MailUnavailable, OutgoingMail
from core.records import OutboxJob
from core.status import StatusCode, StatusEvent


async def send_receipt(deps: Deps, job: OutboxJob) -> None:
    p = job.payload
    headers, reply_to = {}, ""
    async with deps.uow() as uow:
        doc = await uow.documents.get(p["document_id"])
        names = {o.value: a.name for o in doc.recipients if (a := await uow.agencies.get(o))}
        reporter = await uow.agencies.get(p["organ"]) if p.get("organ") else None
    match p["kind"]:
        case "accepted":
            text = receipt.accepted_receipt(doc, [names.get(o.value, o.value) for o in doc.recipients])
        case "rejected":
            text = receipt.rejected_receipt(doc, doc.reasons)
        case "held":  # with its tracking token and a Reply-To the bridge serves (bridge.services.held)
            text, headers, reply_to = await held_receipt_mail(deps, doc)
        case "status":
            event = StatusEvent(StatusCode(p["code"]), datetime.fromisoformat(p["at"]), "", p.get("description", ""))
            text = receipt.status_receipt(doc, reporter.name if reporter else p["organ"], event)
        case other:
            raise jobs.GiveUp(f"unknown receipt kind {other}")
    await _deliver(deps, doc.channel, doc.reply_to, text.subject, text.body, doc.id, headers, reply_to)
    async with deps.uow() as uow:
        await uow.outbox.complete(job.id)
        await uow.commit()


async def _deliver(
    deps: Deps,
    channel: Channel,
    to: str,
    subject: str,
    body: str,
    doc_id: str,
    headers: dict[str, str] | None = None,
    reply_to: str = "",
) -> None:
    if channel is Channel.BOT:
        if deps.notifier is None:
            raise jobs.RetryLater("chatbot chưa sẵn sàng")
        await deps.notifier.notify(to, f"{subject}\n\n{body}")
        return
    try:
        extra = {"X-Edoc-Document": doc_id, **(headers or {})}
        await deps.mail.send(OutgoingMail(to=[to], subject=subject, body=body, headers=extra, reply_to=reply_to))
    except MailUnavailable as exc:
        raise jobs.RetryLater(f"Máy chủ thư không sẵn sàng: {exc}") from exc
