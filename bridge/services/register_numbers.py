"""Register numbers people write on a document (số đến), shown in delivery mails, chat notices and /status."""

from __future__ import annotations

from core.document import Book


async def arrival_number(uow, doc_id: str, organ: str) -> str:  # type: ignore[no-untyped-def]
    """The số đến the agency's clerk writes on the document: '15 (sổ đến năm 2026)', or '' when not registered."""
    for e in await uow.register.for_document(doc_id):
        if e.book is Book.INCOMING and str(e.organ_id) == organ:
            return f"{e.number} (sổ văn bản đến năm {e.year})"
    return ""
