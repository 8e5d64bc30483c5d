"""End to end through the SDK-shaped axis, with signed packets:

- a document mailed in reaches the simulator and is fetched back byte-identical by another node that talks like
  the real SDK (one long-lived SdkInstance: one timestamp, stale headers riding along), its XML-DSig signature
  (the bridge's organisation certificate) holding;
- a signed packet from the province is delivered; the same packet tampered with is refused with status 02 and
  the reason."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from bridge.axis.signing import SdkInstance, format_timestamp
from bridge.axis.simulator import AxisSimulator
from bridge.edxml import parse_edoc
from bridge.edxml.dsig import PacketSigner, TrustAnchors, check_signature
from tests.e2e.axis_delivery_helpers import TAN_HOA_ORGAN, codes_at, province_document, province_packet, statuses_at
from tests.e2e.harness import (
    PROVINCE_SECRET,
    PROVINCE_SYSTEM,
    RunningBridge,
    document_mail,
    eventually,
    send_mail,
    settings_for,
    start_bridge,
)
from tests.fixtures.pdfs import make_official_pdf
from tests.fixtures.pki import TestPki, write_crls
from tests.integration.pipeline.documents import signers, tan_hoa_document

HUYEN = "000.00.32.H61"
PROVINCE = "000.00.00.H61"


@pytest.fixture
def test_pki() -> TestPki:
    """The PKI the pipeline's signed test documents come from (their roots must be the bridge's)."""
    return signers().pki


@pytest.fixture
async def signing_bridge(  # type: ignore[no-untyped-def]
    db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink, test_pki: TestPki
) -> AsyncIterator[RunningBridge]:
    org = test_pki.organisation
    cert, key, root = tmp_path / "org.pem", tmp_path / "org.key", tmp_path / "root.pem"
    cert.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (org.cert, *org.chain)))
    key.write_bytes(
        org.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    root.write_bytes(test_pki.root.cert_pem)
    settings = settings_for(db_url, tmp_path, axis.base_url, mail_sink.port)
    settings.axis.signing_cert, settings.axis.signing_key = str(cert), str(key)
    settings.checks.trust_roots, settings.checks.intermediates = [str(root)], []
    settings.checks.crl_dir = str(write_crls(test_pki, tmp_path / "crl"))
    running = await start_bridge(settings)
    yield running
    await running.shutdown()


async def _sdk_call(http: httpx.AsyncClient, sdk: SdkInstance, op: str, params: dict[str, str]) -> dict:  # type: ignore[type-arg]
    request = sdk.request(op, params)
    response = await http.post(request.path, content=request.body, headers=request.headers)
    answer = response.json()
    assert response.status_code == 200 and answer["ErrorCode"] == "0", answer
    return answer  # type: ignore[no-any-return]


async def test_mailed_document_is_fetched_back_byte_identical_and_signed(
    signing_bridge: RunningBridge, axis: AxisSimulator, test_pki: TestPki
) -> None:
    pdf = tan_hoa_document(signers())  # signed: with trust roots configured, an unsigned one would be held
    assert await send_mail(signing_bridge.settings.smtp_in.port, document_mail(pdf)) == {}
    [stored] = await eventually(lambda: axis.packets_for(HUYEN), what="the packet at the axis")

    # the district's system: one long-lived SDK instance for every call, as Bkav's client keeps one
    sdk = SdkInstance(PROVINCE_SYSTEM, PROVINCE_SECRET, format_timestamp(datetime.now(UTC)))
    async with httpx.AsyncClient(base_url=axis.base_url) as http:
        listed = await _sdk_call(http, sdk, "getReceivedEdocList", {"servicetype": "eDoc", "messagetype": "edoc"})
        [item] = [row for row in listed["data"] if row["to"] == HUYEN]
        fetched = await _sdk_call(http, sdk, "getEdoc", {"docId": item["docId"], "filePath": "store"})
        await _sdk_call(http, sdk, "updateStatus", {"docid": item["docId"], "status": "done"})
    packet = base64.b64decode(fetched["data"])

    assert packet == stored.body  # byte for byte what the bridge sent
    check = check_signature(packet, TrustAnchors(roots=(test_pki.root.cert,)), datetime.now(UTC))
    assert check.valid and "UBND xã Tân Hòa" in check.signer  # … and what it signed
    parsed = parse_edoc(packet)
    assert [a.data for a in parsed.attachments] == [pdf] and parsed.code.code_number == "12"
    assert axis.packet(item["docId"]).status == "done"  # type: ignore[union-attr]


async def test_signed_packets_in_good_one_delivered_tampered_one_refused(
    signing_bridge: RunningBridge, axis: AxisSimulator, mail_sink, test_pki: TestPki
) -> None:
    # the province signs with a certificate under the bridge's trust root (the test PKI's organisation one)
    signer = PacketSigner(test_pki.organisation.key, [test_pki.organisation.cert, *test_pki.organisation.chain])
    pdf = make_official_pdf()
    good_doc = province_document("50/QĐ-UBND", "Về việc ban hành quy chế liên thông văn bản")
    bad_doc = province_document("51/QĐ-UBND", "Về việc điều chỉnh kế hoạch năm 2027")
    good = signer.sign(province_packet(pdf, good_doc))
    tampered = signer.sign(province_packet(pdf, bad_doc)).replace("điều chỉnh".encode(), "hủy bỏ".encode(), 1)
    await axis.inject(good, to=TAN_HOA_ORGAN, from_code=PROVINCE)
    [tampered_id] = await axis.inject(tampered, to=TAN_HOA_ORGAN, from_code=PROVINCE)

    await mail_sink.wait_for(lambda m: good_doc.subject[:30] in str(m["Subject"]))
    await eventually(lambda: sorted(codes_at(axis, PROVINCE)) == ["01", "02"], what="01 for one, 02 for the other")
    [refusal] = [s for s in statuses_at(axis, PROVINCE) if s.status_code.value == "02"]
    assert refusal.response_for.document_id == f"{PROVINCE},2026/11/20,51/QĐ-UBND"
    assert "chữ ký số" in refusal.description and "không đúng" in refusal.description
    assert axis.packet(tampered_id).status == "done"  # type: ignore[union-attr]
    # our answer is signed too
    answers = [p.body for p in axis.packets_for(PROVINCE) if p.message_type == "status"]
    anchors = TrustAnchors(roots=(test_pki.root.cert,))
    assert all(check_signature(a, anchors, datetime.now(UTC)).valid for a in answers)
    assert not any("hủy bỏ" in str(m["Subject"]) for m in mail_sink.messages)  # the tampered text reached nobody
