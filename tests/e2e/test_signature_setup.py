"""Signature checking as an installation is set up, through the running service: the demo PKI accepts a document
signed with `edoc-bridge demo sign` end to end; without trust roots everything is held and the receipt and the
dashboard's held list say the signatures cannot be checked here; bytes appended after signing are refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bridge.axis.simulator import AxisSimulator
from bridge.edxml import parse_edoc
from bridge.pipeline.attachment_checks import UNCHECKED
from bridge.signature_tools import demo_sign
from tests.e2e.harness import api_get, document_mail, eventually, send_mail, settings_for, start_bridge
from tests.fixtures.pdfs import make_official_pdf
from tests.fixtures.pki import write_crls
from tests.integration.pipeline.documents import signers, tan_hoa_document

HUYEN = "000.00.32.H61"


def body(mail) -> str:  # type: ignore[no-untyped-def]
    return mail.get_body(("plain",)).get_content()


async def documents(api: str, state: str) -> list[dict]:  # type: ignore[type-arg]
    return [d for d in await api_get(api, "/api/documents") if d["state"] == state]


async def test_the_demo_pki_signs_a_document_the_bridge_accepts(  # type: ignore[no-untyped-def]
    db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink
) -> None:
    s = settings_for(db_url, tmp_path, axis.base_url, mail_sink.port)
    pki = tmp_path / "demo-pki"
    c = s.checks
    c.signatures_unchecked, c.demo_pki = "hold", str(pki)
    c.trust_roots, c.intermediates, c.crl_dir = [str(pki / "root.pem")], [str(pki / "ca.pem")], str(pki / "crl")
    running = await start_bridge(s)  # creates the demo PKI on first start
    try:
        signed = await asyncio.to_thread(demo_sign, s, None, tmp_path / "signed.pdf")  # the CLI's own asyncio.run
        assert (signed.organ_id, signed.codes) == ("000.20.32.H61", ("MST:1500000001",))  # config/agencies.toml
        pdf = signed.path.read_bytes()
        assert await send_mail(s.smtp_in.port, document_mail(pdf)) == {}
        [doc] = await eventually(lambda: documents(running.api, "registered"), what="registered document")
        packets = await eventually(lambda: axis.packets_for(HUYEN), what="packet at the axis")
        assert [a.data for a in parse_edoc(packets[0].body).attachments] == [pdf]  # the signed bytes, as sent
        await mail_sink.wait_for(lambda m: "Đã tiếp nhận và chuyển" in str(m["Subject"]))
        detail = await api_get(running.api, f"/api/documents/{doc['id']}")
        steps = {t["step"]: t for t in detail["trail"]}
        assert steps["verify_signatures"]["detail"].startswith("2/2 chữ ký số hợp lệ")
    finally:
        await running.shutdown()


async def test_without_trust_roots_documents_are_held_saying_so(  # type: ignore[no-untyped-def]
    db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink
) -> None:
    s = settings_for(db_url, tmp_path, axis.base_url, mail_sink.port)
    s.checks.signatures_unchecked = "hold"  # the production default
    running = await start_bridge(s)
    try:
        await send_mail(s.smtp_in.port, document_mail(tan_hoa_document(signers())))
        receipt = await mail_sink.wait_for(lambda m: "Tạm giữ" in str(m["Subject"]))
        assert UNCHECKED in body(receipt)
        [held] = await eventually(lambda: documents(running.api, "held"), what="held document")
        detail = await api_get(running.api, f"/api/documents/{held['id']}")
        assert UNCHECKED in [r["message"] for r in detail["reasons"]]
        assert axis.packets_for(HUYEN) == []
    finally:
        await running.shutdown()


async def test_bytes_appended_after_signing_are_refused_not_trimmed(  # type: ignore[no-untyped-def]
    db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink
) -> None:
    s = settings_for(db_url, tmp_path, axis.base_url, mail_sink.port)
    root = tmp_path / "root.pem"
    root.write_bytes(signers().pki.root.cert_pem)
    s.checks.signatures_unchecked, s.checks.trust_roots = "hold", [str(root)]
    s.checks.crl_dir = str(write_crls(signers().pki, tmp_path / "crl"))
    running = await start_bridge(s)
    try:
        grown = tan_hoa_document(signers()) + make_official_pdf()[:200]
        await send_mail(s.smtp_in.port, document_mail(grown))
        receipt = await mail_sink.wait_for(lambda m: "Từ chối" in str(m["Subject"]))
        assert "Tệp có phần được thêm sau chữ ký số cuối cùng, không được ký: 200 byte." in body(receipt)
        assert axis.packets_for(HUYEN) == []
    finally:
        await running.shutdown()
