"""Vietnamese names for what the console shows: states, directions, pipeline steps, audit actions."""

from __future__ import annotations

from typing import Any

from core.document import Direction, ProcessingState
from core.verdict import Outcome

STATES = {
    ProcessingState.RECEIVED: "Đang kiểm tra",
    ProcessingState.HELD: "Chờ văn thư duyệt",
    ProcessingState.REJECTED: "Bị từ chối",
    ProcessingState.REGISTERED: "Đã vào sổ",
    ProcessingState.RECALLED: "Đã thu hồi",
}
# The colour class of a state or an action's outcome (console.css: ok = success, warn = warning, err = danger):
# a held document waits (warning), a refusal is never shown as a success.
TONES = {
    "registered": "ok",
    "held": "warn",
    "received": "warn",
    "waiting": "warn",
    "recalled": "warn",
    "rejected": "err",
}
DIRECTIONS = {Direction.OUTGOING: "Văn bản đi", Direction.INCOMING: "Văn bản đến"}
OUTCOMES = {
    Outcome.CONTINUE: "Đạt",
    Outcome.HOLD: "Giữ lại chờ văn thư",
    Outcome.REJECT: "Từ chối",
    Outcome.RETRY: "Thử lại sau",
}
STEPS = {
    "parse": "Đọc thư",
    "screen_loops": "Chặn thư lặp, thư trả lời tự động",
    "identify_sender": "Xác định cơ quan gửi",
    "authenticate": "Xác thực người gửi (DKIM/SPF)",
    "collect_pdfs": "Tệp PDF đính kèm",
    "scan": "Quét virus",
    "extract_metadata": "Thông tin văn bản",
    "check_completeness": "Tính toàn vẹn của tệp PDF",
    "verify_signatures": "Chữ ký số",
    "resolve_recipients": "Nơi nhận",
    "clerk_release": "Văn thư cho phép tiếp nhận",
    "clerk_reject": "Văn thư từ chối",
}
INDICATIONS = {
    "TOTAL_PASSED": "Hợp lệ",
    "TOTAL_FAILED": "Không hợp lệ",
    "INDETERMINATE": "Chưa xác định được",
}
AUDIT_ACTIONS = {
    "login": "Đăng nhập",
    "login.failed": "Đăng nhập thất bại",
    "login.locked": "Khóa đăng nhập tạm thời",
    "logout": "Đăng xuất",
    "user.create": "Tạo người dùng",
    "user.disable": "Khóa người dùng",
    "user.enable": "Mở khóa người dùng",
    "user.passwd": "Đặt lại mật khẩu",
    "user.role": "Đổi vai trò người dùng",
    "token.issue": "Cấp mã truy cập API",
    "token.revoke": "Thu hồi mã truy cập API",
    "document.release": "Tiếp nhận văn bản đang giữ",
    "document.reject": "Từ chối văn bản đang giữ",
    "document.complete": "Bổ sung thông tin văn bản",
    "outbox.requeue": "Đưa thư chết trở lại hàng đợi",
    "outbox.retry": "Chạy lại việc trong hàng đợi",
    "official.create": "Tạo cán bộ dùng chatbot",
    "official.code": "Cấp mã liên kết chatbot",
    "official.unlink": "Hủy liên kết chatbot",
    "agency.add": "Thêm cơ quan",
    "agency.edit": "Sửa thông tin cơ quan",
    "agency.import": "Nhập danh bạ cơ quan",
    "mailbox.pause": "Tạm dừng hộp thư",
    "mailbox.resume": "Tiếp tục thăm dò hộp thư",
    "trust_root.add": "Thêm chứng thư gốc tin cậy",
    "trust_root.remove": "Gỡ chứng thư gốc tin cậy",
    "report.sign": "Ký số báo cáo định kỳ",
}
DETAIL_NAMES = {
    "reason": "Lý do",
    "role": "Vai trò",
    "organ_id": "Cơ quan",
    "name": "Tên",
    "count": "Số lượng",
    "file": "Tệp",
    "fingerprint": "Dấu vân tay (SHA-256)",
    "subject": "Chủ thể",
    "fields": "Trường",
    "before": "Trước",
    "after": "Sau",
}


def state_label(state: Any) -> str:
    return STATES.get(ProcessingState(state), str(state)) if state in {s.value for s in ProcessingState} else str(state)


def state_tone(state: Any) -> str:
    """ "ok", "warn" or "err" for a ProcessingState or a CompletionOutcome (anything else: "err")."""
    return TONES.get(str(getattr(state, "value", state)), "err")


def audit_action(code: str) -> str:
    return AUDIT_ACTIONS.get(code, code)


def detail_rows(details: dict[str, Any]) -> list[tuple[str, str]]:
    """An audit entry's details as (Vietnamese name, text) pairs, empty values left out."""
    rows = []
    for key, value in details.items():
        if value in ("", None, [], {}):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        rows.append((DETAIL_NAMES.get(key, key), text))
    return rows
