"""Replies without their tracking token: is the mail an answer to one of the bridge's mails, and to which
document? Matched by subject only where exactly one open document of the replier's agency fits; otherwise the
replier is told "không nhận ra thư trả lời" with what to do (never a new document)."""

from __future__ import annotations

import logging
import re

from bridge.pipeline.answers import refers_to_our_receipt
from bridge.services.deliveries import enqueue_agency_mail
from bridge.services.deps import Deps
from bridge.services.held import held_options
from core.agency import Agency
from core.delivery import Delivery
from core.document import Document, ProcessingState
from core.held import HeldToken
from core.held_receipt import reply_not_recognised
from core.inbound import InboundMessage
from core.receipt import TAG
from core.records import InboundRecord, InboundState, OutboxJob
from core.status import StatusCode
from core.text import fold

log = logging.getLogger(__name__)
MIN_EXCERPT = 15  # characters of trích yếu that identify a document in a subject
_FINAL = {StatusCode.DONE, StatusCode.REJECTED, StatusCode.RECALL_AGREED}
_MSGID_DOMAIN = re.compile(r"@([^>\s@]+)>")  # no '@' in the domain: a run of '@' is linear, not quadratic
_REPLY_PREFIX = re.compile(r"\s*(re|tl|tr[aả] l[oờ]i|aw|sv|vs)\s*:", re.IGNORECASE)


def is_reply_to_bridge(msg: InboundMessage, deps: Deps) -> bool:
    """The receipt tag in the subject, one of our Message-IDs in In-Reply-To / References, or a "Re:" mail without
    any PDF (it cannot be a document: answering it beats refusing it as one)."""
    if TAG.lower() in msg.subject.lower():
        return True
    if _REPLY_PREFIX.match(msg.subject) and not any(a.data.startswith(b"%PDF-") for a in msg.attachments):
        return True
    refs = f"{msg.headers.get('in-reply-to', '')} {msg.headers.get('references', '')}"
    ours = set(held_options(deps).own_domains)
    return any(d.lower() in ours for d in referenced_domains(refs))


def referenced_domains(refs: str) -> list[str]:
    """The domains of the Message-IDs in In-Reply-To / References text."""
    return _MSGID_DOMAIN.findall(refs)


async def match_tokenless(deps: Deps, msg: InboundMessage) -> tuple[Delivery | None, HeldToken | None]:
    """The one open document (held, or delivered and not finished) of the replier whose number or trích yếu the
    subject names; (None, None) when none or several fit."""
    sender = msg.sender_address.strip().lower()
    async with deps.uow() as uow:
        agency = await agency_of(uow, sender)
        organ = str(agency.organ_id) if agency else ""
        helds = [(h, await uow.documents.get(h.document_id)) for h in await uow.held_tokens.for_sender(sender, organ)]
        found: list[tuple[Delivery | None, HeldToken | None]] = [
            (None, h) for h, doc in helds if doc and doc.state is ProcessingState.HELD and _names(msg.subject, doc)
        ]
        for d in await uow.deliveries.for_organ(organ) if organ else []:
            doc = await uow.documents.get(d.document_id)
            if doc and _names(msg.subject, doc) and (await uow.statuses.history(doc.id, organ)).current not in _FINAL:
                found.append((d, None))
    if len(found) == 1:
        return found[0]
    log.info("token-less reply from %s matches %d documents", sender, len(found))
    return None, None


async def not_recognised(deps: Deps, job: OutboxJob, record: InboundRecord, msg: InboundMessage) -> None:
    """Answered once, to a known address (the agency's mailbox for a colleague's address); recorded, not registered."""
    sender = msg.sender_address.strip().lower()
    async with deps.uow() as uow:
        agency = await agency_of(uow, sender)
        quiet = msg.auto_submitted or agency is None or refers_to_our_receipt(msg.headers, deps)  # no loops (issue 15)
        to = "" if quiet else (sender if agency.owns_address(sender) else agency.mailbox)
        if to and agency is not None:
            held = await uow.documents.search(state=ProcessingState.HELD, organ=str(agency.organ_id), limit=20)
            docs = [d for d in held if d.sender == agency.organ_id]  # the agency's own documents waiting for it
            text = reply_not_recognised(msg.subject, docs[:10])
            await enqueue_agency_mail(uow, deps, f"reply:unrecognised:{record.id}", to, text, purpose="help")
        note = "Thư trả lời không nhận ra thuộc văn bản nào" + (" (đã trả lời)" if to else " (không trả lời)")
        await uow.inbound.set_state(record.id, InboundState.DONE, note)
        await uow.outbox.complete(job.id)
        await uow.commit()
    log.info("reply %s from %s not recognised", record.id, sender)


async def agency_of(uow, address: str) -> Agency | None:  # type: ignore[no-untyped-def]
    """The agency of a registered address, else the one whose addresses share its domain (a colleague)."""
    if not address:
        return None
    found: Agency | None = await uow.agencies.by_email(address)
    if found is not None:
        return found
    domain = address.rpartition("@")[2]
    same = [a for a in await uow.agencies.list() if domain and any(e.endswith("@" + domain) for e in a.emails)]
    return same[0] if len(same) == 1 else None


def _names(subject: str, doc: Document) -> bool:
    s = fold(subject)
    if doc.code and fold(str(doc.code)) in s:
        return True
    excerpt = fold(doc.subject)[:40].strip()
    return len(excerpt) >= MIN_EXCERPT and excerpt in s
