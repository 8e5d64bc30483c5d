"""Operator commands around signature checking (wiring for bridge/cli.py): refresh the CRL files from the
distribution points of the configured CAs, and sign a PDF with the demo PKI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.checks import _path

if TYPE_CHECKING:
    from bridge.settings import Settings


def refresh_revocation_lists(settings: Settings, fetch: Any = None) -> list[Any]:
    """`crl refresh`: every CRL named by the trust roots and intermediates (CRL distribution points) and by
    `checks.crl_urls`, kept only when one of those CAs signed it, written to `checks.crl_dir`."""
    from signing.revocation import distribution_points, refresh_crls
    from signing.signatures import load_certificates

    checks = settings.checks
    cas = load_certificates([_path(p) for p in [*checks.trust_roots, *checks.intermediates]])
    urls = [*distribution_points(cas), *checks.crl_urls]
    return refresh_crls(_path(checks.crl_dir), cas, urls, fetch=fetch or _http_get)


def _http_get(url: str) -> bytes:
    import httpx

    response = httpx.get(url, timeout=30.0, follow_redirects=True)
    response.raise_for_status()
    return response.content


@dataclass(frozen=True)
class DemoSigned:
    path: Path
    agency: str
    organ_id: str
    codes: tuple[str, ...]


def demo_sign(settings: Settings, source: Path | None, out: Path, organ_id: str = "") -> DemoSigned:
    """`demo sign`: `source` (or a sample one-page document) signed by the demo person, then by the demo certificate
    of a served agency (`organ_id`, else the first with an MST/MNS in the directory), written to `out`."""
    from bridge.directory import load_directory
    from signing.demo_pki import DemoPki, sample_document

    if not settings.checks.demo_pki:
        raise ValueError("Lệnh này chỉ dùng với cấu hình demo: edoc-bridge demo sign -c config/demo.toml …")
    agencies = [a for a in load_directory(_path(settings.directory_file)) if a.served and a.tax_codes]
    agency = next((a for a in agencies if str(a.organ_id) == organ_id or not organ_id), None)
    if agency is None:
        raise ValueError(f"Danh bạ không có cơ quan được phục vụ có MST/MNS với mã {organ_id or '(bất kỳ)'}.")
    pki = DemoPki.ensure(_path(settings.checks.demo_pki))
    pdf = source.read_bytes() if source is not None else sample_document()
    codes = tuple(agency.tax_codes)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pki.sign(pdf, organ_id=str(agency.organ_id), agency=agency.name, codes=codes))
    return DemoSigned(out, agency.name, str(agency.organ_id), codes)
