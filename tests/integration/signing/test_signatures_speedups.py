"""signing.sig_speedups must behave exactly like the pyHanko/asn1crypto code it replaces."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from asn1crypto import cms, tsp
from asn1crypto.x509 import (
    Certificate,
    DirectoryString,
    GeneralName,
    GeneralNames,
    Name,
    NameTypeAndValue,
    RDNSequence,
    RelativeDistinguishedName,
)
from cryptography.exceptions import InvalidSignature
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils.misc import PdfStreamError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SignedDataCerts
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

from core.ports import Indication
from signing import sig_report, sig_speedups
from signing.signatures import PdfSignatureValidator
from tests.fixtures.pdfs import add_page_after_signing, flip_byte, make_official_pdf, sign_pdf, signed_official_pdf
from tests.fixtures.pki import CertKeyPair, TestPki

original_hex, original_prep = sig_speedups.originals()

HEX_CASES = [
    b"<>",
    b"<00ff>rest",
    b"<0A1b2C>",
    b"<abc>",  # odd number of digits: a trailing 0 is implied
    b"< 30 82\n05\r\t\f\x0012 >tail",
    b"<30 % a comment > inside\n 31>after",
    b"<" + b"0123456789abcdef" * 5000 + b">x",  # longer than one read chunk
]


@pytest.mark.parametrize("data", HEX_CASES)
def test_hex_string_reader_matches_the_original(data: bytes) -> None:
    ours, theirs = io.BytesIO(data), io.BytesIO(data)
    got, want = sig_speedups.read_hex_string_from_stream(ours), original_hex(theirs)
    assert (type(got), got, ours.tell()) == (type(want), want, theirs.tell())


@pytest.mark.parametrize("data", [b"<12zz>", b"<1234", b"<12<34>"])
def test_hex_string_reader_rejects_what_the_original_rejects(data: bytes) -> None:
    with pytest.raises(PdfStreamError):
        original_hex(io.BytesIO(data))
    with pytest.raises(PdfStreamError):
        sig_speedups.read_hex_string_from_stream(io.BytesIO(data))


@pytest.mark.parametrize("value", ["UBND xã Tân Hòa", "  Nguyễn   Văn An ", "MST:0100686209-199", "ＡＢＣ", ""])
def test_memoised_string_prep_matches_the_original(value: str) -> None:
    ntv = NameTypeAndValue()
    assert sig_speedups._ldap_string_prep(ntv, value) == original_prep(ntv, value)


# --- certificate names: memoised equality, hashable and human_friendly -------------------------------------------

KINDS = {"utf8": "utf8_string", "printable": "printable_string", "bmp": "bmp_string", "teletex": "teletex_string"}
Attr = tuple[str, str, str]  # (attribute type, string kind, value)


def make_name(*rdns: list[Attr]) -> Name:
    """A freshly parsed Name: nothing prepared or cached on it yet."""
    built = RDNSequence(
        [
            RelativeDistinguishedName(
                [
                    NameTypeAndValue({"type": kind_of, "value": DirectoryString(name=KINDS[kind], value=value)})
                    for kind_of, kind, value in rdn
                ]
            )
            for rdn in rdns
        ]
    )
    return Name.load(Name(name="", value=built).dump())


def cn(value: str, kind: str = "utf8") -> list[Attr]:
    return [("common_name", kind, value)]


ORG = [("organization_name", "utf8", "UBND huyện X")]
NAMES = [
    make_name(cn("UBND xã Tân Hòa"), ORG),
    make_name(cn("ubnd XÃ  tân hòa "), ORG),  # case and inner/outer spaces: equal under RFC 4518
    make_name(cn("UBND xã Tân Hoà"), ORG),  # tone mark on the other vowel: a different name
    make_name(cn("UBND xa Tan Hoa", "printable"), ORG),
    make_name(cn("UBND xa Tan Hoa"), ORG),  # same text, UTF8String instead of PrintableString
    make_name(cn("UBND xã Tân Hòa", "bmp"), ORG),
    make_name(ORG, cn("UBND xã Tân Hòa")),  # order of RDNs matters
    make_name([*cn("UBND xã Tân Hòa"), ("user_id", "utf8", "MST:0100686209")]),  # multi-valued RDN
    make_name([("user_id", "utf8", "MST:0100686209"), *cn("UBND xã Tân Hòa")]),  # same set, other order
    make_name([*cn("UBND xã Tân Hòa"), ("user_id", "utf8", "MST:0100686210")]),
    make_name(cn("Nguyễn Văn An"), [("user_id", "utf8", "CCCD:001085012345")]),
    make_name(cn("Test CA phục vụ các cơ quan Nhà nước"), [("country_name", "printable", "VN")]),
    make_name(cn("Latin1 teletex", "teletex")),
    make_name(),
]


def _eq_both_ways(a: Name, b: Name) -> None:
    original_eq = sig_speedups.shipped("__eq__")
    want = original_eq(make_copy(a), make_copy(b))
    for _ in range(2):  # the second call is answered from the memo
        assert sig_speedups._name_eq(make_copy(a), make_copy(b)) is want
        assert (make_copy(a) == make_copy(b)) is want  # through the installed operator
        assert (make_copy(a) != make_copy(b)) is (not want)


def make_copy(name: Name) -> Name:
    return Name.load(name.dump())


@pytest.fixture(autouse=True)
def _installed() -> Iterator[None]:
    sig_speedups.install()
    yield
    sig_speedups.install()


def test_the_sample_names_include_equal_pairs() -> None:
    original_eq = sig_speedups.shipped("__eq__")
    equal = [(i, j) for i, a in enumerate(NAMES) for j, b in enumerate(NAMES) if i < j and original_eq(a, b)]
    assert equal == [(0, 1), (0, 5), (1, 5), (3, 4), (7, 8)]  # case/space, BMP, Printable, multi-valued RDN order


@pytest.mark.parametrize("a", NAMES, ids=range(len(NAMES)))
def test_name_equality_matches_the_original(a: Name) -> None:
    for b in NAMES:
        _eq_both_ways(a, b)
    assert sig_speedups._name_eq(make_copy(a), 42) is False  # not a Name: the original decides


def test_the_tagged_directory_name_of_an_ess_issuer_compares_like_the_original() -> None:
    for a in NAMES[:3]:
        tagged = GeneralNames([GeneralName(name="directory_name", value=make_copy(a))])
        inner = GeneralNames.load(tagged.dump())[0].chosen  # [4]-tagged: its dump() differs from a's
        assert inner.dump() != a.dump()
        for b in NAMES:
            assert sig_speedups._name_eq(inner, make_copy(b)) is sig_speedups.shipped("__eq__")(inner, make_copy(b))


@pytest.mark.parametrize("a", NAMES, ids=range(len(NAMES)))
def test_hashable_and_human_friendly_match_the_original(a: Name) -> None:
    for attribute in ("hashable", "human_friendly"):
        want = sig_speedups.shipped(attribute).fget(make_copy(a))
        assert getattr(make_copy(a), attribute) == want
        assert getattr(make_copy(a), attribute) == want  # memo hit


def test_unpreparable_names_raise_like_the_original_every_time() -> None:
    bad, good = make_name(cn("private \ue000 use")), make_name(cn("private use"))
    for _ in range(2):
        with pytest.raises(ValueError):
            sig_speedups.shipped("__eq__")(make_copy(bad), make_copy(good))
        with pytest.raises(ValueError):
            _ = make_copy(bad) == make_copy(good)
        with pytest.raises(ValueError):
            _ = make_copy(bad).hashable


_TEXT = st.text(alphabet="aAáÁãẫ ăĂđĐ Hh  Òòơớ-:0\t", max_size=8)
_ATTR = st.tuples(
    st.sampled_from(["common_name", "organization_name", "user_id", "locality_name"]),
    st.sampled_from(["utf8", "bmp"]),
    _TEXT,
)
_NAMES = st.lists(st.lists(_ATTR, min_size=1, max_size=3), max_size=3).map(lambda rdns: make_name(*rdns))


@settings(max_examples=150, deadline=None)
@given(_NAMES, _NAMES)
def test_random_names_compare_and_hash_like_the_original(a: Name, b: Name) -> None:
    _eq_both_ways(a, b)
    _eq_both_ways(a, make_copy(a))
    for attribute in ("hashable", "human_friendly"):
        assert getattr(make_copy(a), attribute) == sig_speedups.shipped(attribute).fget(make_copy(a))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["common_name", "organization_name"]), _TEXT), min_size=1, max_size=3))
def test_case_and_space_variants_compare_like_the_original(attrs: list[tuple[str, str]]) -> None:
    a = make_name(*([(kind_of, "utf8", value)] for kind_of, value in attrs))
    b = make_name(*([(kind_of, "bmp", f" {value.upper()}  ")] for kind_of, value in attrs))
    _eq_both_ways(a, b)


# --- certificates: issuer/serial match, certificate signatures, shared objects -------------------------------------


def _asn1(pair: CertKeyPair) -> Certificate:
    return Certificate.load(pair.cert_der)


def test_issuer_serial_match_matches_the_original(test_pki: TestPki) -> None:
    certs = [_asn1(p) for p in (test_pki.personal, test_pki.organisation, test_pki.intermediate, test_pki.root)]
    reencoded = make_name(
        *([(a["type"].native, "bmp", a["value"].native)] for rdn in certs[0].issuer.chosen for a in rdn)
    )
    expected = [cms.IssuerAndSerialNumber({"issuer": c.issuer, "serial_number": c.serial_number}) for c in certs]
    expected.append(cms.IssuerAndSerialNumber({"issuer": reencoded, "serial_number": certs[0].serial_number}))
    expected.append(cms.IssuerAndSerialNumber({"issuer": certs[0].issuer, "serial_number": certs[0].serial_number + 1}))
    expected.append(
        tsp.IssuerSerial(
            {"issuer": [GeneralName(name="directory_name", value=reencoded)], "serial_number": certs[0].serial_number}
        )
    )
    original = sig_speedups.shipped("match_issuer_serial")
    for e in expected:
        for c in certs:
            want = original(e.copy(), Certificate.load(c.dump()))
            for _ in range(2):
                assert sig_speedups.match_issuer_serial(e.copy(), Certificate.load(c.dump())) is want
    assert sig_speedups.match_issuer_serial(expected[4], certs[0])  # a re-encoded issuer still matches


def test_signing_certificate_attribute_check_matches_the_original(test_pki: TestPki) -> None:
    cert, other = _asn1(test_pki.organisation), _asn1(test_pki.personal)
    right = {"issuer": [GeneralName(name="directory_name", value=cert.issuer)], "serial_number": cert.serial_number}
    wrong = {"issuer": [GeneralName(name="directory_name", value=cert.issuer)], "serial_number": other.serial_number}
    certids = [
        tsp.ESSCertIDv2({"hash_algorithm": {"algorithm": "sha256"}, "cert_hash": _digest("sha256", cert)}),
        tsp.ESSCertIDv2(
            {"hash_algorithm": {"algorithm": "sha256"}, "cert_hash": _digest("sha256", cert), "issuer_serial": right}
        ),
        tsp.ESSCertIDv2(
            {"hash_algorithm": {"algorithm": "sha256"}, "cert_hash": _digest("sha256", cert), "issuer_serial": wrong}
        ),
        tsp.ESSCertIDv2({"hash_algorithm": {"algorithm": "sha384"}, "cert_hash": _digest("sha384", cert)}),
        tsp.ESSCertID({"cert_hash": _digest("sha1", cert), "issuer_serial": right}),
        tsp.ESSCertID({"cert_hash": _digest("sha1", other)}),
    ]
    original = sig_speedups.shipped("check_ess_certid")
    outcomes = []
    for certid in certids:
        for c in (cert, other):
            want = original(Certificate.load(c.dump()), certid.copy())
            outcomes.append(want)
            for _ in range(2):
                assert sig_speedups.check_ess_certid(Certificate.load(c.dump()), certid.copy()) is want
    assert True in outcomes and False in outcomes


def _digest(algorithm: str, cert: Certificate) -> bytes:
    return hashlib.new(algorithm, cert.dump()).digest()


def test_signer_fields_are_fresh_dicts_equal_to_an_uncached_computation(test_pki: TestPki) -> None:
    for pair in (test_pki.organisation, test_pki.personal):
        for org_certs in (frozenset(), frozenset({pair.sha256})):
            first, second = (sig_report.signer_fields(_asn1(pair), org_certs) for _ in range(2))
            uncached = dict(sig_report._signer_fields.__wrapped__(pair.cert_der, org_certs))
            assert first == second == uncached and first is not second
            assert first["is_organisation"] is (pair is test_pki.organisation or bool(org_certs))


def test_certificate_signatures_verify_like_the_original(test_pki: TestPki) -> None:
    cert, issuer, other = _asn1(test_pki.personal), _asn1(test_pki.intermediate), _asn1(test_pki.other_root)
    signature, tbs = cert["signature_value"].native, cert["tbs_certificate"].dump()
    forged = bytes([signature[0]]) + bytes([signature[1] ^ 1]) + signature[2:]
    remembering = sig_speedups._RememberingValidator()
    algorithm = cert["signature_algorithm"]
    for _ in range(2):
        remembering.validate_signature(signature, tbs, issuer.public_key, algorithm)
    for bad_signature, bad_tbs, key in [
        (forged, tbs, issuer),
        (signature, tbs + b"\0", issuer),
        (signature, tbs, other),
    ]:
        for _ in range(2):  # failures are never remembered
            with pytest.raises((InvalidSignature, ValueError)):
                DefaultSignatureValidator().validate_signature(bad_signature, bad_tbs, key.public_key, algorithm)
            with pytest.raises((InvalidSignature, ValueError)):
                remembering.validate_signature(bad_signature, bad_tbs, key.public_key, algorithm)


def test_certificates_are_shared_per_thread_with_the_same_encoding(signed_pdf: bytes) -> None:
    def extract() -> tuple[SignedDataCerts, SignedDataCerts]:
        [sig, _] = PdfFileReader(io.BytesIO(signed_pdf)).embedded_signatures
        return sig_speedups.shipped("extract_certificate_info")(sig.signed_data), sig_speedups.extract_certificate_info(
            sig.signed_data
        )

    want, first = extract()
    _, second = extract()
    with ThreadPoolExecutor(1) as pool:
        _, elsewhere = pool.submit(extract).result()
    for got in (first, second, elsewhere):
        assert got.signer_cert.dump() == want.signer_cert.dump()
        assert [c.dump() for c in got.other_certs] == [c.dump() for c in want.other_certs]
        assert got.attribute_certs == want.attribute_certs
    assert second.signer_cert is first.signer_cert  # the next document reuses the parsed object
    assert elsewhere.signer_cert is not first.signer_cert  # another thread never does


def test_shared_certificates_and_their_names_keep_their_encodings(signed_pdf: bytes, test_pki: TestPki) -> None:
    [sig, _] = PdfFileReader(io.BytesIO(signed_pdf)).embedded_signatures
    cert = sig_speedups.extract_certificate_info(sig.signed_data).signer_cert
    cert.native  # parse everything, as validation does  # noqa: B018
    assert sig_speedups._encoding(cert) == cert.dump() == cert.dump(force=True)
    for name in (cert.subject, cert.issuer):
        assert sig_speedups._name_der(name) == name.chosen.dump(force=True)
    # an object that was never shared (even an equal copy) is encoded afresh, never mistaken for a shared one
    copy = Certificate.load(cert.dump())
    assert sig_speedups._known_encoding(copy) is None and sig_speedups._known_encoding(copy.subject) is None
    other = _asn1(test_pki.organisation)
    assert sig_speedups._encoding(other) == other.dump() != cert.dump()
    with ThreadPoolExecutor(1) as pool:  # another thread has its own shared objects
        assert pool.submit(sig_speedups._known_encoding, cert).result() is None


# --- end to end: the same reports with and without the speed-ups ----------------------------------------------------


async def test_reports_are_identical_with_and_without_speedups(test_pki: TestPki, signed_pdf: bytes) -> None:
    pdfs = [
        signed_pdf,
        flip_byte(signed_pdf),
        sign_pdf(make_official_pdf(), test_pki.expired),
        signed_official_pdf(test_pki, organisation=test_pki.untrusted),
        sign_pdf(make_official_pdf(), test_pki.personal, embed_chain=False),
        add_page_after_signing(signed_pdf),
    ]
    validators = [
        PdfSignatureValidator([test_pki.root_pem]),
        PdfSignatureValidator([test_pki.root_pem], intermediates=[test_pki.intermediate_pem]),
        PdfSignatureValidator([test_pki.other_root.cert_pem]),
        PdfSignatureValidator([test_pki.root_pem], revocation_mode="require"),
    ]
    try:
        sig_speedups.uninstall()
        want = [[await v.validate_here(p) for p in pdfs] for v in validators]
        sig_speedups.install()
        for _ in range(2):  # cold, then with every memo and shared certificate warm
            assert [[await v.validate_here(p) for p in pdfs] for v in validators] == want
    finally:
        sig_speedups.install()
        for v in validators:
            v.close()
    assert {r.indication for per_validator in want for reports in per_validator for r in reports} >= {
        Indication.TOTAL_PASSED,
        Indication.TOTAL_FAILED,
        Indication.INDETERMINATE,
    }
