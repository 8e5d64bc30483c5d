from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.advice import REVIEW, advice_for
from core.document import Direction, Document, ProcessingState
from core.held import REMINDER_STEP, Due, completed_fields, due, merged_lines, reply_text
from core.held_receipt import reply_not_recognised
from core.inbound import Channel
from core.receipt import ReplyPath, held_receipt
from core.verdict import Outcome, Reason, StepRecord

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DAY, HOURS_48, DAYS_14 = timedelta(days=1), timedelta(hours=48), timedelta(days=14)


def held(**kw: object) -> Document:
    values: dict[str, object] = {
        "id": "d", "direction": Direction.OUTGOING, "channel": Channel.SMTP, "received_at": T0,
        "state": ProcessingState.HELD, "reasons": [Reason("metadata.missing", "Thiếu nơi nhận", Outcome.HOLD)],
    }  # fmt: skip
    values.update(kw)
    return Document(**values)  # type: ignore[arg-type]


def test_reminded_once_after_silence_then_expired() -> None:
    doc = held()
    assert due(doc, T0 + DAY, HOURS_48, DAYS_14) is None
    assert due(doc, T0 + 3 * DAY, HOURS_48, DAYS_14) is Due.REMIND
    doc.trail.append(StepRecord(REMINDER_STEP, Outcome.HOLD, T0 + 3 * DAY))
    assert due(doc, T0 + 4 * DAY, HOURS_48, DAYS_14) is None  # a reminder is not activity, nor repeated
    assert due(doc, T0 + 15 * DAY, HOURS_48, DAYS_14) is Due.EXPIRE


def test_a_completion_restarts_the_clock_and_waiting_for_clamd_is_never_reminded() -> None:
    doc = held(trail=[StepRecord("completion", Outcome.HOLD, T0 + 10 * DAY)])
    assert due(doc, T0 + 15 * DAY, HOURS_48, DAYS_14) is Due.REMIND
    assert (
        due(held(reasons=[Reason("scan.unavailable", "clamd", Outcome.RETRY)]), T0 + 30 * DAY, HOURS_48, DAYS_14)
        is None
    )
    assert due(held(state=ProcessingState.REGISTERED), T0 + 30 * DAY, HOURS_48, DAYS_14) is None


def test_only_the_repliers_own_lines_count() -> None:
    body = "Nơi nhận: 000.00.32.H61\nTrân trọng\n\nVào 10:00, Cầu nối đã viết:\n> Số, ký hiệu: 99/XX\n> Nơi nhận: 1"
    assert completed_fields(reply_text(body)) == ["recipients"]
    outlook = "Loại: Quyết định\n\nFrom: edoc-bridge\nSent: hôm qua\nNơi nhận: 000.00.01.H61"
    assert completed_fields(reply_text(outlook)) == ["type_name"]


def test_a_completion_replaces_the_fields_it_sets() -> None:
    original = "Kính gửi\nSố: 12/QĐ-UBND\nNơi nhận: UBND huyện Long Hồ"
    merged = merged_lines(original, "Nơi nhận: 000.00.32.H61", "noi nhan: 000.00.01.H61\nLoại: Quyết định")
    assert merged.splitlines() == ["Kính gửi", "Số: 12/QĐ-UBND", "noi nhan: 000.00.01.H61", "Loại: Quyết định"]


def test_every_reason_has_a_next_step() -> None:
    assert "PDF" in advice_for("attachment.not_pdf").step and advice_for("attachment.not_pdf").sender_fixes
    assert not advice_for("signature.indeterminate").sender_fixes  # a reviewer decides
    assert advice_for("signature.wrong_organisation").sender_fixes
    assert advice_for("something.new") is REVIEW


def test_held_receipt_names_who_acts_and_where() -> None:
    doc = held(reasons=[Reason("signature.indeterminate", "Chưa xác định được thu hồi chứng thư", Outcome.HOLD)])
    by_mail = held_receipt(doc, doc.reasons, path=ReplyPath("EDOC-0123456789ABCDEF")).body
    assert "văn thư sẽ xử lý" not in by_mail.lower()
    assert "cán bộ quản trị cầu nối (Văn phòng UBND tỉnh) xem xét" in by_mail
    page = "https://vanban.example/web/held/d/bo-sung"
    with_account = held_receipt(doc, doc.reasons, path=ReplyPath("EDOC-0123456789ABCDEF", page)).body
    assert f"văn thư của quý cơ quan xem và quyết định trên trang {page}" in with_account
    chat = held_receipt(held(), held().reasons, path=ReplyPath("EDOC-0123456789ABCDEF", chat=True)).body
    assert "Trả lời tin nhắn này" in chat and "Trả lời thư này" not in chat


def test_not_recognised_lists_the_candidates() -> None:
    body = reply_not_recognised("Re: văn bản", [held(subject="Về việc A"), held(subject="Về việc B")]).body
    assert "Về việc A" in body and "Về việc B" in body and "không được đăng ký như một văn bản" in body
