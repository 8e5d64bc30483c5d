"""Signed documents of UBND xã Tân Hòa (config/agencies.toml: MST:1500000001) for pipeline, e2e and bench runs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.fixtures.pdfs import signed_official_pdf
from tests.fixtures.pki import CertKeyPair, TestPki, build_test_pki, issue_signer, organisation_name, write_crls

TAN_HOA_MST = "1500000001"


@dataclass(frozen=True)
class Signers:
    pki: TestPki
    tan_hoa: CertKeyPair  # organisation certificate of the sending agency
    long_phuoc: CertKeyPair  # organisation certificate of another commune


@cache
def signers() -> Signers:
    pki = build_test_pki()
    return Signers(
        pki,
        issue_signer(pki.intermediate, organisation_name("UBND xã Tân Hòa", mst=TAN_HOA_MST)),
        issue_signer(pki.intermediate, organisation_name("UBND xã Long Phước", mst="1500000002")),
    )


def tan_hoa_document(s: Signers, **fields: object) -> bytes:
    """A QUYẾT ĐỊNH signed by the chairman (personal) and by UBND xã Tân Hòa (organisation)."""
    return signed_official_pdf(s.pki, organisation=s.tan_hoa, **fields)


@cache
def signed_document(code: str) -> bytes:
    """A Tân Hòa document numbered `code`, signed personally and by the commune (made once per code)."""
    return tan_hoa_document(signers(), number=code)


def trust_test_pki(settings: Any, folder: Path) -> None:
    """Every signature check on, as in production: the test root trusted, its CRLs on disk, and
    `checks.signatures_unchecked` left at "hold" — so flows need no "accept" to send documents."""
    folder.mkdir(parents=True, exist_ok=True)
    pki = signers().pki
    (folder / "root.pem").write_bytes(pki.root.cert_pem)
    settings.checks.trust_roots = [str(folder / "root.pem")]
    settings.checks.crl_dir = str(write_crls(pki, folder / "crl"))
