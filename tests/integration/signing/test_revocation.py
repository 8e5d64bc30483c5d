"""Revocation against a local OCSP responder and CRL server (tests/fixtures/revocation.py): good, revoked and
unknown certificates, fetching on and off, CRL files refreshed with `edoc-bridge crl refresh`, and what the
pipeline makes of each (revoked → refused, status not to be had → held, never passed)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from core.ports import Indication, SignatureReport
from core.verdict import Outcome
from signing.revocation import Revocation
from signing.signatures import PdfSignatureValidator
from tests.fixtures.pdfs import ORGANISATION_FIELD, PERSONAL_FIELD, make_official_pdf, sign_pdf
from tests.fixtures.pki import CertKeyPair
from tests.fixtures.revocation import RevocationPki, RevocationServer
from tests.integration.signing.judgement import judge


@pytest.fixture(autouse=True)
def _quiet_pyhanko(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL, logger="pyhanko")


def _document(pki: RevocationPki, person: CertKeyPair) -> bytes:
    return sign_pdf(sign_pdf(make_official_pdf(), person, PERSONAL_FIELD), pki.organisation, ORGANISATION_FIELD)


def _verdicts(reports: list[SignatureReport]) -> list[tuple[str, Indication, str]]:
    return [(r.field_name, r.indication, r.sub_indication) for r in reports]


@pytest.fixture
def fetching(revoking_pki: RevocationPki) -> Iterator[PdfSignatureValidator]:
    validator = PdfSignatureValidator([revoking_pki.root.cert_pem], revocation=Revocation(fetch=True))
    yield validator
    validator.close()


async def test_good_certificates_pass_with_answers_fetched_from_the_responder(
    fetching: PdfSignatureValidator, revoking_pki: RevocationPki, revocation_server: RevocationServer
) -> None:
    before = sum(revocation_server.requests.values())
    reports = await fetching.validate(_document(revoking_pki, revoking_pki.personal))
    assert _verdicts(reports) == [
        (PERSONAL_FIELD, Indication.TOTAL_PASSED, ""),
        (ORGANISATION_FIELD, Indication.TOTAL_PASSED, ""),
    ]
    assert sum(revocation_server.requests.values()) > before  # the status was asked, not assumed


async def test_a_revoked_signer_is_refused(fetching: PdfSignatureValidator, revoking_pki: RevocationPki) -> None:
    reports = await fetching.validate(_document(revoking_pki, revoking_pki.revoked))
    assert _verdicts(reports)[0] == (PERSONAL_FIELD, Indication.TOTAL_FAILED, "REVOKED")
    assert reports[0].message == "Chữ ký số không hợp lệ: chứng thư số đã bị thu hồi"


async def test_an_unknown_status_is_held_or_refused_as_configured(
    fetching: PdfSignatureValidator, revoking_pki: RevocationPki
) -> None:
    pdf = _document(revoking_pki, revoking_pki.unknown)
    assert _verdicts(await fetching.validate(pdf))[0] == (
        PERSONAL_FIELD,
        Indication.INDETERMINATE,
        "REVOCATION_UNKNOWN",
    )
    strict = PdfSignatureValidator([revoking_pki.root.cert_pem], revocation=Revocation(fetch=True, unknown="reject"))
    try:
        assert _verdicts(await strict.validate(pdf))[0] == (
            PERSONAL_FIELD,
            Indication.TOTAL_FAILED,
            "REVOCATION_UNKNOWN",
        )
    finally:
        strict.close()


async def test_without_fetching_or_crl_files_nothing_passes(revoking_pki: RevocationPki) -> None:
    offline = PdfSignatureValidator([revoking_pki.root.cert_pem])
    try:
        reports = await offline.validate(_document(revoking_pki, revoking_pki.personal))
    finally:
        offline.close()
    assert {(r.indication, r.sub_indication) for r in reports} == {(Indication.INDETERMINATE, "REVOCATION_UNKNOWN")}


def _config(tmp_path: Path, pki: RevocationPki, server: RevocationServer, extra: str = "") -> Path:
    (tmp_path / "root.pem").write_bytes(pki.root.cert_pem)
    (tmp_path / "ca.pem").write_bytes(pki.ca.cert_pem)
    config = tmp_path / "edoc.toml"
    config.write_text(
        f'profile = "demo"\nblob_dir = "{tmp_path}/blobs"\ndatabase_url = "sqlite+aiosqlite:///{tmp_path}/db.sqlite3"\n'
        f'[checks]\ntrust_roots = ["{tmp_path}/root.pem"]\nintermediates = ["{tmp_path}/ca.pem"]\n'
        f'crl_dir = "{tmp_path}/crl"\ncrl_urls = ["{server.url}/crl/ca.crl"{extra}]\n',
        encoding="utf-8",
    )
    return config


async def test_crl_refresh_fetches_verifies_and_the_files_decide_offline(
    tmp_path: Path, revoking_pki: RevocationPki, revocation_server: RevocationServer
) -> None:
    result = CliRunner().invoke(app, ["crl", "refresh", "-c", str(_config(tmp_path, revoking_pki, revocation_server))])
    assert result.exit_code == 0, result.output
    assert f"{revocation_server.url}/crl/root.crl →" in result.output  # named by the CA certificate
    assert f"{revocation_server.url}/crl/ca.crl →" in result.output  # from checks.crl_urls
    assert len(list((tmp_path / "crl").glob("*.crl"))) == 2
    offline = PdfSignatureValidator([revoking_pki.root.cert_pem], revocation=Revocation(crl_dir=tmp_path / "crl"))
    try:
        good = await offline.validate(_document(revoking_pki, revoking_pki.personal))
        revoked = await offline.validate(_document(revoking_pki, revoking_pki.revoked))
    finally:
        offline.close()
    assert {r.indication for r in good} == {Indication.TOTAL_PASSED}
    assert _verdicts(revoked)[0] == (PERSONAL_FIELD, Indication.TOTAL_FAILED, "REVOKED")


def test_crl_refresh_keeps_nothing_a_configured_ca_did_not_sign(
    tmp_path: Path, revoking_pki: RevocationPki, revocation_server: RevocationServer
) -> None:
    foreign = revocation_server.url + "/crl/foreign.crl"
    from tests.fixtures.pki import build_test_pki, issue_crl

    revocation_server.crls["foreign.crl"] = issue_crl(build_test_pki().intermediate)
    missing = revocation_server.url + "/crl/missing.crl"
    config = _config(tmp_path, revoking_pki, revocation_server, extra=f', "{foreign}", "{missing}"')
    result = CliRunner().invoke(app, ["crl", "refresh", "-c", str(config)])
    assert result.exit_code == 1
    assert f"LỖI {foreign}: CRL không do chứng thư gốc hay trung gian đã cấu hình ký" in result.output
    assert f"LỖI {missing}: HTTPStatusError" in result.output
    assert len(list((tmp_path / "crl").glob("*.crl"))) == 2  # the good ones are kept


@pytest.mark.parametrize(
    ("who", "outcome", "code"),
    [
        ("personal", Outcome.CONTINUE, None),
        ("revoked", Outcome.REJECT, "signature.revoked"),
        ("unknown", Outcome.HOLD, "signature.revocation_unknown"),
    ],
)
async def test_the_pipeline_refuses_revoked_and_holds_unknown(
    fetching: PdfSignatureValidator, revoking_pki: RevocationPki, who: str, outcome: Outcome, code: str | None
) -> None:
    ins = await judge(_document(revoking_pki, getattr(revoking_pki, who)), fetching)
    assert ins.outcome is outcome, ins.reasons
    assert [r.code for r in ins.reasons] == ([code] if code else [])
