"""Everything the document page shows, gathered in one short read: the document, its register lines, every
recipient's status history, the check trail, the signature reports and the headers of the raw mail."""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bridge.web import labels
from core.document import Document, RegisterEntry
from core.inbound import Channel
from core.status import StatusCode, StatusHistory

HEADER_BYTES = 64 * 1024  # the headers of a mail are read from its first 64 KiB at most


@dataclass(frozen=True, slots=True)
class Party:
    organ_id: str
    name: str
    status: StatusCode | None = None
    status_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HistoryLine:
    at: datetime
    organ_id: str
    name: str
    code: StatusCode
    actor: str
    description: str


@dataclass(frozen=True, slots=True)
class SignatureLine:
    file: str
    signer: str
    organisation: str
    kind: str
    signed_at: datetime | None
    indication: str
    indication_label: str
    reason: str
    issuer: str
    fingerprint: str


@dataclass(slots=True)
class DocumentView:
    doc: Document
    sender: Party | None
    recipients: list[Party]
    register: list[tuple[RegisterEntry, str]]  # (entry, agency name)
    history: list[HistoryLine]
    signatures: list[SignatureLine]
    signatures_checked: bool
    headers: list[tuple[str, str]] = field(default_factory=list)
    source: str = ""


async def document_view(deps: Any, doc_id: str) -> DocumentView | None:
    async with deps.uow() as u:
        doc = await u.documents.get(doc_id)
        if doc is None:
            return None
        entries = await u.register.for_document(doc_id)
        statuses: dict[str, StatusHistory] = await u.statuses.all_for(doc_id)
        names = {str(a.organ_id): a.name for a in await u.agencies.list()}
        inbound = await u.inbound.get(doc.inbound_id) if doc.inbound_id else None
        raw = await u.inbound.raw(inbound.id) if inbound is not None else None
    if inbound is not None and raw is None and inbound.channel in (Channel.SMTP, Channel.IMAP):
        raw = await deps.blobs.get(inbound.raw_sha256)
    sender = Party(str(doc.sender), names.get(str(doc.sender), "")) if doc.sender else None
    recipients = [_party(str(o), names, statuses.get(str(o))) for o in doc.recipients]
    recipients += [_party(o, names, h) for o, h in statuses.items() if o not in {str(r) for r in doc.recipients}]
    history = sorted(
        (
            HistoryLine(e.at, organ, names.get(organ, ""), e.code, e.actor, e.description)
            for organ, h in statuses.items()
            for e in h.events
        ),
        key=lambda x: x.at,
    )
    checked, signatures = signature_lines(doc)
    view = DocumentView(
        doc,
        sender,
        recipients,
        [(e, names.get(str(e.organ_id), "")) for e in entries],
        history,
        signatures,
        checked,
    )
    if inbound is not None:
        view.source = inbound.source_ref
        if raw is not None and inbound.channel in (Channel.SMTP, Channel.IMAP):
            view.headers = mail_headers(raw)
    return view


def _party(organ: str, names: dict[str, str], h: StatusHistory | None) -> Party:
    last = h.events[-1].at if h and h.events else None
    return Party(organ, names.get(organ, ""), h.current if h else None, last)


def mail_headers(raw: bytes) -> list[tuple[str, str]]:
    """The top-level headers of a stored mail, as the mail says them (decoded for reading)."""
    head = raw[:HEADER_BYTES].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    msg = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(head)
    out = []
    for name, value in msg.items():
        try:
            out.append((name, str(value)))
        except (ValueError, LookupError):  # an undecodable header: show it as it came
            out.append((name, value.encode("utf-8", "replace").decode() if isinstance(value, str) else repr(value)))
    return out


def signature_lines(doc: Document) -> tuple[bool, list[SignatureLine]]:
    """(were signatures checked, one line per signature) from the latest `signatures` entry of the trail."""
    found: Any = None
    for rec in reversed(doc.trail):
        if rec.data and "signatures" in rec.data:
            found = rec.data["signatures"]
            break
    if not isinstance(found, dict) or found.get("checked") is False:
        return False, []
    lines = []
    for file, reports in found.items():
        for r in reports if isinstance(reports, list) else []:
            if isinstance(r, dict):
                lines.append(_signature(file, r))
    return True, lines


def _signature(file: str, r: dict[str, Any]) -> SignatureLine:
    at = r.get("signing_time")
    indication = str(r.get("indication", ""))
    reason = r.get("message") or r.get("sub_indication") or ""
    return SignatureLine(
        file=file,
        signer=str(r.get("signer_cn") or r.get("signer_subject") or "—"),
        organisation=str(r.get("signer_org") or ""),
        kind="Chữ ký của cơ quan, tổ chức" if r.get("is_organisation") else "Chữ ký cá nhân",
        signed_at=datetime.fromisoformat(at) if isinstance(at, str) and at else None,
        indication=indication,
        indication_label=labels.INDICATIONS.get(indication, indication or "—"),
        reason=str(reason),
        issuer=str(r.get("issuer") or ""),
        fingerprint=str(r.get("cert_sha256") or ""),
    )
