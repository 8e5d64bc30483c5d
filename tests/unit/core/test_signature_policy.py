"""core.signature_policy on hand-made facts: what may follow a signature, and who must have signed."""

from __future__ import annotations

from core.ports import Indication, SignatureReport
from core.signature_policy import (
    ORGANISATION,
    PERSONAL,
    Ambiguity,
    Change,
    DocumentFacts,
    Edit,
    KnownAgency,
    Revision,
    SignerExpectation,
    StructureProblem,
    judge_document,
    judge_signers,
    signed_length,
)
from core.verdict import Outcome

SENDER = KnownAgency("UBND xã Tân Hòa", ("MST:1500000001",))
OTHER = KnownAgency("UBND xã Long Phước", ("MST:1500000002",))


def sig(field: str, revision: int, end: int, *, intact: bool = True, **kw: object) -> SignatureReport:
    return SignatureReport(field, Indication.TOTAL_PASSED, revision=revision, signed_length=end, intact=intact, **kw)  # type: ignore[arg-type]


SIGNED = [sig("CaNhan", 1, 100), sig("CoQuan", 2, 200)]
ORG_REVISION = Revision(
    2,
    (
        Edit(Change.FIELD_LISTED, "CoQuan"),
        Edit(Change.SIGNATURE_FIELD, "CoQuan"),
        Edit(Change.WIDGET_ON_PAGE, "CoQuan", 1),
        Edit(Change.INFO, keys=("/ModDate", "/Producer")),
        Edit(Change.XMP, keys=("xmp:ModifyDate",)),
        Edit(Change.UNCHANGED),
    ),
)


def test_a_signature_revision_that_only_adds_its_own_signature_passes() -> None:
    assert judge_document(DocumentFacts(200, (ORG_REVISION,)), SIGNED) == []


def test_anything_else_in_the_signature_revision_is_named() -> None:
    edits = (*ORG_REVISION.edits, Edit(Change.ANNOTATION_ADDED, "/FreeText", 1), Edit(Change.ACTION, "CoQuan"))
    [finding] = judge_document(DocumentFacts(200, (Revision(2, edits),)), SIGNED)
    assert finding.sub_indication == "MODIFIED_AFTER_SIGNING"
    assert finding.message == (
        "Tài liệu đã bị sửa sau khi ký: thêm chú thích trên trang 1; "
        "gắn hành động (liên kết, JavaScript: /A, /AA) vào ô «CoQuan»."
    )


def test_another_fields_signature_in_the_revision_is_refused() -> None:
    edits = (
        Edit(Change.FIELD_LISTED, "Khac"),
        Edit(Change.SIGNATURE_FIELD, "Khac"),
        Edit(Change.WIDGET_ON_PAGE, "Khac", 1),
    )
    [finding] = judge_document(DocumentFacts(200, (Revision(2, edits),)), SIGNED)
    assert finding.message == "Tài liệu đã bị sửa sau khi ký: thêm ô chữ ký «Khac» mà chữ ký trong đó không hợp lệ."


def test_a_title_change_is_named_without_the_date_stamps_beside_it() -> None:
    edits = (Edit(Change.INFO, keys=("/ModDate", "/Title")),)
    [finding] = judge_document(DocumentFacts(200, (Revision(2, edits),)), SIGNED)
    assert finding.message == "Tài liệu đã bị sửa sau khi ký: sửa thông tin mô tả tài liệu (/Title)."


