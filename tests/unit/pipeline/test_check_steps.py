"""The check steps with fakes: outcomes, Vietnamese reasons, and what each records for the document."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from bridge.pipeline.attachment_checks import NOT_SCANNED, UNCHECKED, main_pdf, scan, verify_signatures
from bridge.pipeline.run import run_pipeline
from bridge.pipeline.steps import authenticate, extract_metadata, identify_sender
from core.metadata import DeclaredMetadata
from core.ports import Indication, SignatureReport
from core.verdict import Outcome
from tests.unit.pipeline.fakes import (
    FakeScanner,
    FakeValidator,
    deps,
    inspection,
    organisation,
    personal,
    policy,
)

PDF = b"%PDF-1.7 main"


def codes(ins) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in ins.reasons]


# ---- scan --------------------------------------------------------------------------------------------------


async def test_without_clamd_the_trail_says_the_files_were_not_scanned() -> None:
    ins = inspection(("a.pdf", PDF))
    assert await scan(ins, deps()) == NOT_SCANNED == "Chưa quét virus (clamd chưa cấu hình)"
    assert ins.outcome is Outcome.CONTINUE and ins.facts["scan"]["scanned"] is False


async def test_clean_files_pass_and_every_attachment_is_scanned() -> None:
    scanner = FakeScanner()
    ins = inspection(("a.pdf", PDF), ("pl.pdf", b"%PDF-1.7 pl"))
    await scan(ins, deps(scanner=scanner))
    assert ins.outcome is Outcome.CONTINUE and scanner.scanned == [PDF, b"%PDF-1.7 pl"]
    assert ins.step_data["scan"] == {"scanned": True, "files": 2, "infected": {}}


async def test_clamd_down_means_retry_never_pass() -> None:
    ins = inspection(("a.pdf", PDF))
    detail = await scan(ins, deps(scanner=FakeScanner(down=True)))
    assert ins.outcome is Outcome.RETRY and ins.halted and codes(ins) == ["scan.unavailable"]
    assert "alert" not in ins.facts and "sẽ quét lại" in detail


async def test_clamd_down_longer_than_the_alert_time_is_recorded_as_an_alert() -> None:
    ins = inspection(("a.pdf", PDF), received_ago=timedelta(minutes=15))
    detail = await scan(ins, deps(scanner=FakeScanner(down=True), checks=policy(scan_alert_after=600)))
    assert ins.outcome is Outcome.RETRY
    assert detail.startswith("CẢNH BÁO") and "15 phút" in ins.step_data["alert"]


async def test_infected_file_rejects_and_is_quarantined() -> None:
    ins = inspection(("a.pdf", PDF), ("virus.pdf", b"bad"))
    await scan(ins, deps(scanner=FakeScanner(infected={b"bad": "Test.EICAR"})))
    assert ins.outcome is Outcome.REJECT and ins.halted
    assert ins.quarantined == {"virus.pdf": "Test.EICAR"}
    assert "virus.pdf" in ins.reasons[0].message and "Test.EICAR" in ins.reasons[0].message


# ---- signatures -------------------------------------------------------------------------------------------


async def _verify(*reports, pdfs=(("qd.pdf", PDF),), **checks):  # type: ignore[no-untyped-def]
    ins = inspection(*pdfs)
    validator = FakeValidator({PDF: list(reports)})
    detail = await verify_signatures(ins, deps(signatures=validator, checks=policy(**checks)))
    return ins, detail


async def test_personal_and_organisation_signature_of_the_sender_pass() -> None:
    ins, detail = await _verify(personal(), organisation())
    assert ins.outcome is Outcome.CONTINUE, ins.reasons
    assert "2/2" in detail and "Nguyễn Văn An" in detail
    stored = ins.step_data["signatures"]["qd.pdf"]
    assert [r["signer_cn"] for r in stored] == ["Nguyễn Văn An", "UBND xã Tân Hòa"]
    assert stored[1]["signer_uids"] == ["MST:1500000001"] and stored[1]["indication"] == "TOTAL_PASSED"


async def test_tampered_signature_rejects_with_the_reports_message() -> None:
    broken = personal(
        indication=Indication.TOTAL_FAILED,
        sub_indication="MODIFIED_AFTER_SIGNING",
        message="Chữ ký số không hợp lệ: tài liệu đã bị sửa sau khi ký",
    )
    ins, _ = await _verify(broken, organisation())
    assert ins.outcome is Outcome.REJECT
    assert [r.message for r in ins.reasons] == ["Chữ ký số không hợp lệ: tài liệu đã bị sửa sau khi ký"]
    assert codes(ins) == ["signature.modified_after_signing"]


async def test_indeterminate_signature_is_held_for_a_clerk() -> None:
    unknown = organisation(indication=Indication.INDETERMINATE, sub_indication="REVOCATION_UNKNOWN", message="?")
    ins, _ = await _verify(personal(), unknown)
    assert ins.outcome is Outcome.HOLD and codes(ins) == ["signature.revocation_unknown"]


async def test_organisation_signature_of_another_agency_is_rejected_naming_both_codes() -> None:
    ins, _ = await _verify(personal(), organisation(signer_uids=("MST:1500000002",), signer_cn="UBND xã Long Phước"))
    assert ins.outcome is Outcome.REJECT and codes(ins) == ["signature.wrong_organisation"]
    assert ins.reasons[0].message == (
        "Chữ ký số của cơ quan dùng chứng thư số «UBND xã Long Phước» có MST:1500000002 — chứng thư số của UBND "
        "xã Long Phước trong danh bạ —, nhưng danh bạ ghi cơ quan gửi UBND xã Tân Hòa có MST:1500000001. Chữ ký số của "
        "cơ quan phải dùng chứng thư số của chính cơ quan gửi; nếu cơ quan đã đổi chứng thư số, đề nghị cập nhật "
        "danh bạ."
    )


async def test_wrong_organisation_with_the_senders_name_still_names_the_codes_that_differ() -> None:
    """Issue 16: "chứng thư «UBND xã Tân Hòa», cơ quan gửi: Ủy ban nhân dân xã Tân Hòa" read as a contradiction."""
    ins, _ = await _verify(personal(), organisation(signer_uids=("MST:0100686209-199",)))
    message = ins.reasons[0].message
    assert (
        "«UBND xã Tân Hòa» có MST:0100686209-199, nhưng danh bạ ghi cơ quan gửi UBND xã Tân Hòa có MST:1500000001"
        in message
    )


async def test_organisation_certificate_without_codes_is_rejected_saying_so() -> None:
    ins, _ = await _verify(personal(), organisation(signer_uids=(), cert_sha256="99", is_organisation=True))
    assert codes(ins) == ["signature.wrong_organisation"]
    assert "không ghi mã số thuế hay mã ngân sách (MST/MNS)" in ins.reasons[0].message


async def test_organisation_certificate_unknown_to_the_directory_is_rejected() -> None:
    ins, _ = await _verify(personal(), organisation(signer_uids=("MST:9999",), signer_cn="Cơ quan lạ"))
    assert codes(ins) == ["signature.wrong_organisation"] and "Cơ quan lạ" in ins.reasons[0].message


async def test_configured_fingerprint_marks_and_maps_an_organisation_certificate() -> None:
    # Long Phước's certificate fingerprint is in the directory: organisation, but not the sender's
    ins, _ = await _verify(personal(), organisation(signer_uids=(), cert_sha256="abcd", is_organisation=False))
    assert codes(ins) == ["signature.wrong_organisation"] and "Long Phước" in ins.reasons[0].message


async def test_uid_matching_ignores_case_and_spaces() -> None:
    ins, _ = await _verify(personal(), organisation(signer_uids=("mst: 1500000001",)))
    assert ins.outcome is Outcome.CONTINUE


async def test_unsigned_main_document_is_held_or_rejected_per_policy() -> None:
    held, _ = await _verify(require_signature=False)
    rejected, _ = await _verify(require_signature=True)
    assert held.outcome is Outcome.HOLD and rejected.outcome is Outcome.REJECT
    assert held.reasons[0].message == "Văn bản chưa được ký số."


async def test_missing_organisation_signature_is_named() -> None:
    ins, _ = await _verify(personal())
    assert ins.outcome is Outcome.HOLD and ins.reasons[0].message == "Văn bản thiếu chữ ký số của cơ quan."
    only_personal, _ = await _verify(personal(), expected_signatures=("personal",))
    assert only_personal.outcome is Outcome.CONTINUE


async def test_without_trust_roots_nothing_is_accepted_as_checked() -> None:
    ins = inspection(("qd.pdf", PDF))
    detail = await verify_signatures(ins, deps())
    assert ins.outcome is Outcome.HOLD and codes(ins) == ["signature.unchecked"]
    assert ins.reasons[0].message == UNCHECKED and "chưa được cấu hình chứng thư số gốc tin cậy" in UNCHECKED
    assert detail == "Không kiểm tra được chữ ký số: chưa cấu hình chứng thư số gốc tin cậy"


async def test_a_signature_beyond_the_expected_ones_is_held_naming_its_signer() -> None:
    deputy = personal(field_name="ChuKyThem", signer_cn="Trần Thị Bình", cert_sha256="33")
    ins, _ = await _verify(personal(), organisation(), deputy)
    assert ins.outcome is Outcome.HOLD and codes(ins) == ["signature.extra_signer"]
    assert "«Trần Thị Bình»" in ins.reasons[0].message
    configured, _ = await _verify(
        personal(), deputy, organisation(), expected_signatures=("personal", "personal", "organisation")
    )
    assert configured.outcome is Outcome.CONTINUE, configured.reasons


async def test_a_scanned_document_needs_only_the_organisation_signature() -> None:
    ins = inspection(("qd.pdf", PDF))
    ins.facts["completeness"] = {"qd.pdf": {"has_text": False}}
    await verify_signatures(ins, deps(signatures=FakeValidator({PDF: [organisation()]}), checks=policy()))
    assert ins.outcome is Outcome.CONTINUE, ins.reasons
    text = inspection(("qd.pdf", PDF))
    text.facts["completeness"] = {"qd.pdf": {"has_text": True}}
    await verify_signatures(text, deps(signatures=FakeValidator({PDF: [organisation()]}), checks=policy()))
    assert codes(text) == ["signature.missing"]


async def test_a_document_finding_replaces_the_signatures_generic_reason() -> None:
    generic = "Chữ ký số không hợp lệ: tài liệu đã bị sửa sau khi ký"
    finding = SignatureReport(
        "",
        Indication.TOTAL_FAILED,
        "MODIFIED_AFTER_SIGNING",
        "Tài liệu đã bị sửa sau khi ký: thêm chú thích trên trang 1.",
        kind="document",
    )
    broken = personal(indication=Indication.TOTAL_FAILED, sub_indication="MODIFIED_AFTER_SIGNING", message=generic)
    ins, _ = await _verify(broken, organisation(), finding)
    assert [r.message for r in ins.reasons] == ["Tài liệu đã bị sửa sau khi ký: thêm chú thích trên trang 1."]


def test_main_document_is_the_first_pdf_not_named_as_an_appendix() -> None:
    ins = inspection(("Phu_luc_01.pdf", b"1"), ("PL02.pdf", b"2"), ("12-QD-UBND.pdf", b"3"))
    assert main_pdf(ins).filename == "12-QD-UBND.pdf"  # type: ignore[union-attr]


# ---- sender ----------------------------------------------------------------------------------------------


def _auth(dkim: str, domain: str, aligned: bool) -> object:
    result = SimpleNamespace(dkim=dkim, dkim_domain=domain, spf="none", aligned=aligned, dkim_aligned=aligned)

    class Auth:
        async def check(self, raw: bytes, **kw: object) -> object:
            return result

    return Auth()


async def test_dkim_policy_agency_needs_an_aligned_dkim_pass() -> None:
    forged = inspection(sender="vanthu@longphuoc.gov.vn")
    await authenticate(forged, deps(authenticator=_auth("fail", "longphuoc.gov.vn", False)))
    assert codes(forged) == ["sender.dkim"] and forged.facts["auth"]["dkim"] == "fail"
    good = inspection(sender="vanthu@longphuoc.gov.vn")
    await authenticate(good, deps(authenticator=_auth("pass", "longphuoc.gov.vn", True)))
    assert good.outcome is Outcome.CONTINUE


async def test_directory_policy_agency_passes_without_dkim() -> None:
    ins = inspection()
    await authenticate(ins, deps(authenticator=_auth("none", "", False)))
    assert ins.outcome is Outcome.CONTINUE


async def test_dkim_policy_without_an_authenticator_holds_and_dns_trouble_retries() -> None:
    unchecked = inspection(sender="vanthu@longphuoc.gov.vn")
    await authenticate(unchecked, deps())
    assert unchecked.outcome is Outcome.HOLD
    dns_down = inspection(sender="vanthu@longphuoc.gov.vn")
    await authenticate(dns_down, deps(authenticator=_auth("temperror", "longphuoc.gov.vn", False)))
    assert dns_down.outcome is Outcome.RETRY


async def test_sender_address_is_normalised_before_the_directory_lookup() -> None:
    ins = inspection(sender='"Văn thư" <VanThu@TanHoa.gov.vn>')

    def normalise(text: str) -> str:
        if "<" not in text:
            raise ValueError("Địa chỉ thư điện tử không hợp lệ")
        return text.split("<")[1].rstrip(">").lower()

    await identify_sender(ins, deps(normalise_address=normalise))
    assert ins.agency is not None and ins.facts["sender"] == "vanthu@tanhoa.gov.vn"
    bad = inspection(sender="no-at-sign")
    await identify_sender(bad, deps(normalise_address=normalise))
    assert codes(bad) == ["sender.invalid"] and bad.halted


# ---- metadata ---------------------------------------------------------------------------------------------


async def _from_pdf(pdf: bytes) -> DeclaredMetadata:
    from core.doc_code import DocCode

    return DeclaredMetadata(code=DocCode.parse("99/QĐ-UBND"), subject="Từ PDF", type_name="Quyết định", page_amount=2)


async def test_missing_required_metadata_holds_and_names_what_is_missing() -> None:
    ins = inspection(("qd.pdf", PDF), body="Số: 12/QĐ-UBND\nNgày: 20/11/2026")
    await extract_metadata(ins, deps(extract_pdf_metadata=_from_pdf))
    assert ins.outcome is Outcome.HOLD and codes(ins) == ["metadata.missing"]
    assert ins.reasons[0].message == "Thiếu thông tin bắt buộc của văn bản: Nơi nhận."
    assert str(ins.meta.code) == "12/QĐ-UBND" and ins.meta.subject == "Từ PDF"  # explicit lines win
    assert ins.step_data["metadata_source"]["from_pdf"] == ["page_amount", "subject", "type_name"]


async def test_bad_metadata_values_still_reject() -> None:
    ins = inspection(("qd.pdf", PDF), body="Ngày: 31/02/2026")
    await extract_metadata(ins, deps(extract_pdf_metadata=_from_pdf))
    assert ins.outcome is Outcome.REJECT and "metadata.invalid" in codes(ins)


async def test_the_trail_keeps_each_steps_data() -> None:
    async def step_a(ins, deps):  # type: ignore[no-untyped-def]
        ins.note("a", {"x": 1})
        return "A"

    async def step_b(ins, deps):  # type: ignore[no-untyped-def]
        return "B"

    ins = await run_pipeline(inspection(), deps(), [("a", step_a), ("b", step_b)])
    assert [(t.step, t.detail, t.data) for t in ins.trail] == [("a", "A", {"a": {"x": 1}}), ("b", "B", {})]
