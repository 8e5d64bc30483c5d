from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.doc_code import DocCode
from core.document import Attachment, Direction, Document
from core.inbound import Channel
from core.metadata import REQUIRED, parse_metadata_lines
from core.organ_id import OrganId
from core.receipt import (
    FIELD_EXAMPLES,
    TAG,
    ReceiptText,
    accepted_receipt,
    delivery_notice,
    held_receipt,
    recall_notice,
    rejected_receipt,
    reply_confirmation,
    reply_not_understood,
    status_receipt,
)
from core.reply_keywords import extract_token, parse_reply
from core.status import StatusCode, StatusEvent
from core.urgency import Urgency
from core.verdict import Outcome, Reason, StepRecord

VN = timezone(timedelta(hours=7))
TOKEN = "EDOC-0123456789ABCDEF"


def full_doc(**kw: object) -> Document:
    values: dict[str, object] = {
        "id": "doc-1",
        "direction": Direction.INCOMING,
        "channel": Channel.AXIS,
        "received_at": datetime(2024, 3, 5, 8, 30, tzinfo=VN),
        "sender": OrganId("000.00.00.H61"),
        "recipients": [OrganId("000.00.01.H61")],
        "code": DocCode("05", "QĐ-UBND"),
        "issued_date": date(2024, 3, 5),
        "type_name": "Quyết định",
        "subject": "Về việc phê duyệt kế hoạch chuyển đổi số năm 2024",
        "due_date": date(2024, 3, 15),
    }
    values.update(kw)
    return Document(**values)  # type: ignore[arg-type]


def bare_doc() -> Document:
    return Document(id="doc-2", direction=Direction.OUTGOING, channel=Channel.SMTP, received_at=datetime(2024, 3, 5))


def _all_receipts(doc: Document) -> list[ReceiptText]:
    event = StatusEvent(StatusCode.ACCEPTED, datetime(2024, 3, 5, 9, 0, tzinfo=VN))
    return [
        accepted_receipt(doc, ["Sở Y tế"]),
        rejected_receipt(doc, [Reason("x", "Lý do")]),
        held_receipt(doc, []),
        status_receipt(doc, "Sở Y tế", event),
        delivery_notice(doc, "UBND tỉnh Vĩnh Long", TOKEN),
        recall_notice(doc, "UBND tỉnh Vĩnh Long", TOKEN, "Sai sót"),
        reply_confirmation(doc, event),
        reply_not_understood(doc, "Không đọc được"),
    ]


def test_every_subject_is_tagged_one_line_and_names_the_code() -> None:
    for r in _all_receipts(full_doc(subject="Kế hoạch\r\nBcc: ai@example.vn")):
        assert r.subject.startswith(TAG + " ")
        assert "05/QĐ-UBND" in r.subject
        assert "\n" not in r.subject and "\r" not in r.subject
        assert "05/QĐ-UBND" in r.body and r.body.endswith("\n") is False


def test_receipt_text_is_frozen() -> None:
    r = ReceiptText("a", "b")
    with pytest.raises(FrozenInstanceError):
        r.subject = "c"  # type: ignore[misc]


def test_accepted_receipt_lists_everything() -> None:
    doc = full_doc()
    r = accepted_receipt(doc, ["Sở Y tế", "Sở Nội vụ"], at=datetime(2024, 3, 5, 8, 45, 10, tzinfo=VN))
    assert "Đã tiếp nhận" in r.subject
    for part in (
        "Số, ký hiệu: 05/QĐ-UBND",
        "Ngày ban hành: 05/03/2024",
        "Loại văn bản: Quyết định",
        "Trích yếu: Về việc phê duyệt kế hoạch chuyển đổi số năm 2024",
        "Nơi nhận: Sở Y tế; Sở Nội vụ",
        "Mã định danh văn bản: 000.00.00.H61,2024/03/05,05/QĐ-UBND",
        "Thời điểm tiếp nhận: 08:45 ngày 05/03/2024",
    ):
        assert part in r.body


def test_accepted_time_defaults_to_the_last_pipeline_step() -> None:
    doc = full_doc(trail=[StepRecord("register", Outcome.CONTINUE, datetime(2024, 3, 5, 10, 1, 2))])
    assert "Thời điểm tiếp nhận: 17:01 ngày 05/03/2024" in accepted_receipt(doc, []).body
    assert "08:30 ngày 05/03/2024" in accepted_receipt(full_doc(), []).body


