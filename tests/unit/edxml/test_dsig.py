"""The edXML packet signature (bridge.edxml.dsig): signed round trip, the samples' layout, tampering refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from bridge.edxml import build_edoc, build_status, parse_packet
from bridge.edxml.dsig import DSIG, PacketPolicy, PacketSigner, TrustAnchors, check_signature
from bridge.edxml.model import EdxmlError
from bridge.xml_element import Element
from tests.fixtures.interop import interop_file
from tests.fixtures.pki import TestPki, issue_signer, organisation_name
from tests.unit.edxml.factories import edoc
from tests.unit.edxml.test_status import _packet as status_packet

NOW = datetime.now(UTC)
SDK = "edxml/vpcp-sdk/"


@pytest.fixture(scope="module")
def signer(test_pki: TestPki) -> PacketSigner:
    org = test_pki.organisation
    return PacketSigner(org.key, [org.cert, *org.chain])


@pytest.fixture(scope="module")
def anchors(test_pki: TestPki) -> TrustAnchors:
    return TrustAnchors(roots=(test_pki.root.cert,))


def _signature(packet: bytes) -> Element:
    [signature] = etree.fromstring(packet).iter(f"{{{DSIG}}}Signature")
    return signature


def _names(signature: Element) -> list[str]:
    return [etree.QName(e).localname for e in signature.iter() if isinstance(e.tag, str)]


@pytest.mark.parametrize("kind", ["edoc", "status"])
def test_signed_round_trip(kind: str, signer: PacketSigner, anchors: TrustAnchors) -> None:
    unsigned = build_edoc(edoc()) if kind == "edoc" else build_status(status_packet())
    signed = signer.sign(unsigned)

    check = check_signature(signed, anchors, NOW)
    assert check.signed and check.valid and check.reason == ""
    assert "CN=UBND xã Tân Hòa" in check.signer
    assert parse_packet(signed) == parse_packet(unsigned)  # the signature changes nothing the parser reads
    assert not check_signature(unsigned, anchors, NOW).signed


def test_the_signature_sits_and_looks_as_in_the_official_sample(signer: PacketSigner) -> None:
    signed = signer.sign(build_edoc(edoc()))
    ours = _signature(signed)
    sample = next(e for e in etree.fromstring(interop_file(SDK + "resources__edoc_new.edxml.bak").read_bytes()).iter()
                  if etree.QName(e).localname == "Signature")  # fmt: skip

    for signature in (ours, sample):
        parent = signature.getparent()
        assert parent is not None and etree.QName(parent).localname == "edXMLHeader"
        assert etree.QName(parent[-1]).localname == "Signature"  # after TraceHeaderList, the header's last child
    # the same elements in the same order (X509SubjectName is optional; we send the chain, leaf first)
    sample_names = [n for n in _names(sample) if n != "X509SubjectName"]
    assert _names(ours)[: len(sample_names)] == sample_names
    assert set(_names(ours)[len(sample_names) :]) == {"X509Certificate"}  # its CA certificates after the leaf
    # unprefixed names as in the sample, in the XML-DSig namespace; one whole-document reference
    assert all(e.prefix is None for e in ours.iter()) and etree.QName(ours).namespace == DSIG
    [reference] = ours.iter(f"{{{DSIG}}}Reference")
    assert reference.get("URI") == ""
    # the same two transforms; the sample spells exclusive c14n ".../TR/xml-exc-c14n#", which is no algorithm URI
    ours_kinds = [t.get("Algorithm", "").rpartition("/")[2] for t in ours.iter(f"{{{DSIG}}}Transform")]
    sample_kinds = [
        t.get("Algorithm", "").rpartition("/")[2] for t in sample.iter() if etree.QName(t).localname == "Transform"
    ]
    assert ours_kinds == sample_kinds == ["xmldsig#enveloped-signature", "xml-exc-c14n#"]
    assert signed.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="http://www.mic.gov.vn/')


def _tampered(signed: bytes, test_pki: TestPki) -> dict[str, bytes]:
    payload = re.search(rb"(ContentTransferEncoded[^>]*>)([A-Za-z0-9+/]{8})", signed)
    assert payload is not None
    value = re.search(rb"<SignatureValue>([^<]+)</SignatureValue>", signed)
    assert value is not None
    flipped = bytes([value.group(1)[0] ^ 1]) + value.group(1)[1:]
    other = issue_signer(test_pki.intermediate, organisation_name("Cơ quan khác")).cert
    other_b64 = b"".join(other.public_bytes(serialization.Encoding.PEM).splitlines()[1:-1])
    leaf_b64 = re.search(rb"<X509Certificate>([^<]+)</X509Certificate>", signed)
    assert leaf_b64 is not None
    return {
        "subject changed": signed.replace("triển khai".encode(), "hủy bỏ".encode(), 1),
        "attachment changed": signed[: payload.start(2)] + b"AAAAAAAA" + signed[payload.end(2) :],
        "signature value changed": signed.replace(value.group(1), flipped),
        "signature value not base64": signed.replace(value.group(1), b"`" + value.group(1)[1:]),  # schema-invalid
        "another certificate": signed.replace(leaf_b64.group(1), other_b64),
        "two signatures": signed.replace(b"</edXML:edXMLHeader>", _signature_xml(signed) + b"</edXML:edXMLHeader>"),
    }


def _signature_xml(signed: bytes) -> bytes:
    return etree.tostring(_signature(signed))


def test_tampered_packets_are_refused_with_a_reason(
    signer: PacketSigner, anchors: TrustAnchors, test_pki: TestPki
) -> None:
    signed = signer.sign(build_edoc(edoc(subject="V/v triển khai kết nối")))
    for what, packet in _tampered(signed, test_pki).items():
        check = check_signature(packet, anchors, NOW)
        assert check.signed and not check.valid and check.refused, what
        assert check.reason, what


def test_certificates_must_chain_to_a_trust_root_and_be_valid_then(signer: PacketSigner, test_pki: TestPki) -> None:
    signed = signer.sign(build_edoc(edoc()))
    strangers = check_signature(signed, TrustAnchors(roots=(test_pki.other_root.cert,)), NOW)
    assert strangers.refused and "gốc tin cậy" in strangers.reason
    assert "chưa cấu hình" in check_signature(signed, TrustAnchors(), NOW).reason
    in_ten_years = check_signature(signed, TrustAnchors(roots=(test_pki.root.cert,)), NOW + timedelta(days=3650))
    assert in_ten_years.refused
    expired = test_pki.expired
    old = PacketSigner(expired.key, [expired.cert, *expired.chain]).sign(build_edoc(edoc()))
    assert check_signature(old, TrustAnchors(roots=(test_pki.root.cert,)), NOW).refused


def test_intermediates_may_come_from_configuration(test_pki: TestPki) -> None:
    org = test_pki.organisation
    leaf_only = PacketSigner(org.key, [org.cert]).sign(build_edoc(edoc()))
    assert check_signature(leaf_only, TrustAnchors(roots=(test_pki.root.cert,)), NOW).refused
    configured = TrustAnchors(roots=(test_pki.root.cert,), intermediates=(test_pki.intermediate.cert,))
    assert check_signature(leaf_only, configured, NOW).valid


def test_a_key_that_is_not_the_certificates_is_refused_at_start(test_pki: TestPki) -> None:
    with pytest.raises(ValueError, match="does not belong"):
        PacketSigner(test_pki.personal.key, [test_pki.organisation.cert])
    with pytest.raises(EdxmlError, match="đã có chữ ký"):
        signer = PacketSigner(test_pki.organisation.key, [test_pki.organisation.cert])
        signer.sign(signer.sign(build_edoc(edoc())))


def test_official_samples_signatures_do_not_hold(anchors: TrustAnchors) -> None:
    """The 2018 samples and the 2019 VXP packet carry one sample SignatureValue for different content."""
    for name in ("resources__edoc_new.edxml.bak", "xml__2019__5__852e179c-8eca-4502-ac38-0b97321f29c3.edxml"):
        check = check_signature(interop_file(SDK + name).read_bytes(), anchors, NOW)
        assert check.refused and check.reason, name


def test_policy_unsigned_packets_are_a_setting(signer: PacketSigner, anchors: TrustAnchors) -> None:
    unsigned_2025 = interop_file(SDK + "xml__2025__10__9e272474-0603-48a2-b525-9cd1af689612.edxml").read_bytes()
    assert PacketPolicy(anchors=anchors).refusal(unsigned_2025, NOW) == ""
    assert "không có chữ ký số" in PacketPolicy(anchors=anchors, require_signed=True).refusal(unsigned_2025, NOW)
    policy = PacketPolicy(signer=signer, anchors=anchors, require_signed=True)
    assert policy.refusal(policy.seal(build_edoc(edoc())), NOW) == ""
    assert PacketPolicy().seal(b"<edXML/>") == b"<edXML/>"  # no certificate configured: unsigned
