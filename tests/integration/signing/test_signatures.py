"""PdfSignatureValidator against real pyHanko-signed PDFs built from the session test PKI."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from core.ports import Indication, SignatureReport
from signing.revocation import Revocation
from signing.signatures import PdfSignatureValidator
from tests.fixtures.pdfs import (
    ORGANISATION_FIELD,
    PERSONAL_FIELD,
    PKCS7,
    add_page_after_signing,
    flip_byte,
    make_official_pdf,
    sign_pdf,
    signed_official_pdf,
)
from tests.fixtures.pki import ORG_MNS, ORG_MST, PERSON_CCCD, TestPki


@pytest.fixture(autouse=True)
def _quiet_pyhanko(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL, logger="pyhanko")  # path failures are logged with full tracebacks


def _codes(reports: list[SignatureReport]) -> list[tuple[str, Indication, str]]:
    return [(r.field_name, r.indication, r.sub_indication) for r in reports]


async def test_personal_then_organisation_signature_both_pass(
    signature_validator: PdfSignatureValidator, signed_pdf: bytes, test_pki: TestPki
) -> None:
    personal, organisation = await signature_validator.validate(signed_pdf)

    assert personal.field_name == PERSONAL_FIELD and personal.indication is Indication.TOTAL_PASSED
    assert not personal.is_organisation
    assert personal.signer_cn == "Nguyễn Văn An"
    assert personal.signer_uids == (f"CCCD:{PERSON_CCCD}",)
    assert personal.cert_sha256 == test_pki.personal.sha256
    assert (personal.coverage, personal.modification_level) == ("ENTIRE_REVISION", "FORM_FILLING")

    assert organisation.field_name == ORGANISATION_FIELD and organisation.indication is Indication.TOTAL_PASSED
    assert organisation.is_organisation
    assert (organisation.signer_cn, organisation.signer_org) == ("UBND xã Tân Hòa", "UBND huyện X")
    assert organisation.signer_uids == (f"MST:{ORG_MST}", f"MNS:{ORG_MNS}")
    assert f"UID=MST:{ORG_MST}" in organisation.signer_subject
    assert "CN=Test CA phục vụ các cơ quan Nhà nước" in organisation.issuer
    assert (organisation.coverage, organisation.modification_level) == ("ENTIRE_FILE", "NONE")
    assert organisation.subfilter == "ETSI.CAdES.detached"
    assert organisation.message == "Chữ ký số hợp lệ: UBND xã Tân Hòa"
    assert organisation.signing_time is not None
    assert abs(dt.datetime.now(dt.UTC) - organisation.signing_time) < dt.timedelta(hours=1)


async def test_adbe_pkcs7_detached_is_accepted(signature_validator: PdfSignatureValidator, test_pki: TestPki) -> None:
    pdf = sign_pdf(make_official_pdf(pages=3), test_pki.personal, subfilter=PKCS7)
    [report] = await signature_validator.validate(pdf)
    assert (report.indication, report.subfilter) == (Indication.TOTAL_PASSED, "adbe.pkcs7.detached")


async def test_unrelated_trust_root_is_not_trusted(signed_pdf: bytes, test_pki: TestPki) -> None:
    validator = PdfSignatureValidator([test_pki.other_root.cert_pem], revocation=Revocation(crls=test_pki.crls))
    try:
        reports = await validator.validate(signed_pdf)
    finally:
        validator.close()
    assert [r.sub_indication for r in reports] == ["NO_TRUSTED_ROOT", "NO_TRUSTED_ROOT"]
    assert all(r.indication is Indication.INDETERMINATE for r in reports)
    assert reports[1].signer_cn == "UBND xã Tân Hòa"  # who claims to sign is still reported


async def test_signer_under_unrelated_root_is_not_trusted(
    signature_validator: PdfSignatureValidator, test_pki: TestPki
) -> None:
    pdf = signed_official_pdf(test_pki, organisation=test_pki.untrusted)
    assert _codes(await signature_validator.validate(pdf)) == [
        (PERSONAL_FIELD, Indication.TOTAL_PASSED, ""),
        (ORGANISATION_FIELD, Indication.INDETERMINATE, "NO_TRUSTED_ROOT"),
    ]


async def test_one_flipped_byte_breaks_both_signatures(
    signature_validator: PdfSignatureValidator, signed_pdf: bytes
) -> None:
    reports = await signature_validator.validate(flip_byte(signed_pdf))
    assert [(r.indication, r.sub_indication) for r in reports] == [(Indication.TOTAL_FAILED, "HASH_FAILURE")] * 2
    assert "đã bị thay đổi" in reports[0].message


async def test_page_added_after_signing_is_a_modification(
    signature_validator: PdfSignatureValidator, signed_pdf: bytes
) -> None:
    reports = await signature_validator.validate(add_page_after_signing(signed_pdf))
    assert [(r.kind, r.indication, r.sub_indication) for r in reports] == [
        ("signature", Indication.TOTAL_FAILED, "MODIFIED_AFTER_SIGNING"),
        ("signature", Indication.TOTAL_FAILED, "MODIFIED_AFTER_SIGNING"),
        ("document", Indication.TOTAL_FAILED, "MODIFIED_AFTER_SIGNING"),
    ]
    assert (
        reports[2].message == "Tài liệu đã bị sửa sau khi ký: thêm, bớt, thay hoặc đổi thứ tự trang (số trang 1 → 2)."
    )
    assert reports[1].coverage == "ENTIRE_REVISION" and reports[1].modification_level == "OTHER"
    assert reports[1].message == "Chữ ký số không hợp lệ: tài liệu đã bị sửa sau khi ký"


async def test_expired_certificate_is_indeterminate(
    signature_validator: PdfSignatureValidator, test_pki: TestPki
) -> None:
    [report] = await signature_validator.validate(sign_pdf(make_official_pdf(), test_pki.expired))
    assert (report.indication, report.sub_indication) == (Indication.INDETERMINATE, "EXPIRED")
    assert "hết hạn" in report.message


async def test_unsigned_pdf_has_no_reports(signature_validator: PdfSignatureValidator) -> None:
    assert await signature_validator.validate(make_official_pdf(pages=2, urgency="Hỏa tốc", secret="Mật")) == []


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.7\n" + bytes(range(256)) * 8])
async def test_garbage_is_an_unreadable_pdf(signature_validator: PdfSignatureValidator, data: bytes) -> None:
    assert _codes(await signature_validator.validate(data)) == [("", Indication.TOTAL_FAILED, "PDF_UNREADABLE")]


async def test_truncated_pdf_is_unreadable(signature_validator: PdfSignatureValidator, signed_pdf: bytes) -> None:
    [report] = await signature_validator.validate(signed_pdf[: len(signed_pdf) // 2])
    assert report.indication is Indication.TOTAL_FAILED


async def test_broken_cms_blob_fails_that_signature_only(
    signature_validator: PdfSignatureValidator, signed_pdf: bytes
) -> None:
    start = signed_pdf.index(b"/Contents <") + len(b"/Contents <")
    broken = signed_pdf[:start] + b"0" * 200 + signed_pdf[start + 200 :]
    assert _codes(await signature_validator.validate(broken)) == [
        (PERSONAL_FIELD, Indication.TOTAL_FAILED, "FORMAT_FAILURE"),
        # the first signature's /Contents lies inside the second signature's byte range
        (ORGANISATION_FIELD, Indication.TOTAL_FAILED, "HASH_FAILURE"),
    ]


async def test_unknown_subfilter_is_reported_not_skipped(
    signature_validator: PdfSignatureValidator, signed_pdf: bytes
) -> None:
    changed = signed_pdf.replace(b"/ETSI.CAdES.detached", b"/adbe.x509.rsa_sha1 ", 1)  # same length
    reports = await signature_validator.validate(changed)
    assert reports[0].sub_indication == "UNSUPPORTED_SUBFILTER"
    assert reports[0].indication is Indication.TOTAL_FAILED and reports[0].subfilter == "adbe.x509.rsa_sha1"


async def test_leaf_only_cms_needs_configured_intermediates(test_pki: TestPki, test_pki_files: object) -> None:
    pdf = sign_pdf(make_official_pdf(), test_pki.personal, embed_chain=False)
    crls = Revocation(crls=test_pki.crls)
    bare = PdfSignatureValidator([test_pki.root.cert_der], revocation=crls)  # DER works too
    with_chain = PdfSignatureValidator([test_pki.root_pem], intermediates=[test_pki.intermediate_pem], revocation=crls)
    try:
        assert _codes(await bare.validate(pdf))[0][2] == "NO_TRUSTED_ROOT"
        assert _codes(await with_chain.validate(pdf))[0][1] is Indication.TOTAL_PASSED
    finally:
        bare.close()
        with_chain.close()


async def test_configured_organisation_certificate(signed_pdf: bytes, test_pki: TestPki) -> None:
    validator = PdfSignatureValidator(
        [test_pki.root_pem],
        organisation_certs=[test_pki.personal.sha256.upper()],
        revocation=Revocation(crls=test_pki.crls),
    )
    try:
        personal, organisation = await validator.validate(signed_pdf)
    finally:
        validator.close()
    assert personal.is_organisation and organisation.is_organisation


async def test_no_revocation_information_is_never_a_pass(signed_pdf: bytes, test_pki: TestPki) -> None:
    held, refused = (
        PdfSignatureValidator([test_pki.root_pem]),
        PdfSignatureValidator([test_pki.root_pem], revocation=Revocation(unknown="reject")),
    )
    try:
        assert [(r.indication, r.sub_indication) for r in await held.validate(signed_pdf)] == [
            (Indication.INDETERMINATE, "REVOCATION_UNKNOWN")
        ] * 2
        assert [(r.indication, r.sub_indication) for r in await refused.validate(signed_pdf)] == [
            (Indication.TOTAL_FAILED, "REVOCATION_UNKNOWN")
        ] * 2
    finally:
        held.close()
        refused.close()


async def test_a_certificate_on_a_crl_file_is_revoked(test_pki: TestPki, tmp_path: Path) -> None:
    """CRL files on disk (as `crl refresh` writes them), read again when they change."""
    from tests.fixtures.pki import write_crls

    folder = tmp_path / "crl"
    validator = PdfSignatureValidator([test_pki.root_pem], revocation=Revocation(crl_dir=folder))
    pdf = sign_pdf(make_official_pdf(), test_pki.revoked)
    try:
        [before] = await validator.validate(pdf)
        write_crls(test_pki, folder)
        [after] = await validator.validate(pdf)
    finally:
        validator.close()
    assert (before.indication, before.sub_indication) == (Indication.INDETERMINATE, "REVOCATION_UNKNOWN")
    assert (after.indication, after.sub_indication) == (Indication.TOTAL_FAILED, "REVOKED")
    assert after.message == "Chữ ký số không hợp lệ: chứng thư số đã bị thu hồi"


async def test_concurrent_validations_give_the_same_answers(
    signature_validator: PdfSignatureValidator, signed_pdf: bytes
) -> None:
    import asyncio

    tampered = flip_byte(signed_pdf)
    results = await asyncio.gather(*(signature_validator.validate(d) for d in [signed_pdf, tampered] * 3))
    assert [r[1].indication for r in results] == [Indication.TOTAL_PASSED, Indication.TOTAL_FAILED] * 3


def test_rejects_bad_configuration(test_pki: TestPki) -> None:
    with pytest.raises(ValueError):
        PdfSignatureValidator([])
    with pytest.raises(ValueError):
        Revocation(unknown="maybe")


async def test_fetching_enabled_validator_works_offline_and_closes(signed_pdf: bytes, test_pki: TestPki) -> None:
    # no CRL/OCSP/AIA URLs in the test PKI, so nothing is fetched; this checks the shared backend's life cycle
    validator = PdfSignatureValidator([test_pki.root_pem], revocation=Revocation(crls=test_pki.crls, fetch=True))
    try:
        reports = await validator.validate(signed_pdf)
    finally:
        validator.close()
    assert [r.indication for r in reports] == [Indication.TOTAL_PASSED] * 2


async def test_validation_leaves_the_event_loop_free(
    signature_validator: PdfSignatureValidator, test_pki: TestPki
) -> None:
    import asyncio

    pdf = signed_official_pdf(test_pki, pages=50)  # two signatures: includes pyHanko's difference analysis
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = ticks
    reports = await signature_validator.validate(pdf)
    done.set()
    await task
    assert [r.indication for r in reports] == [Indication.TOTAL_PASSED] * 2
    assert ticks - start > 1  # the loop kept running other tasks while the worker thread validated
