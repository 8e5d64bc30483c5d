"""End to end through SMTP with the checks on: real clamd, pyHanko with the test roots, fake DNS for DKIM."""

from __future__ import annotations

import asyncio
import base64
import email.policy
import smtplib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bridge.axis.simulator import AxisSimulator
from bridge.edxml import parse_edoc
from core.agency import SenderPolicy
from core.organ_id import OrganId
from storage.engine import make_engine
from storage.uow import SqlUnitOfWork
from tests.e2e.harness import RunningBridge, api_get, document_mail, eventually, send_mail, settings_for, start_bridge
from tests.fixtures.clamd import ClamdServer, eicar_bytes
from tests.fixtures.fake_dns import FakeDNS
from tests.fixtures.pdfs import flip_byte, signed_official_pdf
from tests.fixtures.pki import write_crls
from tests.integration.pipeline.documents import signers, tan_hoa_document

HUYEN = "000.00.32.H61"
LONG_PHUOC, LONG_PHUOC_MAIL, LONG_PHUOC_DOMAIN = (
    "000.21.32.H61",
    "vanthu@longphuoc.vinhlong.gov.vn",
    "longphuoc.vinhlong.gov.vn",
)


@pytest.fixture
async def checked_bridge(  # type: ignore[no-untyped-def]
    db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink, clamd_running: ClamdServer, fake_dns: FakeDNS
) -> AsyncIterator[RunningBridge]:
    root = tmp_path / "root.pem"
    root.write_bytes(signers().pki.root.cert_pem)
    s = settings_for(db_url, tmp_path, axis.base_url, mail_sink.port)
    c = s.checks
    c.clamd_enabled, c.clamd_host, c.clamd_port, c.clamd_timeout = True, clamd_running.host, clamd_running.port, 5
    c.trust_roots, c.scan_retry_max_delay = [str(root)], 0.3
    c.crl_dir = str(write_crls(signers().pki, tmp_path / "crl"))
    c.sender_auth, c.dns_servers = True, [f"{fake_dns.host}:{fake_dns.port}"]
    running = await start_bridge(s)
    yield running
    await running.shutdown()


async def documents(api: str, state: str) -> list[dict]:
    return [d for d in await api_get(api, "/api/documents") if d["state"] == state]


def body(mail) -> str:  # type: ignore[no-untyped-def]
    return mail.get_body(("plain",)).get_content()


async def test_valid_signed_document_is_accepted_and_relayed(checked_bridge, axis, mail_sink) -> None:  # type: ignore[no-untyped-def]
    pdf = tan_hoa_document(signers())
    assert await send_mail(checked_bridge.settings.smtp_in.port, document_mail(pdf)) == {}
    [doc] = await eventually(lambda: documents(checked_bridge.api, "registered"), what="registered document")
    packets = await eventually(lambda: axis.packets_for(HUYEN), what="packet at the axis")
    assert [a.data for a in parse_edoc(packets[0].body).attachments] == [pdf]
    await mail_sink.wait_for(lambda m: "Đã tiếp nhận và chuyển" in str(m["Subject"]))
    detail = await api_get(checked_bridge.api, f"/api/documents/{doc['id']}")
    steps = {t["step"]: t for t in detail["trail"]}
    assert steps["scan"]["data"]["scan"]["scanned"] is True
    assert steps["verify_signatures"]["detail"].startswith("2/2 chữ ký số hợp lệ")


async def test_tampered_document_is_rejected_with_the_reason_in_the_receipt(checked_bridge, mail_sink) -> None:  # type: ignore[no-untyped-def]
    pdf = flip_byte(tan_hoa_document(signers()))
    await send_mail(checked_bridge.settings.smtp_in.port, document_mail(pdf))
    receipt = await mail_sink.wait_for(lambda m: "Từ chối tiếp nhận" in str(m["Subject"]))
    assert "Chữ ký số không hợp lệ: nội dung tài liệu đã bị thay đổi so với lúc ký" in body(receipt)
    assert await documents(checked_bridge.api, "rejected")


async def test_infected_document_is_rejected(checked_bridge, axis, mail_sink) -> None:  # type: ignore[no-untyped-def]
    msg = document_mail(tan_hoa_document(signers()))
    msg.add_attachment(eicar_bytes(), maintype="application", subtype="octet-stream", filename="huong-dan.com")
    await send_mail(checked_bridge.settings.smtp_in.port, msg)
    receipt = await mail_sink.wait_for(
        lambda m: "Từ chối tiepnhan" in str(m["Subject"]) or "Từ chối" in str(m["Subject"])
    )
    assert "huong-dan.com chứa mã độc" in body(receipt)
    assert axis.packets_for(HUYEN) == []


