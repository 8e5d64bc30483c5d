"""The words and rows the XLSX and the PDF of the period report share."""

from __future__ import annotations

from collections import Counter

from bridge.reports.period import PeriodReport, Section, number

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


def security_rows(r: PeriodReport) -> list[tuple[str, str]]:
    s = r.security
    rows = [
        ("Thư, văn bản có mã độc (virus) bị chặn", number(s.viruses)),
        ("Văn bản bị từ chối vì chữ ký số không hợp lệ hoặc không đúng cơ quan", number(s.signatures_refused)),
        ("Văn bản phải giữ lại vì chưa xác định được chữ ký số", number(s.signatures_held)),
        ("Thư phải chờ vì máy quét virus tạm ngừng", number(s.scanner_waits)),
    ]
    rows += s.availability or [
        ("Tình trạng hoạt động của trục liên thông, máy quét virus, hộp thư",
         "chưa có số liệu đo liên tục trong kỳ (cầu nối chỉ ghi các lần phải chờ nêu trên)"),
    ]  # fmt: skip
    return rows
