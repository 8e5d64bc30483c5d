"""What the chatbot's handlers call: linking, button presses (evidence + status packet), queries, uploads.

Every answer is an `Answer` the bot renders; nothing here knows Telegram. Access rule: a chat acts only as
the official linked to it, only on notices addressed to that official, and only where core.access lets the
official's agency decide. The bot is a channel equal to mail and the dashboard: every state change, by any of
them, edits every official's copy (notifications.queue_refresh); held documents are completed here too
(bridge.services.chat_held)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP

from bridge.services import chat_held, deliveries, notifications, receive
from bridge.services.chat_status import pending_messages, status_text
from bridge.services.deps import Deps
from bridge.services.officials import link_chat, official_of_chat, repo
from core.access import agency_may_act
from core.inbound import Channel
from core.officials import Official, Role
from core.reply_keywords import extract_token
from core.status import InvalidTransition, StatusCode
from core.vn_time import format_time

Button = tuple[str, str]
REPLY_CHAT_HEADER = "X-Edoc-Reply-Chat"  # where receipts of a document sent through the bot go back

HELP = (
    "Chatbot văn bản điện tử.\n"
    "• /start MÃ — liên kết tài khoản (mã do quản trị cấp, dùng một lần)\n"
    "• /pending — văn bản đang chờ bạn xử lý\n"
    "• /status <số, ký hiệu hoặc trích yếu> — trạng thái một văn bản\n"
    "• Văn thư gửi văn bản: gửi tệp PDF đã ký số, chú thích theo dạng «Khóa: giá trị», ví dụ:\n"
    "  Số: 12/QĐ-UBND\n  Ngày: 20/11/2026\n  Loại: Quyết định\n  Trích yếu: …\n  Nơi nhận: 000.00.32.H61\n"
    "• Văn bản bị tạm giữ: trả lời (Reply) tin nhắn báo tạm giữ với các dòng «Khóa: giá trị» để bổ sung\n"
    "• /help — hướng dẫn"
)
COMMANDS = [
    ("pending", "Văn bản đang chờ bạn xử lý"),
    ("status", "Trạng thái một văn bản: /status 12/QĐ-UBND"),
    ("start", "Liên kết tài khoản: /start MÃ"),
    ("help", "Hướng dẫn sử dụng"),
]
UNLINKED = (
    "Tài khoản chưa được liên kết. Hãy gửi /start kèm mã liên kết do quản trị hệ thống cấp, ví dụ: /start ABCD234567"
)

RECALL_ROLES = frozenset({Role.CLERK, Role.LEADER})
# action → (roles allowed, status it reports)
ACTIONS: dict[str, tuple[frozenset[Role], StatusCode]] = {
    "acc": (frozenset({Role.CLERK}), StatusCode.ACCEPTED),
    "rej": (frozenset({Role.CLERK}), StatusCode.REJECTED),
    "to": (frozenset({Role.LEADER}), StatusCode.ASSIGNED),
    "prc": (frozenset({Role.SPECIALIST}), StatusCode.PROCESSING),
    "done": (frozenset({Role.SPECIALIST}), StatusCode.DONE),
    "ragr": (RECALL_ROLES, StatusCode.RECALL_AGREED),
    "rref": (RECALL_ROLES, StatusCode.RECALL_REFUSED),
}
ASKS_REASON = {"rej": "✍️ Nhập lý do từ chối tiếp nhận (gửi ở tin nhắn tiếp theo):",
               "rref": "✍️ Nhập lý do không đồng ý thu hồi (gửi ở tin nhắn tiếp theo):"}  # fmt: skip
_DATA = re.compile(r"n:(\d+):([a-z]+)(?::(\d+))?")
_HELD = re.compile(r"h:([0-9a-f]{32}):([a-z]+)")


@dataclass
class Answer:
    text: str = ""  # a new message in the chat
    buttons: list[Button] = field(default_factory=list)
    toast: str = ""  # the short answer to a button press
    edit_text: str = ""  # replaces the pressed message (or `edit_message_id`)
    edit_buttons: list[Button] = field(default_factory=list)
    edit_message_id: str = ""
    file: tuple[str, bytes] | None = None
    more: list[tuple[str, list[Button]]] = field(default_factory=list)  # further messages, each with buttons


class ChatDesk:
    def __init__(self, deps: Deps, wake: Callable[[], None] = lambda: None, intake_address: str = "") -> None:
        self.deps, self.wake = deps, wake
        self.intake_address = intake_address or "vanban@edoc-bridge.local"

    # --- commands ---------------------------------------------------------------------------------------

    async def start(self, chat_id: str, code: str) -> Answer:
        linked = await official_of_chat(self.deps, chat_id)
        if not code.strip():
            return Answer(text=f"Bạn đã liên kết: {await self._who(linked)}.\n\n{HELP}" if linked else UNLINKED)
        official = await link_chat(self.deps, chat_id, code)
        if official is None and linked is not None:
            return Answer(
                text=f"Tài khoản này đã được liên kết: {await self._who(linked)}. Không cần gửi lại mã "
                "(mã vừa gửi đã dùng hoặc hết hạn). Gửi /pending để xem văn bản đang chờ bạn."
            )
        if official is None:
            return Answer(text="Mã liên kết không đúng, đã dùng hoặc đã hết hạn. Hãy xin quản trị cấp mã mới.")
        return Answer(text=f"Đã liên kết: {await self._who(official)}.\n\n{HELP}")

    async def _who(self, official: Official) -> str:
        async with self.deps.uow() as uow:
            agency = await uow.agencies.get(official.organ_id)
        return f"{official.name} — {official.role.label}, {agency.name if agency else official.organ_id}"

    async def help(self, chat_id: str) -> Answer:
        return Answer(text=HELP if await official_of_chat(self.deps, chat_id) else f"{UNLINKED}\n\n{HELP}")

    async def pending(self, chat_id: str) -> Answer:
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(text=UNLINKED)
        head, items = await pending_messages(self.deps, official)
        return Answer(text=head, more=items)

    async def status(self, chat_id: str, query: str) -> Answer:
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(text=UNLINKED)
        return Answer(text=await status_text(self.deps, official, query))

    # --- free text: the reason asked for, or instructions --------------------------------------------------

    async def message(self, chat_id: str, text: str, replied: str = "") -> Answer:
        """Free text: the reason or lines a button asked for, a reply completing a held document (the replied-to
        message carries its token), else help."""
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(text=UNLINKED)
        if (token := extract_token(replied)) and (doc_id := await chat_held.doc_of_token(self.deps, token)):
            return _reply(await chat_held.complete_from_chat(self.deps, official, doc_id, text, None))
        async with self.deps.uow() as uow:
            prompt = await repo(uow, self.deps).take_prompt(chat_id)
            held_prompt = await uow.held_tokens.take_prompt(chat_id)
            await uow.commit()
        if held_prompt is not None:
            if not text.strip():
                return Answer(text="Nội dung không được để trống.")
            return _reply(await chat_held.answer_prompt(self.deps, official, *held_prompt, text))
        if prompt is None:
            return Answer(text=HELP)
        notice_id, action = prompt
        if not text.strip():
            return Answer(text="Lý do không được để trống.")
        answer = await self._change(official, notice_id, action, reason=text.strip())
        return Answer(text=answer.text or answer.toast, edit_text=answer.edit_text, edit_buttons=answer.edit_buttons,
                      edit_message_id=answer.edit_message_id)  # fmt: skip

    # --- button presses ---------------------------------------------------------------------------------

    async def press(self, chat_id: str, data: str) -> Answer:
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(toast="Tài khoản chưa được liên kết.", text=UNLINKED)
        if held := _HELD.fullmatch(data):
            return _reply(await chat_held.press_held(self.deps, official, held[1], held[2]))
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
            case "rej" | "rref":
                return await self._ask_reason(official, notice_id, action)
            case "asg":
                return await self._choices(official, notice_id)
            case "to" if arg:
                return _pressed(await self._change(official, notice_id, "to", target=int(arg)))
            case "back":
                return _pressed(await self._refresh(notice_id, ""))
            case _ if action in ACTIONS:
                return _pressed(await self._change(official, notice_id, action))
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

    async def _ask_reason(self, official: Official, notice_id: int, action: str) -> Answer:
        roles, code = ACTIONS[action]
        if official.role not in roles:
            return Answer(toast=f"Vai trò {official.role.label} không thực hiện được «{code.label}».")
        async with self.deps.uow() as uow:
            await uow.held_tokens.take_prompt(str(official.chat_id))  # one question at a time
            await repo(uow, self.deps).set_prompt(str(official.chat_id), notice_id, action)
            await uow.commit()
        return Answer(toast="Hãy nhập lý do.", text=ASKS_REASON[action])

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
        roles, code = ACTIONS[action]
        if official.role not in roles:
            return Answer(toast=f"Vai trò {official.role.label} không thực hiện được thao tác này.")
        actor = f"{official.name} ({official.role.label})"
        refusal = ""
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
                changed, refusal = None, await self._lost(uow, doc_id, organ, code, reason, str(exc))
            outcome = "applied" if changed else ("repeat" if changed is False else "stale")
            await r.record_action(doc_id, organ, official, action, reason, outcome)
            if changed:
                await r.acknowledge(doc_id, organ)
                if assignee is not None:
                    await notifications.queue_notice(uow, self.deps, doc_id, organ, assignee)
            await uow.commit()
        answer = await self._refresh(notice_id, "")
        if changed:
            self.wake()  # the status packet, and every other copy of the notice is edited (queue_refresh)
            answer.toast = f"Đã ghi nhận: {code.label}."
        elif changed is False:
            answer.toast = "Đã ghi nhận trước đó."
        else:
            answer.toast, answer.text = refusal[:190], refusal
        return answer

    async def _lost(self, uow, doc_id: str, organ: str, wanted: StatusCode, reason: str, why: str) -> str:  # type: ignore[no-untyped-def]
        """Someone else acted first (or the action no longer fits): who did what, and what became of the input."""
        history = await uow.statuses.history(doc_id, organ)
        last = next((e for e in reversed(history.events) if e.code is history.current), None)
        if last is None:
            return f"Chưa ghi nhận «{wanted.label}»: {why}"
        who = last.actor if last.actor and last.actor not in notifications.AUTOMATIC_ACTORS else "hệ thống"
        text = (
            f"Chưa ghi nhận «{wanted.label}»: {who} đã ghi nhận «{last.code.label}» lúc {format_time(last.at)}, "
            f"văn bản không còn ở bước này."
        )
        if reason:
            text += f" Nội dung bạn nhập («{reason[:200]}») không được dùng; nếu vẫn cần, hãy liên hệ {who}."
        return text

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

    async def upload(
        self, chat_id: str, message_ref: str, filename: str, data: bytes, caption: str, replied: str = ""
    ) -> Answer:
        official = await official_of_chat(self.deps, chat_id)
        if official is None:
            return Answer(text=UNLINKED)
        if (token := extract_token(replied)) and (doc_id := await chat_held.doc_of_token(self.deps, token)):
            if not data.startswith(b"%PDF-"):
                return Answer(text="Tệp bổ sung phải là văn bản định dạng PDF đã ký số.")
            pdf = (filename or "van-ban.pdf", data)
            return _reply(await chat_held.complete_from_chat(self.deps, official, doc_id, caption, pdf))
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


def _pressed(answer: Answer) -> Answer:
    """Edit the message whose button was pressed (a notice, or its copy in /pending); the others follow through
    notifications.queue_refresh."""
    answer.edit_message_id = ""
    return answer


def _reply(r: chat_held.ChatReply) -> Answer:
    return Answer(text=r.text, buttons=r.buttons, toast=r.toast)
