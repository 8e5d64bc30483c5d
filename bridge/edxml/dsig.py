"""The edXML packet's own signature: XML-DSig, enveloped, as the official samples carry it.

Layout (edoc_new.edxml, status samples none): `<Signature>` is the last child of `edXML:edXMLHeader`, with
SignedInfo (CanonicalizationMethod, SignatureMethod, one Reference URI="" with the enveloped-signature and
exclusive-c14n transforms, DigestMethod, DigestValue), SignatureValue and KeyInfo/X509Data/X509Certificate.
We write it in the XML-DSig namespace (declared as the default on `<Signature>`, so the names stay unprefixed as
in the samples) — the samples' namespace-less copy can be checked by no XML-DSig processor — and with SHA-256
(the samples' SHA-1 is no longer safe). The reference covers the whole packet, attachments included.

Verification: the certificate in KeyInfo must chain to a configured trust root (intermediates from KeyInfo or
from configuration), be valid at the time of checking and allow digitalSignature; the digest and the signature
value must match; the one reference must be the whole document. A Signature without the XML-DSig namespace (as
in the 2018 samples and a 2019 VXP packet) is read as if it had it, so a genuine one still verifies; theirs do
not — they reuse one sample SignatureValue for different content.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from cryptography.x509 import verification
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner, XMLVerifier
from signxml import namespaces as signxml_namespaces
from signxml.exceptions import InvalidInput, SignXMLException
from signxml.verifier import SignatureConfiguration

from bridge.edxml._reader import Element, first, local, parse_xml
from bridge.edxml.model import EdxmlError

DSIG = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# What we accept from others: SHA-2 and SHA-3 only (SHA-1 collisions are practical).
_ACCEPTED = SignatureConfiguration(
    require_x509=True,
    location=".//",
    expect_references=1,
    signature_methods=frozenset(m for m in SignatureMethod if "sha1" not in m.value and "hmac" not in m.value),
    digest_algorithms=frozenset(d for d in DigestAlgorithm if "sha1" not in d.value),
)


class PacketSigner:
    """Signs outgoing packets with the bridge's organisation certificate (leaf first, then its CA certificates)."""

    def __init__(self, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, chain: Sequence[x509.Certificate]) -> None:
        if not chain:
            raise ValueError("the signing certificate is missing")
        if chain[0].public_key().public_numbers() != key.public_key().public_numbers():
            raise ValueError("the signing key does not belong to the first certificate")
        self._key, self._chain = key, list(chain)
        method = (
            SignatureMethod.ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) else SignatureMethod.RSA_SHA256
        )
        self._signer = XMLSigner(
            signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=EXC_C14N
        )
        # signxml's documented way (README, "Configuring namespace prefixes") to write XML-DSig as the default
        # namespace: unprefixed names, as in the samples.
        self._signer.namespaces = {None: signxml_namespaces.ds}

    @classmethod
    def from_files(cls, cert_file: str | Path, key_file: str | Path, password: str = "") -> PacketSigner:
        chain = x509.load_pem_x509_certificates(Path(cert_file).read_bytes())
        key = load_pem_private_key(Path(key_file).read_bytes(), password.encode() if password else None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError("the signing key must be RSA or EC")
        return cls(key, chain)

    def sign(self, packet: bytes) -> bytes:
        """The packet with its enveloped Signature (placed where the samples have it). Raises EdxmlError."""
        root = parse_xml(packet)
        header = first(root, "edXMLHeader")
        if header is None:
            raise EdxmlError("Không ký được gói tin: thiếu edXMLHeader")
        if any(local(e) == "Signature" for e in header):
            raise EdxmlError("Không ký được gói tin: gói tin đã có chữ ký")
        # signxml fills a `ds:Signature Id="placeholder"` in place; declaring DSIG as its default namespace
        # keeps every signature element unprefixed, as in the samples.
        last = header[-1] if len(header) else None
        placeholder = etree.SubElement(header, f"{{{DSIG}}}Signature", {"Id": "placeholder"}, nsmap={None: DSIG})
        if last is not None:  # keep the writer's indentation: the new last child closes the header
            placeholder.tail, last.tail = last.tail, header.text
        try:
            signed = self._signer.sign(root, key=self._key, cert=self._chain)
        except (InvalidInput, SignXMLException, ValueError) as exc:
            raise EdxmlError(f"Không ký được gói tin: {exc}") from exc
        return _DECLARATION + etree.tostring(signed, encoding="UTF-8")


@dataclass(frozen=True, slots=True)
class TrustAnchors:
    roots: tuple[x509.Certificate, ...] = ()
    intermediates: tuple[x509.Certificate, ...] = ()

    @classmethod
    def from_files(cls, roots: Sequence[str | Path], intermediates: Sequence[str | Path] = ()) -> TrustAnchors:
        def load(files: Sequence[str | Path]) -> tuple[x509.Certificate, ...]:
            return tuple(c for f in files for c in x509.load_pem_x509_certificates(Path(f).read_bytes()))

        return cls(load(roots), load(intermediates))


@dataclass(frozen=True, slots=True)
class PacketPolicy:
    """How the bridge signs what it sends and what it asks of what it receives ([axis] and [checks] settings)."""

    signer: PacketSigner | None = None  # None: packets go out unsigned
    anchors: TrustAnchors = TrustAnchors()
    require_signed: bool = False  # the 2025 axis delivers unsigned packets

    def seal(self, packet: bytes) -> bytes:
        """Sign once, when the packet is built: an ECDSA signature differs at every signing, and a packet is
        stored and re-sent as built."""
        return self.signer.sign(packet) if self.signer is not None else packet

    def refusal(self, packet: bytes, at: datetime) -> str:
        """Why a received packet must be refused for its signature (Vietnamese), or "" when it may be taken."""
        check = check_signature(packet, self.anchors, at)
        if check.refused:
            return check.reason
        if not check.signed and self.require_signed:
            return "Gói tin không có chữ ký số (XML-DSig) của cơ quan gửi"
        return ""


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    signed: bool
    valid: bool = False
    reason: str = ""  # Vietnamese, for the sender (status 02) and the record; "" when valid or unsigned
    signer: str = ""  # the signing certificate's subject

    @property
    def refused(self) -> bool:
        return self.signed and not self.valid


def check_signature(packet: bytes, anchors: TrustAnchors, at: datetime) -> SignatureCheck:
    """Whether the packet carries a Signature and, if so, whether it holds (never raises on a bad packet)."""
    try:
        root = parse_xml(packet)
    except EdxmlError as exc:
        return SignatureCheck(signed=False, reason=str(exc))
    signatures = [e for e in root.iter() if local(e) == "Signature" and local(e.getparent()) == "edXMLHeader"]
    if not signatures:
        return SignatureCheck(signed=False)
    if len(signatures) > 1 or sum(1 for e in root.iter() if local(e) == "Signature") > 1:
        return SignatureCheck(signed=True, reason="Gói tin có nhiều hơn một chữ ký số")
    root = _in_dsig_namespace(root, signatures[0])
    try:
        chain = _key_info_certificates(root)
        leaf = _trusted_leaf(chain, anchors, at)
    except ValueError as exc:
        return SignatureCheck(signed=True, reason=f"Chứng thư số ký gói tin không hợp lệ: {exc}")
    signer = leaf.subject.rfc4514_string()
    try:
        result = XMLVerifier().verify(root, x509_cert=leaf, expect_config=_ACCEPTED)
    except (InvalidInput, SignXMLException, ValueError, etree.LxmlError) as exc:  # schema: DocumentInvalid
        return SignatureCheck(signed=True, signer=signer, reason=f"Chữ ký số của gói tin không đúng: {exc}")
    verified = result[0] if isinstance(result, list) else result
    if verified.signed_xml is None or local(verified.signed_xml) != "edXML":
        return SignatureCheck(signed=True, signer=signer, reason="Chữ ký số không phủ toàn bộ gói tin")
    return SignatureCheck(signed=True, valid=True, signer=signer)


def _in_dsig_namespace(root: Element, signature: Element) -> Element:
    """The samples' namespace-less Signature, read as the XML-DSig it imitates (on a copy)."""
    if etree.QName(signature).namespace == DSIG:
        return root
    root = copy.deepcopy(root)
    [signature] = [e for e in root.iter() if local(e) == "Signature"]
    for e in signature.iter():
        if isinstance(e.tag, str):
            e.tag = f"{{{DSIG}}}{local(e)}"
    etree.cleanup_namespaces(root)
    return root


def _key_info_certificates(root: Element) -> list[x509.Certificate]:
    found = [e for e in root.iter(f"{{{DSIG}}}X509Certificate")]
    if not found:
        raise ValueError("không có chứng thư số (KeyInfo/X509Data/X509Certificate)")
    certificates = []
    for e in found:
        text = "".join((e.text or "").split())
        try:
            certificates.append(x509.load_der_x509_certificate(_b64(text)))
        except ValueError as exc:
            raise ValueError("chứng thư số trong KeyInfo không đọc được") from exc
    return certificates


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("không phải base64") from exc


def _trusted_leaf(chain: list[x509.Certificate], anchors: TrustAnchors, at: datetime) -> x509.Certificate:
    """The certificate that signed, once it is shown to chain to a trust root at `at` (order in KeyInfo is free)."""
    if not anchors.roots:
        raise ValueError("chưa cấu hình chứng thư gốc tin cậy để kiểm tra")
    ee_policy = verification.ExtensionPolicy.permit_all().require_present(
        x509.KeyUsage, verification.Criticality.AGNOSTIC, _allows_signing
    )
    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store(list(anchors.roots)))
        .time(at)
        .extension_policies(ee_policy=ee_policy, ca_policy=verification.ExtensionPolicy.webpki_defaults_ca())
        .build_client_verifier()
    )
    errors = []
    for leaf in _leaf_first(chain):
        others = [c for c in chain if c is not leaf] + list(anchors.intermediates)
        try:
            return verifier.verify(leaf, others).chain[0]
        except verification.VerificationError as exc:
            errors.append(str(exc))
    raise ValueError(f"không dẫn tới chứng thư gốc tin cậy ({'; '.join(errors)[:300]})")


def _leaf_first(chain: list[x509.Certificate]) -> list[x509.Certificate]:
    """The end-entity certificates (KeyInfo order is not defined by XML-DSig); all of them if none says so."""

    def is_ca(c: x509.Certificate) -> bool:
        try:
            return bool(c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        except x509.ExtensionNotFound:
            return False

    return [c for c in chain if not is_ca(c)] or chain


def _allows_signing(_policy: object, _cert: x509.Certificate, usage: x509.KeyUsage | None) -> None:
    if usage is None or not usage.digital_signature:
        raise ValueError("KeyUsage không cho phép ký số (digitalSignature)")
