"""The `pipeline` job, routed: packets from the axis and agencies' replies to deliveries have their own use
cases; every other inbound item goes through the document pipeline (bridge.services.inbound)."""

from __future__ import annotations

from bridge.services import jobs
from bridge.services.axis_intake import process_axis_document
from bridge.services.deps import Deps
from bridge.services.inbound import process_inbound
from bridge.services.receive import load_raw
from bridge.services.replies import take_reply
from core.inbound import Channel
from core.records import OutboxJob


async def process_routed(deps: Deps, job: OutboxJob) -> None:
    async with deps.uow() as uow:
        record = await uow.inbound.get(job.payload["inbound_id"])
    if record is None:
        raise jobs.GiveUp(f"inbound {job.payload['inbound_id']} not found")
    if record.channel == Channel.AXIS:
        await process_axis_document(deps, job, record)
        return
    if record.channel in (Channel.SMTP, Channel.IMAP):
        raw = await load_raw(deps, record)
        if await take_reply(deps, job, record, raw):
            return
    await process_inbound(deps, job)
