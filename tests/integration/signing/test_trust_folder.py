"""The managed trust roots (`[checks] trust_dir`): only a CA certificate valid now is added (Vietnamese reasons
otherwise), and a running validator trusts a root from the document after it was added, and not after it was
removed, without being rebuilt."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.ports import Indication
from signing.revocation import Revocation
from signing.signatures import PdfSignatureValidator
from signing.trust_folder import TrustFolder, TrustRootError, acceptable_root
from tests.fixtures.pki import TestPki

NOW = dt.datetime.now(dt.UTC)


def _expired_ca() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA hết hạn")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2015, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM)


def test_only_a_ca_certificate_valid_now_is_a_root(test_pki: TestPki) -> None:
    with pytest.raises(TrustRootError, match="không phải của tổ chức cấp chứng thư"):
        acceptable_root(test_pki.personal.cert_pem, NOW)
    with pytest.raises(TrustRootError, match="đã hết hạn ngày 01/01/2020"):
        acceptable_root(_expired_ca(), NOW)
    with pytest.raises(TrustRootError, match="Không đọc được chứng thư số"):
        acceptable_root(b"not a certificate", NOW)
    with pytest.raises(TrustRootError, match="đúng một chứng thư"):
        acceptable_root(test_pki.root.cert_pem + test_pki.other_root.cert_pem, NOW)
    assert acceptable_root(test_pki.root.cert_der, NOW).ca  # DER as well as PEM


def test_folder_adds_lists_and_removes(test_pki: TestPki, tmp_path: Path) -> None:
    folder = TrustFolder(tmp_path / "trust")
    info = folder.add(acceptable_root(test_pki.root.cert_pem, NOW))
    assert info.sha256 == test_pki.root.sha256 and Path(info.file).name == f"{info.sha256}.pem"
    assert "Test Root CA chuyên dùng" in info.subject and info.not_after > NOW
    with pytest.raises(TrustRootError, match="đã có"):
        folder.add(acceptable_root(test_pki.root.cert_pem, NOW))
    assert [r.sha256 for r in folder.roots()] == [test_pki.root.sha256]
    assert folder.remove(test_pki.root.sha256) is not None and folder.roots() == []
    assert folder.remove(test_pki.root.sha256) is None


async def test_a_running_validator_follows_the_folder(test_pki: TestPki, signed_pdf: bytes, tmp_path: Path) -> None:
    folder = TrustFolder(tmp_path / "trust")
    validator = PdfSignatureValidator(
        [test_pki.other_root.cert_pem], trust_dir=folder.path, revocation=Revocation(crls=test_pki.crls)
    )

    async def passed() -> bool:
        reports = [r for r in await validator.validate(signed_pdf) if r.kind == "signature"]
        return bool(reports) and all(r.indication is Indication.TOTAL_PASSED for r in reports)

    try:
        assert not await passed()  # only an unrelated root
        folder.add(acceptable_root(test_pki.root.cert_pem, NOW))
        assert await passed() and test_pki.root.sha256 in validator.trust_root_sha256
        folder.remove(test_pki.root.sha256)
        assert not await passed() and test_pki.root.sha256 not in validator.trust_root_sha256
    finally:
        validator.close()
