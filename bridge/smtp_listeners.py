"""The inbound SMTP listeners [smtp_in] asks for: the port (STARTTLS offered when a certificate is configured,
required before MAIL with `require_tls`) and, with `tls_port`, a second port speaking implicit TLS (SMTPS).
A certificate that does not load was already refused at start (bridge.profiles.tls_problems)."""

from __future__ import annotations

import asyncio
import logging
import ssl

from bridge.settings import SmtpIn
from mail.smtp_server import SmtpEdge, start_smtp, stop_smtp

log = logging.getLogger(__name__)


def server_tls(cfg: SmtpIn) -> ssl.SSLContext | None:
    if not (cfg.tls_cert and cfg.tls_key):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # TLS 1.2+, no client certificates asked
    context.load_cert_chain(cfg.tls_cert, cfg.tls_key)
    return context


async def start_listeners(edge: SmtpEdge, cfg: SmtpIn) -> list[asyncio.Server]:
    tls = server_tls(cfg)
    servers = [
        await start_smtp(
            edge, cfg.host, cfg.port, tls_context=tls, require_starttls=bool(tls) and cfg.require_tls,
            hostname=cfg.hostname,
        )
    ]  # fmt: skip
    log.info("SMTP %s:%s (%s)", cfg.host, cfg.port, _mode(tls, cfg.require_tls))
    if tls is not None and cfg.tls_port:
        try:
            servers.append(await start_smtp(edge, cfg.host, cfg.tls_port, implicit_tls=tls, hostname=cfg.hostname))
        except BaseException:
            await stop_listeners(servers, edge)
            raise
        log.info("SMTP TLS %s:%s (implicit TLS)", cfg.host, cfg.tls_port)
    return servers


async def stop_listeners(servers: list[asyncio.Server], edge: SmtpEdge) -> None:
    for server in servers:
        await stop_smtp(server, edge)


def _mode(tls: ssl.SSLContext | None, required: bool) -> str:
    if tls is None:
        return "no TLS"
    return "STARTTLS required" if required else "STARTTLS offered"
