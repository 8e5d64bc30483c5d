"""The words and rows the XLSX and the PDF of the period report share."""

from __future__ import annotations

from collections import Counter

from bridge.reports.period import PeriodReport, Section, Uptime, number, percent

TITLE = "Báo cáo tình hình gửi, nhận văn bản điện tử qua cầu nối"


def intake_rows(r: PeriodReport) -> list[tuple[str, int]]:
    """Everything that reached the bridge in the period, split so that the parts add up to the whole."""
    return [
        ("Văn bản đã vào sổ (được tính là văn bản)", r.total.documents),
        ("Văn bản bị từ chối tiếp nhận (không đạt kiểm tra hoặc văn thư từ chối)", r.refused_documents),
        ("Thư không phải văn bản (người lạ, không có tệp PDF, thư trả lời)", r.non_documents),
        ("Đang giữ chờ văn thư", r.held),
        ("Đang kiểm tra", r.in_progress),
    ]


def breakdowns(s: Section) -> list[tuple[str, Counter[str]]]:
    return [("Theo hình thức", s.by_form), ("Theo loại văn bản", s.by_type), ("Theo phương thức", s.by_method)]


def security_counts(r: PeriodReport) -> list[tuple[str, int]]:
    s = r.security
    return [
        ("Thư, văn bản có mã độc (virus) bị chặn", s.viruses),
        ("Văn bản bị từ chối vì chữ ký số không hợp lệ hoặc không đúng cơ quan", s.signatures_refused),
        ("Văn bản phải giữ lại vì chưa xác định được chữ ký số", s.signatures_held),
        ("Thư phải chờ vì máy quét virus tạm ngừng", s.scanner_waits),
    ]


def uptime_label(u: Uptime) -> str:
    return f"Thời gian hoạt động: {u.label}"


def uptime_text(u: Uptime) -> str:
    """'99,5% (1.990/2.000 lần kiểm tra)'."""
    return f"{percent(u.up, u.samples)} ({number(u.up)}/{number(u.samples)} lần kiểm tra)"


NO_SAMPLES = (
    "Tình trạng hoạt động của trục liên thông, máy quét virus, hộp thư",
    "chưa có lần kiểm tra nào trong kỳ ([report] probe_interval)",
)


def security_rows(r: PeriodReport) -> list[tuple[str, str]]:
    rows = [(label, number(n)) for label, n in security_counts(r)]
    rows += [(uptime_label(u), uptime_text(u)) for u in r.security.availability] or [NO_SAMPLES]
    return rows
