"""Turn a pyHanko PdfSignatureStatus into core.ports.SignatureReport: verdict, sub-indication, Vietnamese message,
and who signed (subject, CN, O, UID values, issuer, fingerprint).

Verdict (checked in this order, first match wins; mirrors ETSI EN 319 102-1 where a code exists):
  HASH_FAILURE             TOTAL_FAILED   signed bytes changed ("tampered")
  SIG_CRYPTO_FAILURE       TOTAL_FAILED   CMS signature does not verify with the certificate
  MODIFIED_AFTER_SIGNING   TOTAL_FAILED   a later revision changes more than signature/form fields
                                          (coverage ENTIRE_REVISION + modification level OTHER, or DocMDP breach)
  INCOMPLETE_COVERAGE      TOTAL_FAILED   /ByteRange covers less than the whole revision
  REVOKED                  TOTAL_FAILED
  NO_TRUSTED_ROOT          INDETERMINATE  no path to a configured trust root
  EXPIRED / NOT_YET_VALID  INDETERMINATE  certificate outside its validity at validation time, no timestamp
  REVOCATION_UNKNOWN       INDETERMINATE  no CRL/OCSP to be had for a certificate of the path (TOTAL_FAILED when
                                          revocation_unknown = "reject")
  other certvalidator codes INDETERMINATE  passed through by name (CHAIN_CONSTRAINTS_FAILURE, …)
  otherwise bottom_line → TOTAL_PASSED, else INDETERMINATE/GENERIC.
Only TOTAL_PASSED means "accept".

Organisation vs personal signature (`is_organisation`): the certificate's SHA-256 is configured as an
organisation certificate, OR its subject carries a UID with an organisation prefix (MST:, MNS:) and none with a
personal-identity prefix (CMND:, CCCD:, HC:). A certificate naming a person (CCCD) together with a company tax
code (MST) is a person signing for the organisation, hence personal.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus, SignatureCoverageLevel

from core.ports import Indication, SignatureReport
from core.signature_policy import Finding

ORGANISATION_UID_PREFIXES = frozenset({"MST", "MNS"})
PERSONAL_UID_PREFIXES = frozenset({"CMND", "CCCD", "HC"})

_INVALID = "Chữ ký số không hợp lệ: "
_UNKNOWN = "Chưa xác định được tính hợp lệ của chữ ký số: "
MESSAGES: dict[str, str] = {
    "OK": "Chữ ký số hợp lệ",
    "HASH_FAILURE": _INVALID + "nội dung tài liệu đã bị thay đổi so với lúc ký",
    "SIG_CRYPTO_FAILURE": _INVALID + "chữ ký không khớp với chứng thư số",
    "MODIFIED_AFTER_SIGNING": _INVALID + "tài liệu đã bị sửa sau khi ký",
    "INCOMPLETE_COVERAGE": _INVALID + "chữ ký không bao phủ toàn bộ tài liệu",
    "FORMAT_FAILURE": _INVALID + "cấu trúc chữ ký bị hỏng hoặc không được hỗ trợ",
    "UNSUPPORTED_SUBFILTER": _INVALID + "định dạng chữ ký không được hỗ trợ",
    "SIG_CONSTRAINTS_FAILURE": _INVALID + "chữ ký vi phạm ràng buộc của trường chữ ký",
    "REVOKED": _INVALID + "chứng thư số đã bị thu hồi",
    "NO_TRUSTED_ROOT": _UNKNOWN + "chứng thư số không do tổ chức chứng thực được tin cậy cấp",
    "EXPIRED": _UNKNOWN + "chứng thư số đã hết hạn và không có dấu thời gian chứng minh thời điểm ký",
    "NOT_YET_VALID": _UNKNOWN + "chứng thư số chưa có hiệu lực",
    "REVOCATION_UNKNOWN": _UNKNOWN + "không kiểm tra được tình trạng thu hồi của chứng thư số",
    "CHAIN_CONSTRAINTS_FAILURE": _UNKNOWN + "chứng thư số không được phép dùng để ký văn bản",
    "PDF_UNREADABLE": "Không đọc được tệp PDF để kiểm tra chữ ký số",
    "TIMESTAMP_OK": "Dấu thời gian hợp lệ",
}

_TRUST_CODES: dict[AdESIndeterminate, tuple[Indication, str]] = {
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND: (Indication.INDETERMINATE, "NO_TRUSTED_ROOT"),
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE: (Indication.INDETERMINATE, "EXPIRED"),
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED: (Indication.INDETERMINATE, "EXPIRED"),
    AdESIndeterminate.EXPIRED: (Indication.INDETERMINATE, "EXPIRED"),
    AdESIndeterminate.NOT_YET_VALID: (Indication.INDETERMINATE, "NOT_YET_VALID"),
    AdESIndeterminate.REVOKED_NO_POE: (Indication.TOTAL_FAILED, "REVOKED"),
    AdESIndeterminate.REVOKED_CA_NO_POE: (Indication.TOTAL_FAILED, "REVOKED"),
    AdESIndeterminate.TRY_LATER: (Indication.INDETERMINATE, "REVOCATION_UNKNOWN"),
}


def message(sub_indication: str) -> str:
    return MESSAGES.get(sub_indication, _UNKNOWN + sub_indication)


def timestamp_message(sub_indication: str) -> str:
    """The same reasons, said of a document timestamp."""
    text = message(sub_indication)
    if text.startswith(_INVALID):
        return "Dấu thời gian không hợp lệ: " + text.removeprefix(_INVALID)
    if text.startswith(_UNKNOWN):
        return "Chưa xác định được tính hợp lệ của dấu thời gian: " + text.removeprefix(_UNKNOWN)
    return text


def verdict(st: PdfSignatureStatus, *, unknown: str = "hold") -> tuple[Indication, str]:
    if not st.intact:
        return Indication.TOTAL_FAILED, "HASH_FAILURE"
    if not st.valid:
        return Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE"
    if st.coverage not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION):
        return Indication.TOTAL_FAILED, "INCOMPLETE_COVERAGE"
    if st.modification_level == ModificationLevel.OTHER or st.docmdp_ok is False:
        return Indication.TOTAL_FAILED, "MODIFIED_AFTER_SIGNING"
    if st.seed_value_constraint_error is not None:
        return Indication.TOTAL_FAILED, "SIG_CONSTRAINTS_FAILURE"
    return trust_verdict(st.trust_problem_indic, st.bottom_line, unknown=unknown)


def trust_verdict(indic: object, bottom_line: bool, *, unknown: str) -> tuple[Indication, str]:
    """The certificate path: untrusted, expired, revoked, or revocation status not to be had (`unknown`: hold or
    reject). With revocation required, certvalidator reports missing revocation information as a general path
    failure; every other path problem has its own code."""
    if isinstance(indic, AdESIndeterminate):
        if indic in _TRUST_CODES:
            indication, sub = _TRUST_CODES[indic]
        elif indic == AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE:
            indication, sub = Indication.INDETERMINATE, "REVOCATION_UNKNOWN"
        else:
            indication, sub = Indication.INDETERMINATE, indic.name
        if sub == "REVOCATION_UNKNOWN" and unknown == "reject":
            indication = Indication.TOTAL_FAILED
        return indication, sub
    if indic is not None:
        return Indication.INDETERMINATE, getattr(indic, "name", str(indic))
    if bottom_line:
        return Indication.TOTAL_PASSED, ""
    return Indication.INDETERMINATE, "GENERIC"


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def uid_values(name: x509.Name) -> tuple[str, ...]:
    return tuple(_text(a.value).strip() for a in name.get_attributes_for_oid(NameOID.USER_ID))


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    attrs = name.get_attributes_for_oid(oid)
    return _text(attrs[0].value) if attrs else ""


def is_organisation_certificate(uids: tuple[str, ...], sha256: str, organisation_certs: frozenset[str]) -> bool:
    if sha256 in organisation_certs:
        return True
    prefixes = {uid.split(":", 1)[0].strip().upper() for uid in uids if ":" in uid}
    return bool(prefixes & ORGANISATION_UID_PREFIXES) and not prefixes & PERSONAL_UID_PREFIXES


def signer_fields(cert: asn1_x509.Certificate, organisation_certs: frozenset[str]) -> dict[str, object]:
    """Who signed. A fresh dict each time; worked out once per certificate (documents repeat their signers)."""
    return dict(_signer_fields(cert.dump(), frozenset(organisation_certs)))


@functools.lru_cache(maxsize=1024)
def _signer_fields(der: bytes, organisation_certs: frozenset[str]) -> tuple[tuple[str, object], ...]:
    sha256 = hashlib.sha256(der).hexdigest()
    parsed = x509.load_der_x509_certificate(der)
    uids = uid_values(parsed.subject)
    return (
        ("signer_subject", parsed.subject.rfc4514_string()),
        ("signer_cn", _first(parsed.subject, NameOID.COMMON_NAME)),
        ("signer_org", _first(parsed.subject, NameOID.ORGANIZATION_NAME)),
        ("signer_uids", uids),
        ("issuer", parsed.issuer.rfc4514_string()),
        ("cert_sha256", sha256),
        ("is_organisation", is_organisation_certificate(uids, sha256, organisation_certs)),
    )


def signing_time(st: PdfSignatureStatus) -> datetime | None:
    ts = st.timestamp_validity
    if ts is not None and ts.intact and ts.valid and ts.trusted:
        return ts.timestamp
    return st.signer_reported_dt


def build_report(
    field_name: str,
    subfilter: str,
    st: PdfSignatureStatus,
    placement: dict[str, int],
    *,
    organisation_certs: frozenset[str],
    unknown: str = "hold",
) -> SignatureReport:
    indication, sub = verdict(st, unknown=unknown)
    signer = signer_fields(st.signing_cert, organisation_certs)
    text = message(sub or "OK")
    if indication is Indication.TOTAL_PASSED and signer["signer_cn"]:
        text = f"{text}: {signer['signer_cn']}"
    return SignatureReport(
        field_name=field_name,
        indication=indication,
        sub_indication=sub,
        message=text,
        signing_time=signing_time(st),
        subfilter=subfilter,
        coverage=st.coverage.name if st.coverage is not None else "",
        modification_level=st.modification_level.name if st.modification_level is not None else "",
        kind="signature",
        intact=bool(st.intact and st.valid),
        **placement,  # type: ignore[arg-type]
        **signer,  # type: ignore[arg-type]
    )


def timestamp_verdict(st: DocumentTimestampStatus, *, unknown: str = "hold") -> tuple[Indication, str]:
    """A document timestamp: its imprint must match the covered bytes, its token verify and its TSA be trusted."""
    if not st.intact:
        return Indication.TOTAL_FAILED, "HASH_FAILURE"
    if not st.valid:
        return Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE"
    if st.coverage not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION):
        return Indication.TOTAL_FAILED, "INCOMPLETE_COVERAGE"
    if st.modification_level == ModificationLevel.OTHER:
        return Indication.TOTAL_FAILED, "MODIFIED_AFTER_SIGNING"
    if st.trust_problem_indic is None and not st.trusted:
        return Indication.INDETERMINATE, "NO_TRUSTED_ROOT"
    return trust_verdict(st.trust_problem_indic, True, unknown=unknown)


def build_timestamp_report(
    field_name: str, subfilter: str, st: DocumentTimestampStatus, placement: dict[str, int], *, unknown: str = "hold"
) -> SignatureReport:
    indication, sub = timestamp_verdict(st, unknown=unknown)
    tsa = signer_fields(st.signing_cert, frozenset())
    tsa["is_organisation"] = False  # a time-stamping authority signs no document
    passed = indication is Indication.TOTAL_PASSED
    text = f"{MESSAGES['TIMESTAMP_OK']}: {tsa['signer_cn']}" if passed else timestamp_message(sub)
    return SignatureReport(
        field_name=field_name,
        indication=indication,
        sub_indication=sub,
        message=text,
        signing_time=st.timestamp,
        subfilter=subfilter,
        coverage=st.coverage.name if st.coverage is not None else "",
        modification_level=st.modification_level.name if st.modification_level is not None else "",
        kind="timestamp",
        intact=bool(st.intact and st.valid),
        **placement,  # type: ignore[arg-type]
        **tsa,  # type: ignore[arg-type]
    )


def failed_report(
    field_name: str, sub_indication: str, subfilter: str = "", kind: str = "signature", **signer: object
) -> SignatureReport:
    return SignatureReport(
        field_name=field_name,
        indication=Indication.TOTAL_FAILED,
        sub_indication=sub_indication,
        message=timestamp_message(sub_indication) if kind == "timestamp" else message(sub_indication),
        subfilter=subfilter,
        kind=kind,
        **signer,  # type: ignore[arg-type]
    )


def document_report(finding: Finding) -> SignatureReport:
    """A reason the file as a whole is refused (core.signature_policy), as a TOTAL_FAILED report without a field."""
    return SignatureReport(
        field_name="",
        indication=Indication.TOTAL_FAILED,
        sub_indication=finding.sub_indication,
        message=finding.message,
        kind="document",
    )
