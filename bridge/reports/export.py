"""XLSX (openpyxl, native Excel charts) and PDF (reportlab, DejaVu fonts, bar charts) of the period report;
CSV and XLSX of a register book."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from bridge.reports.period import PeriodReport, Section, ratio
from core.vn_time import format_time

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
TITLE = "Báo cáo tình hình gửi, nhận văn bản điện tử (Điều 24 Nghị định 30/2020/NĐ-CP)"


def _breakdowns(s: Section) -> list[tuple[str, Counter[str]]]:
    return [("Theo hình thức", s.by_form), ("Theo loại văn bản", s.by_type), ("Theo phương thức", s.by_method)]


def _summary(s: Section) -> list[tuple[str, int, str]]:
    return [
        ("Tổng số văn bản", s.total, "100%" if s.total else "—"),
        ("Bị từ chối", s.rejected, ratio(s.rejected, s.total)),
        ("Đang giữ chờ văn thư", s.held, ratio(s.held, s.total)),
        ("Quá hạn xử lý", s.overdue, ratio(s.overdue, s.total)),
    ]


def report_xlsx(r: PeriodReport) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Kỳ báo cáo: {r.start:%d/%m/%Y} – {r.end:%d/%m/%Y}"])
    ws.append([])
    for row in _summary(r.total):
        ws.append(list(row))
    for title, counts in _breakdowns(r.total):
        ws.append([])
        ws.append([title, "Số lượng", "Tỷ lệ"])
        first = ws.max_row + 1
        for k, n in counts.most_common():
            ws.append([k, n, ratio(n, r.total.total)])
        if counts:
            chart = BarChart()
            chart.title, chart.type = title, "bar"
            chart.add_data(Reference(ws, min_col=2, min_row=first - 1, max_row=ws.max_row), titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=ws.max_row))
            ws.add_chart(chart, f"E{first - 1}")
    for note in r.notes:
        ws.append([])
        ws.append([f"Ghi chú: {note}"])
    ws.column_dimensions["A"].width = 48
    per = wb.create_sheet("Theo cơ quan")
    per.append(
        [
            "Mã định danh",
            "Cơ quan",
            "Tổng",
            "Bị từ chối",
            "Tỷ lệ từ chối",
            "Đang giữ",
            "Quá hạn",
            *[f"Hình thức: {k}" for k in _forms(r)],
        ]
    )
    for organ, name, s in r.agencies:
        per.append(
            [
                organ,
                name,
                s.total,
                s.rejected,
                ratio(s.rejected, s.total),
                s.held,
                s.overdue,
                *[s.by_form.get(k, 0) for k in _forms(r)],
            ]
        )
    per.column_dimensions["B"].width = 40
    rej = wb.create_sheet("Từ chối")
    rej.append(["Lý do từ chối", "Số lần"])
    for reason, n in r.total.rejections.most_common():
        rej.append([reason, n])
    rej.column_dimensions["A"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _forms(r: PeriodReport) -> list[str]:
    return sorted(r.total.by_form)


def report_pdf(r: PeriodReport) -> bytes:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    for name, file in (("DejaVu", "DejaVuSans.ttf"), ("DejaVu-Bold", "DejaVuSans-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    body = ParagraphStyle("b", fontName="DejaVu", fontSize=9, leading=12)
    head = ParagraphStyle("h", fontName="DejaVu-Bold", fontSize=12, leading=16, spaceAfter=6)
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), "DejaVu", 8),
            ("FONT", (0, 0), (-1, 0), "DejaVu-Bold", 8),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )

    def table(rows: list[list[object]], widths: list[float] | None = None) -> Table:
        t = Table([[Paragraph(str(c), body) for c in row] for row in rows], colWidths=widths, repeatRows=1)
        t.setStyle(style)
        return t

    def chart(counts: Counter[str]) -> Drawing:
        items = counts.most_common(8)
        d = Drawing(460, 30 + 18 * len(items))
        c = HorizontalBarChart()
        c.x, c.y, c.width, c.height = 170, 10, 270, 18 * len(items)
        c.data = [[n for _, n in items]]
        c.categoryAxis.categoryNames = [k[:40] for k, _ in items]
        c.categoryAxis.labels.fontName = c.valueAxis.labels.fontName = "DejaVu"
        c.categoryAxis.labels.fontSize = 7
        c.valueAxis.valueMin = 0
        c.bars[0].fillColor = colors.HexColor("#2b6cb0")
        d.add(c)
        return d

    story: list[object] = [
        Paragraph(TITLE, head),
        Paragraph(f"Kỳ báo cáo: {r.start:%d/%m/%Y} – {r.end:%d/%m/%Y}; lập lúc {format_time(r.generated_at)}", body),
        Spacer(1, 8),
        table([["Chỉ tiêu", "Số lượng", "Tỷ lệ"], *[list(x) for x in _summary(r.total)]]),
    ]
    for title, counts in _breakdowns(r.total):
        story += [Spacer(1, 8), Paragraph(title, head)]
        if counts:
            story += [
                table([["", "Số lượng", "Tỷ lệ"], *[[k, n, ratio(n, r.total.total)] for k, n in counts.most_common()]]),
                chart(counts),
            ]
    story += [
        Spacer(1, 8),
        Paragraph("Theo cơ quan", head),
        table(
            [
                ["Cơ quan", "Tổng", "Từ chối", "Đang giữ", "Quá hạn"],
                *[
                    [f"{n} ({o})", s.total, f"{s.rejected} ({ratio(s.rejected, s.total)})", s.held, s.overdue]
                    for o, n, s in r.agencies
                ],
            ],
            [230, 50, 80, 60, 60],
        ),
    ]
    if r.total.rejections:
        story += [
            Spacer(1, 8),
            Paragraph("Lý do từ chối", head),
            table([["Lý do", "Số lần"], *[[k, n] for k, n in r.total.rejections.most_common()]], [400, 60]),
        ]
    story += [Paragraph(f"Ghi chú: {n}", body) for n in r.notes]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=TITLE, leftMargin=40, rightMargin=40).build(story)  # type: ignore[arg-type]
    return buf.getvalue()


def rows_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode()  # BOM: Excel opens UTF-8 Vietnamese correctly


def rows_xlsx(title: str, header: list[str], rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
