"""Vietnamese receipts (mail or chat) that the bridge sends about a document: pure text, no I/O.

Every subject starts with TAG and carries the số/ký hiệu; it is one line (sender-supplied trích yếu
cannot inject headers) and short enough for a mail client's list. Bodies are plain text with
diacritics; channels add their own formatting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from core.advice import advice_for
from core.document import Document
from core.metadata import REQUIRED, DeclaredMetadata, missing_required
from core.reply_keywords import KEYWORDS
from core.status import StatusCode, StatusEvent
from core.verdict import Reason
from core.vn_time import format_date, format_time

TAG = "[edoc-bridge]"
MAX_SUBJECT_EXCERPT = 80  # characters of trích yếu shown in a subject

# How to send each required field as a `Key: value` line (keys as core.metadata reads them).
FIELD_EXAMPLES: dict[str, str] = {
    REQUIRED["code"]: "Số: 05/QĐ-UBND",
    REQUIRED["issued_date"]: "Ngày ban hành: 05/03/2024",
    REQUIRED["subject"]: "Trích yếu: Về việc triển khai kế hoạch chuyển đổi số năm 2024",
    REQUIRED["recipients"]: "Nơi nhận: 000.00.01.H61; 000.00.02.H61",
    REQUIRED["type_name"]: "Loại văn bản: Quyết định",
}


@dataclass(frozen=True, slots=True)
class ReceiptText:
    subject: str
    body: str


def accepted_receipt(doc: Document, recipient_names: Sequence[str], *, at: datetime | None = None) -> ReceiptText:
    """To the sender: accepted, registered and being relayed. `at` defaults to the last pipeline step."""
    when = at or (doc.trail[-1].at if doc.trail else doc.received_at)
    body = [
        "Cầu nối văn bản điện tử đã tiếp nhận, đăng ký và đang chuyển văn bản của quý cơ quan tới nơi nhận.",
        "",
        *_facts(doc),
        _line("Nơi nhận", "; ".join(recipient_names) or "(chưa xác định)"),
        _line("Thời điểm tiếp nhận", _when(when)),
        "",
        "Khi nơi nhận báo trạng thái xử lý (đã tiếp nhận, từ chối, hoàn thành …), cầu nối sẽ thông báo tiếp.",
    ]
    return _receipt(_subject("Đã tiếp nhận và chuyển văn bản", doc), body)


@dataclass(frozen=True, slots=True)
class ReplyPath:
    """How the sender answers a receipt about a held document: on the channel it came in, by reply (the token
    ties the reply to the document), or on the dashboard when the sender's agency has an account there."""

    token: str = ""
    dashboard_url: str = ""  # the document's page for completing it; "" when the agency has no account
    chat: bool = False  # the document came through the chatbot: "trả lời tin nhắn này"
    expires: str = ""  # when an uncompleted document is given up, e.g. "14:00 ngày 16/12/2026"

    @property
    def this_message(self) -> str:
        return "tin nhắn này" if self.chat else "thư này"


def rejected_receipt(doc_or_summary: Document | str, reasons: Sequence[Reason]) -> ReceiptText:
    """To the sender: refused, with every reason and what to do about it.

    Pass a Document when one was built, else a short description of what arrived (e.g. the mail subject).
    """
    body = ["Văn bản sau KHÔNG được cầu nối văn bản điện tử tiếp nhận và chưa được chuyển tới nơi nhận nào.", ""]
    if isinstance(doc_or_summary, Document):
        body += [*_facts(doc_or_summary), *_files(doc_or_summary)]
        subject = _subject("Từ chối tiếp nhận văn bản", doc_or_summary)
    else:
        summary = _one_line(doc_or_summary) or "(không có tiêu đề)"
        body.append(_line("Nội dung nhận được", summary))
        subject = f"Từ chối tiếp nhận: {_excerpt(summary)}"
    body += ["", "Lý do và việc cần làm:", *_advised(reasons), ""]
    body += [
        "Sau khi khắc phục, văn thư của quý cơ quan gửi lại văn bản như lần đầu (một thư mới, kèm tệp PDF đã ký "
        "số và các dòng thông tin dạng «Khóa: giá trị»)."
    ]
    return _receipt(subject, body)


