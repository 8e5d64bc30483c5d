"""Document ⇄ rows of documents / document_recipients / attachments, and the folded search text."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from core.doc_code import DocCode
from core.document import Attachment, Direction, Document, ProcessingState, Signer
from core.inbound import Channel
from core.organ_id import OrganId
from core.urgency import Urgency
from core.verdict import Outcome, Reason, StepRecord


def fold(text: str) -> str:
    """Lower case without diacritics ('Quyết định' → 'quyet dinh'): search ignores both."""
    t = unicodedata.normalize("NFD", text.casefold()).replace("đ", "d")
    return " ".join("".join(c for c in t if unicodedata.category(c) != "Mn").split())


def search_text(doc: Document) -> str:
    parts = [
        str(doc.code) if doc.code else "",
        doc.subject,
        doc.type_name,
        doc.place,
        doc.signer.full_name,
        doc.document_id,
        str(doc.sender or ""),
    ]
    return fold(" | ".join(p for p in parts if p))


def document_row(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "direction": doc.direction.value,
        "channel": doc.channel.value,
        "received_at": doc.received_at,
        "sender": str(doc.sender) if doc.sender else None,
        "code_number": doc.code.number if doc.code else None,
        "code_notation": doc.code.notation if doc.code else None,
        "issued_date": doc.issued_date,
        "place": doc.place,
        "type_name": doc.type_name,
        "subject": doc.subject,
        "signer_name": doc.signer.full_name,
        "signer_position": doc.signer.position,
        "signer_competence": doc.signer.competence,
        "urgency": int(doc.urgency),
        "due_date": doc.due_date,
        "page_amount": doc.page_amount,
        "appendixes": list(doc.appendixes),
        "state": doc.state.value,
        "reasons": [{"code": r.code, "message": r.message, "outcome": r.outcome.value} for r in doc.reasons],
        "trail": [_step_json(s) for s in doc.trail],
        "inbound_id": doc.inbound_id,
        "reply_to": doc.reply_to,
        "edxml_document_id": doc.edxml_document_id,
        "document_key": doc.document_id,
        "search_text": search_text(doc),
    }


def recipient_rows(doc: Document) -> list[dict[str, Any]]:
    return [{"document_id": doc.id, "position": i, "organ_id": str(o)} for i, o in enumerate(doc.recipients)]


def attachment_rows(doc: Document) -> list[dict[str, Any]]:
    return [
        {
            "document_id": doc.id,
            "position": i,
            "sha256": a.sha256,
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "description": a.description,
        }
        for i, a in enumerate(doc.attachments)
    ]


def document_from(r: Any, recipients: Iterable[Any], attachments: Iterable[Any]) -> Document:
    code = DocCode(r.code_number, r.code_notation) if r.code_number is not None else None
    return Document(
        id=r.id,
        direction=Direction(r.direction),
        channel=Channel(r.channel),
        received_at=r.received_at,
        sender=OrganId(r.sender) if r.sender else None,
        recipients=[OrganId(x.organ_id) for x in sorted(recipients, key=lambda x: x.position)],
        code=code,
        issued_date=r.issued_date,
        place=r.place,
        type_name=r.type_name,
        subject=r.subject,
        signer=Signer(r.signer_name, r.signer_position, r.signer_competence),
        urgency=Urgency(r.urgency),
        due_date=r.due_date,
        page_amount=r.page_amount,
        appendixes=list(r.appendixes),
        attachments=[_attachment(a) for a in sorted(attachments, key=lambda a: a.position)],
        state=ProcessingState(r.state),
        reasons=[Reason(x["code"], x["message"], Outcome(x["outcome"])) for x in r.reasons],
        trail=[_step(x) for x in r.trail],
        inbound_id=r.inbound_id,
        reply_to=r.reply_to,
        edxml_document_id=r.edxml_document_id,
    )


def _attachment(a: Any) -> Attachment:
    return Attachment(a.filename, a.content_type, a.sha256, a.size, a.description)


def _step_json(s: StepRecord) -> dict[str, Any]:
    return {
        "step": s.step,
        "outcome": s.outcome.value,
        "at": s.at.isoformat(),
        "detail": s.detail,
        "data": s.data,
    }


def _step(x: dict[str, Any]) -> StepRecord:
    return StepRecord(x["step"], Outcome(x["outcome"]), datetime.fromisoformat(x["at"]), x["detail"], x["data"])
