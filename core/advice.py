"""What the sender does about each reason a document was held or refused, in plain Vietnamese.

Receipts show every reason with its next step. A reason the sender can fix says how; a reason only a reviewer
can settle (a certificate whose revocation could not be checked, an unchecked DKIM …) says so, and the receipt
names who reviews it. Keys are reason codes or their prefix ("signature." covers every signature finding)."""

from __future__ import annotations

from dataclasses import dataclass

SIGN = "ký số tệp PDF (chữ ký của người có thẩm quyền và chữ ký của cơ quan)"


@dataclass(frozen=True, slots=True)
class Advice:
    step: str  # what to do, one sentence
    sender_fixes: bool = True  # False: a reviewer decides, the sender only waits (or explains)


_ADVICE: dict[str, Advice] = {
    "attachment.not_pdf": Advice(f"Chuyển tệp sang định dạng PDF, {SIGN} rồi gửi tệp PDF đã ký."),
    "attachment.no_pdf": Advice("Gửi kèm tệp văn bản định dạng PDF đã ký số (của người có thẩm quyền và của cơ quan)."),
    "metadata.missing": Advice("Bổ sung các thông tin còn thiếu theo hướng dẫn bên dưới."),
    "metadata.invalid": Advice("Sửa dòng thông tin bị sai theo đúng mẫu (ví dụ bên dưới)."),
    "recipient.unknown": Advice("Ghi nơi nhận bằng mã định danh có trong danh bạ (xem gợi ý ở lý do)."),
    "recipient.self": Advice("Bỏ cơ quan gửi khỏi danh sách nơi nhận."),
    "signature.unsigned": Advice(f"{SIGN[0].upper()}{SIGN[1:]} rồi gửi tệp đã ký."),
    "signature.missing": Advice(f"Bổ sung chữ ký còn thiếu: {SIGN}, rồi gửi tệp đã ký."),
    "signature.wrong_organisation": Advice(
        "Ký số bằng chứng thư số của chính cơ quan gửi; nếu cơ quan mới đổi chứng thư, đề nghị Văn phòng "
        "UBND tỉnh cập nhật mã số (MST/MNS) của cơ quan trong danh bạ."
    ),
    "signature.": Advice(
        "Chữ ký số sẽ được xem xét; nếu tệp đã bị sửa sau khi ký, ký lại và gửi tệp đã ký.", sender_fixes=False
    ),
    "scan.infected": Advice("Quét virus máy tính soạn văn bản, tạo lại tệp sạch, ký số rồi gửi lại."),
    "scan.": Advice("Cầu nối sẽ quét lại tệp khi máy quét virus hoạt động trở lại.", sender_fixes=False),
    "sender.unknown": Advice(
        "Gửi từ hộp thư công vụ đã đăng ký của cơ quan; nếu cơ quan đổi hộp thư, đề nghị Văn phòng UBND tỉnh "
        "cập nhật danh bạ."
    ),
    "sender.dkim_unchecked": Advice("Không cần làm gì thêm: thư sẽ được xem xét.", sender_fixes=False),
    "sender.": Advice("Gửi từ hệ thống thư công vụ của cơ quan (thư phải có chữ ký DKIM của tên miền cơ quan)."),
    "document.duplicate": Advice(
        "Nếu đây là văn bản khác, kiểm tra lại số, ký hiệu và ngày ban hành; nếu là văn bản đã gửi thì không cần "
        "gửi lại."
    ),
    "mime.": Advice("Gửi lại thư từ hộp thư công vụ của cơ quan bằng phần mềm thư thông thường."),
    "held.": Advice("Gửi lại văn bản như lần đầu (thư mới) khi đã đủ thông tin."),
    "clerk.": Advice("Xem lý do, khắc phục rồi gửi lại văn bản như lần đầu (thư mới)."),
}
REVIEW = Advice("Không cần làm gì thêm: văn bản sẽ được xem xét.", sender_fixes=False)


def advice_for(code: str) -> Advice:
    """The most specific entry: the code itself, else its longest listed prefix, else REVIEW."""
    if code in _ADVICE:
        return _ADVICE[code]
    prefixes = [k for k in _ADVICE if k.endswith(".") and code.startswith(k)]
    return _ADVICE[max(prefixes, key=len)] if prefixes else REVIEW