def held_receipt(
    doc: Document,
    reasons: Sequence[Reason],
    *,
    missing: Sequence[str] | None = None,
    token: str = "",
    path: ReplyPath | None = None,
) -> ReceiptText:
    """To the sender: held, not relayed. Says what is wrong and what to do about each reason, how to complete
    the document on its channel (reply with `Key: value` lines, optionally a corrected PDF) or on the dashboard,
    and who reviews what the sender cannot fix. `missing` (labels of core.metadata.REQUIRED) defaults to what
    the document lacks; each missing field is shown with the `Key: value` line that supplies it."""
    path = path or ReplyPath(token=token)
    if missing is None:
        missing = missing_required(_declared(doc))
    fixable = [r for r in reasons if advice_for(r.code).sender_fixes] or missing
    body = [
        "Văn bản sau CHƯA được chuyển tới nơi nhận: cầu nối văn bản điện tử đang tạm giữ văn bản vì các lý do "
        "dưới đây.",
        "",
        *_facts(doc),
        *_files(doc),
        _line("Thời điểm nhận", _when(doc.received_at)),
    ]
    if reasons:
        body += ["", "Lý do tạm giữ và việc cần làm:", *_advised(reasons)]
    if missing:
        body += ["", f"Còn thiếu thông tin: {'; '.join(missing)}."]
    if fixable:
        body += ["", *_how_to_complete(doc, missing, path)]
    if any(not advice_for(r.code).sender_fixes for r in reasons):
        who = (
            f"văn thư của quý cơ quan xem và quyết định trên trang {path.dashboard_url}"
            if path.dashboard_url
            else "cán bộ quản trị cầu nối (Văn phòng UBND tỉnh) xem xét"
        )
        body += ["", f"Các lý do quý cơ quan không tự khắc phục được sẽ do {who}; cầu nối sẽ thông báo kết quả."]
    if path.expires:
        body += ["", f"Nếu không được bổ sung, văn bản sẽ bị hủy lúc {path.expires} và phải gửi lại từ đầu."]
    if path.token:
        body += ["", _line("Mã theo dõi", f"{path.token} (xin giữ nguyên khi trả lời)")]
    return _receipt(_subject("Tạm giữ, cần bổ sung văn bản", doc, path.token), body)


def _how_to_complete(doc: Document, missing: Sequence[str], path: ReplyPath) -> list[str]:
    """The sender's clerk completes the document (never "văn thư sẽ xử lý": the clerk reading this is the văn thư)."""
    examples = [f"        {_example(doc, label)}" for label in missing] or [
        f"        {FIELD_EXAMPLES[REQUIRED['code']]}"
    ]
    lines = [
        "Cách bổ sung (văn thư của quý cơ quan thực hiện, không cần gửi lại từ đầu):",
        f"  • Trả lời {path.this_message}, mỗi thông tin cần bổ sung hoặc sửa một dòng dạng «Khóa: giá trị» "
        "(có dấu hoặc không dấu đều được), ví dụ:",
        *examples,
        "    Có thể đính kèm tệp PDF đã sửa và đã ký số để thay tệp cũ.",
    ]
    if path.dashboard_url:
        lines.append(f"  • Hoặc bổ sung trên trang quản lý: {path.dashboard_url}")
    lines.append("Cầu nối kiểm tra lại ngay khi nhận được phần bổ sung và thông báo kết quả.")
    return lines


def _example(doc: Document, label: str) -> str:
    if label == REQUIRED["recipients"] and (codes := suggested_codes(doc)):
        return f"Nơi nhận: {'; '.join(codes)}"
    return FIELD_EXAMPLES.get(label, f"{label}: …")


def suggested_codes(doc: Document) -> list[str]:
    """The first directory suggestion for each recipient written as a name (kept by the recipients step)."""
    for record in reversed(doc.trail):
        found = record.data.get("recipient_suggestions") if record.step == "resolve_recipients" else None
        if isinstance(found, dict):
            return [codes[0] for codes in found.values() if isinstance(codes, list) and codes]
    return []


