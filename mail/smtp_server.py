"""The SMTP edge: aiosmtpd served from the caller's event loop, no business logic.

It only checks recipients, stores the raw message durably through a `RawMailSink` and answers. `250` is sent only
after `store` returned, so a crash before that makes the client retry instead of losing mail; a failing sink
answers `451 4.3.0` for the same reason. Reply texts are ASCII (Vietnamese without diacritics), as SMTP requires.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

REPLY_RECIPIENT_OK = "250 2.1.5 OK"
REPLY_UNKNOWN_RECIPIENT = "550 5.1.1 Dia chi nhan khong ton tai tren cau noi van ban dien tu"
REPLY_RECIPIENT_CHECK_FAILED = "451 4.3.0 Loi tam thoi khi kiem tra dia chi nhan, vui long thu lai sau"
REPLY_TOO_BIG = "552 5.3.4 Thu vuot qua kich thuoc toi da cho phep ({limit} byte)"
REPLY_STORE_FAILED = "451 4.3.0 Loi tam thoi khi luu thu, vui long gui lai sau"
REPLY_STORED = "250 2.0.0 Da nhan thu, ma {id}"
REPLY_DUPLICATE = "250 2.0.0 Thu nay da duoc nhan truoc do, ma {id}"


@dataclass(frozen=True, slots=True)
class StoreResult:
    duplicate: bool
    id: str


class RawMailSink(Protocol):
    async def store(self, raw: bytes, *, envelope_from: str, recipients: list[str], peer: str) -> StoreResult:
        """Return only once the message is durably stored; raise if it could not be."""
        ...


class SmtpEdge:
    """aiosmtpd handler. `envelope_from` is "" for the null sender `<>`; `peer` is the client's IP address."""

    def __init__(
        self,
        sink: RawMailSink,
        *,
        accepts_recipient: Callable[[str], Awaitable[bool]],
        max_size: int,
    ) -> None:
        self.sink = sink
        self.accepts_recipient = accepts_recipient
        self.max_size = max_size
        self.sessions: set[_EdgeSMTP] = set()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            accepted = await self.accepts_recipient(address)
        except Exception:
            log.exception("recipient check failed for %r", address)
            return REPLY_RECIPIENT_CHECK_FAILED
        if not accepted:
            return REPLY_UNKNOWN_RECIPIENT
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return REPLY_RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            result = await self.sink.store(
                raw,
                envelope_from=_null_sender(envelope.mail_from or ""),
                recipients=list(envelope.rcpt_tos),
                peer=_peer(session.peer),
            )
        except Exception:
            log.exception("storing a %d-byte message from %r failed", len(raw), session.peer)
            return REPLY_STORE_FAILED
        return (REPLY_DUPLICATE if result.duplicate else REPLY_STORED).format(id=result.id)

    def close_sessions(self) -> None:
        """Drop open client connections (an unfinished transaction was never acknowledged: clients retry)."""
        for session in list(self.sessions):
            if session.transport is not None:
                session.transport.close()


class _EdgeSMTP(SMTP):
    def __init__(self, edge: SmtpEdge, **kwargs: Any) -> None:
        super().__init__(edge, **kwargs)
        self.edge = edge
        # aiosmtpd keeps these limits in a class-level dict shared (and cleared) by every connection
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.edge.sessions.add(self)
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.edge.sessions.discard(self)
        super().connection_lost(exc)

    async def push(self, status: str) -> None:
        if status.startswith("552 Error"):  # aiosmtpd's own size replies, at MAIL SIZE= and after DATA
            status = REPLY_TOO_BIG.format(limit=self.edge.max_size)
        await super().push(status)


async def start_smtp(
    edge: SmtpEdge,
    host: str,
    port: int,
    *,
    tls_context: ssl.SSLContext | None = None,
    require_starttls: bool = False,
    implicit_tls: ssl.SSLContext | None = None,
    hostname: str | None = None,
    idle_timeout: float = 300,
) -> asyncio.Server:
    """Listen in the running loop. `tls_context` enables STARTTLS (`require_starttls`: MAIL before it gets 530);
    `implicit_tls` makes every connection TLS from its first byte (SMTPS), with no STARTTLS to offer.
    Port 0 picks a free port (read it from `server.sockets[0].getsockname()[1]`). Stop with `stop_smtp`."""
    if implicit_tls is not None:
        tls_context, require_starttls = None, False
    loop = asyncio.get_running_loop()
    name = hostname or (host if host not in {"", "0.0.0.0", "::"} else "localhost")

    def session() -> _EdgeSMTP:
        return _EdgeSMTP(
            edge,
            data_size_limit=edge.max_size,
            enable_SMTPUTF8=True,
            hostname=name,  # never socket.getfqdn(): it blocks on DNS
            tls_context=tls_context,
            require_starttls=require_starttls,
            timeout=idle_timeout,
            auth_exclude_mechanism=["LOGIN", "PLAIN"],  # an inbound edge offers no AUTH
            loop=loop,
        )

    return await loop.create_server(session, host, port, ssl=implicit_tls)


async def stop_smtp(server: asyncio.Server, edge: SmtpEdge) -> None:
    server.close()
    edge.close_sessions()
    await server.wait_closed()


def _null_sender(address: str) -> str:
    return "" if address.strip() in {"", "<>"} else address


def _peer(peer: Any) -> str:
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer or "")
