"""Documents from the axis to agencies without a system: statuses they report, mail to them, packets back.

Job kinds handled here: `status_out` (a status packet from a served recipient to the original sender) and
`agency_mail` (a pre-rendered mail to an agency: delivery notice with the original files, recall notice,
confirmation, "not understood"). Automatic answers to incoming mail pass `take_receipt` first: at most
`receipt_cap` per address and day (loop protection); a capped answer is logged and recorded, not sent.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from bridge.edxml import build_status
from bridge.edxml.mapping import status_packet
from bridge.services import jobs, notifications
from bridge.services.deps import Deps
from bridge.services.relay import order_key, packet_once, refusal
from core.document import Attachment, Direction, Document, ProcessingState
from core.inbound import Channel
from core.ports import AxisRejected, AxisUnavailable, MailUnavailable, OutgoingMail
from core.receipt import ReceiptText
from core.records import OutboxJob
from core.status import StatusCode, StatusEvent
from core.verdict import Outcome, StepRecord
from core.vn_time import VIETNAM

log = logging.getLogger(__name__)
AGENCY_MAIL = "agency_mail"
TOKEN_HEADER = "X-Edoc-Token"


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    reply_address: str = "vanban@edoc-bridge.local"  # Reply-To of every mail to an agency (the intake)
    receipt_cap: int = 50  # automatic answers per address per day


def configure_deliveries(deps: Deps, settings: Any) -> None:
    """From bridge.settings.Settings (`[deliveries]`); kept on deps for the jobs and the reply handler."""
    d = settings.deliveries
    reply = d.reply_address or (settings.smtp_in.intake_addresses or [DeliveryOptions.reply_address])[0]
    deps.delivery = DeliveryOptions(reply_address=reply, receipt_cap=d.receipt_cap_per_day)  # type: ignore[attr-defined]


def options(deps: Deps) -> DeliveryOptions:
    return getattr(deps, "delivery", None) or DeliveryOptions()


def message_id(deps: Deps, token: str, purpose: str) -> str:
    """Message-IDs carry the token, so a reply's In-Reply-To/References identify the delivery."""
    domain = options(deps).reply_address.rpartition("@")[2] or "edoc-bridge.invalid"
    return f"<{token}.{purpose}@{domain}>"


class UnknownDelivery(LookupError):
    """No incoming document with this id for this agency (message in Vietnamese)."""


# --- statuses reported by a served recipient -----------------------------------------------------------------


async def set_incoming_status(
    deps: Deps,
    doc_id: str,
    organ: str,
    code: StatusCode | str,
    actor: str,
    reason: str = "",
    *,
    source: str = "dashboard",
) -> bool:
    """A served agency's clerk reports a status of an incoming document (dashboard, bot, mail reply).

    Records it in the status history and queues the status packet to the original sender (one per change).
    True when recorded; False for an idempotent repeat. Raises UnknownDelivery, ValueError (bad code, missing
    reason, 13 which only the sender sends) or core.status.InvalidTransition — messages in Vietnamese.
    """
    status = _code(code)
    async with deps.uow() as uow:
        changed = await record_status(uow, deps, doc_id, organ, status, actor, reason, source=source)
        await uow.commit()
    return changed


def _code(code: StatusCode | str) -> StatusCode:
    status = code if isinstance(code, StatusCode) else StatusCode.parse(code)
    if status is StatusCode.RECALL_REQUESTED:
        raise ValueError("Mã 13 (thu hồi) chỉ do cơ quan gửi văn bản gửi tới, nơi nhận không báo mã này.")
    return status


AUTOMATIC = frozenset({"axis", "check"})  # statuses the bridge itself reports


async def record_status(  # type: ignore[no-untyped-def]
    uow, deps: Deps, doc_id: str, organ: str, code: StatusCode, actor: str, reason: str = "", *, source: str
) -> bool:
    """Inside the caller's unit of work: apply the status, queue its packet; 15 marks the document recalled."""
    reason = " ".join(reason.split())
    if code.needs_reason and not reason:
        raise ValueError(f"Trạng thái «{code.label}» cần ghi rõ lý do.")
    doc = await uow.documents.get(doc_id)
    if doc is None or doc.direction is not Direction.INCOMING or organ not in {str(o) for o in doc.recipients}:
        raise UnknownDelivery(f"Không có văn bản đến {doc_id} của cơ quan {organ}.")
    event = StatusEvent(code, deps.clock.now(), actor, reason)
    if not await uow.statuses.apply(doc.id, organ, event, source):
        return False
    if source not in AUTOMATIC:  # a person decided (bot, mail reply, dashboard): audited with the change
        details = {"organ": organ, "code": code.value, "reason": reason, "source": source}
        await deps.audit.record_in(uow.audit, actor, "status.report", doc.id, **details)
    count = len((await uow.statuses.history(doc.id, organ)).events)
    if code is StatusCode.RECALL_AGREED:
        doc.state = ProcessingState.RECALLED
        note = f"Đã thu hồi theo đề nghị của cơ quan gửi (đồng ý: {actor})"
        doc.trail.append(StepRecord("recall", Outcome.CONTINUE, event.at, note))
        await uow.documents.update(doc)
    payload = {
        "document_id": doc.id,
        "organ": organ,
        "code": code.value,
        "description": reason,
        "actor": actor,
        "at": event.at.isoformat(),
    }
    key = f"status_out:{doc.id}:{organ}:{code.value}:{count}"
    await uow.outbox.enqueue(jobs.STATUS_OUT, payload, key, order_key=order_key(doc.id))  # in the order they happen
    # every official's chat copy follows, whoever changed it and by whatever channel (mail, bot, dashboard, axis)
    await notifications.queue_refresh(uow, deps, doc.id, organ, renotify=source == "axis")
    return True