def status_receipt(doc: Document, recipient_name: str, event: StatusEvent) -> ReceiptText:
    """To the sender: a recipient reported a status (label, time, reason if any)."""
    label = event.code.label
    body = [
        f"{recipient_name} đã báo trạng thái xử lý văn bản: «{label}» (mã {event.code.value}).",
        "",
        *_facts(doc),
        _line("Nơi nhận báo", recipient_name),
        _line("Trạng thái", f"{label} (mã {event.code.value})"),
        _line("Thời điểm", _when(event.at)),
    ]
    if event.description:
        body.append(_line(_reason_label(event.code), _one_line(event.description)))
    if event.code is StatusCode.REJECTED:
        body += ["", "Nơi nhận không tiếp nhận văn bản; đề nghị quý cơ quan xem lý do và xử lý (gửi lại nếu cần)."]
    elif event.code is StatusCode.RECALL_REFUSED:
        body += ["", "Nơi nhận không đồng ý thu hồi; văn bản vẫn giữ trạng thái xử lý trước khi đề nghị thu hồi."]
    return _receipt(f"{_one_line(recipient_name)} báo «{label}» văn bản {_ref(doc)}", body)


def delivery_notice(doc: Document, sender_name: str, token: str, arrival: str = "") -> ReceiptText:
    """To an agency without its own system: a document arrived from the axis, its số đến, and how to answer."""
    body = [
        f"Quý cơ quan nhận được văn bản điện tử từ {sender_name} qua trục liên thông.",
        "",
        *([_line("Số đến", f"{arrival} (văn thư ghi số đến này lên văn bản)"), ""] if arrival else []),
        *_facts(doc, sender_name=sender_name),
        _line("Độ khẩn", doc.urgency.label),
        _line("Hạn xử lý", _day(doc.due_date) if doc.due_date else "(không ghi)"),
    ]
    if doc.attachments:
        body += ["Tệp đính kèm:", *(f"  - {a.filename} ({_size(a.size)})" for a in doc.attachments)]
    body += ["", *_reply_help(["TIẾP NHẬN", "TỪ CHỐI: lý do", "ĐANG XỬ LÝ", "HOÀN THÀNH"], token)]
    if doc.urgency.is_urgent:
        body += ["", f"Văn bản {doc.urgency.label.lower()}: đề nghị tiếp nhận và xử lý ngay."]
    stamp = f"[{doc.urgency.stamp}] " if doc.urgency.is_urgent else ""
    return _receipt(_subject(f"{stamp}Văn bản đến từ {_one_line(sender_name)}:", doc, token), body)


def recall_notice(doc: Document, sender_name: str, token: str, reason: str = "", arrival: str = "") -> ReceiptText:
    """To an agency without its own system: the sender asks to take a document back (status 13)."""
    body = [
        f"{sender_name} đề nghị thu hồi văn bản đã gửi quý cơ quan.",
        "",
        *([_line("Số đến", arrival), ""] if arrival else []),
        *_facts(doc, sender_name=sender_name),
        _line("Lý do thu hồi", _one_line(reason) or "(không ghi)"),
        "",
        *_reply_help(["ĐỒNG Ý THU HỒI", "KHÔNG ĐỒNG Ý THU HỒI: lý do"], token),
    ]
    return _receipt(_subject("Đề nghị thu hồi văn bản", doc, token), body)


def reply_confirmation(doc: Document, event: StatusEvent) -> ReceiptText:
    """To the replying agency: its status reply was recorded and passed on to the sender."""
    body = [
        f"Cầu nối đã ghi nhận trạng thái «{event.code.label}» (mã {event.code.value}) của quý cơ quan "
        "và đã chuyển tới cơ quan gửi.",
        "",
        *_facts(doc),
        _line("Thời điểm ghi nhận", _when(event.at)),
    ]
    if event.description:
        body.append(_line(_reason_label(event.code), _one_line(event.description)))
    return _receipt(f"Đã ghi nhận «{event.code.label}» cho văn bản {_ref(doc)}", body)


def reply_not_understood(doc: Document | None, problem: str, token: str = "") -> ReceiptText:
    """To the replying agency: no keyword found, or core.reply_keywords.InvalidReply's message."""
    body = [problem or "Cầu nối không đọc được trạng thái trong thư/tin nhắn trả lời.", ""]
    if doc is not None:
        body += [*_facts(doc), ""]
    body += _reply_help(list(KEYWORDS), token)
    subject = f"Chưa ghi nhận trả lời cho văn bản {_ref(doc) if doc else '(chưa xác định)'}"
    return _receipt(subject + (f" [{token}]" if token else ""), body)


