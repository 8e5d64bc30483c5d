"""Policy of the attachment and sender checks, and their wiring from settings (composition helper for bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridge.services.deps import Deps
    from bridge.settings import Checks

PERSONAL, ORGANISATION = "personal", "organisation"
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    """What the pipeline steps demand. Defaults suit tests with fakes; bootstrap fills it from settings."""

    require_signature: bool = False  # unsigned main document: reject (True) or hold for a clerk (False)
    expected_signatures: tuple[str, ...] = (PERSONAL, ORGANISATION)  # on the main document (NĐ 30 Điều 5)
    scan_alert_after: float = 600.0  # seconds clamd may be down before an alert is logged and recorded
    scan_retry_max_delay: float = 60.0  # a document waiting for clamd is tried at least this often
    scanner_configured: bool = False  # False: documents pass unscanned, and the trail says so


def _path(name: str) -> Path:
    p = Path(name)
    return p if p.is_absolute() or p.exists() else ROOT / p


def policy_from(checks: Checks) -> CheckPolicy:
    expected = tuple(k for k in checks.expected_signatures if k in (PERSONAL, ORGANISATION))
    return CheckPolicy(
        require_signature=checks.require_signature,
        expected_signatures=expected,
        scan_alert_after=checks.scan_alert_after,
        scan_retry_max_delay=checks.scan_retry_max_delay,
        scanner_configured=checks.clamd_enabled,
    )


def configure_checks(deps: Deps, checks: Checks, *, dns_resolver: Any = None) -> None:
    """Concrete adapters for the checks, from `[checks]` settings. Imports adapters lazily (composition only)."""
    from mail.auth import SenderAuthenticator, normalise_address
    from signing.completeness import check_attachment_set, check_pdf_async
    from signing.pdf_text import extract_metadata_async

    deps.checks = policy_from(checks)
    deps.normalise_address = normalise_address
    deps.require_signature = checks.require_signature
    deps.extract_pdf_metadata = extract_metadata_async
    deps.check_pdf = check_pdf_async
    deps.check_attachments = check_attachment_set
    if checks.clamd_enabled:
        from signing.clamav import ClamdScanner

        deps.scanner = ClamdScanner(checks.clamd_host, checks.clamd_port, timeout=checks.clamd_timeout)
    if checks.trust_roots:
        from signing.signatures import PdfSignatureValidator

        deps.signatures = PdfSignatureValidator(
            [_path(p) for p in checks.trust_roots],
            intermediates=[_path(p) for p in checks.intermediates],
            revocation_mode=checks.revocation_mode,
        )
    if checks.sender_auth:
        deps.authenticator = SenderAuthenticator(dns_resolver=dns_resolver or _resolver(checks.dns_servers))


def _resolver(servers: list[str]) -> Any:
    """A resolver asking only the configured servers ("host" or "host:port"); None = the system's resolver."""
    if not servers:
        return None
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [s.rpartition(":")[0] if ":" in s else s for s in servers]
    ports = {int(s.rpartition(":")[2]) for s in servers if ":" in s}
    if ports:
        resolver.port = ports.pop()
    return resolver
