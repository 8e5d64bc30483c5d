"""A clerk's decision on a held document: release it (registered + effects, as if accepted) or reject it."""

from __future__ import annotations

from bridge.services import jobs
from bridge.services.deps import Deps
from bridge.services.duplicates import earlier_copy
from bridge.services.inbound import register_outgoing, waiting_for_retry
from bridge.services.relay import order_key
from core.document import Direction, Document, ProcessingState
from core.metadata import REQUIRED
from core.verdict import Outcome, Reason, StepRecord


class ReviewError(Exception):
    """The decision cannot be applied (Vietnamese message for the clerk)."""


class DocumentNotFound(ReviewError):
    pass


class ReviewConflict(ReviewError):
    """Not held (any more), still being checked, incomplete or a duplicate."""


async def release_held(deps: Deps, doc_id: str, clerk: str) -> Document:
    """Held → registered: sổ đi, status 01, relay and the accepted receipt, in one transaction."""
    clerk = _clerk(clerk)
    async with deps.uow() as uow:
        doc = await _held(uow, doc_id)
        missing = [label for name, label in REQUIRED.items() if not _value(doc, name)]
        if doc.sender is None:
            missing.insert(0, "Cơ quan gửi")
        if missing:
            raise ReviewConflict(
                "Chưa thể tiếp nhận: văn bản còn thiếu " + ", ".join(missing) + ". Bổ sung tại trang «Bổ sung» của "
                f"văn bản (/web/held/{doc.id}/bo-sung) hoặc chờ cơ quan gửi trả lời thư báo tạm giữ."
            )
        other = await earlier_copy(uow, doc)  # any copy, not only the newest (the shared rule)
        if other is not None and other.state is not ProcessingState.HELD:
            raise ReviewConflict(f"Văn bản số {doc.display_code} của cơ quan này đã được tiếp nhận trước đó.")
        # the relay job's unique key makes a second, concurrent release roll back here
        relay = {"document_id": doc.id}
        if not await uow.outbox.enqueue(jobs.RELAY, relay, f"relay:{doc.id}", order_key=order_key(doc.id)):
            raise ReviewConflict("Văn bản đã được tiếp nhận.")
        doc.state = ProcessingState.REGISTERED
        doc.trail.append(_record(deps, "clerk_release", Outcome.CONTINUE, f"Văn thư {clerk} cho phép tiếp nhận", clerk))
        await uow.documents.update(doc)
        await register_outgoing(uow, deps, doc)
        await deps.audit.record_in(uow.audit, clerk, "document.release", doc.id)
        await uow.commit()
    return doc


async def reject_held(deps: Deps, doc_id: str, clerk: str, reason: str) -> Document:
    """Held → rejected, with the clerk's reason in the receipt to the sender."""
    clerk, reason = _clerk(clerk), " ".join((reason or "").split())
    if not reason:
        raise ReviewConflict("Cần ghi lý do từ chối.")
    async with deps.uow() as uow:
        doc = await _held(uow, doc_id, allow_waiting=True)
        payload, key = {"document_id": doc.id, "kind": "rejected"}, f"receipt:{doc.id}:rejected"
        if doc.reply_to and not await uow.outbox.enqueue(jobs.RECEIPT, payload, key):
            raise ReviewConflict("Văn bản đã bị từ chối.")
        doc.state = ProcessingState.REJECTED
        doc.reasons = [Reason("clerk.rejected", f"Văn thư từ chối: {reason}", Outcome.REJECT)]
        doc.trail.append(_record(deps, "clerk_reject", Outcome.REJECT, f"Văn thư {clerk} từ chối: {reason}", clerk))
        await uow.documents.update(doc)
        await deps.audit.record_in(uow.audit, clerk, "document.reject", doc.id, reason=reason)
        await uow.commit()
    return doc


async def _held(uow, doc_id: str, *, allow_waiting: bool = False) -> Document:  # type: ignore[no-untyped-def]
    doc = await uow.documents.get(doc_id)
    if doc is None:
        raise DocumentNotFound("Không tìm thấy văn bản.")
    if doc.direction is not Direction.OUTGOING:  # an incoming document is answered with a status, not released
        raise ReviewConflict("Văn bản đến từ trục liên thông: hãy báo trạng thái (tiếp nhận hoặc từ chối).")
    if doc.state is not ProcessingState.HELD:
        raise ReviewConflict(f"Văn bản không ở trạng thái tạm giữ (trạng thái hiện tại: {doc.state.value}).")
    if waiting_for_retry(doc) and not allow_waiting:
        raise ReviewConflict("Văn bản chưa được quét virus xong (máy quét tạm ngừng); chưa thể tiếp nhận.")
    return doc


def _clerk(clerk: str) -> str:
    clerk = " ".join((clerk or "").split())
    if not clerk:
        raise ReviewConflict("Cần ghi tên văn thư quyết định.")
    return clerk


def _value(doc: Document, name: str) -> object:
    return doc.code if name == "code" else getattr(doc, name)


def _record(deps: Deps, step: str, outcome: Outcome, detail: str, clerk: str) -> StepRecord:
    now = deps.clock.now()
    return StepRecord(step, outcome, now, detail, {"clerk": clerk, "at": now.isoformat()})
