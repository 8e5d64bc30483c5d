"""Behaviour-identical speed-ups for pyHanko's validation hot spots, installed by `install()`.

1. Hex strings.
pyHanko reads `<…>` hex strings one byte at a time through a generator. A signature's /Contents is such a string
of 16–64 KiB of hex digits, so parsing it costs ~12 ms per signature on this machine, more than the whole
cryptographic check. `install()` swaps in a reader that scans the string in chunks and decodes it with
binascii. It keeps the original's results and errors: same bytes, same `pdf_string` type, `PdfStreamError` on a
non-hex byte or a truncated stream, and it defers to the original whenever a `%` comment appears inside the
string.

2. Name comparison. asn1crypto compares certificate names after RFC 4518 string preparation (stringprep tables,
pure Python, ~0.1 ms per Vietnamese attribute), recomputed for every certificate parsed from every PDF.
`NameTypeAndValue._ldap_string_prep` is a pure function of its string argument, so it is memoised; so are
`Name.__eq__`, `Name.hashable` and `Name.human_friendly`, pure functions of the names' encoded RDNSequences
(errors are never remembered: an unpreparable name raises every time, as before).

3. Certificates. Every document from the same signer carries the same few certificates, which asn1crypto parses
afresh (lazily, field by field) and pyHanko then inspects many times. Memoised on their encodings: pyHanko's
issuer/serial match (`match_issuer_serial`), its signing-certificate attribute check (`check_ess_certid`) and
certificate signatures that verified (never failures; the algorithm policy and validity times are still checked
each time). `extract_certificate_info` hands out, per thread, the Certificate object first parsed from the same
encoding, so what asn1crypto derived from it (extensions, names, hashes) is reused. Validation verdicts are never
cached: each document still gets its own ValidationContext, path building, time and revocation checks.

All are checked against the originals in tests/integration/signing/test_signatures_speedups.py.
"""

from __future__ import annotations

import binascii
import functools
import os
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

from asn1crypto import x509
from asn1crypto.algos import SignedDigestAlgorithm
from asn1crypto.keys import PublicKeyInfo
from asn1crypto.x509 import Name, NameTypeAndValue
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE, PdfStreamError
from pyhanko.sign import general as sign_general
from pyhanko.sign.general import SignedDataCerts
from pyhanko.sign.validation import generic_cms
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
)
from pyhanko_certvalidator.validate import _PathValidationState

_original = generic.read_hex_string_from_stream
_original_prep = NameTypeAndValue._ldap_string_prep
_original_name_eq = Name.__eq__
_original_match = sign_general.match_issuer_serial
_original_ess = sign_general.check_ess_certid
_original_cert_sig = _PathValidationState.check_certificate_signature
_original_extract = generic_cms.extract_certificate_info
_HEX = b"0123456789abcdefABCDEF"
_CHUNK = 16384


def read_hex_string_from_stream(stream: BinaryIO) -> Any:
    start = stream.tell()
    stream.read(1)  # the opening "<"
    chunks: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            raise PdfStreamError("Stream ended prematurely")
        end = chunk.find(b">")
        if end < 0:
            chunks.append(chunk)
            continue
        chunks.append(chunk[:end])
        stream.seek(end + 1 - len(chunk), os.SEEK_CUR)
        break
    raw = b"".join(chunks)
    if b"%" in raw:  # a comment inside a hex string: rare, let the original handle it exactly
        stream.seek(start)
        return _original(stream)
    digits = raw.translate(None, PDF_WHITESPACE)
    bad = digits.translate(None, _HEX)
    if bad:
        raise PdfStreamError("Unexpected token in hex string: " + repr(bad[:1]))
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


@functools.lru_cache(maxsize=8192)
def _prepped(string: str) -> str:
    return str(_original_prep(None, string))


def _ldap_string_prep(self: NameTypeAndValue, string: str) -> str:
    return _prepped(string)


