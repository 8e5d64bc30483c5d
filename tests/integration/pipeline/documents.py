"""Signed documents of UBND xã Tân Hòa (config/agencies.toml: MST:1500000001) for pipeline, e2e and bench runs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tests.fixtures.pdfs import signed_official_pdf
from tests.fixtures.pki import CertKeyPair, TestPki, build_test_pki, issue_signer, organisation_name

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
