"""The signature corpus (tests/fixtures/signature_corpus.py) through PdfSignatureValidator AND through the pipeline's
judgement: for every case the exact verdict of each signature and timestamp, the exact reasons the strict policy
gives for the whole file, and the pipeline's outcome with its reason codes. Legitimate signing histories pass
both; every attack is refused (or, for an extra or untrusted signer, held), never accepted."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import pytest
from pypdf import PdfReader

from core.ports import Indication, SignatureReport
from core.verdict import Outcome
from signing.revocation import Revocation
from signing.signatures import PdfSignatureValidator
from tests.fixtures.pki import TestPki
from tests.fixtures.signature_corpus import ATTACKS, BY_ID, CASES, LEGITIMATE
from tests.integration.signing.judgement import judge

MODIFIED = "Tài liệu đã bị sửa sau khi ký: "
AMBIGUOUS = "Tệp PDF có cấu trúc mập mờ, các chương trình đọc khác nhau có thể hiển thị nội dung khác nhau: "
TAIL = "Tệp có phần được thêm sau chữ ký số cuối cùng, không được ký: "
AS_SIGNED = " Văn bản phải được gửi đúng như khi ký (không được sửa hay lưu thêm sau khi ký)."
_CODES = {"P": Indication.TOTAL_PASSED, "F": Indication.TOTAL_FAILED, "I": Indication.INDETERMINATE}


@dataclass(frozen=True)
class Expect:
    id: str
    signatures: str  # "Field=P Field=F:SUB …" in signing order (P passed, F failed, I indeterminate)
    document: list[str]  # the exact reasons given for the file as a whole


VALIDATOR = [
    Expect("personal-then-organisation", "ChuKyCaNhan=P ChuKyCoQuan=P", []),
    Expect("organisation-first", "ChuKyCoQuan=P ChuKyCaNhan=P", []),
    Expect("both-visible", "ChuKyCaNhan=P ChuKyCoQuan=P", []),
    Expect("prefilled-signature-fields", "ChuKyCaNhan=P ChuKyCoQuan=P", []),
    Expect("three-signers", "ChuKyCaNhan=P ChuKyPhoChuTich=P ChuKyCoQuan=P", []),
    Expect("adbe-pkcs7-detached", "ChuKyCaNhan=P ChuKyCoQuan=P", []),
    Expect("fifty-pages", "ChuKyCaNhan=P ChuKyCoQuan=P", []),
    Expect("object-streams", "ChuKyCaNhan=P ChuKyCoQuan=P", []),
    Expect("timestamp-after-both", "ChuKyCaNhan=P ChuKyCoQuan=P DauThoiGian=P", []),
    Expect("dss-then-timestamp", "ChuKyCaNhan=P ChuKyCoQuan=P DauThoiGian=P", []),
    Expect(
        "content-replaced-after",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "thay nội dung trang 1."],
    ),
    Expect(
        "content-replaced-between",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=P",
        [MODIFIED + "thay nội dung trang 1."],
    ),
    Expect(
        "content-overwritten-after",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "sửa đối tượng số 15 trên trang 1."],
    ),
    Expect(
        "page-added-after",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "thêm, bớt, thay hoặc đổi thứ tự trang (số trang 1 → 2)."],
    ),
    Expect(
        "root-replaced-after",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "thay danh mục gốc của tài liệu; sửa danh mục gốc của tài liệu (/OpenAction)."],
    ),
    Expect(
        "freetext-after",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "thêm chú thích trên trang 1."],
    ),
    Expect(
        "freetext-between",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=P",
        [MODIFIED + "thêm chú thích trên trang 1."],
    ),
    Expect(
        "link-with-organisation-signature",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=P",
        [MODIFIED + "thêm chú thích trên trang 1."],
    ),
    Expect(
        "empty-signature-field-after",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [MODIFIED + "thêm ô chữ ký trống «ChuKyThem» trên trang 1."],
    ),
    Expect(
        "empty-signature-field-with-organisation-signature",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [MODIFIED + "thêm ô chữ ký trống «ChuKyThem» trên trang 1."],
    ),
    Expect(
        "text-field-filled-after",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "thêm ô biểu mẫu «GhiChu» trên trang 1."],
    ),
    Expect(
        "action-on-organisation-widget",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [MODIFIED + "gắn hành động (liên kết, JavaScript: /A, /AA) vào ô «ChuKyCoQuan»."],
    ),
    Expect(
        "indirect-additional-action-on-organisation-widget",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=P",
        [MODIFIED + "gắn hành động (liên kết, JavaScript: /A, /AA) vào ô «ChuKyCoQuan»."],
    ),
    Expect(
        "open-action-after",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "sửa danh mục gốc của tài liệu (/OpenAction)."],
    ),
    Expect(
        "need-appearances-after",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [MODIFIED + "bật /NeedAppearances (trình đọc phải vẽ lại các ô biểu mẫu)."],
    ),
    Expect(
        "need-appearances-between",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [MODIFIED + "bật /NeedAppearances (trình đọc phải vẽ lại các ô biểu mẫu)."],
    ),
    Expect("info-title-after", "ChuKyCaNhan=P ChuKyCoQuan=P", [MODIFIED + "sửa thông tin mô tả tài liệu (/Title)."]),
    Expect(
        "info-title-with-organisation-signature",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [MODIFIED + "sửa thông tin mô tả tài liệu (/Title)."],
    ),
    Expect(
        "info-and-xmp-title-with-organisation-signature",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [MODIFIED + "sửa thông tin mô tả tài liệu (/Title); sửa siêu dữ liệu XMP (dc:title)."],
    ),
    Expect(
        "orphan-object-after",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [MODIFIED + "thêm đối tượng số 25 không thuộc chữ ký nào."],
    ),
    Expect("third-signature-painting-over-the-page", "ChuKyCaNhan=P ChuKyCoQuan=P ChuKyThem=P", []),
    Expect("untrusted-organisation-signature", "ChuKyCaNhan=P ChuKyCoQuan=I:NO_TRUSTED_ROOT", []),
    Expect(
        "dss-after-both",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [TAIL + "thêm dữ liệu kiểm tra hiệu lực chữ ký (DSS)." + AS_SIGNED],
    ),
    Expect("bytes-after-eof", "ChuKyCaNhan=P ChuKyCoQuan=P", [TAIL + "26 byte." + AS_SIGNED]),
    Expect(
        "shadow-hide",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "xóa chú thích trên trang 1."],
    ),
    Expect("shadow-replace", "ChuKyCaNhan=P ChuKyCoQuan=P", [MODIFIED + "điền hoặc sửa nội dung ô biểu mẫu «GhiChu»."]),
    Expect(
        "shadow-hide-and-replace",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "thêm, bớt, thay hoặc đổi thứ tự trang (số trang 1 → 1)."],
    ),
    Expect(
        "objects-in-contents-gap",
        "ChuKyCaNhan=F:FORMAT_FAILURE ChuKyCoQuan=F:FORMAT_FAILURE",
        ["Không phân tích được phần sửa đổi sau khi ký (phần được lưu thêm sau khi ký bị hỏng hoặc không đọc được)."],
    ),
    Expect(
        "xref-in-contents-gap",
        "ChuKyCaNhan=F:FORMAT_FAILURE ChuKyCoQuan=F:FORMAT_FAILURE",
        ["Không phân tích được phần sửa đổi sau khi ký (phần được lưu thêm sau khi ký bị hỏng hoặc không đọc được)."],
    ),
    Expect(
        "usf-contents-missing",
        "ChuKyCaNhan=P ChuKyCoQuan=F:FORMAT_FAILURE",
        [MODIFIED + "thêm ô chữ ký «ChuKyCoQuan» mà chữ ký trong đó không hợp lệ."],
    ),
    Expect(
        "usf-byterange-missing",
        "ChuKyCaNhan=P ChuKyCoQuan=F:FORMAT_FAILURE",
        [MODIFIED + "thêm ô chữ ký «ChuKyCoQuan» mà chữ ký trong đó không hợp lệ."],
    ),
    Expect(
        "usf-contents-empty",
        "ChuKyCaNhan=P ChuKyCoQuan=F:FORMAT_FAILURE",
        [MODIFIED + "thêm ô chữ ký «ChuKyCoQuan» mà chữ ký trong đó không hợp lệ."],
    ),
    Expect("usf-byterange-empty", "ChuKyCaNhan=P ChuKyCoQuan=F:HASH_FAILURE", [TAIL + "1 lần lưu." + AS_SIGNED]),
    Expect(
        "usf-null",
        "ChuKyCaNhan=P ChuKyCoQuan=F:FORMAT_FAILURE",
        [MODIFIED + "thêm ô chữ ký «ChuKyCoQuan» mà chữ ký trong đó không hợp lệ."],
    ),
    Expect(
        "usf-zeroed",
        "ChuKyCaNhan=P ChuKyCoQuan=F:FORMAT_FAILURE",
        [MODIFIED + "thêm ô chữ ký «ChuKyCoQuan» mà chữ ký trong đó không hợp lệ."],
    ),
    Expect("usf-byterange-overlapping", "ChuKyCaNhan=P ChuKyCoQuan=F:HASH_FAILURE", [TAIL + "1 lần lưu." + AS_SIGNED]),
    Expect("usf-byterange-short", "ChuKyCaNhan=P ChuKyCoQuan=F:HASH_FAILURE", [TAIL + "1 lần lưu." + AS_SIGNED]),
    Expect(
        "docmdp-evil-annotation-p2", "ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING", [MODIFIED + "thêm chú thích trên trang 1."]
    ),
    Expect(
        "docmdp-evil-annotation-p3", "ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING", [MODIFIED + "thêm chú thích trên trang 1."]
    ),
    Expect("docmdp-sneaky-signature", "ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING ChuKyThem=P", []),
    Expect(
        "xref-duplicate-entry-after",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [AMBIGUOUS + "đối tượng số 3 được khai báo hai lần, khác nhau, trong một bảng tham chiếu chéo."],
    ),
    Expect(
        "xref-overlapping-subsections",
        "ChuKyCaNhan=P ChuKyCoQuan=P",
        [AMBIGUOUS + "các phần của bảng tham chiếu chéo chồng lên nhau (đối tượng số 3)."],
    ),
    Expect(
        "xref-wrong-offset-after",
        "ChuKyCaNhan=F:FORMAT_FAILURE ChuKyCoQuan=F:FORMAT_FAILURE",
        [AMBIGUOUS + "bảng tham chiếu chéo trỏ đối tượng số 3 tới vị trí không chứa đối tượng đó."],
    ),
    Expect(
        "xref-hybrid-disagreement-after",
        "ChuKyCaNhan=F:FORMAT_FAILURE ChuKyCoQuan=F:FORMAT_FAILURE",
        [AMBIGUOUS + "bảng tham chiếu chéo và luồng tham chiếu chéo đi kèm mô tả đối tượng số 3 khác nhau."],
    ),
    Expect("xref-prev-loop", "=F:PDF_UNREADABLE", []),
    Expect(
        "xref-freed-number-reused",
        "ChuKyCaNhan=F:MODIFIED_AFTER_SIGNING ChuKyCoQuan=F:MODIFIED_AFTER_SIGNING",
        [MODIFIED + "xóa đối tượng số 15; dùng lại số đối tượng 15."],
    ),
    Expect(
        "dangling-reference-defined-after",
        "ChuKyCaNhan=F:FORMAT_FAILURE ChuKyCoQuan=F:FORMAT_FAILURE",
        [
            MODIFIED
            + "thêm ô chữ ký «ChuKyCoQuan» mà chữ ký trong đó không hợp lệ; "
            + "thêm đối tượng số 56 không thuộc chữ ký nào."
        ],
    ),
    Expect(
        "junk-document-timestamp-after",
        "ChuKyCaNhan=P ChuKyCoQuan=P DauThoiGianGia=F:FORMAT_FAILURE",
        [MODIFIED + "thêm ô chữ ký «DauThoiGianGia» mà chữ ký trong đó không hợp lệ."],
    ),
    Expect(
        "timestamp-wrong-imprint",
        "ChuKyCaNhan=P ChuKyCoQuan=P DauThoiGian=F:HASH_FAILURE",
        [TAIL + "1 lần lưu." + AS_SIGNED],
    ),
]

PIPELINE: dict[str, tuple[Outcome, list[str]]] = {
    "personal-then-organisation": (Outcome.CONTINUE, []),
    "organisation-first": (Outcome.CONTINUE, []),
    "both-visible": (Outcome.CONTINUE, []),
    "prefilled-signature-fields": (Outcome.CONTINUE, []),
    "three-signers": (Outcome.CONTINUE, []),
    "adbe-pkcs7-detached": (Outcome.CONTINUE, []),
    "fifty-pages": (Outcome.CONTINUE, []),
    "object-streams": (Outcome.CONTINUE, []),
    "timestamp-after-both": (Outcome.CONTINUE, []),
    "dss-then-timestamp": (Outcome.CONTINUE, []),
    "content-replaced-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "content-replaced-between": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "content-overwritten-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "page-added-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "root-replaced-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "freetext-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "freetext-between": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "link-with-organisation-signature": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "empty-signature-field-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "empty-signature-field-with-organisation-signature": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "text-field-filled-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "action-on-organisation-widget": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "indirect-additional-action-on-organisation-widget": (
        Outcome.REJECT,
        ["pdf.auto_action", "pdf.javascript", "signature.modified_after_signing"],
    ),
    "open-action-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "need-appearances-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "need-appearances-between": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "info-title-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "info-title-with-organisation-signature": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "info-and-xmp-title-with-organisation-signature": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "orphan-object-after": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "third-signature-painting-over-the-page": (Outcome.HOLD, ["signature.extra_signer"]),
    "untrusted-organisation-signature": (Outcome.HOLD, ["signature.no_trusted_root"]),
    "dss-after-both": (Outcome.REJECT, ["signature.unsigned_changes"]),
    "bytes-after-eof": (Outcome.REJECT, ["signature.unsigned_changes"]),
    "shadow-hide": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "shadow-replace": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "shadow-hide-and-replace": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "objects-in-contents-gap": (Outcome.REJECT, ["signature.format_failure", "signature.unanalysed"]),
    "xref-in-contents-gap": (Outcome.REJECT, ["signature.format_failure", "signature.unanalysed"]),
    "usf-contents-missing": (Outcome.REJECT, ["signature.format_failure", "signature.modified_after_signing"]),
    "usf-byterange-missing": (Outcome.REJECT, ["signature.format_failure", "signature.modified_after_signing"]),
    "usf-contents-empty": (Outcome.REJECT, ["signature.format_failure", "signature.modified_after_signing"]),
    "usf-byterange-empty": (Outcome.REJECT, ["signature.hash_failure", "signature.unsigned_changes"]),
    "usf-null": (Outcome.REJECT, ["signature.format_failure", "signature.modified_after_signing"]),
    "usf-zeroed": (Outcome.REJECT, ["signature.format_failure", "signature.modified_after_signing"]),
    "usf-byterange-overlapping": (Outcome.REJECT, ["signature.hash_failure", "signature.unsigned_changes"]),
    "usf-byterange-short": (Outcome.REJECT, ["signature.hash_failure", "signature.unsigned_changes"]),
    "docmdp-evil-annotation-p2": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "docmdp-evil-annotation-p3": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "docmdp-sneaky-signature": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "xref-duplicate-entry-after": (Outcome.REJECT, ["signature.ambiguous_structure"]),
    "xref-overlapping-subsections": (Outcome.REJECT, ["signature.ambiguous_structure"]),
    "xref-wrong-offset-after": (Outcome.REJECT, ["signature.ambiguous_structure", "signature.format_failure"]),
    "xref-hybrid-disagreement-after": (Outcome.REJECT, ["signature.ambiguous_structure", "signature.format_failure"]),
    "xref-prev-loop": (Outcome.REJECT, ["signature.pdf_unreadable"]),
    "xref-freed-number-reused": (Outcome.REJECT, ["signature.modified_after_signing"]),
    "dangling-reference-defined-after": (
        Outcome.REJECT,
        ["signature.format_failure", "signature.modified_after_signing"],
    ),
    "junk-document-timestamp-after": (Outcome.REJECT, ["signature.format_failure", "signature.modified_after_signing"]),
    "timestamp-wrong-imprint": (Outcome.REJECT, ["signature.hash_failure", "signature.unsigned_changes"]),
}
EXPECTED = {e.id: e for e in VALIDATOR}


@pytest.fixture(autouse=True)
def _quiet_pyhanko(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL, logger="pyhanko")  # broken signatures are logged with tracebacks


@pytest.fixture(scope="module")
def corpus(test_pki: TestPki) -> Callable[[str], bytes]:
    return cache(lambda case_id: BY_ID[case_id].build(test_pki))


@pytest.fixture(scope="module")
def validator(test_pki: TestPki) -> Iterator[PdfSignatureValidator]:
    validator = PdfSignatureValidator([test_pki.root_pem], revocation=Revocation(crls=test_pki.crls))
    yield validator
    validator.close()


def _signatures(reports: list[SignatureReport]) -> str:
    letters = {v: k for k, v in _CODES.items()}
    return " ".join(
        f"{r.field_name}={letters[r.indication]}" + (f":{r.sub_indication}" if r.sub_indication else "")
        for r in reports
        if r.kind != "document"
    )


def test_every_case_has_its_expectations() -> None:
    assert [c.id for c in CASES] == [e.id for e in VALIDATOR] == list(PIPELINE)
    assert len(ATTACKS) >= 45 and len(LEGITIMATE) >= 10


@pytest.mark.parametrize("case_id", [c.id for c in CASES])
async def test_validator_verdict(
    case_id: str, corpus: Callable[[str], bytes], validator: PdfSignatureValidator
) -> None:
    reports = await validator.validate(corpus(case_id))
    expected = EXPECTED[case_id]
    assert _signatures(reports) == expected.signatures
    assert [r.message for r in reports if r.kind == "document"] == expected.document
    assert all(r.indication is Indication.TOTAL_FAILED for r in reports if r.kind == "document")
    accepted = bool(reports) and all(r.indication is Indication.TOTAL_PASSED for r in reports)
    assert accepted is (BY_ID[case_id] in LEGITIMATE or case_id == "third-signature-painting-over-the-page")


@pytest.mark.parametrize("case_id", [c.id for c in CASES])
async def test_pipeline_judgement(
    case_id: str, corpus: Callable[[str], bytes], validator: PdfSignatureValidator
) -> None:
    ins = await judge(corpus(case_id), validator, three=case_id == "three-signers")
    outcome, codes = PIPELINE[case_id]
    assert (ins.outcome, sorted({r.code for r in ins.reasons})) == (outcome, codes), ins.reasons
    assert (ins.outcome is Outcome.CONTINUE) is (BY_ID[case_id] in LEGITIMATE)


def test_the_duplicate_entry_shows_pypdf_a_page_pyhanko_never_validated(corpus: Callable[[str], bytes]) -> None:
    """The premise of the parser-differential case: the forged page is what pypdf (our text reader) sees."""
    pdf = corpus("xref-duplicate-entry-after")
    assert "GIA MAO" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "GIA MAO" not in PdfReader(io.BytesIO(corpus("personal-then-organisation"))).pages[0].extract_text()
