"""Who may be answered about an inbound mail: every owed answer, and no unowed one.

- A refusal is owed to the agency that sent the mail. When the From header is missing or unreadable, the
  envelope sender (MAIL FROM, or Return-Path for IMAP) is answered instead — if it is an address in the directory.
- Unknown outside senders are recorded but not answered (no backscatter to forged addresses), unless SPF passes
  for the domain of their From address (the sending server is authorised to speak for it).
- Mail from the bridge's own addresses, or carrying one of our own Message-IDs in In-Reply-To/References (a
  receipt of ours coming back, whatever its headers say), is never answered: screen_loops marks it silent.
"""

from __future__ import annotations

import re

from bridge.pipeline.inspection import Inspection
from bridge.services.deps import Deps

_MSG_ID = re.compile(r"<([^<>@\s]+)@([^<>\s]+)>")
_RECEIPT_ID = re.compile(r"<edoc\.receipt\.[0-9a-f]+@([^<>\s]+)>")  # mail.sender.message_id_for of a receipt job


def answer_address(ins: Inspection, deps: Deps) -> str:
    """The address receipts about this mail go to, "" when none may be sent."""
    if ins.silent or (ins.message is None and not ins.inbound.envelope_from):
        return ""
    written = ins.message.sender_address if ins.message else ""
    if is_own(written, deps) or is_own(envelope_sender(ins), deps):
        return ""
    sender = usable_address(written, deps)
    if sender:
        if ins.agency is not None or ins.directory.by_email(sender) is not None:
            return sender
        return sender if spf_passed_for(ins, sender) else ""
    envelope = usable_address(envelope_sender(ins), deps)
    if envelope and ins.directory.by_email(envelope) is not None:
        return envelope
    return ""


def envelope_sender(ins: Inspection) -> str:
    """MAIL FROM as the SMTP edge saw it; for IMAP the Return-Path the delivering server wrote."""
    if ins.inbound.envelope_from:
        return ins.inbound.envelope_from
    headers = ins.message.headers if ins.message else {}
    return headers.get("return-path", "").strip().strip("<>").strip()


def usable_address(text: str, deps: Deps) -> str:
    if not text or "@" not in text:
        return ""
    try:
        return deps.normalise_address(text)
    except ValueError:
        return ""


def is_own(address: str, deps: Deps) -> bool:
    """One of the bridge's own addresses (compared as written: they need not pass the address rules)."""
    return bool(address) and address.strip().strip("<>").strip().lower() in own_addresses(deps)


def own_addresses(deps: Deps) -> frozenset[str]:
    return frozenset(a.strip().lower() for a in deps.own_addresses)


def own_domains(deps: Deps) -> frozenset[str]:
    return frozenset(a.rpartition("@")[2] for a in own_addresses(deps) if "@" in a)


def spf_passed_for(ins: Inspection, address: str) -> bool:
    """SPF passed, and for the domain of `address` (the domain we would answer)."""
    auth = ins.facts.get("auth") or {}
    domain = address.rpartition("@")[2]
    return auth.get("spf") == "pass" and auth.get("spf_domain", "").lower() == domain


def refers_to_our_mail(ins: Inspection, deps: Deps) -> bool:
    """In-Reply-To/References name a Message-ID minted by the bridge (one of its own domains)."""
    headers = ins.message.headers if ins.message else {}
    domains = own_domains(deps)
    text = " ".join(headers.get(h, "") for h in ("in-reply-to", "references"))
    return any(domain.lower().rstrip(".") in domains for _, domain in _MSG_ID.findall(text))


def refers_to_our_receipt(headers: dict[str, str], deps: Deps) -> bool:
    """In-Reply-To/References name one of our receipts (accepted, refused, status …): those invite no reply, so
    whatever answers one — a person's thanks or a mail server echoing it without Auto-Submitted — is not answered."""
    domains = own_domains(deps)
    text = " ".join(headers.get(h, "") for h in ("in-reply-to", "references"))
    return any(domain.lower().rstrip(".") in domains for domain in _RECEIPT_ID.findall(text))
