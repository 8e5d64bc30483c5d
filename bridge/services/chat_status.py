"""What the chatbot shows about documents: /pending (what waits for the official's role, each with its buttons)
and /status (the real state in Vietnamese with số/ký hiệu and số đến — never internal ids)."""

from __future__ import annotations

import re

from bridge.services import chat_held, notifications
from bridge.services.deps import Deps
from bridge.services.officials import repo
from bridge.services.register_numbers import arrival_number
from core.access import agency_may_see
from core.document import Book, Direction, Document, ProcessingState
from core.held_receipt import STATE_LABELS
from core.officials import Official, Role
from core.vn_time import format_short, format_time

Button = tuple[str, str]
MAX_ITEMS = 10
ROLE_WORK = {
    Role.CLERK: "văn bản đến cần tiếp nhận hoặc trả lời thu hồi",
    Role.LEADER: "văn bản đến cần phân công hoặc trả lời thu hồi",
    Role.SPECIALIST: "văn bản được giao xử lý",
    Role.MONITOR: "văn bản cần theo dõi",
}


async def pending_messages(deps: Deps, official: Official) -> tuple[str, list[tuple[str, list[Button]]]]:
    """A summary line, then one message per waiting document with the buttons of the official's role: incoming
    documents at the role's step, and the agency's held documents for clerks and leaders."""
    incoming: list[tuple[str, list[Button]]] = []
    async with deps.uow() as uow:
        for notice in reversed(await repo(uow, deps).notices_of(official.id)):
            status = await notifications.current_status(uow, notice.document_id, notice.organ_id)
            if status in official.role.waits_for and (view := await notifications.notice_view(uow, deps, notice.id)):
                incoming.append((view[1], view[2]))
    held = await chat_held.held_items(deps, official, MAX_ITEMS)
    if not incoming and not held:
        return "Không có văn bản nào đang chờ bạn.", []
    parts = [f"{len(incoming)} {ROLE_WORK[official.role]}"] if incoming else []
    if held:
        parts.append(f"{len(held)} văn bản của cơ quan đang tạm giữ chờ bổ sung")
    items = [*incoming, *held]
    more = f" (hiển thị {MAX_ITEMS} văn bản đầu)" if len(items) > MAX_ITEMS else ""
    return f"Văn bản đang chờ bạn: {'; '.join(parts)}{more}.", items[:MAX_ITEMS]


async def status_text(deps: Deps, official: Official, query: str) -> str:
    query = query.strip()
    if not query:
        return "Cú pháp: /status <số, ký hiệu hoặc trích yếu>, ví dụ /status 12/QĐ-UBND"
    organ = official.organ_id
    async with deps.uow() as uow:
        found = await uow.documents.search(text=query, organ=organ, limit=10)
        if re.fullmatch(r"[0-9a-f]{32}", query) and (doc := await uow.documents.get(query)):
            found = [doc]  # an id copied from the dashboard still works; it is never shown
        docs = [d for d in found if agency_may_see(organ, d)][:5]
        blocks = [await _block(uow, d, organ) for d in docs]
    return "\n\n".join(blocks) if blocks else f"Không tìm thấy văn bản «{query}» của cơ quan bạn."


async def _block(uow, doc: Document, organ: str) -> str:  # type: ignore[no-untyped-def]
    head = f"📄 {doc.display_code} — {doc.subject[:100] or '(chưa có trích yếu)'}"
    if doc.direction is Direction.INCOMING and organ in {str(o) for o in doc.recipients}:
        sender = await uow.agencies.get(doc.sender) if doc.sender else None
        history = await uow.statuses.history(doc.id, organ)
        last = next((e for e in reversed(history.events) if e.code is history.current), None)
        lines = [head, f"Văn bản đến từ {sender.name if sender else doc.sender or 'không rõ'}"]
        if number := await arrival_number(uow, doc.id, organ):
            lines.append(f"Số đến: {number}")
        state = last.code.label if last else "Chưa có"
        if last and last.actor and last.actor not in notifications.AUTOMATIC_ACTORS:
            state += f" ({last.actor}, {format_time(last.at)})"
        lines.append(f"Trạng thái: {state}")
        if doc.state is ProcessingState.RECALLED:
            lines.append("Văn bản đã được thu hồi: không xử lý tiếp.")
        return "\n".join([*lines, _trail(history.events)])
    lines = [head, f"Văn bản đi của cơ quan bạn: {STATE_LABELS[doc.state]}"]
    entries = [e for e in await uow.register.for_document(doc.id) if e.book is Book.OUTGOING]
    if entries:
        lines.append(f"Số đi: {entries[0].number} (sổ văn bản đi năm {entries[0].year})")
    if doc.state in (ProcessingState.HELD, ProcessingState.REJECTED):
        lines += [f"  - {r.message}" for r in doc.reasons]
        if doc.state is ProcessingState.HELD:
            lines.append("Gửi /pending để bổ sung hoặc quyết định.")
    for recipient in doc.recipients:
        agency = await uow.agencies.get(recipient)
        events = (await uow.statuses.history(doc.id, recipient)).events
        trail = "; ".join(f"{e.code.label} {format_short(e.at)}" for e in events) or "chưa có"
        lines.append(f"• {agency.name if agency else recipient}: {trail}")
    return "\n".join(lines)


def _trail(events: list) -> str:  # type: ignore[type-arg]
    return "Diễn biến: " + ("; ".join(f"{e.code.label} {format_short(e.at)}" for e in events) or "chưa có")
