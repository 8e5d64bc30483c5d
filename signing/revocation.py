"""Revocation data for signature validation: CRL files on disk, refreshed from the distribution points of the
configured CAs (`edoc-bridge crl refresh`), and OCSP/CRL fetched by pyHanko during validation when allowed.

Validation always asks pyHanko for revocation information on every certificate below a trust root
("require"): a revoked certificate fails, information that cannot be had leaves the signature INDETERMINATE
(held for a clerk, or refused when so configured) — never a silent pass.

    folder = CrlFolder(Path("var/crl"))
    folder.current()                                  # parsed CRLs, re-read when the files change
    results = refresh_crls(folder.path, cas, urls, fetch=http_get)
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

UNKNOWN_STATUS = frozenset({"hold", "reject"})
_SUFFIXES = frozenset({".crl", ".pem", ".der"})
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True, slots=True)
class Revocation:
    """How revocation is checked: CRLs given as bytes (DER or PEM) and/or read from `crl_dir`, fetching on or off,
    and what a status that cannot be established does ("hold": INDETERMINATE; "reject": TOTAL_FAILED)."""

    crls: tuple[bytes, ...] = ()
    crl_dir: Path | None = None
    fetch: bool = False
    unknown: str = "hold"

    def __post_init__(self) -> None:
        if self.unknown not in UNKNOWN_STATUS:
            raise ValueError(f"unknown must be one of {sorted(UNKNOWN_STATUS)}")


def load_crls(data: bytes) -> list[asn1_crl.CertificateList]:
    """Every CRL in `data` (PEM blocks or one DER structure)."""
    if pem.detect(data):
        return [
            asn1_crl.CertificateList.load(der) for kind, _, der in pem.unarmor(data, multiple=True) if "CRL" in kind
        ]
    return [asn1_crl.CertificateList.load(data)]


class CrlFolder:
    """The CRL files of a folder (.crl, .der, .pem), parsed again only when a file is added, changed or removed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._crls: tuple[asn1_crl.CertificateList, ...] = ()

    def current(self) -> tuple[asn1_crl.CertificateList, ...]:
        files = sorted(p for p in self.path.glob("*") if p.suffix.lower() in _SUFFIXES) if self.path.is_dir() else []
        seen = tuple((p.name, (st := p.stat()).st_mtime_ns, st.st_size) for p in files)
        if seen != self._seen:
            crls: list[asn1_crl.CertificateList] = []
            for file in files:
                try:
                    crls.extend(load_crls(file.read_bytes()))
                except (ValueError, OSError):  # a broken file helps no check; the others still count
                    continue
            self._crls, self._seen = tuple(crls), seen
        return self._crls


def distribution_points(certificates: Iterable[asn1_x509.Certificate]) -> list[str]:
    """The HTTP(S) CRL distribution points named by `certificates`, in order, without repeats."""
    urls: list[str] = []
    for cert in certificates:
        for point in cert.crl_distribution_points or ():
            where = point["distribution_point"]
            names = where.chosen if where.name == "full_name" else ()
            urls += [n.native for n in names if n.name == "uniform_resource_identifier" and _http(n.native)]
    return list(dict.fromkeys(urls))


def _http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


@dataclass(frozen=True, slots=True)
class RefreshResult:
    url: str
    file: Path | None = None  # where the CRL was written
    issuer: str = ""
    next_update: str = ""
    error: str = ""  # why nothing was written


@dataclass
class _Issuers:
    by_subject: dict[bytes, list[x509.Certificate]] = field(default_factory=dict)

    def add(self, cert: x509.Certificate) -> None:
        self.by_subject.setdefault(cert.subject.public_bytes(), []).append(cert)

    def signer_of(self, crl: x509.CertificateRevocationList) -> x509.Certificate | None:
        for cert in self.by_subject.get(crl.issuer.public_bytes(), []):
            try:
                if crl.is_signature_valid(cert.public_key()):  # type: ignore[arg-type]
                    return cert
            except (TypeError, ValueError):  # a key type that cannot sign CRLs
                continue
        return None


def refresh_crls(
    folder: Path, cas: Iterable[asn1_x509.Certificate], urls: Iterable[str], *, fetch: Callable[[str], bytes]
) -> list[RefreshResult]:
    """Fetch every URL, keep each CRL only if one of the configured CAs signed it, write it (atomically) to
    `folder` as one file per issuer. A CRL that cannot be fetched or verified is reported and leaves the old file."""
    issuers = _Issuers()
    for ca in cas:
        issuers.add(x509.load_der_x509_certificate(ca.dump()))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for url in dict.fromkeys(urls):
        try:
            data = fetch(url)
            pem_form = data.lstrip().startswith(b"-----")
            crl = x509.load_pem_x509_crl(data) if pem_form else x509.load_der_x509_crl(data)
        except Exception as e:  # network errors, HTTP errors, not a CRL
            results.append(RefreshResult(url, error=f"{type(e).__name__}: {e}"[:300]))
            continue
        signer = issuers.signer_of(crl)
        if signer is None:
            results.append(RefreshResult(url, error="CRL không do chứng thư gốc hay trung gian đã cấu hình ký"))
            continue
        name = _SAFE.sub("_", hashlib.sha256(signer.subject.public_bytes()).hexdigest()[:16]) + ".crl"
        target = folder / name
        partial = target.with_suffix(".crl.part")
        partial.write_bytes(crl.public_bytes(Encoding.DER))
        os.replace(partial, target)
        next_update = crl.next_update_utc.isoformat() if crl.next_update_utc else ""
        results.append(RefreshResult(url, target, signer.subject.rfc4514_string(), next_update))
    return results
