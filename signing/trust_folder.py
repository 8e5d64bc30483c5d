"""The managed folder of trust roots (`[checks] trust_dir`): one certificate per file, named by its SHA-256
fingerprint, added and removed by administrators (console, CLI). Validators read it again whenever a file is
added, changed or removed, so a change takes effect on the next document without a restart."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
MAX_SIZE = 64 * 1024


class TrustRootError(ValueError):
    """Why a certificate cannot be a trust root, in Vietnamese."""


@dataclass(frozen=True, slots=True)
class RootInfo:
    sha256: str  # hex, lower case, of the DER certificate
    subject: str
    not_before: datetime
    not_after: datetime
    file: str  # where it is read from
    managed: bool  # in trust_dir (removable here) or named in [checks] trust_roots (change the configuration)


def parse_one(data: bytes) -> asn1_x509.Certificate:
    """Exactly one certificate, PEM or DER."""
    if len(data) > MAX_SIZE:
        raise TrustRootError("Tệp quá lớn cho một chứng thư số (tối đa 64 KB).")
    try:
        if pem.detect(data):
            blocks = [der for kind, _, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
        else:
            blocks = [data]
        if len(blocks) != 1:
            raise TrustRootError(f"Tệp phải chứa đúng một chứng thư số (thấy {len(blocks)}).")
        cert = asn1_x509.Certificate.load(blocks[0])
        _ = cert.native  # parses every field now: a broken certificate fails here, not in a later check
    except TrustRootError:
        raise
    except Exception as exc:
        raise TrustRootError("Không đọc được chứng thư số (cần tệp PEM hoặc DER).") from exc
    return cert


def acceptable_root(data: bytes, now: datetime) -> asn1_x509.Certificate:
    """The certificate of `data`, refused unless it is a CA certificate valid at `now`."""
    cert = parse_one(data)
    if not cert.ca:
        raise TrustRootError("Chứng thư này không phải của tổ chức cấp chứng thư (CA): không làm gốc tin cậy được.")
    validity = cert["tbs_certificate"]["validity"]
    start, end = validity["not_before"].native, validity["not_after"].native
    if end <= now:
        raise TrustRootError(f"Chứng thư đã hết hạn ngày {end:%d/%m/%Y}.")
    if start > now:
        raise TrustRootError(f"Chứng thư chưa có hiệu lực (từ ngày {start:%d/%m/%Y}).")
    return cert


def describe(cert: asn1_x509.Certificate, file: str, managed: bool) -> RootInfo:
    validity = cert["tbs_certificate"]["validity"]
    return RootInfo(
        sha256=hashlib.sha256(cert.dump()).hexdigest(),
        subject=cert.subject.human_friendly,
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        file=file,
        managed=managed,
    )


class TrustFolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._certs: tuple[asn1_x509.Certificate, ...] = ()

    def _files(self) -> list[Path]:
        if not self.path.is_dir():
            return []
        return sorted(p for p in self.path.iterdir() if p.suffix.lower() in _SUFFIXES and p.is_file())

    def current(self) -> tuple[asn1_x509.Certificate, ...]:
        """The folder's certificates, parsed again only when its files changed (a broken file is skipped)."""
        files = self._files()
        seen = tuple((p.name, (st := p.stat()).st_mtime_ns, st.st_size) for p in files)
        if seen != self._seen:
            certs = []
            for file in files:
                try:
                    certs.append(parse_one(file.read_bytes()))
                except (TrustRootError, OSError):
                    continue
            self._certs, self._seen = tuple(certs), seen
        return self._certs

    def changed_since(self, marker: object) -> tuple[bool, object]:
        """(whether the files differ from `marker`, the new marker): lets a validator rebuild only then."""
        self.current()
        return self._seen != marker, self._seen

    def roots(self) -> list[RootInfo]:
        out = []
        for file in self._files():
            try:
                out.append(describe(parse_one(file.read_bytes()), str(file), True))
            except (TrustRootError, OSError):
                continue
        return out

    def add(self, cert: asn1_x509.Certificate) -> RootInfo:
        """Write `cert` as <sha256>.pem (atomically); TrustRootError when it is there already."""
        info = describe(cert, "", True)
        target = self.path / f"{info.sha256}.pem"
        if target.exists():
            raise TrustRootError(f"Chứng thư gốc này đã có (SHA-256 {info.sha256}).")
        self.path.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(pem.armor("CERTIFICATE", cert.dump()))
        os.replace(temporary, target)
        return RootInfo(info.sha256, info.subject, info.not_before, info.not_after, str(target), True)

    def remove(self, sha256: str) -> RootInfo | None:
        """Remove the root with this fingerprint; None when the folder has none."""
        found = next((r for r in self.roots() if r.sha256 == sha256.lower().replace(":", "")), None)
        if found is not None:
            Path(found.file).unlink()
        return found
