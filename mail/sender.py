"""Outgoing mail (receipts, notices) over SMTP with aiosmtplib, or into a folder: implements core.ports.MailSender.

Temporary trouble (connection refused, timeouts, TLS failures, 4xx, authentication) raises MailUnavailable so the
caller retries later; a permanent 5xx answer about this mail raises MailRejected.
"""

from __future__ import annotations

import asyncio
import email.policy
import hashlib
import logging
import re
import ssl
import uuid
from datetime import UTC, datetime
from email.header import Header
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import aiosmtplib

from core.ports import MailRefused, MailUnavailable, OutgoingMail

log = logging.getLogger(__name__)

DEFAULT_FROM_NAME = "Cầu nối văn bản điện tử"
# 530 STARTTLS/auth required, 534/538 stronger auth or encryption needed: fix the configuration, keep the mail
_CONFIGURATION_CODES = frozenset({530, 534, 538})


class _EncodedSubject(UnstructuredHeader):
    """A Subject folded as whole RFC 2047 encoded words (spaces inside them).

    The standard library's folder moves the space before a folded encoded word into the folding whitespace,
    which every decoder drops between two encoded words: "Từ chối tiếp nhận vănbản". email.header.Header
    splits the text into encoded words that carry their own spaces, so every client decodes the exact text."""

    def fold(self, *, policy: email.policy.Policy) -> str:  # type: ignore[override]
        text = str(self)
        if text.isascii():
            return super().fold(policy=policy)
        limit = policy.max_line_length or 78
        encoded = Header(text, "utf-8", maxlinelen=limit, header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


def _headers() -> HeaderRegistry:
    registry = HeaderRegistry()
    registry.map_to_type("subject", _EncodedSubject)
    return registry


POLICY = email.policy.SMTP.clone(header_factory=_headers())


class MailRejected(MailRefused):
    """The relay refused this mail permanently (5xx): sending the same mail again will not help."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__(f"{code} {reply}")
        self.code = code
        self.reply = reply


def build_message(mail: OutgoingMail, from_address: str, from_name: str = DEFAULT_FROM_NAME) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = Address(display_name=from_name, addr_spec=from_address)
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = _one_line(mail.subject)
    msg["Date"] = format_datetime(mail.date or datetime.now(UTC))
    domain = from_address.rpartition("@")[2].strip(" >") or "edoc-bridge.invalid"
    # derived from the sending job's key: a re-send after a crash carries the same Message-ID, so mail clients
    # (and anyone counting receipts) see one mail; else random, with an explicit domain (getfqdn() would block)
    msg["Message-ID"] = message_id_for(mail.key, domain) if mail.key else make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: receipts must not trigger auto-replies
    if mail.reply_to:
        msg["Reply-To"] = _one_line(mail.reply_to)
    for name, value in mail.headers.items():
        del msg[name]
        msg[name] = _one_line(value)
    msg.set_content(mail.body, charset="utf-8", cte="base64")
    for filename, content_type, data in mail.attachments:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype or "application", subtype=subtype or "octet-stream",
                           filename=_one_line(filename))  # fmt: skip
    return msg


def message_id_for(key: str, domain: str) -> str:
    """A stable Message-ID for one outgoing mail from its idempotency key: `<edoc.<kind>.<hash>@domain>`, the kind
    being the key's first part ("receipt", "agency_mail" …) so a mail answering one of our receipts is recognised;
    never the key itself (it names internal ids)."""
    kind = re.sub(r"[^a-z_]", "", key.partition(":")[0].lower())[:20] or "mail"
    return f"<edoc.{kind}.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


class MailFolderSender:
    """Writes each outgoing mail as an .eml file instead of sending it: the default run needs no mail relay,
    and an operator can read what would have been sent. Written to a temporary name, then renamed."""

    def __init__(self, folder: str | Path, *, from_address: str, from_name: str = DEFAULT_FROM_NAME) -> None:
        self.folder = Path(folder)
        self.from_address = from_address
        self.from_name = from_name

    async def send(self, mail: OutgoingMail) -> str:
        msg = build_message(mail, self.from_address, self.from_name)
        message_id = str(msg["Message-ID"])
        await asyncio.to_thread(self._write, msg.as_bytes())
        return message_id

    def _write(self, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(self.folder / name)


class SmtpMailSender:
    """A new SMTP session per mail: receipts are few, and a session never goes stale."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        from_address: str,
        from_name: str = DEFAULT_FROM_NAME,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.from_address = from_address
        self.from_name = from_name
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout
        self.tls_context = tls_context

    def build(self, mail: OutgoingMail) -> EmailMessage:
        """The message exactly as it will be sent (UTF-8, RFC 2047 subject, RFC 2231 filenames)."""
        return build_message(mail, self.from_address, self.from_name)

    async def send(self, mail: OutgoingMail) -> str:
        msg = self.build(mail)
        message_id = str(msg["Message-ID"])
        try:
            client = aiosmtplib.SMTP(
                hostname=self.host,
                port=self.port,
                timeout=self.timeout,
                start_tls=self.starttls,
                tls_context=self.tls_context,
                username=self.username,
                password=self.password,
            )
            async with client:
                refused, reply = await client.send_message(msg, sender=self.from_address, recipients=list(mail.to))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise _classify_refusals(exc) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise MailUnavailable(f"Máy chủ thư từ chối đăng nhập ({exc.code} {exc.message})") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500 and exc.code not in _CONFIGURATION_CODES:
                raise MailRejected(exc.code, exc.message) from exc
            raise MailUnavailable(f"Máy chủ thư chưa nhận thư lúc này ({exc.code} {exc.message})") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailUnavailable(f"Không kết nối được máy chủ thư {self.host}:{self.port} ({exc})") from exc
        for address, response in refused.items():
            log.warning("relay refused %s for %s: %s %s", address, message_id, response.code, response.message)
        log.info("sent %s to %s: %s", message_id, ", ".join(mail.to), reply)
        return message_id


def _classify_refusals(exc: aiosmtplib.SMTPRecipientsRefused) -> Exception:
    """Every recipient was refused: permanent only if every refusal was."""
    codes = [r.code for r in exc.recipients]
    text = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
    if codes and all(code >= 500 for code in codes):
        return MailRejected(max(codes), text)
    return MailUnavailable(f"Máy chủ thư tạm thời không nhận người nhận ({text})")


def _one_line(value: str) -> str:
    """No CR/LF in header values: they would be header injection (and EmailMessage refuses them)."""
    return " ".join(str(value).split("\n")).replace("\r", " ").strip()
