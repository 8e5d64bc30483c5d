"""Recall of a document delivered to an agency without a system.

What happens automatically (decided from NĐ 30/2020 Điều 18.4.b and Phụ lục VI III.8):
- Status 13 (the sender *asks* to take the document back): recorded in the status history and the agency is
  asked (recall_notice). Its answer ĐỒNG Ý THU HỒI / KHÔNG ĐỒNG Ý THU HỒI: lý do (mail, bot or dashboard)
  becomes 15 / 16 to the sender; 15 marks the document RECALLED. Nothing is answered for the agency.
- BussinessDocType revoke (the sender *revokes* it), update or replace (a new version supersedes it): the
  regulation makes the receiver cancel it and inform the sender, so the bridge records 13 then 15 at once,
  marks the document RECALLED (metadata kept), sends 15 and tells the agency to stop handling it. An update or
  replacement is then delivered as a new incoming document. A document already finished (06) or rejected (02)
  cannot take 13: it is only noted in its trail and the agency is told.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bridge.services import notifications
from bridge.services.deliveries import enqueue_agency_mail, record_status
from bridge.services.deps import Deps
from bridge.services.register_numbers import arrival_number
from core import receipt
from core.delivery import Delivery
from core.document import Document, ProcessingState
from core.status import InvalidTransition, StatusCode, StatusEvent
from core.verdict import Outcome, StepRecord

log = logging.getLogger(__name__)
AUTO_ACTOR = "edoc-bridge"


async def request_recall(
    deps: Deps, edxml_document_id: str, organ: str, sender_name: str, reason: str, at: datetime | None
) -> bool:
    """Status 13 from the original sender about a document delivered to `organ`. True when recorded."""
    async with deps.uow() as uow:
        found = await _delivered(uow, edxml_document_id, organ)
        if found is None:
            log.warning("recall request for unknown delivery %s to %s", edxml_document_id, organ)
            return False
        delivery, doc = found
        event = StatusEvent(StatusCode.RECALL_REQUESTED, at or deps.clock.now(), f"axis:{doc.sender}", reason)
        try:
            if not await uow.statuses.apply(doc.id, organ, event, "axis"):
                return False
        except InvalidTransition as exc:
            log.warning("recall request for %s at %s ignored: %s", doc.id, organ, exc)
            return False
        await notifications.queue_refresh(uow, deps, doc.id, organ, renotify=True)  # agree/refuse in chat too
        arrival = await arrival_number(uow, doc.id, organ)
        text = receipt.recall_notice(doc, sender_name, delivery.token, reason, arrival)
        await enqueue_agency_mail(
            uow, deps, f"recall:{doc.id}:{organ}:{_count(await uow.statuses.history(doc.id, organ))}",
            delivery.mailbox, text, token=delivery.token, purpose="recall", document=doc, capped=False,
        )  # fmt: skip
        await uow.commit()
    return True


async def revoke(  # type: ignore[no-untyped-def]
    uow, deps: Deps, edxml_document_id: str, organ: str, sender_name: str, reason: str, *, replaced: bool
) -> bool:
    """Inside the caller's unit of work: the sender revoked (or superseded) a delivered document."""
    found = await _delivered(uow, edxml_document_id, organ)
    if found is None:
        log.warning("revocation of unknown delivery %s to %s", edxml_document_id, organ)
        return False
    delivery, doc = found
    if doc.state is ProcessingState.RECALLED:
        return False
    now = deps.clock.now()
    request = StatusEvent(StatusCode.RECALL_REQUESTED, now, f"axis:{doc.sender}", reason or "Thu hồi văn bản")
    try:
        await uow.statuses.apply(doc.id, organ, request, "axis")
        note = "Tự động đồng ý: văn bản bị thu hồi/thay thế bởi cơ quan gửi (NĐ 30/2020 Điều 18.4.b)"
        await record_status(uow, deps, doc.id, organ, StatusCode.RECALL_AGREED, AUTO_ACTOR, note, source="axis")
    except InvalidTransition as exc:
        doc = await uow.documents.get(doc.id)
        doc.trail.append(StepRecord("recall", Outcome.CONTINUE, now, f"Cơ quan gửi thu hồi; không báo 15: {exc}"))
        await uow.documents.update(doc)
    text = revocation_notice(doc, sender_name, delivery.token, reason, replaced=replaced)
    await enqueue_agency_mail(
        uow, deps, f"revoke:{doc.id}:{organ}", delivery.mailbox, text,
        token=delivery.token, purpose="revoke", document=doc, capped=False,
    )  # fmt: skip
    return True


def revocation_notice(
    doc: Document, sender_name: str, token: str, reason: str, *, replaced: bool
) -> receipt.ReceiptText:
    what = "thay thế bằng văn bản mới (gửi trong thư riêng)" if replaced else "thu hồi"
    body = [
        f"{sender_name} đã {what} văn bản đã gửi quý cơ quan.",
        "",
        f"Số, ký hiệu: {doc.display_code}",
        f"Trích yếu: {' '.join(doc.subject.split()) or '(chưa có)'}",
        f"Mã định danh văn bản: {doc.document_id or '(chưa có)'}",
        f"Lý do: {' '.join(reason.split()) or '(không ghi)'}",
        "",
        "Theo Nghị định 30/2020/NĐ-CP (Điều 18), cầu nối đã hủy văn bản này trong sổ văn bản đến của quý cơ quan "
        "và đã báo cơ quan gửi. Đề nghị quý cơ quan không tiếp tục xử lý văn bản đã nhận.",
        f"Mã theo dõi: {token}",
        "",
        "-- ",
        "Thông báo này do cầu nối văn bản điện tử (edoc-bridge) gửi tự động.",
    ]
    subject = f"{receipt.TAG} Thu hồi văn bản {doc.display_code} [{token}]"
    return receipt.ReceiptText(subject, "\n".join(body))


async def _delivered(uow, edxml_document_id: str, organ: str) -> tuple[Delivery, Document] | None:  # type: ignore[no-untyped-def]
    for delivery in await uow.deliveries.for_edxml(edxml_document_id, organ):
        doc = await uow.documents.get(delivery.document_id)
        if doc is not None:
            return delivery, doc
    return None


def _count(history) -> int:  # type: ignore[no-untyped-def]
    return len(history.events)
