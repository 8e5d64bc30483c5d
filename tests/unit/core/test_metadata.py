from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.doc_code import DocCode
from core.metadata import DeclaredMetadata, missing_required, parse_date, parse_metadata_lines
from core.organ_id import OrganId
from core.urgency import Urgency
from tests.unit.core.strategies import dates

FULL = """Kính gửi Văn phòng,
Số: 05/QĐ-UBND
Ngày ban hành: 05/03/2024
Loại văn bản: QUYẾT ĐỊNH
Trích yếu: Về việc phê duyệt kế hoạch chuyển đổi số năm 2024
Nơi nhận: 000.00.01.H61; 000.00.02.H61
Người ký: Nguyễn Văn A
Chức vụ: Chủ tịch
Thẩm quyền: KT. CHỦ TỊCH
Độ khẩn: Thượng khẩn
Hạn xử lý: ngày 15 tháng 3 năm 2024
Số trang: 3
Phụ lục: Danh mục dự án; Kinh phí
Nơi ban hành: Vĩnh Long
Trân trọng.
"""


def test_full_declaration() -> None:
    m = parse_metadata_lines(FULL)
    assert m.problems == []
    assert m.code == DocCode("05", "QĐ-UBND")
    assert m.issued_date == date(2024, 3, 5)
    assert m.type_name == "Quyết định"
    assert m.subject == "Về việc phê duyệt kế hoạch chuyển đổi số năm 2024"
    assert m.recipients == [OrganId("000.00.01.H61"), OrganId("000.00.02.H61")]
    assert (m.signer_name, m.signer_position, m.signer_competence) == ("Nguyễn Văn A", "Chủ tịch", "KT. CHỦ TỊCH")
    assert m.urgency is Urgency.THUONG_KHAN
    assert m.due_date == date(2024, 3, 15)
    assert m.page_amount == 3
    assert m.appendixes == ["Danh mục dự án", "Kinh phí"]
    assert m.place == "Vĩnh Long"
    assert missing_required(m) == []


def test_keys_without_diacritics_and_any_case() -> None:
    text = (
        "SO KY HIEU: 12/TTr-SYT\nngay ban hanh: 2024-03-05\nloai: to trinh\nTRICH YEU: Xin kinh phi\n"
        "noi nhan: 000.00.00.h61\ndo khan: hoa toc\nso trang: 10\nV/v: Xin kinh phí"
    )
    m = parse_metadata_lines(text)
    assert m.problems == []
    assert m.code == DocCode("12", "TTr-SYT")
    assert m.issued_date == date(2024, 3, 5)
    assert m.type_name == "Tờ trình"
    assert m.subject == "Xin kinh phí"  # the later line wins
    assert m.recipients == [OrganId("000.00.00.H61")]
    assert m.urgency is Urgency.HOA_TOC
    assert m.page_amount == 10


def test_decomposed_unicode_keys_and_values() -> None:
    m = parse_metadata_lines(unicodedata.normalize("NFD", "Số: 05/QĐ-UBND\nNgày: ngày 05 tháng 03 năm 2024"))
    assert m.problems == []
    assert (m.code, m.issued_date) == (DocCode("05", "QĐ-UBND"), date(2024, 3, 5))


def test_unknown_lines_and_empty_values_are_ignored() -> None:
    m = parse_metadata_lines("Xin chào: anh chị\nhttp://example.vn\nSố:\n\nGhi chú: không")
    assert m == DeclaredMetadata()


def test_unknown_type_is_kept_as_written() -> None:
    assert parse_metadata_lines("Loại: Văn bản lạ").type_name == "Văn bản lạ"


def test_repeated_recipient_is_one_recipient() -> None:
    m = parse_metadata_lines("Nơi nhận: 000.00.01.H61, 000.00.01.H61 000.00.02.H61")
    assert m.recipients == [OrganId("000.00.01.H61"), OrganId("000.00.02.H61")]


