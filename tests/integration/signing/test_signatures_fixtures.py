"""The shared PDF and PKI builders produce what other tests rely on."""

from __future__ import annotations

import io

from cryptography import x509
from cryptography.x509.oid import NameOID
from pypdf import PdfReader

from tests.fixtures.pdfs import make_official_pdf
from tests.fixtures.pki import PERSON_CCCD, TestPki


def test_official_pdf_has_pages_and_vietnamese_text() -> None:
    reader = PdfReader(io.BytesIO(make_official_pdf(pages=3, number="7/QĐ-UBND", urgency="Khẩn", secret="Mật")))
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    assert len(reader.pages) == 3
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 7/QĐ-UBND", "ngày 20 tháng 11 năm 2026", "QUYẾT ĐỊNH"):
        assert text in first
    assert "KHẨN" in first and "MẬT" in first and "V/v" in first
    assert "CHỦ TỊCH" in last and "Nguyễn Văn An" in last


def test_pki_chain_and_identities(test_pki: TestPki, test_pki_files: object) -> None:
    personal = test_pki.personal.cert
    assert personal.issuer == test_pki.intermediate.cert.subject
    assert test_pki.intermediate.cert.issuer == test_pki.root.cert.subject
    assert personal.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == f"CCCD:{PERSON_CCCD}"
    usage = personal.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert test_pki.expired.cert.not_valid_after_utc.year == 2021
    assert test_pki_files.root_pem.read_bytes() == test_pki.root_pem  # type: ignore[attr-defined]
