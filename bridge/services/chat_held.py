"""Held documents in the chatbot: listed in /pending for the sending agency's clerks and leaders, completed by
replying to a message that carries the document's tracking token (or after pressing «Bổ sung»), released or
withdrawn with a button — the same use cases as the mail reply and the dashboard form."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.services import checks_review
from bridge.services.completion import Completion, CompletionOutcome, complete_held
from bridge.services.deps import Deps
from bridge.services.held import token_of
from core.access import agency_may_act
from core.advice import advice_for
from core.document import Document, ProcessingState
from core.held import waiting_for_checks
from core.held_receipt import STATE_LABELS
from core.metadata import missing_required
from core.officials import Official, Role
from core.receipt import FIELD_EXAMPLES, _declared
from core.vn_time import format_time

Button = tuple[str, str]
HELD_ROLES = (Role.CLERK, Role.LEADER)
FILL, DROP = "fill", "drop"


@dataclass(frozen=True, slots=True)
class ChatReply:
    text: str
    buttons: list[Button]
    toast: str = ""


async def held_items(deps: Deps, official: Official, limit: int = 10) -> list[tuple[str, list[Button]]]:
    """The agency's held documents (oldest first), each a message with its token and buttons."""
    if official.role not in HELD_ROLES:
        return []
    async with deps.uow() as uow:
        docs = await uow.documents.search(state=ProcessingState.HELD, organ=official.organ_id, limit=limit)
        docs = [d for d in reversed(docs) if agency_may_act(official.organ_id, d)]
        items = [(held_text(d, (await token_of(uow, d)).token), held_buttons(d)) for d in docs]
        await uow.commit()
    return items


def held_text(doc: Document, token: str) -> str:
    missing = missing_required(_declared(doc))
    lines = [
        "⏸ Văn bản của cơ quan bạn đang tạm giữ, chưa chuyển tới nơi nhận",
        f"Số/ký hiệu: {doc.display_code}",
        f"Trích yếu: {doc.subject[:200] or '(chưa có)'}",
        f"Nhận lúc: {format_time(doc.received_at)}",
        "Lý do:",
        *(f"  {i}. {r.message}\n     → {advice_for(r.code).step}" for i, r in enumerate(doc.reasons, 1)),
    ]
    if missing:
        lines += [
            f"Còn thiếu: {'; '.join(missing)}",
            "Ví dụ:",
            *(f"  {FIELD_EXAMPLES.get(m, m + ': …')}" for m in missing),
        ]
    lines += [
        "Để bổ sung: trả lời (Reply) tin nhắn này, mỗi thông tin một dòng «Khóa: giá trị», có thể kèm tệp PDF đã sửa;"
        " hoặc bấm «Bổ sung».",
        f"Mã theo dõi: {token}",
    ]
    return "\n".join(lines)


def held_buttons(doc: Document) -> list[Button]:
    keys = [("Bổ sung", f"h:{doc.id}:{FILL}")]
    if not missing_required(_declared(doc)) and not waiting_for_checks(doc):
        keys.append(("Gửi đi", f"h:{doc.id}:send"))  # a reviewer's decision, as on the dashboard
    keys.append(("Hủy gửi", f"h:{doc.id}:{DROP}"))
    return keys


async def press_held(deps: Deps, official: Official, doc_id: str, action: str) -> ChatReply:
    doc = await _held_doc(deps, official, doc_id)
    if isinstance(doc, ChatReply):
        return doc
    match action:
        case "fill" | "drop":
            async with deps.uow() as uow:
                await uow.officials.take_prompt(str(official.chat_id))  # one question at a time
                await uow.held_tokens.set_prompt(str(official.chat_id), doc.id, action)
                await uow.commit()
            ask = (
                "✍️ Gửi các dòng cần bổ sung, mỗi dòng «Khóa: giá trị» (ví dụ «Nơi nhận: 000.00.32.H61»):"
                if action == FILL
                else "✍️ Nhập lý do hủy gửi văn bản này (gửi ở tin nhắn tiếp theo):"
            )
            return ChatReply(ask, [], toast="Mời nhập ở tin nhắn tiếp theo.")
        case "send":
            try:
                await checks_review.release_held(deps, doc.id, clerk=_actor(official))
            except checks_review.ReviewError as exc:
                return ChatReply(str(exc), [], toast="Chưa gửi được.")
            return ChatReply(f"✅ Đã cho phép gửi văn bản {doc.display_code}: văn bản đang được chuyển.", [], "Đã gửi.")
    return ChatReply("", [], toast="Nút không hợp lệ.")


async def answer_prompt(deps: Deps, official: Official, doc_id: str, action: str, text: str) -> ChatReply:
    """The message typed after «Bổ sung» or «Hủy gửi»."""
    if action == DROP:
        doc = await _held_doc(deps, official, doc_id)
        if isinstance(doc, ChatReply):
            return doc
        try:
            await checks_review.reject_held(deps, doc.id, clerk=_actor(official), reason=text)
        except checks_review.ReviewError as exc:
            return ChatReply(str(exc), [])
        return ChatReply(f"Đã hủy gửi văn bản {doc.display_code} (lý do: {' '.join(text.split())}).", [])
    return await complete_from_chat(deps, official, doc_id, text, None)


async def complete_from_chat(
    deps: Deps, official: Official, doc_id: str, text: str, pdf: tuple[str, bytes] | None
) -> ChatReply:
    doc = await _held_doc(deps, official, doc_id, any_state=True)
    if isinstance(doc, ChatReply):
        return doc
    result = await complete_held(deps, doc.id, Completion(text, pdf, _actor(official), "chatbot"))
    head = f"Văn bản {doc.display_code}: {result.message}"
    if result.outcome is CompletionOutcome.HELD and result.document is not None:
        async with deps.uow() as uow:
            token = (await token_of(uow, result.document)).token
            await uow.commit()
        return ChatReply(f"{head}\n\n{held_text(result.document, token)}", held_buttons(result.document))
    return ChatReply(head, [])


async def doc_of_token(deps: Deps, token: str) -> str | None:
    async with deps.uow() as uow:
        held = await uow.held_tokens.by_token(token)
    return held.document_id if held else None


async def _held_doc(deps: Deps, official: Official, doc_id: str, *, any_state: bool = False) -> Document | ChatReply:
    async with deps.uow() as uow:
        doc = await uow.documents.get(doc_id)
    if doc is None or official.role not in HELD_ROLES or not agency_may_act(official.organ_id, doc):
        return ChatReply("", [], toast="Bạn không có quyền với văn bản này.")
    if doc.state is not ProcessingState.HELD and not any_state:
        return ChatReply(f"Văn bản {doc.display_code} {STATE_LABELS[doc.state]}.", [], toast="Văn bản đã thay đổi.")
    return doc


def _actor(official: Official) -> str:
    return f"{official.name} ({official.role.label.lower()}, chatbot)"