def test_long_trich_yeu_is_cut_in_the_subject_only() -> None:
    doc = full_doc(subject="Về việc " + "rất dài " * 40)
    r = accepted_receipt(doc, [])
    assert r.subject.endswith("…") and len(r.subject) < 160
    assert doc.subject.strip() in r.body


def test_rejected_receipt_lists_each_reason_and_next_steps() -> None:
    reasons = [
        Reason("signature.modified", "Chữ ký số không hợp lệ: tệp bị sửa sau khi ký"),
        Reason("sender.unknown", "Địa chỉ gửi không có trong danh bạ cơ quan"),
    ]
    r = rejected_receipt(full_doc(), reasons)
    assert "Từ chối" in r.subject
    assert "  1. Chữ ký số không hợp lệ: tệp bị sửa sau khi ký" in r.body
    assert "  2. Địa chỉ gửi không có trong danh bạ cơ quan" in r.body
    assert "gửi lại" in r.body and "chưa được chuyển" in r.body


def test_rejected_receipt_for_something_that_is_not_yet_a_document() -> None:
    r = rejected_receipt("Fwd: văn bản\r\nX-Evil: 1", [Reason("mail.no_pdf", "Thư không có tệp PDF")])
    assert r.subject == f"{TAG} Từ chối tiếp nhận: Fwd: văn bản X-Evil: 1"
    assert "Nội dung nhận được: Fwd: văn bản X-Evil: 1" in r.body
    assert "  1. Thư không có tệp PDF" in r.body


def test_held_receipt_names_missing_fields_with_example_lines() -> None:
    doc = bare_doc()
    doc.subject = "Kế hoạch"
    r = held_receipt(doc, [Reason("meta.missing", "Thiếu thông tin bắt buộc", Outcome.HOLD)], token=TOKEN)
    assert "Còn thiếu thông tin: Số, ký hiệu; Ngày ban hành; Nơi nhận; Loại văn bản." in r.body
    assert "Trích yếu:" not in r.body.split("Còn thiếu")[1]  # present, so not asked for
    assert "  1. Thiếu thông tin bắt buộc" in r.body
    assert extract_token(r.subject) == TOKEN and TOKEN in r.body
    # the example lines are exactly what the metadata parser reads
    example = "\n".join(line for line in r.body.splitlines() if line.startswith("    "))
    meta = parse_metadata_lines(example)
    assert meta.problems == [] and meta.code and meta.issued_date and meta.recipients and meta.type_name


def test_held_receipt_with_explicit_missing_list_and_nothing_missing() -> None:
    r = held_receipt(full_doc(), [], missing=["Trích yếu"])
    assert "Còn thiếu thông tin: Trích yếu." in r.body and FIELD_EXAMPLES["Trích yếu"] in r.body
    assert "Còn thiếu" not in held_receipt(full_doc(), []).body


def test_every_required_field_has_a_parseable_example() -> None:
    assert set(FIELD_EXAMPLES) == set(REQUIRED.values())
    meta = parse_metadata_lines("\n".join(FIELD_EXAMPLES.values()))
    assert meta.problems == []
    assert all(getattr(meta, name) for name in REQUIRED)


@pytest.mark.parametrize(
    ("code", "why", "expected"),
    [
        (StatusCode.REJECTED, "Gửi nhầm nơi nhận", "Lý do: Gửi nhầm nơi nhận"),
        (StatusCode.PROCESSING, "Giao phòng Kế hoạch", "Ghi chú: Giao phòng Kế hoạch"),
        (StatusCode.DONE, "", "Trạng thái: Hoàn thành (mã 06)"),
        (StatusCode.RECALL_REFUSED, "Đã triển khai", "Lý do: Đã triển khai"),
    ],
)
def test_status_receipt(code: StatusCode, why: str, expected: str) -> None:
    event = StatusEvent(code, datetime(2024, 3, 6, 14, 5, tzinfo=VN), description=why)
    r = status_receipt(full_doc(), "Sở Y tế", event)
    assert f"Sở Y tế báo «{code.label}»" in r.subject
    assert expected in r.body
    assert "Thời điểm: 14:05 ngày 06/03/2024" in r.body


