"""STARTTLS: the edge offers it with a self-signed certificate, the sender uses it with full verification."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.ports import MailUnavailable, OutgoingMail
from mail.sender import SmtpMailSender
from mail.smtp_server import SmtpEdge, StoreResult, start_smtp, stop_smtp


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Sink:
    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def store(self, raw: bytes, *, envelope_from: str, recipients: list[str], peer: str) -> StoreResult:
        self.raw.append(raw)
        return StoreResult(duplicate=False, id=str(len(self.raw)))


async def accept_all(address: str) -> bool:
    return True


class TlsEdge:
    def __init__(self, sink: Sink, port: int, cert: Path) -> None:
        self.sink, self.port, self.cert = sink, port, cert


@pytest.fixture
async def tls_edge(tmp_path: Path) -> AsyncIterator[TlsEdge]:
    cert, key = self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    sink = Sink()
    edge = SmtpEdge(sink, accepts_recipient=accept_all, max_size=1024 * 1024)
    server = await start_smtp(edge, "127.0.0.1", 0, tls_context=server_context, require_starttls=True)
    try:
        yield TlsEdge(sink, server.sockets[0].getsockname()[1], cert)
    finally:
        await stop_smtp(server, edge)


def notice() -> OutgoingMail:
    return OutgoingMail(to=["vt@so.test"], subject="Thông báo qua kênh mã hóa", body="Nội dung bảo mật")


async def test_sender_uses_starttls_with_verification(tls_edge: TlsEdge) -> None:
    client_context = ssl.create_default_context(cafile=str(tls_edge.cert))
    sender = SmtpMailSender("127.0.0.1", tls_edge.port, from_address="cau-noi@cau-noi.test", starttls=True,
                            tls_context=client_context, timeout=10)  # fmt: skip
    await sender.send(notice())
    assert b"Subject: =?utf-8?" in tls_edge.sink.raw[0]


async def test_plain_session_is_refused_when_starttls_is_required(tls_edge: TlsEdge) -> None:
    sender = SmtpMailSender("127.0.0.1", tls_edge.port, from_address="cau-noi@cau-noi.test", timeout=10)
    with pytest.raises(MailUnavailable, match="530"):  # our configuration, not this mail: keep it for later
        await sender.send(notice())
    assert tls_edge.sink.raw == []


async def test_untrusted_certificate_is_mail_unavailable(tls_edge: TlsEdge) -> None:
    sender = SmtpMailSender("127.0.0.1", tls_edge.port, from_address="cau-noi@cau-noi.test", starttls=True,
                            tls_context=ssl.create_default_context(), timeout=10)  # fmt: skip
    with pytest.raises(MailUnavailable):
        await sender.send(notice())
