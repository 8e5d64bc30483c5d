"""Small Vietnamese official-document PDFs (reportlab + DejaVu) for the signing tests, and checks that
their text layer round-trips with diacritics (otherwise the extraction tests would prove nothing)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tests.fixtures.require import require

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
WIDTH, HEIGHT = A4
LEFT, RIGHT = 150.0, 420.0


@dataclass(frozen=True)
class Sample:
    """Visible parts of an administrative document laid out as in NĐ 30/2020 Phụ lục I."""

    parent: str = "ỦY BAN NHÂN DÂN"
    agency: str = "XÃ TÂN HÒA"
    code: str = "Số: 12/QĐ-UBND"
    place_date: str = "Tân Hòa, ngày 20 tháng 11 năm 2026"
    vv: tuple[str, ...] = ()  # công văn subject under the number
    stamps: tuple[str, ...] = ()  # "HỎA TỐC", "MẬT" … under the number
    heading: str = "QUYẾT ĐỊNH"
    subject: tuple[str, ...] = ("Về việc phê duyệt kế hoạch chuyển đổi số", "năm 2027")
    authority: str = "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ TÂN HÒA"
    body: tuple[str, ...] = (
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ;",
        "Xét đề nghị của Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã.",
    )
    competence: tuple[str, ...] = ("KT. CHỦ TỊCH",)
    position: str = "PHÓ CHỦ TỊCH"
    signer: str = "Nguyễn Văn An"
    recipients: tuple[str, ...] = ("- Như Điều 3;", "- UBND huyện;", "- Lưu: VT.")
    pages: int = 1
    merged_rows: bool = False  # each two-column row drawn as one string, as many Word PDFs extract


@cache
def fonts() -> None:
    require((FONT_DIR / "DejaVuSerif.ttf").exists(), "DejaVu fonts (apt-get install fonts-dejavu-core)")
    pdfmetrics.registerFont(TTFont("DejaVuSerif", str(FONT_DIR / "DejaVuSerif.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSerif-Bold", str(FONT_DIR / "DejaVuSerif-Bold.ttf")))


def _text(c: Canvas, x: float, y: float, text: str, *, bold: bool = False, size: float = 12) -> None:
    c.setFont("DejaVuSerif-Bold" if bold else "DejaVuSerif", size)
    c.drawCentredString(x, y, text)


def _row(c: Canvas, y: float, left: str, right: str, s: Sample, *, bold: bool = False) -> None:
    if s.merged_rows:
        c.setFont("DejaVuSerif-Bold" if bold else "DejaVuSerif", 11)
        c.drawString(60, y, f"{left}          {right}")
    else:
        _text(c, LEFT, y, left, bold=bold, size=11)
        _text(c, RIGHT, y, right, bold=bold, size=11)


def _header(c: Canvas, s: Sample) -> float:
    top = HEIGHT - 60
    _row(c, top, s.parent, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", s, bold=True)
    _row(c, top - 15, s.agency, "Độc lập - Tự do - Hạnh phúc", s, bold=True)
    _row(c, top - 40, s.code, s.place_date, s)
    y = top - 58
    for line in (*s.vv, *s.stamps):
        _text(c, LEFT, y, line, size=10, bold=line in s.stamps)
        y -= 14
    y -= 20
    if s.heading:
        _text(c, WIDTH / 2, y, s.heading, bold=True, size=14)
        y -= 18
    for line in s.subject:
        _text(c, WIDTH / 2, y, line, bold=True)
        y -= 15
    if s.authority:
        _text(c, WIDTH / 2, y - 10, s.authority, bold=True)
        y -= 25
    return y - 15


def _body(c: Canvas, lines: Sequence[str], y: float) -> float:
    c.setFont("DejaVuSerif", 11)
    for line in lines:
        c.drawString(60, y, line)
        y -= 16
    return y


def _signature(c: Canvas, s: Sample, y: float) -> None:
    c.setFont("DejaVuSerif-Bold", 10)
    c.drawString(60, y, "Nơi nhận:")
    c.setFont("DejaVuSerif", 9)
    for i, r in enumerate(s.recipients):
        c.drawString(60, y - 12 * (i + 1), r)
    for i, line in enumerate((*s.competence, s.position)):
        if line:
            _text(c, RIGHT, y - 14 * i, line, bold=True)
    _text(c, RIGHT, y - 90, s.signer, bold=True)


def sample_pdf(sample: Sample | None = None, *, version: tuple[int, int] = (1, 4), **changes: object) -> bytes:
    """A whole document; keyword arguments replace Sample fields."""
    fonts()
    s = replace(sample or Sample(), **changes)  # type: ignore[arg-type]
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, pdfVersion=version, invariant=True)
    y = _body(c, s.body, _header(c, s))
    for page in range(2, s.pages + 1):
        c.showPage()
        y = _body(c, [f"Điều {page}. Nội dung chi tiết, mục {i + 1}." for i in range(30)], HEIGHT - 60)
    _signature(c, s, min(y - 20, 250))
    c.showPage()
    c.save()
    return out.getvalue()


def text_pdf(*pages: Sequence[str], version: tuple[int, int] = (1, 4)) -> bytes:
    """Plain lines, one list per page."""
    fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, pdfVersion=version, invariant=True)
    for lines in pages or ([],):
        _body(c, lines, HEIGHT - 60)
        c.showPage()
    c.save()
    return out.getvalue()


def _text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_diacritics_survive_the_text_layer() -> None:
    text = _text_of(sample_pdf())
    for piece in ("ỦY BAN NHÂN DÂN", "Số: 12/QĐ-UBND", "Tân Hòa, ngày 20 tháng 11 năm 2026", "Nguyễn Văn An"):
        assert piece in text


@pytest.mark.parametrize("pages", [1, 3])
def test_page_count_and_header_version(pages: int) -> None:
    pdf = sample_pdf(pages=pages)
    assert pdf.startswith(b"%PDF-1.4")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == pages


def test_merged_rows_put_both_columns_on_one_line() -> None:
    lines = _text_of(sample_pdf(merged_rows=True)).splitlines()
    assert any("Số: 12/QĐ-UBND" in ln and "Tân Hòa, ngày" in ln for ln in lines)