def status_conflict(
    doc: Document, wanted: StatusCode, current: StatusEvent | None, contact: str, token: str = ""
) -> ReceiptText:
    """To the replying agency: its reply contradicts the status already recorded (e.g. TỪ CHỐI after TIẾP NHẬN).
    Says the current state, who recorded it and when, and whom to contact to change it."""
    now = f"«{current.code.label}»" if current else "(chưa có)"
    by = f", do {current.actor} ghi nhận lúc {_when(current.at)}" if current and current.actor else ""
    body = [
        f"Cầu nối CHƯA ghi nhận «{wanted.label}» cho văn bản sau: văn bản đang ở trạng thái {now}{by}, "
        f"không thể chuyển sang «{wanted.label}».",
        "",
        *_facts(doc),
        "",
        "Trạng thái đã báo cho cơ quan gửi không tự thay đổi được. Nếu trạng thái hiện tại không đúng, đề nghị "
        f"liên hệ {contact} để thống nhất cách điều chỉnh.",
    ]
    if token:
        body += ["", _line("Mã theo dõi", token)]
    return _receipt(f"Chưa ghi nhận «{wanted.label}» cho văn bản {_ref(doc)}" + (f" [{token}]" if token else ""), body)


# --- relays that do not go through at once (issue 15/16; i16 polishes the wording) ----------------------------


def relay_delayed_receipt(doc: Document, recipient_names: Sequence[str], since: datetime, error: str) -> ReceiptText:
    """To the sender: the relay keeps failing; the bridge goes on trying and will say when it went through."""
    body = [
        "Văn bản sau CHƯA chuyển được tới nơi nhận: trục liên thông tạm thời không nhận gói tin.",
        "Cầu nối sẽ tiếp tục gửi tự động và thông báo cho quý cơ quan khi văn bản đã được chuyển; "
        "quý cơ quan KHÔNG cần gửi lại.",
        "",
        *_facts(doc),
        _line("Nơi nhận", "; ".join(recipient_names) or "(chưa xác định)"),
        _line("Chưa chuyển được từ", _when(since)),
        _line("Lỗi gần nhất", _one_line(error) or "(không rõ)"),
    ]
    return _receipt(_subject("Chưa chuyển được, hệ thống sẽ tiếp tục gửi văn bản", doc), body)


def relay_failed_receipt(doc: Document, recipient_names: Sequence[str], error: str) -> ReceiptText:
    """To the sender: the relay failed for good; what happens next."""
    body = [
        "Văn bản sau KHÔNG chuyển được tới nơi nhận.",
        "",
        *_facts(doc),
        _line("Nơi nhận", "; ".join(recipient_names) or "(chưa xác định)"),
        _line("Lý do", _one_line(error) or "(không rõ)"),
        "",
        "Quản trị hệ thống đã được cảnh báo và sẽ gửi lại văn bản khi khắc phục được sự cố; cầu nối sẽ thông báo "
        "kết quả. Nếu văn bản cần đến nơi nhận gấp, đề nghị quý cơ quan chuyển bằng cách khác và báo cho quản trị.",
    ]
    return _receipt(_subject("Không chuyển được văn bản", doc), body)


def relayed_receipt(doc: Document, recipient_names: Sequence[str], at: datetime) -> ReceiptText:
    """To the sender, after a delay or failure notice: the document has now reached the axis."""
    body = [
        "Văn bản trước đây chưa chuyển được nay ĐÃ được chuyển tới nơi nhận qua trục liên thông.",
        "",
        *_facts(doc),
        _line("Nơi nhận", "; ".join(recipient_names) or "(chưa xác định)"),
        _line("Thời điểm chuyển", _when(at)),
    ]
    return _receipt(_subject("Đã chuyển văn bản", doc), body)


# --- pieces -----------------------------------------------------------------------------------------


def _receipt(subject: str, body: list[str]) -> ReceiptText:
    text = "\n".join(body).rstrip() + "\n\n" + _FOOTER
    return ReceiptText(f"{TAG} {_one_line(subject)}", text)


