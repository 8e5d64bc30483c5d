"""Agencies in the directory: who may send, where receipts go, how a sender is authenticated."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from core.organ_id import OrganId


class SenderPolicy(StrEnum):
    DIRECTORY = "directory"  # the From address must be one of the agency's addresses
    DKIM = "dkim"  # ... and DKIM must pass for the address's domain


@dataclass(frozen=True, slots=True)
class Agency:
    organ_id: OrganId
    name: str
    parent_name: str = ""  # OrganizationInCharge
    emails: tuple[str, ...] = ()  # normalised, lower case; the first is the public mailbox
    served: bool = True  # True: the bridge acts for it (it has no document system of its own)
    address: str = ""
    telephone: str = ""
    tax_codes: tuple[str, ...] = ()  # MST / MNS values found in its certificates' UID
    cert_fingerprints: tuple[str, ...] = ()  # SHA-256 hex of its organisation certificates
    sender_policy: SenderPolicy = SenderPolicy.DIRECTORY
    code_qd20: str = ""  # second identifier system (QĐ 20/2020), optional
    abbreviation: str = ""  # "UBND" in "05/QĐ-UBND"
    extra: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def mailbox(self) -> str | None:
        return self.emails[0] if self.emails else None

    def owns_address(self, address: str) -> bool:
        return address.strip().lower() in self.emails
