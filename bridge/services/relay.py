"""Relay a registered document to the axis as an edXML packet."""

from __future__ import annotations

from bridge.edxml import build_edoc
from bridge.edxml.mapping import packet_from_document
from bridge.services import jobs
from bridge.services.deps import Deps
from core.document import ProcessingState
from core.ports import AxisRejected, AxisUnavailable
from core.records import OutboxJob
from core.verdict import Outcome, StepRecord


async def relay_document(deps: Deps, job: OutboxJob) -> None:
    async with deps.uow() as uow:
        doc = await uow.documents.get(job.payload["document_id"])
        if doc is None or doc.state is not ProcessingState.REGISTERED or doc.sender is None:
            await uow.outbox.complete(job.id)  # recalled or gone: nothing to send
            await uow.commit()
            return
        sender = await uow.agencies.get(doc.sender)
        recipients = [a for a in [await uow.agencies.get(o) for o in doc.recipients] if a is not None]
    files = [(att, await deps.blobs.get(att.sha256)) for att in doc.attachments]
    now = deps.clock.now()
    packet = packet_from_document(doc, sender, recipients, files, trace_organ=deps.bridge_organ, now=now)
    try:
        axis_id = await deps.axis.send_edoc(str(doc.sender), deps.packets.seal(build_edoc(packet)))
    except AxisUnavailable as exc:
        raise jobs.RetryLater(f"Trục liên thông không phản hồi: {exc}") from exc
    except AxisRejected as exc:
        raise jobs.GiveUp(f"Trục liên thông từ chối gói tin: {exc}") from exc
    async with deps.uow() as uow:
        doc = await uow.documents.get(doc.id)
        doc.trail.append(
            StepRecord("relay", Outcome.CONTINUE, now, f"Đã chuyển lên trục liên thông (mã gói {axis_id})")
        )
        await uow.documents.update(doc)
        await uow.outbox.complete(job.id)
        await uow.commit()
