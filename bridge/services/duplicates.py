"""One rule for duplicate documents, used wherever a document gets its identifier: a new document
(bridge.services.inbound), a held one completed (bridge.services.completion) and a clerk's release
(bridge.services.checks_review).

NĐ 30 Phụ lục VI III.1.h: the triple (số, ký hiệu, cơ quan ban hành) must not repeat. A document whose
identifier is already registered or held — in ANY earlier copy, not only the newest — is held for a clerk with
a warning naming the earlier one; it is never registered again by itself."""

from __future__ import annotations

from bridge.pipeline.inspection import Inspection
from core.document import Direction, Document, ProcessingState
from core.verdict import Outcome
from core.vn_time import format_date, format_time

DUPLICATE = "document.duplicate"


async def hold_if_duplicate(uow, ins: Inspection, doc: Document) -> None:  # type: ignore[no-untyped-def]
    """Hold `doc` (through its inspection) when another copy of its identifier is registered or held."""
    if not doc.document_id or ins.outcome is Outcome.REJECT:
        return
    earlier = await earlier_copy(uow, doc)
    if earlier is not None:
        ins.hold(DUPLICATE, duplicate_warning(doc, earlier))


async def earlier_copy(uow, doc: Document) -> Document | None:  # type: ignore[no-untyped-def]
    """Another outgoing document with this identifier that is registered (preferred) or held. Until the
    transaction ends, others checking the same identifier wait (two copies checked at once: one waits)."""
    if not doc.document_id:
        return None
    await uow.documents.lock_identifier(doc.document_id)
    copies = [d for d in await uow.documents.with_document_id(doc.document_id, Direction.OUTGOING) if d.id != doc.id]
    registered = [d for d in copies if d.state in (ProcessingState.REGISTERED, ProcessingState.RECALLED)]
    held = [d for d in copies if d.state is ProcessingState.HELD]
    return (registered or held or [None])[0]


def duplicate_warning(doc: Document, earlier: Document) -> str:
    state = "đã được tiếp nhận, vào sổ" if earlier.state is not ProcessingState.HELD else "đang được tạm giữ"
    issued = f" ngày {format_date(doc.issued_date)}" if doc.issued_date else ""
    return (
        f"Trùng mã định danh văn bản: văn bản số {doc.display_code}{issued} của cơ quan này "
        f"{state} (nhận lúc {format_time(earlier.received_at)}, mã hồ sơ {earlier.id[:8]}). "
        "Văn bản này được tạm giữ để văn thư kiểm tra, không tự động vào sổ lần nữa."
    )
