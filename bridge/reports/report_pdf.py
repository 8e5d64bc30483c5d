"""The period report as an official document (NĐ 30/2020 Phụ lục I layout): Quốc hiệu and tiêu ngữ, the
reporting agency and số, place and date, title, body with tables and charts, nơi nhận and the signature block.
Ratios are written the Vietnamese way (72,7%); chart labels are measured so none is cut off."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bridge.reports.official import OfficialHeader, date_line, period_title
from bridge.reports.period import PeriodReport, number, percent
from bridge.reports.report_text import TITLE, breakdowns, intake_rows, security_rows
from core.vn_time import vietnam_date

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"Serif": "DejaVuSerif.ttf", "Serif-Bold": "DejaVuSerif-Bold.ttf", "Serif-Italic": "DejaVuSerif-Italic.ttf"}
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
LABEL_MAX = 230.0  # points: a longer chart label is shortened with "…"


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in FONTS.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


def report_pdf(r: PeriodReport, header: OfficialHeader | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _fonts()
    h = header or OfficialHeader()
    body = ParagraphStyle("body", fontName="Serif", fontSize=11, leading=15, alignment=TA_JUSTIFY, firstLineIndent=24)
    cell = ParagraphStyle("cell", fontName="Serif", fontSize=9, leading=11)
    cell_b = ParagraphStyle("cellb", parent=cell, fontName="Serif-Bold")
    centre = ParagraphStyle("c", fontName="Serif", fontSize=11, leading=14, alignment=TA_CENTER)
    centre_b = ParagraphStyle("cb", parent=centre, fontName="Serif-Bold")
    italic_c = ParagraphStyle("ic", parent=centre, fontName="Serif-Italic")
    heading = ParagraphStyle("h", fontName="Serif-Bold", fontSize=11, leading=15, spaceBefore=8, spaceAfter=4)
    small = ParagraphStyle("s", fontName="Serif", fontSize=9, leading=11)
    small_bi = ParagraphStyle("sbi", parent=small, fontName="Serif-Bold")
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#edf2f7"))])  # fmt: skip

    def table(rows: list[list[Any]], widths: list[float], total_row: bool = False) -> Table:
        styled = []
        for i, row in enumerate(rows):
            bold = i == 0 or (total_row and i == len(rows) - 1)
            styled.append([Paragraph(escape(str(c)), cell_b if bold else cell) for c in row])
        t = Table(styled, colWidths=widths, repeatRows=1)
        t.setStyle(grid)
        return t

    today = vietnam_date(r.generated_at)
    agency = h.agency[:1].upper() + h.agency[1:].lower()
    number_line = escape(f"Số: {h.number}").replace(" ", "\u00a0")  # the blank before /BC-… is kept for the số
    top = Table(
        [
            [Paragraph(escape(h.parent_agency.upper()), centre), Paragraph(QUOC_HIEU, centre_b)],
            [Paragraph(escape(h.agency.upper()), centre_b), Paragraph("Độc lập - Tự do - Hạnh phúc", centre_b)],
            [Paragraph("_______", centre), Paragraph("___________________", centre)],
            [Paragraph(number_line, centre), Paragraph(date_line(h.place, today), italic_c)],
        ],
        colWidths=[70 * mm, 100 * mm],
    )
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 0),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))  # fmt: skip
    story: list[Any] = [
        top,
        Spacer(1, 14),
        Paragraph("BÁO CÁO", centre_b),
        Paragraph(f"{TITLE} {period_title(r.start, r.end)}", centre_b),
        Paragraph("___________", centre),
        Spacer(1, 6),
        Paragraph(f"Kính gửi: {escape(h.addressee)}.", centre),
        Spacer(1, 8),
        Paragraph(
            f"Thực hiện Điều 24 Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn "
            f"thư, {escape(agency)} báo cáo tình hình gửi, nhận văn bản điện tử qua "
            f"cầu nối từ ngày {r.start:%d/%m/%Y} đến ngày {r.end:%d/%m/%Y} (số liệu lập lúc "
            f"{r.generated_at.astimezone(_zone()):%H:%M} ngày {today:%d/%m/%Y}) như sau:",
            body,
        ),
        Paragraph("I. TÌNH HÌNH GỬI, NHẬN VĂN BẢN ĐIỆN TỬ", heading),
        Paragraph(
            f"Trong kỳ, cầu nối nhận {number(r.received_items)} thư, văn bản; trong đó "
            f"{number(r.total.documents)} văn bản đã vào sổ và được tính là văn bản trong báo cáo này.",
            body,
        ),
        Spacer(1, 4),
        table(
            [
                ["Thư, văn bản đến cầu nối", "Số lượng", "Tỷ lệ"],
                *[[k, number(n), percent(n, r.received_items)] for k, n in intake_rows(r)],
                ["Tổng cộng", number(r.received_items), percent(r.received_items, r.received_items)],
            ],
            [110 * mm, 25 * mm, 25 * mm],
            total_row=True,
        ),
    ]
    for n, (title, counts) in enumerate(breakdowns(r.total), start=1):
        part: list[Any] = [Paragraph(f"{n}. Văn bản đã vào sổ {title.lower()}", heading)]
        if counts:
            rows = [[k, number(c), percent(c, r.total.documents)] for k, c in counts.most_common()]
            part += [table([["", "Số văn bản", "Tỷ lệ"], *rows], [110 * mm, 25 * mm, 25 * mm]), _chart(counts)]
        else:
            part.append(Paragraph("Không có văn bản.", body))
        story.append(KeepTogether(part))
    t = r.total
    story += [
        Paragraph("4. Theo cơ quan gửi", heading),
        table(
            [
                ["Cơ quan gửi", "Văn bản", "Nơi nhận từ chối", "Quá hạn"],
                *[
                    [
                        f"{name} ({o})",
                        number(s.documents),
                        f"{number(s.refused_by_recipient)} ({percent(s.refused_by_recipient, s.documents)})",
                        number(s.overdue),
                    ]
                    for o, name, s in r.by_sender
                ],
                [
                    "Tổng cộng",
                    number(t.documents),
                    f"{number(t.refused_by_recipient)} ({percent(t.refused_by_recipient, t.documents)})",
                    number(t.overdue),
                ],
            ],
            [85 * mm, 22 * mm, 35 * mm, 22 * mm],
            total_row=True,
        ),
        Paragraph("5. Theo cơ quan nhận", heading),
        table(
            [
                ["Cơ quan nhận", "Lượt nhận", "Đã tiếp nhận", "Từ chối", "Quá hạn"],
                *[
                    [f"{name} ({o})", number(x.received), number(x.accepted), number(x.refused), number(x.overdue)]
                    for o, name, x in [*r.by_recipient]
                ],
                [
                    "Tổng cộng",
                    number(r.received_total.received),
                    number(r.received_total.accepted),
                    number(r.received_total.refused),
                    number(r.received_total.overdue),
                ],
            ],
            [75 * mm, 22 * mm, 24 * mm, 20 * mm, 20 * mm],
            total_row=True,
        ),
        Paragraph("6. Lý do từ chối (theo nhóm)", heading),
    ]
    if r.rejections:
        story.append(table([["Nhóm lý do", "Số lượng", "Chi tiết"],
                            *[[g.label, number(g.count), "; ".join(f"{k} ({c})" for k, c in g.details.most_common(5))]
                              for g in r.rejections]], [60 * mm, 20 * mm, 90 * mm]))  # fmt: skip
    else:
        story.append(Paragraph("Không có thư, văn bản nào bị từ chối.", body))
    story += [
        Paragraph("II. HẠ TẦNG KỸ THUẬT, BẢO ĐẢM AN TOÀN THÔNG TIN", heading),
        table([["Nội dung", "Số liệu"], *[[k, v] for k, v in security_rows(r)]], [120 * mm, 50 * mm]),
    ]
    if r.notes:
        story.append(Paragraph("III. GHI CHÚ", heading))
        story += [Paragraph(escape(note), body) for note in r.notes]
    story.append(Spacer(1, 14))
    received = [Paragraph("<i><b>Nơi nhận:</b></i>", small_bi)]
    received += [Paragraph(f"- {escape(x)}", small) for x in h.recipients]
    sign = [Paragraph(escape(x), centre_b) for x in (h.signer_competence, h.signer_title) if x]
    sign += [Paragraph("(Ký số)", italic_c), Spacer(1, 36), Paragraph(escape(h.signer_name), centre_b)]
    foot = Table([[received, sign]], colWidths=[80 * mm, 90 * mm])
    foot.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(KeepTogether([foot]))
    buf = io.BytesIO()
    title = f"{TITLE} {period_title(r.start, r.end)}"
    doc = SimpleDocTemplate(buf, pagesize=A4, title=title, author=h.agency, leftMargin=30 * mm, rightMargin=15 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm)  # fmt: skip
    doc.build(story)
    return buf.getvalue()


def _zone() -> Any:
    from core.vn_time import vietnam_zone

    return vietnam_zone()


def _chart(counts: Counter[str]) -> Any:
    """Horizontal bars with their labels measured: the plot starts after the longest label."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth

    items = counts.most_common(10)
    size = 8
    labels = [_fit(k, size) for k, _ in items]
    label_w = max(stringWidth(x, "Serif", size) for x in labels) + 8
    width = 460
    d = Drawing(width, 24 + 16 * len(items))
    c = HorizontalBarChart()
    c.x, c.y, c.width, c.height = label_w, 14, width - label_w - 20, 16 * len(items)
    c.data = [[n for _, n in items][::-1]]
    c.categoryAxis.categoryNames = labels[::-1]
    c.categoryAxis.labels.fontName = c.valueAxis.labels.fontName = "Serif"
    c.categoryAxis.labels.fontSize, c.valueAxis.labels.fontSize = size, 7
    c.categoryAxis.labels.boxAnchor = "e"
    c.valueAxis.valueMin = 0
    c.bars[0].fillColor = colors.HexColor("#2b6cb0")
    d.add(c)
    return d


def _fit(text: str, size: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, "Serif", size) <= LABEL_MAX:
        return text
    while text and stringWidth(text + "…", "Serif", size) > LABEL_MAX:
        text = text[:-1]
    return text.rstrip() + "…"
