"""The Điều 24 report: only registered documents are documents, refused mail is split into refused documents
and mail that never was a document, every per-agency table adds up to its total, reasons are grouped by code,
the default period is the current half-year, ratios are Vietnamese in the PDF and numeric in the XLSX."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bridge.reports.facts import DocFacts
from bridge.reports.making import PeriodError, period
from bridge.reports.official import OfficialHeader, date_line
from bridge.reports.period import build_report, half_year, next_half_year, percent, previous_half_year
from bridge.reports.report_pdf import report_pdf
from bridge.reports.report_xlsx import report_xlsx
from core.doc_code import DocCode
from core.document import Direction, Document, ProcessingState
from core.inbound import Channel
from core.organ_id import OrganId
from core.status import StatusCode, StatusEvent, StatusHistory
from core.verdict import Outcome, Reason

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
A, B, C, P = "000.00.32.H61", "000.00.33.H61", "000.00.34.H61", "000.00.01.H61"
NAMES = {A: "UBND xã Tân Hòa", B: "UBND xã Long Phước", C: "UBND xã Phú Quới", P: "UBND tỉnh"}


def doc(n: int, sender: str | None, state: ProcessingState, *reasons: Reason, to: tuple[str, ...] = (P,)) -> Document:
    return Document(
        id=f"d{n}", direction=Direction.OUTGOING, channel=Channel.SMTP if n % 2 else Channel.BOT,
        received_at=NOW - timedelta(days=n), sender=OrganId(sender) if sender else None,
        recipients=[OrganId(r) for r in to], code=DocCode.parse(f"{n}/QĐ-UBND"), type_name="Quyết định",
        state=state, reasons=list(reasons),
    )  # fmt: skip


def history(*codes: tuple[StatusCode, str]) -> StatusHistory:
    h = StatusHistory()
    for i, (code, text) in enumerate(codes):
        h.events.append(StatusEvent(code, NOW - timedelta(hours=10 - i), "x", text))
    return h


def facts() -> list[DocFacts]:
    R, H = ProcessingState.REGISTERED, ProcessingState.HELD
    rej = ProcessingState.REJECTED
    ok = history((StatusCode.ARRIVED, ""), (StatusCode.ACCEPTED, ""))
    refused = history((StatusCode.ARRIVED, ""), (StatusCode.REJECTED, "Sai thẩm quyền"))
    return [
        DocFacts(doc(1, A, R), {P: ok}),
        DocFacts(doc(2, A, R, to=(P, C)), {P: ok, C: refused}),
        DocFacts(doc(3, B, R), {P: refused}),
        DocFacts(doc(4, C, ProcessingState.RECALLED), {P: ok}),
        DocFacts(doc(5, B, H, Reason("signature.indeterminate", "Chưa xác định chữ ký", Outcome.HOLD)), {}),
        DocFacts(doc(6, None, rej, Reason("sender.unknown", "Người gửi không có trong danh bạ")), {}),
        DocFacts(doc(7, A, rej, Reason("attachment.no_pdf", "Thư không có tệp PDF")), {}),
        DocFacts(doc(8, A, rej, Reason("loop.auto_submitted", "Thư trả lời tự động")), {}),
        DocFacts(doc(9, B, rej, Reason("scan.infected", "Có mã độc: Eicar")), {}),
        DocFacts(doc(10, B, rej, Reason("signature.failed", "Chữ ký bị sửa sau khi ký")), {}),
        DocFacts(doc(11, C, rej, Reason("clerk.rejected", "Văn thư từ chối: Sai thể thức")), {}),
        DocFacts(doc(12, C, rej, Reason("clerk.rejected", "Văn thư từ chối: Thiếu phụ lục")), {}),
    ]


def test_only_registered_documents_count_and_every_table_adds_up() -> None:
    r = build_report(facts(), NAMES, date(2026, 7, 1), date(2026, 12, 31), NOW)
    assert r.total.documents == 4  # d1–d4 (a recalled document was registered first)
    assert (r.refused_documents, r.non_documents, r.held, r.in_progress) == (4, 3, 1, 0)
    assert r.received_items == 12 == len(facts())
    assert sum(s.documents for _, _, s in r.by_sender) == r.total.documents
    assert {o: s.documents for o, _, s in r.by_sender} == {A: 2, B: 1, C: 1}
    assert sum(s.refused_by_recipient for _, _, s in r.by_sender) == r.total.refused_by_recipient == 2
    assert sum(s.overdue for _, _, s in r.by_sender) == r.total.overdue
    for key in ("received", "accepted", "refused", "overdue"):
        assert sum(getattr(x, key) for _, _, x in r.by_recipient) == getattr(r.received_total, key), key
    assert r.received_total.received == 5 and r.received_total.refused == 2
    assert sum(r.total.by_form.values()) == sum(r.total.by_type.values()) == sum(r.total.by_method.values()) == 4
    assert (r.security.viruses, r.security.signatures_refused, r.security.signatures_held) == (1, 1, 1)


def test_reasons_are_grouped_by_code_with_the_free_text_as_detail() -> None:
    r = build_report(facts(), NAMES, date(2026, 7, 1), date(2026, 12, 31), NOW)
    groups = {g.code: g for g in r.rejections}
    assert groups["clerk"].count == 2 and set(groups["clerk"].details) == {"Sai thể thức", "Thiếu phụ lục"}
    assert groups["recipient_refused"].count == 2 and groups["recipient_refused"].details["Sai thẩm quyền"] == 2
    assert groups["scan"].label == "Có mã độc (virus)" and groups["sender"].count == 1
    assert len(groups) == 7  # clerk, recipient_refused, sender, attachment.no_pdf, loop, scan, signature


def test_a_clerk_sees_only_their_agency_rows() -> None:
    r = build_report([f for f in facts() if f.doc.sender and str(f.doc.sender) == A], NAMES,
                     date(2026, 7, 1), date(2026, 12, 31), NOW, only=A)  # fmt: skip
    assert [o for o, _, _ in r.by_sender] == [A] and r.by_recipient == []


def test_the_default_period_is_the_current_half_year() -> None:
    assert half_year(date(2026, 12, 3)) == (date(2026, 7, 1), date(2026, 12, 31))
    assert half_year(date(2026, 3, 9)) == (date(2026, 1, 1), date(2026, 6, 30))
    assert half_year(date(2026, 6, 30)) == (date(2026, 1, 1), date(2026, 6, 30))
    assert period(None, None, date(2026, 12, 3)) == (date(2026, 7, 1), date(2026, 12, 31))
    assert previous_half_year(date(2026, 7, 1)) == (date(2026, 1, 1), date(2026, 6, 30))
    assert previous_half_year(date(2026, 1, 1)) == (date(2025, 7, 1), date(2025, 12, 31))
    assert next_half_year(date(2026, 7, 1)) == (date(2027, 1, 1), date(2027, 6, 30))
    with pytest.raises(PeriodError, match="ngược"):
        period(date(2026, 6, 30), date(2026, 1, 1), date(2026, 12, 3))
    with pytest.raises(PeriodError):
        period(date(1, 1, 1), date(2026, 1, 1), date(2026, 12, 3))


def test_ratios_and_dates_the_vietnamese_way() -> None:
    assert percent(8, 11) == "72,7%" and percent(0, 0) == "—"
    assert date_line("Vĩnh Long", date(2026, 2, 5)) == "Vĩnh Long, ngày 05 tháng 02 năm 2026"
    assert date_line("Vĩnh Long", date(2026, 12, 12)) == "Vĩnh Long, ngày 12 tháng 12 năm 2026"


def test_the_xlsx_has_numeric_percentages_and_totals_equal_to_the_summary() -> None:
    r = build_report(facts(), NAMES, date(2026, 7, 1), date(2026, 12, 31), NOW)
    wb = load_workbook(io.BytesIO(report_xlsx(r)))
    summary = wb["Tổng hợp"]
    cells = [row for row in summary.iter_rows(values_only=False) if row[0].value and "đã vào sổ" in str(row[0].value)]
    count, share = cells[0][1], cells[0][2]
    assert count.value == 4 and isinstance(share.value, float) and share.number_format == "0.0%"
    assert share.value == pytest.approx(4 / 12)
    senders = list(wb["Theo cơ quan gửi"].iter_rows(values_only=True))
    assert senders[-1][1] == "Tổng cộng" and senders[-1][2] == sum(row[2] for row in senders[1:-1]) == 4
    shares = [row[4] for row in wb["Theo cơ quan gửi"].iter_rows(min_row=2)]
    assert all(c.number_format == "0.0%" and isinstance(c.value, int | float) for c in shares)
    assert [c.value for c in shares][-1] == pytest.approx(2 / 4)


def test_the_pdf_is_an_official_document() -> None:
    r = build_report(facts(), NAMES, date(2026, 7, 1), date(2026, 12, 31), NOW)
    header = OfficialHeader(agency="Văn phòng UBND tỉnh", place="Vĩnh Long", signer_name="Lê Văn Ký",
                            recipients=("UBND tỉnh;", "Lưu: VT."))  # fmt: skip
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(r, header))).pages).split())
    for part in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "VĂN PHÒNG UBND TỈNH",
                 "Số:", "Vĩnh Long, ngày 02 tháng 12 năm 2026", "BÁO CÁO", "6 tháng cuối năm 2026", "Nơi nhận",
                 "Lê Văn Ký", "CHÁNH VĂN PHÒNG", "33,3%", "Thư không phải văn bản", "Tổng cộng"):  # fmt: skip
        assert part in text, part
