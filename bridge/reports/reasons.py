"""Rejection reasons grouped by their code (the clerk's or recipient's free text is kept as detail), and which
refused items were never documents at all ("thư không phải văn bản")."""

from __future__ import annotations

# code prefix → group shown in the report (the longest matching prefix wins)
GROUPS = {
    "sender": "Người gửi không xác định hoặc không xác thực được",
    "mime": "Thư không đọc được hoặc thiếu người gửi",
    "loop": "Thư trả lời tự động, thư báo lỗi",
    "attachment.no_pdf": "Không có tệp PDF văn bản",
    "attachment": "Tệp đính kèm không hợp lệ (quá lớn, quá nhiều, rỗng)",
    "pdf": "Tệp PDF không hợp lệ hoặc không an toàn",
    "scan": "Có mã độc (virus)",
    "signature": "Chữ ký số không hợp lệ hoặc không đúng cơ quan",
    "metadata": "Thiếu hoặc sai thông tin văn bản",
    "recipient": "Nơi nhận không hợp lệ",
    "clerk": "Văn thư từ chối",
    "recipient_refused": "Nơi nhận từ chối tiếp nhận (trạng thái 02)",
    "internal": "Lỗi hệ thống",
}
# refused at intake before anything showed it was a document of an agency (a stranger's mail, no PDF, a reply)
NON_DOCUMENT_CODES = ("mime.", "sender.unknown", "sender.invalid", "loop.", "attachment.no_pdf", "pdf.not_pdf")


def group_of(code: str) -> str:
    """The group key: the longest prefix of GROUPS that is the code or a dotted parent of it."""
    for prefix in sorted(GROUPS, key=len, reverse=True):
        if code == prefix or code.startswith(prefix + "."):
            return prefix
    return code.split(".", 1)[0]


def group_label(code: str) -> str:
    return GROUPS.get(group_of(code), "Lý do khác")


def is_non_document(codes: list[str], has_sender: bool) -> bool:
    return not has_sender or any(c.startswith(NON_DOCUMENT_CODES) or c in NON_DOCUMENT_CODES for c in codes)
