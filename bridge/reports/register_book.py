"""Sổ đăng ký văn bản đến / đi with the NĐ 30/2020 Phụ lục IV columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridge.reports.facts import VIETNAM
from core.document import Book, Document, RegisterEntry
from core.status import StatusCode

COLUMNS = {
    Book.INCOMING: [
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số, ký hiệu",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu",
        "Đơn vị hoặc người nhận",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ],
    Book.OUTGOING: [
        "Số, ký hiệu",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu",
        "Người ký",
        "Nơi nhận",
        "Đơn vị, người nhận bản lưu",
        "Số lượng bản",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ],
}
TITLES = {Book.INCOMING: "Sổ đăng ký văn bản đến", Book.OUTGOING: "Sổ đăng ký văn bản đi"}


def _d(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


async def book_rows(uow: Callable[[], Any], organ: str, book: Book, year: int) -> list[list[str]]:
    async with uow() as u:
        names = {str(a.organ_id): a.name for a in await u.agencies.list()}
        entries = await u.register.list(organ, book, year)
        ids = [e.document_id for e in entries]
        docs, statuses = await u.documents.get_many(ids), await u.statuses.all_for_many(ids)
    return [
        _row(book, e, docs[e.document_id], statuses[e.document_id], names) for e in entries if e.document_id in docs
    ]


def _row(book: Book, e: RegisterEntry, doc: Document, statuses: dict[str, Any], names: dict[str, str]) -> list[str]:
    title = " — ".join(x for x in (doc.type_name, doc.subject) if x)
    code = str(doc.code) if doc.code else ""
    note = "" if doc.state.value == "registered" else f"Trạng thái: {doc.state.value}"
    if book is Book.INCOMING:
        author = names.get(str(doc.sender), str(doc.sender or ""))
        at = e.registered_at.astimezone(VIETNAM)
        return [f"{at:%d/%m/%Y}", str(e.number), author, code, _d(doc.issued_date), title, "", "", "", note]
    sent = [ev.at for h in statuses.values() for ev in h.events if ev.code is StatusCode.ARRIVED]
    to = "; ".join(names.get(str(r), str(r)) for r in doc.recipients)
    signer = " ".join(x for x in (doc.signer.position, doc.signer.full_name) if x)
    copies = str(len(doc.recipients) + 1)  # one per recipient and the kept copy
    first_sent = f"{min(sent).astimezone(VIETNAM):%d/%m/%Y}" if sent else ""
    return [code, _d(doc.issued_date), title, signer, to, "Lưu: VT", copies, first_sent, "", note]
