"""check_pdf / check_attachment_set on PDFs built here with reportlab and altered with pypdf."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from core.verdict import Outcome
from signing.completeness import (
    CompletenessReport,
    appendix_number,
    check_attachment_set,
    check_pdf,
    check_pdf_async,
    is_executable,
)
from tests.integration.signing.test_pdf_text_samples import sample_pdf, text_pdf


def _edited(edit: Callable[[PdfWriter], None], base: bytes | None = None) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(base or sample_pdf()))
    writer.pdf_header = b"%PDF-1.7"  # pypdf writes 1.3 by default; keep the version check out of the way
    edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(**entries: str) -> DictionaryObject:
    return DictionaryObject(
        {NameObject(f"/{k}"): NameObject(v) if v.startswith("/") else TextStringObject(v) for k, v in entries.items()}
    )


def _set_root(key: str, value: object) -> Callable[[PdfWriter], None]:
    def edit(w: PdfWriter) -> None:
        w.root_object[NameObject(key)] = value  # type: ignore[assignment]

    return edit


def _only(report: CompletenessReport, code: str) -> None:
    assert report.codes == (code,), report.findings
    assert report.findings[0].message  # Vietnamese explanation for the sender


def test_clean_document_passes() -> None:
    report = check_pdf(sample_pdf(pages=3), declared_pages=3)
    assert report.ok and not report.refused
    assert (report.page_count, report.version, report.has_text, report.secrecy) == (3, "1.4", True, "")


async def test_async_wrapper_gives_the_same_report() -> None:
    pdf = sample_pdf(pages=2)
    assert await check_pdf_async(pdf, declared_pages=5) == check_pdf(pdf, declared_pages=5)


def test_page_count_mismatch_is_held_not_refused() -> None:
    report = check_pdf(sample_pdf(pages=2), declared_pages=3)
    _only(report, "pdf.page_mismatch")
    assert report.findings[0].outcome is Outcome.HOLD
    assert "3" in report.findings[0].message and "2 trang" in report.findings[0].message


def test_pdf_13_header_is_held() -> None:
    report = check_pdf(sample_pdf(version=(1, 3)))
    _only(report, "pdf.version")
    assert report.findings[0].outcome is Outcome.HOLD
    assert report.version == "1.3"


def test_catalog_version_raises_an_old_header() -> None:
    """pyHanko leaves the header alone and sets /Version in the catalog when it signs."""
    pdf = _edited(_set_root("/Version", NameObject("/2.0")), sample_pdf(version=(1, 3)))
    pdf = pdf.replace(b"%PDF-1.7", b"%PDF-1.3", 1)
    report = check_pdf(pdf)
    assert report.ok and report.version == "2.0"


@pytest.mark.parametrize("owner_only", [False, True])
def test_encrypted_is_refused(owner_only: bool) -> None:
    user = "" if owner_only else "mat-khau-mo"
    pdf = _edited(lambda w: w.encrypt(user, "chu-so-huu", algorithm="AES-128"))
    report = check_pdf(pdf)
    _only(report, "pdf.encrypted")
    assert report.refused


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda w: w.add_open_action(JavaScript("app.alert('x');")), "pdf.javascript"),  # names tree
        (_set_root("/OpenAction", _action(S="/JavaScript", JS="app.launchURL('http://x');")), "pdf.javascript"),
        (_set_root("/OpenAction", _action(S="/Launch", F="cmd.exe")), "pdf.launch_action"),
    ],
    ids=["names-tree", "open-action", "launch"],
)
def test_active_content_is_refused(edit: Callable[[PdfWriter], None], code: str) -> None:
    report = check_pdf(_edited(edit))
    _only(report, code)
    assert report.refused


def test_page_additional_actions_are_refused() -> None:
    def edit(w: PdfWriter) -> None:
        w.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action(S="/Named", N="/NextPage")})

    _only(check_pdf(_edited(edit)), "pdf.auto_action")


def test_javascript_in_a_link_annotation_is_refused() -> None:
    def edit(w: PdfWriter) -> None:
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([]),
                NameObject("/A"): _action(S="/JavaScript", JS="this.exportDataObject({})"),
            }
        )
        w.add_annotation(0, link)

    _only(check_pdf(_edited(edit)), "pdf.javascript")


def test_plain_goto_open_action_is_fine() -> None:
    def edit(w: PdfWriter) -> None:
        w.root_object[NameObject("/OpenAction")] = ArrayObject([w.pages[0].indirect_reference, NameObject("/Fit")])

    assert check_pdf(_edited(edit)).ok


@pytest.mark.parametrize(
    ("name", "data"),
    [("setup.exe", b"MZ\x90\x00\x03"), ("bao_cao.pdf.exe", b"not really"), ("ghi_chu.txt", b"\x7fELF\x02\x01\x01")],
)
def test_embedded_executable_is_refused(name: str, data: bytes) -> None:
    report = check_pdf(_edited(lambda w: w.add_attachment(name, data)))
    _only(report, "pdf.embedded_executable")
    assert name in report.findings[0].message
    assert report.embedded_files == (name,)


def test_embedded_spreadsheet_is_fine() -> None:
    report = check_pdf(_edited(lambda w: w.add_attachment("phu_luc_01.xlsx", b"PK\x03\x04 bang tinh")))
    assert report.ok and report.embedded_files == ("phu_luc_01.xlsx",)


@pytest.mark.parametrize("stamp", ["MẬT", "TỐI MẬT", "TUYỆT MẬT"])
def test_secrecy_stamp_is_refused(stamp: str) -> None:
    report = check_pdf(sample_pdf(stamps=(stamp,)))
    _only(report, "pdf.secret")
    assert report.refused and report.secrecy == stamp
    assert stamp in report.findings[0].message


def test_secrecy_stamp_next_to_the_number_when_columns_merge() -> None:
    pdf = text_pdf(["Số: 12/QĐ-UBND          TỐI MẬT", "Nội dung văn bản."])
    assert check_pdf(pdf).secrecy == "TỐI MẬT"


def test_secret_words_inside_sentences_do_not_trigger() -> None:
    pdf = text_pdf(
        [
            "Không chia sẻ mật khẩu hộp thư công vụ cho người khác.",
            "Cán bộ có trách nhiệm bảo vệ bí mật nhà nước theo quy định.",
            "QUY CHẾ BẢO VỆ BÍ MẬT NHÀ NƯỚC",
            "ĐỔI MẬT KHẨU ĐỊNH KỲ",
            "Mật",
            "Độ mật: Thường",
        ]
    )
    report = check_pdf(pdf)
    assert report.ok, report.findings


def test_urgency_stamp_is_not_a_secret() -> None:
    assert check_pdf(sample_pdf(stamps=("THƯỢNG KHẨN",))).ok


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage without xref", "pdf.unreadable"),
        (b"PK\x03\x04 a zip file", "pdf.not_pdf"),
        (b"", "pdf.not_pdf"),
    ],
)
def test_unreadable_is_refused(data: bytes, code: str) -> None:
    report = check_pdf(data)
    _only(report, code)
    assert report.refused


def test_truncated_pdf_is_refused() -> None:
    pdf = sample_pdf()
    report = check_pdf(pdf[: len(pdf) // 3])
    assert report.refused
    assert report.codes[0] in {"pdf.unreadable", "pdf.no_pages"}


def test_too_large_is_refused_before_parsing() -> None:
    _only(check_pdf(sample_pdf(), max_bytes=1000), "pdf.too_large")


def test_scan_without_text_layer_is_not_refused() -> None:
    report = check_pdf(text_pdf([]))
    assert report.ok and report.has_text is False


# ---- attachment set ------------------------------------------------------------------------------


@dataclass(frozen=True)
class File:
    filename: str
    data: bytes = b"x"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Phụ lục I", 1),
        ("PHỤ LỤC IV: Danh sách", 4),
        ("Phụ lục số 02 - Kinh phí", 2),
        ("PhuLuc_II.pdf", 2),
        ("phu-luc-3.xlsx", 3),
        ("PL01.pdf", 1),
        ("Phụ lục kèm theo", None),
        ("quyet_dinh.pdf", None),
    ],
)
def test_appendix_number(text: str, number: int | None) -> None:
    assert appendix_number(text) == number


def test_declared_appendices_all_attached() -> None:
    files = [File("QD_12.pdf"), File("PhuLuc_I_danh_sach.pdf"), File("phu-luc-2-kinh-phi.xlsx")]
    assert check_attachment_set(files, ["Phụ lục I: Danh sách", "Phụ lục II: Kinh phí"]) == []


def test_missing_appendix_is_held_and_named() -> None:
    files = [File("QD_12.pdf"), File("PhuLuc_I.pdf")]
    findings = check_attachment_set(files, ["Phụ lục I", "Phụ lục II: Kinh phí"])
    assert [(f.code, f.outcome) for f in findings] == [("attachment.appendix_missing", Outcome.HOLD)]
    assert "Phụ lục II: Kinh phí" in findings[0].message


def test_appendix_printed_inside_the_main_pdf_counts() -> None:
    main_text = "QUYẾT ĐỊNH\n…\nPHỤ LỤC II\nDANH SÁCH CÁC XÃ\n"
    files = [File("QD_12.pdf"), File("PhuLuc_I.pdf")]
    assert check_attachment_set(files, ["Phụ lục I", "Phụ lục II"], main_text=main_text) == []


def test_a_mention_in_the_body_is_not_an_appendix() -> None:
    main_text = "Ban hành kèm theo Phụ lục II của Quyết định này."
    findings = check_attachment_set([File("QD.pdf")], ["Phụ lục II"], main_text=main_text)
    assert [f.code for f in findings] == ["attachment.appendix_missing"]


def test_unnumbered_appendix_matches_any_appendix_file() -> None:
    assert check_attachment_set([File("QD.pdf"), File("phu_luc.pdf")], ["Phụ lục kèm theo"]) == []


def test_undeclared_appendix_file_is_held() -> None:
    findings = check_attachment_set([File("QD.pdf"), File("PL03.pdf")], [])
    assert [f.code for f in findings] == ["attachment.appendix_undeclared"]
    assert "PL03.pdf" in findings[0].message


def test_limits_are_refused() -> None:
    many = [File(f"f{i}.pdf") for i in range(5)]
    assert [f.code for f in check_attachment_set(many, [], max_files=4)] == ["attachment.too_many"]
    big = [File("a.pdf", b"x" * 600), File("b.pdf", b"x" * 600)]
    codes = [f.code for f in check_attachment_set(big, [], max_file_bytes=500, max_total_bytes=1000)]
    assert codes == ["attachment.too_large", "attachment.total_too_large"]
    assert all(f.outcome is Outcome.REJECT for f in check_attachment_set(big, [], max_file_bytes=500))


def test_empty_file_is_held() -> None:
    findings = check_attachment_set([File("QD.pdf"), File("rong.pdf", b"")], [])
    assert [(f.code, f.outcome) for f in findings] == [("attachment.empty", Outcome.HOLD)]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.EXE", b"", True),
        ("script.ps1", b"", True),
        ("x.pdf", b"MZ\x00", True),
        ("x.pdf", b"%PDF-1.7", False),
        ("bang.xlsx", b"PK\x03\x04", False),
        ("README", b"", False),
    ],
)
def test_is_executable(name: str, data: bytes, expected: bool) -> None:
    assert is_executable(name, data) is expected
