"""extract_metadata on generated Vietnamese official documents (text layer through pypdf)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.doc_code import DocCode
from core.metadata import DeclaredMetadata, parse_metadata_lines
from core.urgency import Urgency
from signing.pdf_text import (
    extract_metadata,
    extract_metadata_async,
    metadata_from_pages,
    secrecy_mark,
    urgency_mark,
)
from tests.integration.signing.test_pdf_text_samples import Sample, sample_pdf, text_pdf

CONG_VAN = Sample(
    code="Số: 123/UBND-VP",
    place_date="Tân Hòa, ngày 05 tháng 02 năm 2026",
    vv=("V/v tăng cường công tác phòng, chống", "thiên tai năm 2026"),
    heading="",
    subject=(),
    authority="",
    body=("Kính gửi: Các thôn, ấp trên địa bàn xã.", "Thực hiện chỉ đạo của cấp trên, Ủy ban nhân dân xã đề nghị:"),
    competence=("TM. ỦY BAN NHÂN DÂN",),
    position="CHỦ TỊCH",
    signer="Trần Thị Bích Ngọc",
)


def test_quyet_dinh_signed_by_a_deputy() -> None:
    meta = extract_metadata(sample_pdf())
    assert meta.code == DocCode("12", "QĐ-UBND")
    assert (meta.place, meta.issued_date) == ("Tân Hòa", date(2026, 11, 20))
    assert meta.type_name == "Quyết định"
    assert meta.subject == "Phê duyệt kế hoạch chuyển đổi số năm 2027"
    assert (meta.signer_competence, meta.signer_position, meta.signer_name) == (
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn An",
    )
    assert meta.urgency is None
    assert meta.page_amount == 1
    assert meta.problems == []


def test_cong_van_with_vv_and_collective_signature() -> None:
    meta = extract_metadata(sample_pdf(CONG_VAN, stamps=("HỎA TỐC",)))
    assert str(meta.code) == "123/UBND-VP"
    assert meta.type_name == "Công văn"  # no heading, no type abbreviation, a V/v subject
    assert meta.subject == "Tăng cường công tác phòng, chống thiên tai năm 2026"
    assert meta.issued_date == date(2026, 2, 5)
    assert meta.urgency is Urgency.HOA_TOC
    assert (meta.signer_competence, meta.signer_position, meta.signer_name) == (
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Trần Thị Bích Ngọc",
    )


def test_two_authority_lines_and_several_pages() -> None:
    meta = extract_metadata(sample_pdf(pages=3, competence=("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH")))
    assert meta.signer_competence == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH"
    assert (meta.signer_position, meta.signer_name) == ("PHÓ CHỦ TỊCH", "Nguyễn Văn An")
    assert meta.page_amount == 3


def test_signer_without_authority_prefix() -> None:
    meta = extract_metadata(sample_pdf(competence=(), position="GIÁM ĐỐC", signer="Lê Văn B"))
    assert (meta.signer_competence, meta.signer_position, meta.signer_name) == ("", "GIÁM ĐỐC", "Lê Văn B")


def test_header_columns_merged_on_one_line() -> None:
    meta = extract_metadata(sample_pdf(merged_rows=True))
    assert str(meta.code) == "12/QĐ-UBND"
    assert (meta.place, meta.issued_date) == ("Tân Hòa", date(2026, 11, 20))
    assert meta.type_name == "Quyết định"


@pytest.mark.parametrize(
    ("stamp", "urgency"),
    [
        ("KHẨN", Urgency.KHAN),
        ("THƯỢNG KHẨN", Urgency.THUONG_KHAN),
        ("HỎA TỐC", Urgency.HOA_TOC),
        ("HOẢ TỐC", Urgency.HOA_TOC),
    ],
)
def test_urgency_stamps(stamp: str, urgency: Urgency) -> None:
    assert extract_metadata(sample_pdf(CONG_VAN, stamps=(stamp,))).urgency is urgency


def test_other_types_by_heading_and_by_abbreviation() -> None:
    ke_hoach = extract_metadata(
        sample_pdf(code="Số: 07/KH-UBND", heading="KẾ HOẠCH", subject=("Tổ chức Ngày Chuyển đổi số",), authority="")
    )
    assert (ke_hoach.type_name, ke_hoach.subject) == ("Kế hoạch", "Tổ chức Ngày Chuyển đổi số")
    no_heading = extract_metadata(sample_pdf(code="Số: 3/TB-UBND", heading="", subject=(), authority=""))
    assert no_heading.type_name == "Thông báo"  # from the type abbreviation in the notation


def test_number_without_colon() -> None:
    assert str(extract_metadata(sample_pdf(code="Số 05/QyĐ-UBND")).code) == "05/QyĐ-UBND"


def test_body_references_do_not_override_the_header() -> None:
    body = (
        "Căn cứ Công văn số 99/UBND-KT ngày 01 tháng 01 năm 2026 V/v khác;",
        "Căn cứ Quyết định số 45/QĐ-UBND ngày 02 tháng 3 năm 2025;",
    )
    meta = extract_metadata(sample_pdf(body=body))
    assert str(meta.code) == "12/QĐ-UBND"
    assert meta.issued_date == date(2026, 11, 20)
    assert meta.subject == "Phê duyệt kế hoạch chuyển đổi số năm 2027"


def test_unfilled_date_keeps_the_place() -> None:
    meta = extract_metadata(sample_pdf(place_date="Tân Hòa, ngày     tháng     năm 2026"))
    assert (meta.place, meta.issued_date) == ("Tân Hòa", None)
    assert meta.code == DocCode("12", "QĐ-UBND")


def test_impossible_date_stays_empty() -> None:
    assert extract_metadata(sample_pdf(place_date="Tân Hòa, ngày 31 tháng 02 năm 2026")).issued_date is None


def test_text_without_any_header_gives_empty_metadata() -> None:
    meta = extract_metadata(text_pdf(["Một trang ghi chú không theo thể thức."], ["Trang hai."]))
    assert meta == DeclaredMetadata(page_amount=2)


def test_unreadable_pdf_reports_a_problem_instead_of_raising() -> None:
    meta = extract_metadata(b"%PDF-1.7\nnot really a pdf")
    assert meta.code is None and meta.page_amount is None
    assert meta.problems and "PDF" in meta.problems[0]


def test_explicit_mail_lines_win_over_the_pdf() -> None:
    from_pdf = extract_metadata(sample_pdf())
    declared = parse_metadata_lines("Trích yếu: Phê duyệt kế hoạch năm 2027 (bản sửa)")
    merged = declared.merged_over(from_pdf)
    assert merged.subject == "Phê duyệt kế hoạch năm 2027 (bản sửa)"
    assert merged.signer_name == "Nguyễn Văn An"


async def test_async_wrapper() -> None:
    pdf = sample_pdf(CONG_VAN)
    assert await extract_metadata_async(pdf) == extract_metadata(pdf)


def test_stamp_helpers() -> None:
    assert secrecy_mark("UBND XÃ X\nTUYỆT MẬT\nSố: 1/UBND") == "TUYỆT MẬT"
    assert secrecy_mark("Bảo vệ bí mật nhà nước; đổi mật khẩu.") is None
    assert urgency_mark("V/v họp\n  HOẢ  TỐC  ") is Urgency.HOA_TOC
    assert urgency_mark("CÔNG ĐIỆN KHẨN VỀ PHÒNG CHỐNG BÃO") is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=4))
def test_never_raises_on_odd_text(pages: list[str]) -> None:
    meta = metadata_from_pages(pages)
    assert meta.page_amount == (len(pages) or None)