def test_validation_data_is_allowed_only_where_a_later_signature_covers_it() -> None:
    dss = Revision(3, (Edit(Change.DSS), Edit(Change.INFO, keys=("/ModDate",))))
    stamped = [*SIGNED, sig("DauThoiGian", 4, 400, kind="timestamp")]
    covered = DocumentFacts(400, (ORG_REVISION, dss, Revision(4, (Edit(Change.SIGNATURE_FIELD, "DauThoiGian"),))))
    assert judge_document(covered, stamped) == []
    [tail] = judge_document(DocumentFacts(300, (ORG_REVISION, dss)), SIGNED)
    assert (tail.sub_indication, tail.message) == (
        "UNSIGNED_CHANGES",
        "Tệp có phần được thêm sau chữ ký số cuối cùng, không được ký: thêm dữ liệu kiểm tra hiệu lực chữ ký (DSS). "
        "Văn bản phải được gửi đúng như khi ký (không được sửa hay lưu thêm sau khi ký).",
    )


def test_bytes_beyond_the_last_signature_are_refused_and_never_read() -> None:
    [tail] = judge_document(DocumentFacts(230, (ORG_REVISION,)), SIGNED)
    assert tail.sub_indication == "UNSIGNED_CHANGES" and "30 byte" in tail.message
    assert signed_length(SIGNED) == 200
    assert signed_length([sig("CoQuan", 2, 200, intact=False)]) == 0


def test_an_ambiguous_structure_is_refused_before_anything_else() -> None:
    facts = DocumentFacts(
        200, structure=(StructureProblem(Ambiguity.DUPLICATE_OBJECT, 3), StructureProblem(Ambiguity.PREV_LOOP))
    )
    [finding] = judge_document(facts, SIGNED)
    assert finding.sub_indication == "AMBIGUOUS_STRUCTURE"
    assert "đối tượng số 3 được khai báo hai lần" in finding.message and "(/Prev) quay vòng" in finding.message


def test_an_unsigned_file_has_no_revision_findings() -> None:
    assert judge_document(DocumentFacts(100), []) == []


def _expect(*kinds: str, sender: KnownAgency | None = SENDER) -> SignerExpectation:
    return SignerExpectation(sender, kinds or (PERSONAL, ORGANISATION), (SENDER, OTHER))


PERSON = SignatureReport("CaNhan", Indication.TOTAL_PASSED, signer_cn="Nguyễn Văn An", signer_uids=("CCCD:1",))
SEAL = SignatureReport(
    "CoQuan",
    Indication.TOTAL_PASSED,
    signer_cn="UBND xã Tân Hòa",
    signer_uids=("MST:1500000001",),
    is_organisation=True,
)


def test_the_expected_signers_pass_and_extras_are_held() -> None:
    assert judge_signers([PERSON, SEAL], _expect()) == []
    deputy = SignatureReport("Them", Indication.TOTAL_PASSED, signer_cn="Trần Thị Bình")
    [extra] = judge_signers([PERSON, SEAL, deputy], _expect())
    assert (extra.code, extra.outcome) == (
        "signature.extra_signer",
        Outcome.HOLD,
    ) and "«Trần Thị Bình»" in extra.message
    assert judge_signers([PERSON, deputy, SEAL], _expect(PERSONAL, PERSONAL, ORGANISATION)) == []


def test_a_seal_of_another_agency_is_rejected_and_a_timestamp_is_no_signer() -> None:
    foreign = SignatureReport(
        "CoQuan",
        Indication.TOTAL_PASSED,
        signer_cn="UBND xã Long Phước",
        signer_uids=("MST:1500000002",),
        is_organisation=True,
    )
    [wrong] = judge_signers([PERSON, foreign], _expect())
    assert (
        wrong.code == "signature.wrong_organisation"
        and "MST:1500000002" in wrong.message
        and "MST:1500000001" in wrong.message
    )
    stamp = SignatureReport("DauThoiGian", Indication.TOTAL_PASSED, kind="timestamp", signer_cn="TSA")
    assert judge_signers([PERSON, SEAL, stamp], _expect()) == []


def test_a_sender_without_codes_in_the_directory_is_held_not_rejected() -> None:
    [reason] = judge_signers([PERSON, SEAL], _expect(sender=KnownAgency("UBND xã Mới")))
    assert (reason.code, reason.outcome) == ("signature.organisation_unknown", Outcome.HOLD)