class _Memo:
    """A bounded dict, emptied when full. The keys are encodings that repeat from document to document (the
    names and certificates of a few CAs and signers), so a small one hits nearly always."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: dict[Any, Any] = {}

    def put(self, key: Any, value: Any) -> Any:
        if len(self.values) >= self.size:
            self.values.clear()
        self.values[key] = value
        return value


def _name_der(name: object) -> bytes | None:
    """The encoded RDNSequence, whatever tag wraps the Name (a GeneralName's directoryName is [4]-tagged).
    None (= use the original) for subclasses and for names that do not parse."""
    if type(name) is not Name:
        return None
    known = _known_encoding(name)
    if known is not None:
        return known
    try:
        return name.chosen.dump()  # type: ignore[attr-defined]
    except Exception:
        return None


_name_eq_memo = _Memo(4096)


def _name_eq(self: Name, other: object) -> bool:
    """RFC 5280 name equality depends only on the two encodings. Errors (an unpreparable string) propagate
    and are not remembered."""
    a, b = _name_der(self), _name_der(other)
    if a is None or b is None:
        return bool(_original_name_eq(self, other))
    found = _name_eq_memo.values.get((a, b))
    if found is None:
        found = _name_eq_memo.put((a, b), _original_name_eq(self, other))
    return bool(found)


def _memoised_name_property(original: Callable[[Name], str]) -> property:
    memo = _Memo(4096)

    def get(self: Name) -> str:
        der = _name_der(self)
        if der is None:
            return original(self)
        found = memo.values.get(der)
        if found is None:
            found = memo.put(der, original(self))
        return str(found)

    return property(get)


_issuer_serial_memo = _Memo(4096)


def match_issuer_serial(expected: Any, cert: x509.Certificate) -> bool:
    """pyHanko's signer-certificate match (issuer name + serial number), a function of the two encodings."""
    try:
        key = (type(expected), expected.dump(), type(cert), _encoding(cert))
    except Exception:
        return bool(_original_match(expected, cert))
    found = _issuer_serial_memo.values.get(key)
    if found is None:
        found = _issuer_serial_memo.put(key, _original_match(expected, cert))
    return bool(found)


_ess_memo = _Memo(4096)


def check_ess_certid(cert: x509.Certificate, certid: Any) -> bool:
    """pyHanko's signing-certificate attribute check (certificate hash + issuer/serial), a function of the two
    encodings."""
    try:
        key = (type(certid), certid.dump(), type(cert), _encoding(cert))
    except Exception:
        return bool(_original_ess(cert, certid))
    found = _ess_memo.values.get(key)
    if found is None:
        found = _ess_memo.put(key, _original_ess(cert, certid))
    return bool(found)


class _RememberingValidator(DefaultSignatureValidator):
    """Remembers certificate signatures that verified: verification is a deterministic function of
    (signature, signed bytes, public key, algorithm), all part of the key. Failures are never remembered."""

    verified = _Memo(1024)

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: PublicKeyInfo,
        signature_algorithm: SignedDigestAlgorithm,
        context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT,
    ) -> None:
        if context is not DEFAULT_VALIDATION_CONTEXT:
            return super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
        key = (bytes(signature), bytes(signed_data), public_key_info.dump(), signature_algorithm.dump())
        if key in self.verified.values:
            return None
        super().validate_signature(signature, signed_data, public_key_info, signature_algorithm)
        self.verified.put(key, True)
        return None


_remembering_validator = _RememberingValidator()


def _check_certificate_signature(
    self: _PathValidationState,
    cert: x509.Certificate,
    algorithm_policy: Any,
    proc_state: Any,
    moment: Any,
    sig_validator: Any,
) -> None:
    """The path validator's step 2 a 1, unchanged except that pyHanko's default signature validator is swapped
    for the remembering one (the algorithm policy is still applied every time, at `moment`)."""
    if type(sig_validator) is DefaultSignatureValidator:
        sig_validator = _remembering_validator
    _original_cert_sig(self, cert, algorithm_policy, proc_state, moment, sig_validator)


