"""What the chatbot's handlers call: linking, button presses (evidence + status packet), queries, uploads.

Every answer is an `Answer` the bot renders; nothing here knows Telegram. Access rule: a chat acts only as
the official linked to it, and only on notices addressed to that official (so never on another agency's
documents)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP

from bridge.services import deliveries, notifications, receive
from bridge.services.deps import Deps
from bridge.services.officials import link_chat, official_of_chat, repo
from core.access import agency_may_act
from core.document import Document
from core.inbound import Channel
from core.officials import Official, Role
from core.status import InvalidTransition, StatusCode
from core.vn_time import format_short, format_time, vietnam_date

Button = tuple[str, str]
REPLY_CHAT_HEADER = "X-Edoc-Reply-Chat"  # where receipts of a document sent through the bot go back

HELP = (
    "Chatbot văn bản điện tử.\n"
    "• /start MÃ — liên kết tài khoản (mã do quản trị cấp, dùng một lần)\n"
    "• /pending — văn bản đang chờ bạn xử lý\n"
    "• /status <số ký hiệu hoặc mã> — trạng thái một văn bản\n"
    "• Văn thư gửi văn bản: gửi tệp PDF đã ký số, chú thích theo dạng «Khóa: giá trị», ví dụ:\n"
    "  Số: 12/QĐ-UBND\n  Ngày: 20/11/2026\n  Loại: Quyết định\n  Trích yếu: …\n  Nơi nhận: 000.00.32.H61\n"
    "• /help — hướng dẫn"
)
UNLINKED = (
    "Tài khoản chưa được liên kết. Hãy gửi /start kèm mã liên kết do quản trị hệ thống cấp, ví dụ: /start ABCD234567"
)

# action → (role allowed, status it reports)
ACTIONS: dict[str, tuple[Role, StatusCode]] = {
    "acc": (Role.CLERK, StatusCode.ACCEPTED),
    "rej": (Role.CLERK, StatusCode.REJECTED),
    "to": (Role.LEADER, StatusCode.ASSIGNED),
    "prc": (Role.SPECIALIST, StatusCode.PROCESSING),
    "done": (Role.SPECIALIST, StatusCode.DONE),
}
_DATA = re.compile(r"n:(\d+):([a-z]+)(?::(\d+))?")


@dataclass
class Answer:
    text: str = ""  # a new message in the chat
    buttons: list[Button] = field(default_factory=list)
    toast: str = ""  # the short answer to a button press
    edit_text: str = ""  # replaces the pressed message (or `edit_message_id`)
    edit_buttons: list[Button] = field(default_factory=list)
    edit_message_id: str = ""
    file: tuple[str, bytes] | None = None


class ChatDesk:
    def __init__(self, deps: Deps, wake: Callable[[], None] = lambda: None, intake_address: str = "") -> None:
        self.deps, self.wake = deps, wake
        self.intake_address = intake_address or "vanban@edoc-bridge.local"

    # --- commands ---------------------------------------------------------------------------------------

    async def start(self, chat_id: str, code: str) -> Answer:
        if not code.strip():
            official = await official_of_chat(self.deps, chat_id)
            return Answer(text=f"Xin chào {official.name}.\n\n{HELP}" if official else UNLINKED)
        official = await link_chat(self.deps, chat_id, code)
        if official is None:
            return Answer(text="Mã liên kết không đúng, đã dùng hoặc đã hết hạn. Hãy xin quản trị cấp mã mới.")
        async with self.deps.uow() as uow:
            agency = await uow.agencies.get(official.organ_id)
        where = agency.name if agency else official.organ_id
        return Answer(text=f"Đã liên kết: {official.name} — {official.role.label}, {where}.\n\n{HELP}")

    async def help(self, chat_id: str) -> Answer:
        return Answer(text=HELP if await official_of_chat(self.deps, chat_id) else f"{UNLINKED}\n\n{HELP}")

    async def pending(self, chat_id: str) -> Answer:
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(text=UNLINKED)
        items = await notifications.pending_for(self.deps, official)
        today = vietnam_date(self.deps.clock.now())
        return Answer(text=notifications.pending_text(items, today, "Văn bản đang chờ bạn"))

    async def status(self, chat_id: str, query: str) -> Answer:
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(text=UNLINKED)
        query = query.strip()
        if not query:
            return Answer(text="Cú pháp: /status <số ký hiệu hoặc mã văn bản>, ví dụ /status 12/QĐ-UBND")
        async with self.deps.uow() as uow:
            docs = [d for d in await self._find(uow, query, official.organ_id) if _concerns(d, official.organ_id)]
            lines = [await self._status_lines(uow, d, official.organ_id) for d in docs[:5]]
        return Answer(text="\n\n".join(lines) if lines else f"Không tìm thấy văn bản «{query}» của cơ quan bạn.")

    async def _find(self, uow, query: str, organ: str) -> list[Document]:  # type: ignore[no-untyped-def]
        if re.fullmatch(r"[0-9a-f]{32}", query) and (doc := await uow.documents.get(query)):
            return [doc]
        return list(await uow.documents.search(text=query, organ=organ, limit=10))

    async def _status_lines(self, uow, doc: Document, organ: str) -> str:  # type: ignore[no-untyped-def]
        head = f"{doc.display_code} — {doc.subject[:100]}\nMã: {doc.id}"
        organs = [organ] if organ in {str(o) for o in doc.recipients} else [str(o) for o in doc.recipients]
        rows = []
        for o in organs:
            events = (await uow.statuses.history(doc.id, o)).events
            agency = await uow.agencies.get(o)
            trail = "; ".join(f"{e.code.label} {format_short(e.at)}" for e in events)
            rows.append(f"• {agency.name if agency else o}: {trail or 'chưa có'}")
        return "\n".join([head, *rows])

    # --- free text: the reason asked for, or instructions --------------------------------------------------

    async def message(self, chat_id: str, text: str) -> Answer:
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(text=UNLINKED)
        async with self.deps.uow() as uow:
            prompt = await repo(uow, self.deps).take_prompt(chat_id)
            await uow.commit()
        if prompt is None:
            return Answer(text=HELP)
        notice_id, action = prompt
        if not text.strip():
            return Answer(text="Lý do không được để trống.")
        answer = await self._change(official, notice_id, action, reason=text.strip())
        return Answer(text=answer.toast, edit_text=answer.edit_text, edit_buttons=answer.edit_buttons,
                      edit_message_id=answer.edit_message_id)  # fmt: skip

    # --- button presses ---------------------------------------------------------------------------------

    async def press(self, chat_id: str, data: str) -> Answer:
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(toast="Tài khoản chưa được liên kết.", text=UNLINKED)
        m = _DATA.fullmatch(data)
        if m is None:
            return Answer(toast="Nút không hợp lệ.")
        notice_id, action, arg = int(m[1]), m[2], m[3]
        async with self.deps.uow() as uow:
            notice = await repo(uow, self.deps).notice(notice_id)
        if notice is None or notice.official_id != official.id or notice.organ_id != official.organ_id:
            return Answer(toast="Bạn không có quyền với văn bản này.")
        match action:
            case "file":
                return await self._file(official, notice.document_id, notice.organ_id)
            case "rej":
                return await self._ask_reason(official, notice_id, notice.document_id)
            case "asg":
                return await self._choices(official, notice_id)
            case "to" if arg:
                return await self._change(official, notice_id, "to", target=int(arg))
            case "back":
                return await self._refresh(notice_id, "")
            case _ if action in ACTIONS:
                return await self._change(official, notice_id, action)
        return Answer(toast="Nút không hợp lệ.")

    async def _file(self, official: Official, doc_id: str, organ: str) -> Answer:
        async with self.deps.uow() as uow:
            doc = await uow.documents.get(doc_id)
            await repo(uow, self.deps).record_action(doc_id, organ, official, "file", "", "viewed")
            await uow.commit()
        pdfs = [a for a in doc.attachments if a.filename.lower().endswith(".pdf")] if doc else []
        if not pdfs:
            return Answer(toast="Văn bản không có tệp PDF.")
        return Answer(toast="Đang gửi tệp…", file=(pdfs[0].filename, await self.deps.blobs.get(pdfs[0].sha256)))

    async def _ask_reason(self, official: Official, notice_id: int, doc_id: str) -> Answer:
        if official.role is not Role.CLERK:
            return Answer(toast="Chỉ văn thư được từ chối tiếp nhận.")
        async with self.deps.uow() as uow:
            await repo(uow, self.deps).set_prompt(str(official.chat_id), notice_id, "rej")
            await uow.commit()
        return Answer(
            toast="Hãy nhập lý do từ chối.", text="✍️ Nhập lý do từ chối tiếp nhận (gửi ở tin nhắn tiếp theo):"
        )

    async def _choices(self, official: Official, notice_id: int) -> Answer:
        if official.role is not Role.LEADER:
            return Answer(toast="Chỉ lãnh đạo được phân công.")
        async with self.deps.uow() as uow:
            people = await repo(uow, self.deps).of_agency(official.organ_id, (Role.SPECIALIST,))
            view = await notifications.notice_view(uow, self.deps, notice_id)
        if not people:
            return Answer(toast="Cơ quan chưa có chuyên viên nào trên hệ thống.")
        keys = [(p.name, f"n:{notice_id}:to:{p.id}") for p in people] + [("« Quay lại", f"n:{notice_id}:back")]
        text = view[1] if view else ""
        return Answer(toast="Chọn người xử lý.", edit_text=f"{text}\n\n👤 Chọn chuyên viên xử lý:", edit_buttons=keys)

    async def _change(
        self, official: Official, notice_id: int, action: str, reason: str = "", target: int | None = None
    ) -> Answer:
        role, code = ACTIONS[action]
        if official.role is not role:
            return Answer(toast=f"Vai trò {official.role.label} không thực hiện được thao tác này.")
        actor = f"{official.name} ({official.role.label})"
        async with self.deps.uow() as uow:
            r = repo(uow, self.deps)
            notice = await r.notice(notice_id)
            assert notice is not None
            doc_id, organ = notice.document_id, notice.organ_id
            doc = await uow.documents.get(doc_id)
            if doc is None or not agency_may_act(official.organ_id, doc):  # the one rule (core.access)
                return Answer(toast="Bạn không có quyền với văn bản này.")
            assignee = await r.get(target) if target is not None else None
            if target is not None:
                if assignee is None or assignee.organ_id != organ or assignee.role is not Role.SPECIALIST:
                    return Answer(toast="Người được chọn không thuộc cơ quan.")
                reason = f"Giao {assignee.name} xử lý"
            try:
                changed = await deliveries.record_status(
                    uow, self.deps, doc_id, organ, code, actor, reason, source="bot"
                )
            except (InvalidTransition, ValueError, LookupError) as exc:
                changed, refusal = None, str(exc)
            outcome = "applied" if changed else ("repeat" if changed is False else "stale")
            await r.record_action(doc_id, organ, official, action, reason, outcome)
            if changed:
                await r.acknowledge(doc_id, organ)
                if assignee is not None:
                    await notifications.queue_notice(uow, self.deps, doc_id, organ, assignee)
            await uow.commit()
        if changed:
            self.wake()
            note = f"✅ {code.label}: {official.name}, {format_time(self.deps.clock.now())}" + (
                f"\nLý do/ghi chú: {reason}" if reason else ""
            )
            answer = await self._refresh(notice_id, note)
            answer.toast = f"Đã ghi nhận: {code.label}."
            return answer
        answer = await self._refresh(notice_id, "")
        answer.toast = "Đã ghi nhận trước đó." if changed is False else f"Nút đã cũ: {refusal}"
        return answer

    async def _refresh(self, notice_id: int, note: str) -> Answer:
        async with self.deps.uow() as uow:
            view = await notifications.notice_view(uow, self.deps, notice_id)
            notice = await repo(uow, self.deps).notice(notice_id)
        if view is None or notice is None:
            return Answer()
        _, text, keys = view
        return Answer(
            edit_text=f"{text}\n\n{note}" if note else text, edit_buttons=keys, edit_message_id=notice.message_id
        )

    # --- sending a document through the bot --------------------------------------------------------------

    async def upload(self, chat_id: str, message_ref: str, filename: str, data: bytes, caption: str) -> Answer:
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(text=UNLINKED)
        if official.role is not Role.CLERK:
            return Answer(text="Chỉ văn thư được gửi văn bản qua chatbot.")
        async with self.deps.uow() as uow:
            agency = await uow.agencies.get(official.organ_id)
        if agency is None or not agency.mailbox:
            return Answer(text="Cơ quan của bạn chưa có hộp thư công vụ trong danh bạ; chưa gửi được văn bản.")
        raw = bot_message(agency.mailbox, self.intake_address, chat_id, filename, data, caption)
        stored = await receive.store_raw(
            self.deps, raw, channel=Channel.BOT, source_ref=f"bot:{chat_id}:{message_ref}", envelope_from=agency.mailbox
        )
        self.wake()
        if stored.duplicate:
            return Answer(text="Tệp này đã được nhận trước đó.")
        return Answer(text=f"Đã nhận tệp {filename}. Hệ thống đang kiểm tra; kết quả sẽ được báo tại đây.")


def bot_message(sender: str, to: str, chat_id: str, filename: str, data: bytes, caption: str) -> bytes:
    """The upload as a small MIME message, so it enters the same pipeline as mail (the agency is the one the
    linked official belongs to: the chat link authenticates it)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, f"Văn bản gửi qua chatbot: {filename}"
    msg[REPLY_CHAT_HEADER] = chat_id
    msg.set_content(caption or "")
    msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename or "van-ban.pdf")
    return msg.as_bytes(policy=SMTP)


def _concerns(doc: Document, organ: str) -> bool:
    return str(doc.sender) == organ or organ in {str(o) for o in doc.recipients}
