"""Texts about a held document after its first receipt: reminder, expiry, and the answers to replies that do not
complete it (nothing to add, not recognised, token expired, no longer held, sent from another address).

Each says what happened, what to do next and where, like every receipt (core.receipt)."""

from __future__ import annotations

from collections.abc import Sequence

from core.document import Document, ProcessingState
from core.receipt import (
    ReceiptText,
    ReplyPath,
    _advised,
    _facts,
    _how_to_complete,
    _line,
    _numbered,
    _one_line,
    _receipt,
    _subject,
    _when,
)
from core.verdict import Reason

NEW_DOCUMENT = (
    "Nếu muốn gửi một văn bản mới, hãy gửi một thư mới (không trả lời thư của cầu nối) tới địa chỉ tiếp nhận, "
    "kèm tệp PDF đã ký số và các dòng thông tin dạng «Khóa: giá trị»."
)

STATE_LABELS = {
    ProcessingState.RECEIVED: "đang được kiểm tra",
    ProcessingState.HELD: "đang tạm giữ chờ bổ sung",
    ProcessingState.REJECTED: "đã bị từ chối",
    ProcessingState.REGISTERED: "đã được tiếp nhận và chuyển tới nơi nhận",
    ProcessingState.RECALLED: "đã được thu hồi",
}


def reminder_notice(doc: Document, reasons: Sequence[Reason], path: ReplyPath) -> ReceiptText:
    """To the sender: the held document is still waiting for them."""
    body = [
        f"Nhắc lại: văn bản sau vẫn đang tạm giữ từ {_when(doc.received_at)} và CHƯA được chuyển tới nơi nhận.",
        "",
        *_facts(doc),
        "",
        "Lý do tạm giữ và việc cần làm:",
        *_advised(reasons),
        "",
        *_how_to_complete(doc, [], path),
        "",
        f"Nếu không được bổ sung, văn bản sẽ bị hủy lúc {path.expires} và phải gửi lại từ đầu.",
        "",
        _line("Mã theo dõi", f"{path.token} (xin giữ nguyên khi trả lời)"),
    ]
    return _receipt(_subject("Nhắc bổ sung văn bản đang tạm giữ", doc, path.token), body)


def expired_notice(doc: Document, reasons: Sequence[str], days: int) -> ReceiptText:
    """To the sender: nobody completed the held document; it is given up and was never relayed."""
    body = [
        f"Văn bản sau đã bị HỦY: văn bản được tạm giữ quá {days} ngày mà không được bổ sung, và KHÔNG được chuyển "
        "tới nơi nhận nào.",
        "",
        *_facts(doc),
        _line("Thời điểm nhận", _when(doc.received_at)),
        "",
        "Lý do tạm giữ trước đây:",
        *_numbered(reasons),
        "",
        "Nếu vẫn cần gửi văn bản này, văn thư của quý cơ quan gửi lại như lần đầu (một thư mới, kèm tệp PDF đã ký "
        "số và đủ các dòng thông tin dạng «Khóa: giá trị»).",
    ]
    return _receipt(_subject("Đã hủy văn bản tạm giữ quá hạn", doc), body)


def nothing_to_complete(doc: Document, reasons: Sequence[Reason], path: ReplyPath) -> ReceiptText:
    """To the sender: their reply reached the held document but added nothing (no `Key: value` line, no PDF)."""
    body = [
        "Cầu nối đã nhận thư trả lời của quý cơ quan nhưng trong thư không có thông tin bổ sung nào (dòng dạng "
        "«Khóa: giá trị» hoặc tệp PDF đã sửa). Văn bản vẫn đang tạm giữ; thư trả lời này không được đăng ký như "
        "một văn bản.",
        "",
        *_facts(doc),
        "",
        "Lý do tạm giữ và việc cần làm:",
        *_advised(reasons),
        "",
        *_how_to_complete(doc, [], path),
        "",
        _line("Mã theo dõi", f"{path.token} (xin giữ nguyên khi trả lời)"),
    ]
    return _receipt(_subject("Chưa có thông tin bổ sung cho văn bản", doc, path.token), body)


def reply_not_recognised(subject: str, candidates: Sequence[Document] = ()) -> ReceiptText:
    """To the sender of a reply to one of the bridge's mails that matches no held document (or several)."""
    body = [
        "Cầu nối không nhận ra thư trả lời của quý cơ quan thuộc văn bản nào: thư không còn mã theo dõi "
        "(dạng EDOC-…) và tiêu đề không chỉ ra đúng một văn bản. Thư này không được đăng ký như một văn bản.",
        "",
        _line("Tiêu đề thư nhận được", _one_line(subject[:2000])[:200] or "(không có)"),
    ]
    if candidates:
        body += ["", "Các văn bản đang tạm giữ của quý cơ quan:"]
        body += [f"  - {d.display_code} – {_one_line(d.subject)[:80] or '(chưa có trích yếu)'}" for d in candidates]
    body += [
        "",
        "Việc cần làm: trả lời đúng thư thông báo của cầu nối về văn bản cần bổ sung, giữ nguyên mã theo dõi "
        "trong tiêu đề (ví dụ [EDOC-3F9A0C12B7D45E61]).",
        NEW_DOCUMENT,
    ]
    return _receipt(f"Không nhận ra thư trả lời: {_one_line(subject[:2000])[:80] or '(không có tiêu đề)'}", body)


def token_expired(token: str, doc: Document | None, days: int) -> ReceiptText:
    """To the replier: the tracking token is older than the configured lifetime."""
    body = [
        f"Mã theo dõi {token} đã hết hạn (quá {days} ngày); cầu nối không ghi nhận thư trả lời này và thư không "
        "được đăng ký như một văn bản.",
        "",
    ]
    if doc is not None:
        body += [*_facts(doc), _line("Tình trạng văn bản", STATE_LABELS[doc.state]), ""]
    body += [NEW_DOCUMENT]
    return _receipt(f"Mã theo dõi đã hết hạn [{token}]", body)


def no_longer_held(doc: Document, decided_by: str, contact: str) -> ReceiptText:
    """To the replier: the document was already decided (registered, rejected, given up); the reply changes
    nothing. Says the current state and whom to contact."""
    body = [
        f"Văn bản sau {STATE_LABELS[doc.state]}" + (f" ({decided_by})" if decided_by else "") + "; thư trả lời "
        "của quý cơ quan không thay đổi gì và không được đăng ký như một văn bản.",
        "",
        *_facts(doc),
        "",
        f"Nếu cần điều chỉnh, đề nghị liên hệ {contact}.",
        NEW_DOCUMENT,
    ]
    return _receipt(_subject("Văn bản không còn chờ bổ sung", doc), body)


def sent_from_other_address(doc: Document, address: str, path: ReplyPath) -> ReceiptText:
    """To the agency's registered mailbox: a colleague answered from another address of the agency's domain."""
    body = [
        f"Cầu nối nhận được thư trả lời về văn bản sau từ địa chỉ {address}, không phải hộp thư công vụ đã đăng ký "
        "của quý cơ quan, nên chưa ghi nhận nội dung thư đó.",
        "",
        *_facts(doc),
        "",
        "Việc cần làm: gửi lại nội dung trả lời từ hộp thư công vụ này (trả lời thư này).",
        "",
        _line("Mã theo dõi", f"{path.token} (xin giữ nguyên khi trả lời)"),
    ]
    return _receipt(_subject("Trả lời từ địa chỉ chưa đăng ký cho văn bản", doc, path.token), body)
