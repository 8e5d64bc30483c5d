"""Inbound TLS as the service wires it from [smtp_in]: a certificate made at test time, clients that verify it.
STARTTLS offered and required (530 before it), implicit TLS on tls_port, an untrusting client fails, a
certificate that cannot be used stops the start with one Vietnamese line."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.policy
import smtplib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bridge.axis.simulator import AxisSimulator
from bridge.profiles import StartupRefused
from bridge.service import run
from tests.e2e.harness import (
    RunningBridge,
    api_get,
    document_mail,
    eventually,
    free_port,
    settings_for,
    simulator,
    start_bridge,
)
from tests.fixtures.databases import fresh_sqlite_url
from tests.fixtures.pdfs import make_official_pdf
from tests.fixtures.settings import base_settings
from tests.fixtures.tls import TlsFiles, make_tls_files


@pytest.fixture
async def axis() -> AsyncIterator[AxisSimulator]:
    sim = simulator()
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return make_tls_files(tmp_path / "tls")


@pytest.fixture
async def tls_bridge(tmp_path: Path, tls: TlsFiles, axis: AxisSimulator, mail_sink) -> AsyncIterator[RunningBridge]:  # type: ignore[no-untyped-def]
    s = settings_for(fresh_sqlite_url(tmp_path), tmp_path, axis.base_url, mail_sink.port)
    s.smtp_in.tls_cert, s.smtp_in.tls_key, s.smtp_in.require_tls = str(tls.cert), str(tls.key), True
    s.smtp_in.tls_port = free_port()
    running = await start_bridge(s)
    yield running
    await running.shutdown()


def trusting(tls: TlsFiles) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(tls.ca))  # verifies the chain and the name 127.0.0.1


def send(
    port: int, pdf: bytes, context: ssl.SSLContext, *, implicit: bool = False, code: str = "12/QĐ-UBND"
) -> dict[str, tuple[int, bytes]]:
    msg = document_mail(pdf, code=code)
    raw = msg.as_bytes(policy=email.policy.SMTP)
    if implicit:
        with smtplib.SMTP_SSL("127.0.0.1", port, context=context, timeout=30) as c:
            return c.sendmail(msg["From"], [msg["To"]], raw)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
        c.starttls(context=context)
        return c.sendmail(msg["From"], [msg["To"]], raw)


async def registered(api: str) -> list[dict]:
    return [d for d in await api_get(api, "/api/documents") if d["state"] == "registered"]


async def test_starttls_is_required_and_both_ports_deliver_to_a_verifying_client(
    tls_bridge: RunningBridge, tls: TlsFiles
) -> None:
    cfg = tls_bridge.settings.smtp_in

    def plain_mail_from() -> tuple[bool, tuple[int, bytes]]:
        with smtplib.SMTP("127.0.0.1", cfg.port, timeout=30) as c:
            offered = c.has_extn("starttls") if c.ehlo()[0] == 250 else False
            return offered, c.mail("vanthu@tanhoa.vinhlong.gov.vn")

    offered, answer = await asyncio.to_thread(plain_mail_from)
    assert offered and answer[0] == 530  # MAIL before STARTTLS is refused

    assert await asyncio.to_thread(send, cfg.port, make_official_pdf(), trusting(tls)) == {}
    smtps = await asyncio.to_thread(
        send, cfg.tls_port, make_official_pdf(), trusting(tls), implicit=True, code="13/QĐ-UBND"
    )
    assert smtps == {}

    async def both_registered() -> list[dict] | None:
        docs = await registered(tls_bridge.api)
        return docs if len(docs) == 2 else None

    assert await eventually(both_registered, what="both documents registered")


async def test_a_client_not_trusting_the_ca_fails_on_both_ports(tls_bridge: RunningBridge, tmp_path: Path) -> None:
    other = make_tls_files(tmp_path / "other-ca")  # a different CA: the bridge's certificate does not chain to it
    cfg, pdf = tls_bridge.settings.smtp_in, make_official_pdf()
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.to_thread(send, cfg.port, pdf, trusting(other))
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.to_thread(send, cfg.tls_port, pdf, trusting(other), implicit=True)
    assert await api_get(tls_bridge.api, "/api/documents") == []


def expired_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30)).not_valid_after(now - dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / "expired.pem", folder / "expired.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.mark.parametrize("problem", ["wrong key", "missing file", "expired"])
async def test_an_unusable_certificate_stops_the_start_with_one_vietnamese_line(
    tmp_path: Path, tls: TlsFiles, problem: str
) -> None:
    s = base_settings(database_url=fresh_sqlite_url(tmp_path), blob_dir=str(tmp_path / "blobs"))
    s.smtp_in.port, s.api.enabled = free_port(), False
    s.smtp_in.tls_cert, s.smtp_in.tls_key = str(tls.cert), str(tls.key)
    if problem == "wrong key":
        s.smtp_in.tls_key = str(make_tls_files(tmp_path / "other").key)
    elif problem == "missing file":
        s.smtp_in.tls_cert = str(tmp_path / "nowhere.pem")
    else:
        cert, key = expired_certificate(tmp_path / "expired")
        s.smtp_in.tls_cert, s.smtp_in.tls_key = str(cert), str(key)
    with pytest.raises(StartupRefused) as refused:
        await run(s)
    [line] = refused.value.problems
    assert line.startswith("Không khởi động: ") and "smtp_in.tls_cert" in line and "\n" not in line
    if problem == "expired":
        assert "đã hết hạn" in line