# "-- " is the signature separator: mail clients and core.reply_keywords stop reading there.
_FOOTER = "-- \nThông báo này do cầu nối văn bản điện tử (edoc-bridge) gửi tự động."

# The demo profile (`make run`): every mail the bridge sends and every chat receipt ends with this line
# (bridge.demo_marks), so nobody takes a test installation's receipt for a real one.
DEMO_NOTE = "CHẾ ĐỘ THỬ NGHIỆM — gửi từ một bản cài đặt thử nghiệm của edoc-bridge, không có giá trị pháp lý."


def with_demo_note(text: str) -> str:
    return f"{text.rstrip()}\n\n{DEMO_NOTE}"


def _ref(doc: Document) -> str:
    return f"số {doc.code}" if doc.code else "(chưa có số, ký hiệu)"


def _subject(action: str, doc: Document, token: str = "") -> str:
    """'<action> số 05/QĐ-UBND – <trích yếu> [EDOC-…]'."""
    excerpt = _excerpt(doc.subject)
    return f"{action} {_ref(doc)}" + (f" – {excerpt}" if excerpt else "") + (f" [{token}]" if token else "")


def _facts(doc: Document, *, sender_name: str = "") -> list[str]:
    lines = [
        _line("Số, ký hiệu", doc.display_code),
        _line("Ngày ban hành", _day(doc.issued_date) if doc.issued_date else "(chưa có)"),
        _line("Loại văn bản", doc.type_name or "(chưa có)"),
        _line("Trích yếu", _one_line(doc.subject) or "(chưa có)"),
    ]
    if sender_name:
        lines.append(_line("Cơ quan gửi", f"{_one_line(sender_name)}" + (f" ({doc.sender})" if doc.sender else "")))
    lines.append(_line("Mã định danh văn bản", doc.document_id or "(chưa có)"))
    return lines


def _reply_help(keywords: list[str], token: str) -> list[str]:
    lines = ["Để báo trạng thái, trả lời thư/tin nhắn này, dòng đầu tiên ghi một trong các cụm sau:"]
    lines += [f"    {k}" for k in keywords]
    lines.append("(viết hoa hay thường, có dấu hay không dấu đều được; «lý do» là bắt buộc khi có).")
    if token:
        lines.append(_line("Mã theo dõi", f"{token} (xin giữ nguyên trong thư trả lời)"))
    return lines


def _files(doc: Document) -> list[str]:
    if not doc.attachments:
        return [_line("Tệp nhận được", "(không có)")]
    return [
        _line("Tệp nhận được", "; ".join(f"{a.filename or '(không tên)'} ({_size(a.size)})" for a in doc.attachments))
    ]


def _advised(reasons: Sequence[Reason]) -> list[str]:
    """Each reason with its next step on the line below."""
    out: list[str] = []
    for i, r in enumerate(reasons, 1):
        out.append(f"  {i}. {_one_line(r.message)}")
        out.append(f"     → {advice_for(r.code).step}")
    return out or ["  (không ghi lý do)"]


def _reason_label(code: StatusCode) -> str:
    return "Lý do" if code.needs_reason else "Ghi chú"


def _line(label: str, value: str) -> str:
    return f"{label}: {value}"


def _numbered(messages: Iterable[str]) -> list[str]:
    out = [f"  {i}. {_one_line(m)}" for i, m in enumerate(messages, 1)]
    return out or ["  (không ghi lý do)"]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _excerpt(text: str) -> str:
    t = _one_line(text)
    return t if len(t) <= MAX_SUBJECT_EXCERPT else t[: MAX_SUBJECT_EXCERPT - 1].rstrip() + "…"


def _day(d: date) -> str:
    return format_date(d)


def _when(at: datetime) -> str:
    """Vietnam time, whatever zone `at` carries: a legal receipt must carry the Vietnamese calendar day."""
    return format_time(at)


def _size(n: int) -> str:
    return f"{n} byte" if n < 1024 else f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"


def _declared(doc: Document) -> DeclaredMetadata:
    return DeclaredMetadata(
        code=doc.code,
        issued_date=doc.issued_date,
        subject=doc.subject,
        recipients=list(doc.recipients),
        type_name=doc.type_name,
    )