def test_delivery_notice_carries_facts_instructions_and_token() -> None:
    doc = full_doc(
        urgency=Urgency.HOA_TOC,
        attachments=[Attachment("qd05.pdf", "application/pdf", "ab" * 32, 234_567)],
    )
    r = delivery_notice(doc, "UBND tỉnh Vĩnh Long", TOKEN)
    assert r.subject.startswith(f"{TAG} [HỎA TỐC] ")
    assert extract_token(r.subject) == TOKEN
    for part in (
        "Cơ quan gửi: UBND tỉnh Vĩnh Long (000.00.00.H61)",
        "Độ khẩn: Hỏa tốc",
        "Hạn xử lý: 15/03/2024",
        "qd05.pdf (229 KB)",
        "    TIẾP NHẬN",
        "    TỪ CHỐI: lý do",
        "    ĐANG XỬ LÝ",
        "    HOÀN THÀNH",
        f"Mã theo dõi: {TOKEN}",
        "xử lý ngay",
    ):
        assert part in r.body


def test_delivery_notice_for_a_normal_document() -> None:
    r = delivery_notice(full_doc(due_date=None), "UBND tỉnh", TOKEN)
    assert "[HỎA TỐC]" not in r.subject and "Độ khẩn: Thường" in r.body
    assert "Hạn xử lý: (không ghi)" in r.body and "xử lý ngay" not in r.body


def test_a_reply_quoting_the_notice_parses_to_nothing_but_keeps_the_token() -> None:
    """An agency hitting reply without typing: the quoted instructions must not count as an answer."""
    r = delivery_notice(full_doc(), "UBND tỉnh", TOKEN)
    quoted = "\n".join("> " + line for line in r.body.splitlines())
    assert parse_reply(quoted) is None
    assert parse_reply(r.body) is None  # even unquoted, the first line is not a keyword
    assert extract_token(f"Re: {r.subject}\n\nTIẾP NHẬN\n\n{quoted}") == TOKEN
    assert parse_reply(f"TIẾP NHẬN\n\n{quoted}") is not None


def test_recall_notice_asks_for_agreement() -> None:
    r = recall_notice(full_doc(), "UBND tỉnh", TOKEN, "Sai tên cơ quan nhận")
    assert "thu hồi" in r.subject and extract_token(r.subject) == TOKEN
    assert "Lý do thu hồi: Sai tên cơ quan nhận" in r.body
    assert "    ĐỒNG Ý THU HỒI" in r.body and "    KHÔNG ĐỒNG Ý THU HỒI: lý do" in r.body


def test_reply_confirmation_and_not_understood() -> None:
    event = StatusEvent(StatusCode.REJECTED, datetime(2024, 3, 5, 9, 0), description="Gửi nhầm")
    r = reply_confirmation(full_doc(), event)
    assert "Đã ghi nhận «Từ chối tiếp nhận»" in r.subject and "Lý do: Gửi nhầm" in r.body
    r = reply_not_understood(None, "", TOKEN)
    assert r.subject.startswith(TAG) and "(chưa xác định)" in r.subject and "KHÔNG ĐỒNG Ý THU HỒI" in r.body


def test_document_without_code_still_renders() -> None:
    for r in _all_receipts(bare_doc()):
        assert r.subject.startswith(TAG)
        assert "(chưa có số, ký hiệu)" in r.subject


@given(st.text(max_size=200), st.text(max_size=60), st.lists(st.text(max_size=50), max_size=4))
def test_any_text_renders_single_line_subjects(subject: str, name: str, reasons: list[str]) -> None:
    doc = full_doc(subject=subject)
    for r in [
        accepted_receipt(doc, [name]),
        rejected_receipt(subject, [Reason("x", m) for m in reasons]),
        held_receipt(doc, [Reason("x", m, Outcome.HOLD) for m in reasons]),
        delivery_notice(doc, name, TOKEN),
        status_receipt(doc, name, StatusEvent(StatusCode.DONE, datetime(2024, 1, 1), description=subject)),
    ]:
        assert r.subject.startswith(TAG) and r.subject == " ".join(r.subject.split())


def test_a_document_registered_at_2330_utc_carries_the_vietnamese_next_day() -> None:
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    body = accepted_receipt(full_doc(received_at=late), []).body
    assert "Thời điểm tiếp nhận: 06:30 ngày 02/12/2026" in body and "01/12/2026" not in body
