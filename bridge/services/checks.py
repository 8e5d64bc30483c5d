"""What the attachment and sender checks demand (policy as data, filled from `[checks]` settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.signature_policy import ORGANISATION, PERSONAL

if TYPE_CHECKING:
    from bridge.settings import Checks


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    """What the pipeline steps demand. Defaults suit tests with fakes; bootstrap fills it from settings."""

    require_signature: bool = False  # unsigned main document: reject (True) or hold for a clerk (False)
    expected_signatures: tuple[str, ...] = (PERSONAL, ORGANISATION)  # on the main document (NĐ 30 Điều 5)
    expected_signatures_scanned: tuple[str, ...] = (ORGANISATION,)  # a scan of paper carries the seal's signature
    scan_alert_after: float = 600.0  # seconds clamd may be down before an alert is logged and recorded
    scan_retry_max_delay: float = 60.0  # a document waiting for clamd is tried at least this often
    scanner_configured: bool = False  # False: documents pass unscanned, and the trail says so
    unchecked_signatures_pass: bool = False  # no trust roots: hold (False, the default) or pass, saying so


def policy_from(checks: Checks) -> CheckPolicy:
    return CheckPolicy(
        require_signature=checks.require_signature,
        expected_signatures=_kinds(checks.expected_signatures),
        expected_signatures_scanned=_kinds(checks.expected_signatures_scanned),
        scan_alert_after=checks.scan_alert_after,
        scan_retry_max_delay=checks.scan_retry_max_delay,
        scanner_configured=checks.clamd_enabled,
        unchecked_signatures_pass=checks.signatures_unchecked == "accept",
    )


def _kinds(kinds: list[str]) -> tuple[str, ...]:
    return tuple(k for k in kinds if k in (PERSONAL, ORGANISATION))