_per_thread = threading.local()


def _shared(cert: Any) -> Any:
    """The Certificate object first seen with this encoding on this thread, else `cert` (then remembered).
    asn1crypto parses lazily and caches what it derives (extensions, names, hashes) on the object, all pure
    functions of the encoding; reusing the object skips that work for the next document from the same signer or
    CA. Per thread because lazy parsing mutates the object (not thread-safe); a thread runs one parse at a time."""
    if type(cert) is not x509.Certificate:
        return cert
    memo = getattr(_per_thread, "certs", None)
    if memo is None:
        memo = _per_thread.certs = _Memo(256)
        _per_thread.encodings = {}
    der = cert.dump()
    found = memo.values.get(der)
    if found is not None:
        return found
    encodings = _per_thread.encodings
    if len(memo.values) >= memo.size:
        encodings.clear()
    encodings[id(cert)] = (cert, der)
    for name in (cert.subject, cert.issuer):  # the same Name objects every later use of the shared cert gets
        encodings[id(name)] = (name, name.chosen.dump())
    return memo.put(der, cert)


def _known_encoding(value: Any) -> bytes | None:
    """The encoding taken when a shared certificate (or its subject or issuer name: the RDNSequence) was first
    shared, saving asn1crypto's walk over every parsed part to see whether it changed; validation only reads
    certificates. The entry holds the object itself, so a match by id() is that object, not a later one."""
    entry = getattr(_per_thread, "encodings", {}).get(id(value))
    return entry[1] if entry is not None and entry[0] is value else None  # type: ignore[no-any-return]


def _encoding(value: Any) -> bytes:
    known = _known_encoding(value)
    return value.dump() if known is None else known  # type: ignore[no-any-return]


def extract_certificate_info(signed_data: Any) -> SignedDataCerts:
    """pyHanko's, with each certificate replaced by the thread's shared object of the same encoding."""
    info = _original_extract(signed_data)
    return SignedDataCerts(
        signer_cert=_shared(info.signer_cert),
        other_certs=[_shared(c) for c in info.other_certs],
        attribute_certs=info.attribute_certs,
    )


_PATCHES: list[tuple[Any, str, Any, Any]] = [
    # (owner, attribute, shipped, replacement)
    (generic, "read_hex_string_from_stream", _original, read_hex_string_from_stream),
    (NameTypeAndValue, "_ldap_string_prep", _original_prep, _ldap_string_prep),
    (Name, "__eq__", _original_name_eq, _name_eq),
    (Name, "hashable", Name.hashable, _memoised_name_property(Name.hashable.fget)),
    (Name, "human_friendly", Name.human_friendly, _memoised_name_property(Name.human_friendly.fget)),
    (sign_general, "match_issuer_serial", _original_match, match_issuer_serial),
    (sign_general, "check_ess_certid", _original_ess, check_ess_certid),
    (generic_cms, "check_ess_certid", _original_ess, check_ess_certid),
    (_PathValidationState, "check_certificate_signature", _original_cert_sig, _check_certificate_signature),
    (generic_cms, "extract_certificate_info", _original_extract, extract_certificate_info),
]


def install() -> None:
    """Idempotent. pyHanko looks each replaced function up (module global or class attribute) at each call."""
    for owner, attribute, _, replacement in _PATCHES:
        setattr(owner, attribute, replacement)


def uninstall() -> None:
    """Back to the shipped code (benchmarks compare both in one process)."""
    for owner, attribute, shipped, _ in _PATCHES:
        setattr(owner, attribute, shipped)


def originals() -> tuple[Any, Any]:
    """(hex-string reader, string prep) as shipped, for equivalence tests."""
    return _original, _original_prep


def shipped(attribute: str) -> Any:
    """The shipped version of a replaced function or property, by attribute name, for equivalence tests."""
    return next(original for _, name, original, _ in _PATCHES if name == attribute)