async def send_status_packet(deps: Deps, job: OutboxJob) -> None:
    """`status_out` job: the status packet, from the served recipient to the original sender."""
    from datetime import datetime

    p = job.payload
    async with deps.uow() as uow:
        doc = await uow.documents.get(p["document_id"])
        reporter = await uow.agencies.get(p["organ"])
    if doc is None or reporter is None or doc.sender is None:
        raise jobs.GiveUp(f"status {p['code']}: document or agency missing")

    async def build() -> bytes:
        packet = status_packet(
            doc.document_id,
            str(doc.code) if doc.code else "",
            doc.issued_date,
            doc.sender,
            reporter,
            StatusCode(p["code"]),
            p.get("description", ""),
            p.get("actor", "") or "Văn thư",
            datetime.fromisoformat(p["at"]).astimezone(VIETNAM),
        )
        return deps.packets.seal(build_status(packet))

    data = await packet_once(deps, job, build)  # built once: a retry sends the same bytes (the axis knows them)
    try:
        await deps.axis.send_edoc(p["organ"], data, "status")
    except AxisUnavailable as exc:
        raise jobs.RetryLater(f"Trục liên thông không phản hồi: {exc}") from exc
    except AxisRejected as exc:
        raise refusal(exc, "gói trạng thái") from exc
    async with deps.uow() as uow:
        await uow.outbox.complete(job.id)
        await uow.commit()


# --- mail to agencies -----------------------------------------------------------------------------------------


async def enqueue_agency_mail(  # type: ignore[no-untyped-def]
    uow,
    deps: Deps,
    key: str,
    to: str,
    text: ReceiptText,
    *,
    token: str = "",
    purpose: str = "answer",
    document: Document | None = None,
    attachments: list[Attachment] | None = None,
    capped: bool = True,
) -> bool:
    """Queue a mail to an agency. With `capped` (answers to incoming mail) the daily cap applies:
    False when over it (logged, recorded in the receipt log, nothing queued)."""
    now = deps.clock.now()
    if capped:  # answers to replies stay capped for everyone: the guard against a loop with a broken autoresponder
        repo = uow.deliveries
        if not await repo.take_receipt(key, to, now.astimezone(VIETNAM).date(), options(deps).receipt_cap, now):
            log.warning("automatic answer %s to %s not sent: daily cap reached", key, to)
            return False
    headers = {"X-Edoc-Document": document.id} if document else {}
    if token:
        headers[TOKEN_HEADER] = token
        headers["Message-ID"] = message_id(deps, token, f"{purpose}.{hashlib.sha256(key.encode()).hexdigest()[:10]}")
    payload: dict[str, Any] = {
        "to": to,
        "subject": text.subject,
        "body": text.body,
        "headers": headers,
        "attachments": [[a.filename, a.content_type, a.sha256] for a in attachments or []],
    }
    # a document's mails to one mailbox go out in the order queued: a recall never overtakes the delivery
    order = f"mail:{document.id}:{to.strip().lower()}" if document else ""
    await uow.outbox.enqueue(AGENCY_MAIL, payload, f"{AGENCY_MAIL}:{key}", order_key=order)
    return True


async def send_agency_mail(deps: Deps, job: OutboxJob) -> None:
    p = job.payload
    files = [(name, ctype, await deps.blobs.get(sha)) for name, ctype, sha in p.get("attachments", [])]
    mail = OutgoingMail(
        to=[p["to"]],
        subject=p["subject"],
        body=p["body"],
        headers=dict(p.get("headers", {})),
        attachments=files,
        reply_to=options(deps).reply_address,
        key=job.idempotency_key,  # the same Message-ID (unless the payload names one) and Date on a re-send
        date=job.created_at,
    )
    try:
        await deps.mail.send(mail)
    except MailUnavailable as exc:
        raise jobs.RetryLater(f"Máy chủ thư không sẵn sàng: {exc}") from exc
    async with deps.uow() as uow:
        await uow.outbox.complete(job.id)
        await uow.commit()


async def in_directory(uow, address: str) -> bool:  # type: ignore[no-untyped-def]
    """The daily cap protects addresses outside the directory (loops with strangers); an agency of the
    directory gets every answer it is owed, however many documents it sends in a day."""
    return await uow.agencies.by_email(address.strip().lower()) is not None


async def capped_receipt(deps: Deps, job: OutboxJob) -> None:
    """The sender's receipts (bridge.services.receipts) under the same daily cap per address outside the
    directory."""
    from bridge.services.receipts import send_receipt

    async with deps.uow() as uow:
        doc = await uow.documents.get(job.payload.get("document_id", ""))
        mail = doc is not None and doc.reply_to and doc.channel in (Channel.SMTP, Channel.IMAP)
        if doc is not None and mail and not await in_directory(uow, doc.reply_to):
            now = deps.clock.now()
            repo = uow.deliveries
            day, cap = now.astimezone(VIETNAM).date(), options(deps).receipt_cap
            if not await repo.take_receipt(f"receipt:{job.idempotency_key}", doc.reply_to, day, cap, now):
                log.warning("receipt %s to %s not sent: daily cap reached", job.idempotency_key, doc.reply_to)
                note = f"Không gửi thông báo tới {doc.reply_to}: đã quá {cap} thư tự động trong ngày"
                doc.trail.append(StepRecord("receipt_capped", Outcome.CONTINUE, now, note))
                await uow.documents.update(doc)
                await uow.outbox.complete(job.id)
                await uow.commit()
                return
            await uow.commit()
    await send_receipt(deps, job)


def handlers() -> dict[str, Any]:
    return {jobs.STATUS_OUT: send_status_packet, AGENCY_MAIL: send_agency_mail, jobs.RECEIPT: capped_receipt}
