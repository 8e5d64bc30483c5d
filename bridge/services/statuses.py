"""Status packets from the axis: apply them to the register and tell the sender."""

from __future__ import annotations

import logging

from bridge.edxml import EdxmlError, parse_status
from bridge.services import jobs
from bridge.services.deps import Deps
from core.document import Direction, Document, ProcessingState
from core.ports import AxisItem, AxisUnavailable
from core.status import InvalidTransition, StatusCode, StatusEvent
from core.vn_time import VIETNAM

log = logging.getLogger(__name__)
_RELAYED = (ProcessingState.REGISTERED, ProcessingState.RECALLED)


async def poll_axis_statuses(deps: Deps) -> int:
    """One poll: fetch every waiting status packet; returns how many were taken."""
    try:
        items = await deps.axis.received("status")
    except AxisUnavailable:
        return 0
    for item in items:
        await take_status(deps, item)
    return len(items)


async def take_status(deps: Deps, item: AxisItem) -> None:
    data = await deps.axis.get_edoc(item.doc_id)
    try:
        packet = parse_status(data)
        code = StatusCode(packet.status_code)
        organ = packet.from_.organ_id
    except (EdxmlError, ValueError) as exc:
        log.warning("status packet %s unreadable: %s", item.doc_id, exc)
        await deps.axis.update_status(item.doc_id, "fail")
        return
    await apply_status(deps, packet.response_for.document_id, organ, code, packet.description, packet.timestamp)
    await deps.axis.update_status(item.doc_id, "done")


async def sent_copy(uow, document_id: str) -> Document | None:  # type: ignore[no-untyped-def]
    """The document a status packet is about: the registered copy we relayed (other copies with the same
    identifier were held as duplicates or rejected), else the newest one."""
    copies = await uow.documents.with_document_id(document_id)  # oldest first
    relayed = [d for d in copies if d.direction is Direction.OUTGOING and d.state in _RELAYED]
    return relayed[-1] if relayed else (copies[-1] if copies else None)


async def apply_status(deps: Deps, document_id: str, organ: str, code: StatusCode, description: str, at) -> bool:  # type: ignore[no-untyped-def]
    """Idempotent: a status already applied (a replay after a crash) changes nothing."""
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=VIETNAM)  # edXML timestamps are local time without an offset
    event = StatusEvent(code, at or deps.clock.now(), f"axis:{organ}", description)
    async with deps.uow() as uow:
        doc = await sent_copy(uow, document_id)
        if doc is None:
            log.warning("status %s for unknown document %s from %s", code, document_id, organ)
            return False
        history = await uow.statuses.history(doc.id, organ)
        if history.current is None and code is not StatusCode.ARRIVED:
            # the recipient answers about a packet whose relay we have not recorded yet (a crash right after
            # the axis took it): it evidently arrived — 01 first, so its answer is not lost as out of order
            arrived = StatusEvent(StatusCode.ARRIVED, event.at, f"axis:{organ}", "Nơi nhận đã nhận văn bản")
            history.apply(arrived)
            await uow.statuses.add(doc.id, organ, arrived, "axis")
        try:
            if not history.apply(event):
                return False
        except InvalidTransition as exc:
            log.warning("status %s for %s from %s ignored: %s", code, doc.id, organ, exc)
            return False
        await uow.statuses.add(doc.id, organ, event, "axis")
        if doc.reply_to:
            key = f"receipt:{doc.id}:status:{organ}:{code.value}:{len(history.events)}"
            payload = {
                "document_id": doc.id,
                "kind": "status",
                "organ": organ,
                "code": code.value,
                "description": description,
                "at": event.at.isoformat(),
            }
            await uow.outbox.enqueue(jobs.RECEIPT, payload, key)
        await uow.commit()
    return True