async def test_clamd_stopped_holds_then_accepts_without_resending(
    checked_bridge, clamd_running, axis, mail_sink
) -> None:  # type: ignore[no-untyped-def]
    clamd_running.stop()
    await send_mail(checked_bridge.settings.smtp_in.port, document_mail(tan_hoa_document(signers())))
    [held] = await eventually(lambda: documents(checked_bridge.api, "held"), what="held document")
    detail = await api_get(checked_bridge.api, f"/api/documents/{held['id']}")
    assert [r["code"] for r in detail["reasons"]] == ["scan.unavailable"]
    await asyncio.sleep(1.0)  # several retries while clamd is down
    assert axis.packets_for(HUYEN) == [] and await documents(checked_bridge.api, "held")

    clamd_running.start()
    [doc] = await eventually(lambda: documents(checked_bridge.api, "registered"), what="accepted after clamd returned")
    assert doc["id"] == held["id"]
    await eventually(lambda: axis.packets_for(HUYEN), what="packet at the axis")
    await mail_sink.wait_for(lambda m: "Đã tiếp nhận và chuyển" in str(m["Subject"]))


def _dkim_key() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, "v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()


async def _require_dkim(db_url: str) -> None:
    engine = make_engine(db_url)
    async with SqlUnitOfWork(engine) as uow:
        agency = await uow.agencies.get(OrganId(LONG_PHUOC))
        await uow.agencies.upsert(replace(agency, sender_policy=SenderPolicy.DKIM))
        await uow.commit()
    await engine.dispose()


async def _send_raw(port: int, sender: str, raw: bytes) -> None:
    def send() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            s.sendmail(sender, ["vanban@edoc-bridge.local"], raw)

    await asyncio.to_thread(send)


async def test_forged_sender_of_a_dkim_agency_is_rejected(checked_bridge, fake_dns, mail_sink) -> None:  # type: ignore[no-untyped-def]
    await _require_dkim(checked_bridge.settings.database_url)
    real, txt = _dkim_key()
    forger, _ = _dkim_key()
    fake_dns.set(f"sel1._domainkey.{LONG_PHUOC_DOMAIN}", "TXT", [txt])
    fake_dns.set(LONG_PHUOC_DOMAIN, "TXT", ["v=spf1 ip4:127.0.0.1 -all"])  # the SMTP client is the agency's relay
    pdf = signed_official_pdf(signers().pki, organisation=signers().long_phuoc, number="7/QĐ-UBND")

    def mail(key: bytes, code: str) -> bytes:
        raw = document_mail(pdf, sender=LONG_PHUOC_MAIL, code=code).as_bytes(policy=email.policy.SMTP)
        return dkim.sign(raw, b"sel1", LONG_PHUOC_DOMAIN.encode(), key, include_headers=[b"from", b"subject"]) + raw

    port = checked_bridge.settings.smtp_in.port
    await _send_raw(port, LONG_PHUOC_MAIL, mail(forger, "7/QĐ-UBND"))
    receipt = await mail_sink.wait_for(lambda m: "Từ chối" in str(m["Subject"]))
    assert "Thư không có chữ ký DKIM hợp lệ của tên miền cơ quan gửi" in body(receipt)

    await _send_raw(port, LONG_PHUOC_MAIL, mail(real, "7/QĐ-UBND"))
    [doc] = await eventually(lambda: documents(checked_bridge.api, "registered"), what="genuine mail accepted")
    detail = await api_get(checked_bridge.api, f"/api/documents/{doc['id']}")
    auth = next(t for t in detail["trail"] if t["step"] == "authenticate")["data"]["auth"]
    assert auth["dkim"] == "pass" and auth["dkim_domain"] == LONG_PHUOC_DOMAIN
    assert auth["spf"] == "pass"  # evaluated for the SMTP peer's address


async def test_missing_metadata_is_held_with_a_receipt_naming_it(checked_bridge, mail_sink) -> None:  # type: ignore[no-untyped-def]
    msg = document_mail(tan_hoa_document(signers()), recipients="")  # signed, but no Nơi nhận anywhere
    await send_mail(checked_bridge.settings.smtp_in.port, msg)
    [held] = await eventually(lambda: documents(checked_bridge.api, "held"), what="held document")
    receipt = await mail_sink.wait_for(lambda m: "Tạm giữ" in str(m["Subject"]))
    assert "Còn thiếu thông tin: Nơi nhận." in body(receipt) and "Nơi nhận: 000.00.01.H61" in body(receipt)
    detail = await api_get(checked_bridge.api, f"/api/documents/{held['id']}")
    assert [r["code"] for r in detail["reasons"]] == ["metadata.missing"]
