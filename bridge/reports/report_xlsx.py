"""The period report as XLSX: numbers as numbers, ratios as numeric percentage cells, native bar charts, and a
total row under every per-agency table (equal to the summary, by construction)."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from bridge.reports.official import OfficialHeader, period_title
from bridge.reports.period import PeriodReport, ratio
from bridge.reports.report_text import NO_SAMPLES, TITLE, breakdowns, intake_rows, security_counts, uptime_label
from core.vn_time import format_time

PERCENT = "0.0%"
BOLD = Font(bold=True)


def _row(ws: Worksheet, values: list[Any], *, bold: bool = False, percent_cols: tuple[int, ...] = ()) -> None:
    ws.append(values)
    for i, cell in enumerate(ws[ws.max_row], start=1):
        if bold:
            cell.font = BOLD
        if i in percent_cols:
            cell.number_format = PERCENT


def report_xlsx(r: PeriodReport, header: OfficialHeader | None = None) -> bytes:
    header = header or OfficialHeader()
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append([header.agency])
    ws.append([f"{TITLE} {period_title(r.start, r.end)}"])
    ws["A2"].font = Font(bold=True, size=13)
    ws.append([f"Kỳ báo cáo: {r.start:%d/%m/%Y} – {r.end:%d/%m/%Y}; lập lúc {format_time(r.generated_at)}"])
    ws.append([])
    _row(ws, ["Thư, văn bản đến cầu nối", "Số lượng", "Tỷ lệ"], bold=True)
    for label, n in intake_rows(r):
        _row(ws, [label, n, ratio(n, r.received_items)], percent_cols=(3,))
    _row(ws, ["Tổng số thư, văn bản đến cầu nối", r.received_items, ratio(r.received_items, r.received_items)],
         bold=True, percent_cols=(3,))  # fmt: skip
    for title, counts in breakdowns(r.total):
        ws.append([])
        _row(ws, [title, "Số văn bản", "Tỷ lệ"], bold=True)
        first = ws.max_row + 1
        for k, n in counts.most_common():
            _row(ws, [k, n, ratio(n, r.total.documents)], percent_cols=(3,))
        if counts:
            chart = BarChart()
            chart.type, chart.title, chart.legend = "bar", title, None
            chart.add_data(Reference(ws, min_col=2, min_row=first - 1, max_row=ws.max_row), titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=ws.max_row))
            chart.width, chart.height = 18, 2 + 0.8 * len(counts)
            ws.add_chart(chart, f"E{first - 1}")
    for note in r.notes:
        ws.append([])
        ws.append([f"Ghi chú: {note}"])
    ws.column_dimensions["A"].width = 60
    _senders(wb.create_sheet("Theo cơ quan gửi"), r)
    _recipients(wb.create_sheet("Theo cơ quan nhận"), r)
    _reasons(wb.create_sheet("Lý do từ chối"), r)
    sec = wb.create_sheet("Hạ tầng, an toàn thông tin")
    _row(sec, ["Nội dung", "Số liệu"], bold=True)
    for label, count in security_counts(r):
        sec.append([label, count])
    for u in r.security.availability:  # the share as a number formatted as a percentage, the samples beside it
        _row(sec, [uptime_label(u), u.ratio, f"{u.up}/{u.samples} lần kiểm tra"], percent_cols=(2,))
    if not r.security.availability:
        sec.append(list(NO_SAMPLES))
    sec.column_dimensions["A"].width = 70
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _senders(ws: Worksheet, r: PeriodReport) -> None:
    forms = sorted(r.total.by_form)
    _row(ws, ["Mã định danh", "Cơ quan gửi", "Văn bản đã vào sổ", "Nơi nhận từ chối", "Tỷ lệ từ chối", "Quá hạn",
              *[f"Hình thức: {k}" for k in forms]], bold=True)  # fmt: skip
    for organ, name, s in r.by_sender:
        _row(ws, [organ, name, s.documents, s.refused_by_recipient, ratio(s.refused_by_recipient, s.documents),
                  s.overdue, *[s.by_form.get(k, 0) for k in forms]], percent_cols=(5,))  # fmt: skip
    t = r.total
    _row(ws, ["", "Tổng cộng", t.documents, t.refused_by_recipient, ratio(t.refused_by_recipient, t.documents),
              t.overdue, *[t.by_form.get(k, 0) for k in forms]], bold=True, percent_cols=(5,))  # fmt: skip
    ws.column_dimensions["B"].width = 45


def _recipients(ws: Worksheet, r: PeriodReport) -> None:
    _row(ws, ["Mã định danh", "Cơ quan nhận", "Lượt nhận", "Đã tiếp nhận", "Từ chối", "Quá hạn", "Tỷ lệ quá hạn"],
         bold=True)  # fmt: skip
    for organ, name, x in [*r.by_recipient, ("", "Tổng cộng", r.received_total)]:
        _row(ws, [organ, name, x.received, x.accepted, x.refused, x.overdue, ratio(x.overdue, x.received)],
             bold=not organ, percent_cols=(7,))  # fmt: skip
    ws.column_dimensions["B"].width = 45


def _reasons(ws: Worksheet, r: PeriodReport) -> None:
    _row(ws, ["Mã nhóm", "Lý do từ chối", "Số lượng", "Chi tiết (lời văn thư, nơi nhận hoặc bước kiểm tra)"], bold=True)
    for g in r.rejections:
        details = Counter(g.details)
        ws.append([g.code, g.label, g.count, "; ".join(f"{k} ({n})" for k, n in details.most_common(20))])
    ws.column_dimensions["B"].width = 50
    ws.column_dimensions["D"].width = 100