_LATIN_WORDS = re.compile(r"\b(day|month|year|out of range|invalid|literal|must be|base 10)\b", re.IGNORECASE)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Ngày ban hành: 31/02/2024", "Ngày không có thật"),
        ("Ngày ban hành: 29/02/2023", "Ngày không có thật"),
        ("Ngày: 00/01/2024", "Ngày không có thật"),
        ("Ngày: ngày 32 tháng 1 năm 2024", "Ngày không có thật"),
        ("Hạn xử lý: 2024-13-01", "Ngày không có thật"),
        ("Ngày: 0000-01-01", "Ngày không có thật"),
        ("Ngày: hôm qua", "Ngày không hợp lệ"),
        ("Số: năm", "Số, ký hiệu văn bản không hợp lệ"),
        ("Nơi nhận: UBND tỉnh, 000.00.01.H61", "Nơi nhận phải là mã định danh cơ quan"),
        ("Độ khẩn: gấp", "Độ khẩn không hợp lệ"),
        ("Số trang: ba", "Số trang phải là số nguyên dương"),
        ("Số trang: 0", "Số trang phải là số nguyên dương"),
        ("Số trang: " + "9" * 5000, "Số trang phải là số nguyên dương"),
    ],
)
def test_bad_values_are_reported_in_vietnamese(line: str, expected: str) -> None:
    m = parse_metadata_lines(line)
    assert len(m.problems) == 1
    problem = m.problems[0]
    assert problem.startswith("Dòng «") and expected in problem
    assert not _LATIN_WORDS.search(problem.split("»", 1)[1]), problem


def test_one_bad_line_does_not_spoil_the_others() -> None:
    m = parse_metadata_lines("Số: 05/QĐ-UBND\nNgày: 30/02/2024\nTrích yếu: Kế hoạch")
    assert m.code == DocCode("05", "QĐ-UBND") and m.subject == "Kế hoạch"
    assert m.issued_date is None and len(m.problems) == 1
    assert missing_required(m) == ["Ngày ban hành", "Nơi nhận", "Loại văn bản"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/03/2024", date(2024, 3, 5)),
        ("5/3/2024", date(2024, 3, 5)),
        ("05-03-2024", date(2024, 3, 5)),
        ("05.03.2024", date(2024, 3, 5)),
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/03/05", date(2024, 3, 5)),
        ("ngày 05 tháng 03 năm 2024", date(2024, 3, 5)),
        ("Vĩnh Long, ngày 05 tháng 3 năm 2024", date(2024, 3, 5)),
        ("NGÀY 5 THÁNG 3 NĂM 2024", date(2024, 3, 5)),
        ("ngay 5 thang 3 nam 2024", date(2024, 3, 5)),
        (" 29/02/2024 ", date(2024, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@given(dates)
def test_parse_date_round_trips_every_written_form(d: date) -> None:
    for text in (
        f"{d:%d/%m/%Y}",
        f"{d.day}/{d.month}/{d:%Y}",
        f"{d:%Y-%m-%d}",
        f"{d:%Y/%m/%d}",
        f"ngày {d:%d} tháng {d:%m} năm {d:%Y}",
        f"Hà Nội, ngay {d.day} thang {d.month} nam {d:%Y}",
    ):
        assert parse_date(text) == d


@given(st.text(max_size=40))
def test_parse_date_raises_only_vietnamese_value_errors(text: str) -> None:
    try:
        parse_date(text)
    except ValueError as exc:
        assert str(exc).startswith(("Ngày không hợp lệ", "Ngày không có thật"))


_VIETNAMESE_ERRORS = (
    "Ngày không hợp lệ",
    "Ngày không có thật",
    "Số, ký hiệu văn bản không hợp lệ",
    "Nơi nhận phải là mã định danh cơ quan",
    "Độ khẩn không hợp lệ",
    "Số trang phải là số nguyên dương",
)
_keyish = st.sampled_from(["Số", "Ngày", "Nơi nhận", "Độ khẩn", "Số trang", "Loại", "Hạn xử lý", "so", "x"])


@given(st.lists(st.tuples(_keyish, st.text(max_size=30)), max_size=8), st.text(max_size=60))
def test_random_lines_never_raise(pairs: list[tuple[str, str]], noise: str) -> None:
    text = "\n".join(f"{k}: {v}" for k, v in pairs) + "\n" + noise
    m = parse_metadata_lines(text)
    for problem in m.problems:
        assert problem.startswith("Dòng «")
        assert any(f"»: {msg}" in problem for msg in _VIETNAMESE_ERRORS), problem


def test_merged_over_prefers_explicit_lines() -> None:
    from_pdf = parse_metadata_lines("Số: 05/QĐ-UBND\nTrích yếu: Theo PDF\nNgày: 30/02/2024")
    explicit = parse_metadata_lines("Trích yếu: Theo thư\nĐộ khẩn: Thường")
    m = explicit.merged_over(from_pdf)
    assert m.subject == "Theo thư" and m.code == DocCode("05", "QĐ-UBND")
    assert m.urgency is Urgency.THUONG  # 0 is a value, not "unset"
    assert m.problems == from_pdf.problems
