"""Seconds left before what the bridge trusts or presents expires: the trust roots and intermediates, the inbound
SMTP certificate, the packet signing certificate, and the CRLs in `checks.crl_dir` (their next update). Read at
scrape time (in a thread: file reads) so an alert fires days before signature checks start holding every
document or clients refuse the TLS certificate."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from prometheus_client.core import GaugeMetricFamily

from bridge.settings import Settings


def certificate_files(s: Settings) -> list[tuple[str, str]]:
    """(role, path) of every certificate file the configuration names."""
    files = [("trust_root", p) for p in s.checks.trust_roots]
    files += [("intermediate", p) for p in s.checks.intermediates]
    if s.smtp_in.tls_cert:
        files.append(("smtp_tls", s.smtp_in.tls_cert))
    if s.axis.signing_cert:
        files.append(("axis_signing", s.axis.signing_cert))
    return files


def read_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def read_crl(data: bytes) -> x509.CertificateRevocationList:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def _subject(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def expiry_families(s: Settings, now: datetime) -> list[Any]:
    certs = GaugeMetricFamily(
        "edoc_certificate_expiry_seconds",
        "Số giây còn lại trước khi chứng thư hết hạn (âm: đã hết hạn)",
        labels=["role", "file", "subject"],
    )
    crls = GaugeMetricFamily(
        "edoc_crl_next_update_seconds",
        "Số giây còn lại trước thời điểm cập nhật kế tiếp của CRL (âm: CRL đã cũ, cần `edoc-bridge crl refresh`)",
        labels=["file", "issuer"],
    )
    unreadable = GaugeMetricFamily(
        "edoc_certificate_file_unreadable",
        "Tệp chứng thư hoặc CRL được cấu hình nhưng không đọc được (1)",
        labels=["file"],
    )
    for role, name in certificate_files(s):
        try:
            for cert in read_certificates(Path(name).read_bytes()):
                left = (cert.not_valid_after_utc - now).total_seconds()
                certs.add_metric([role, name, _subject(cert)], left)
        except (OSError, ValueError):
            unreadable.add_metric([name], 1.0)
    crl_dir = Path(s.checks.crl_dir)
    for path in sorted(crl_dir.iterdir()) if crl_dir.is_dir() else []:
        try:
            crl = read_crl(path.read_bytes())
        except (OSError, ValueError):
            unreadable.add_metric([str(path)], 1.0)
            continue
        if crl.next_update_utc is not None:
            issuer = crl.issuer.rfc4514_string()
            crls.add_metric([str(path), issuer], (crl.next_update_utc - now).total_seconds())
    return [certs, crls, unreadable]


async def expiry(s: Settings, now: datetime) -> list[Any]:
    return await asyncio.to_thread(expiry_families, s, now)
