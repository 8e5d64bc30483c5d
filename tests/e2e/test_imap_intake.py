"""End to end over a real Dovecot: mail APPENDed to a polled mailbox is registered; a commune's reply to a
delivery arriving by IMAP becomes status 03; two bridges on one PostgreSQL poll a mailbox only once."""

from __future__ import annotations

import asyncio
import email.policy
from pathlib import Path

import httpx
import pytest

from bridge.axis.simulator import AxisSimulator
from bridge.settings import Settings
from tests.e2e.axis_delivery_helpers import as_bytes, codes_at, province_document, province_packet, reply
from tests.e2e.harness import E2E_TOKEN, api_get, document_mail, eventually, settings_for, start_bridge
from tests.fixtures.dovecot import Dovecot, ImapAccount, new_account
from tests.fixtures.pdfs import make_official_pdf


def with_mailbox(s: Settings, server: Dovecot, account: ImapAccount, name: str = "vanban") -> Settings:
    s.imap.mailboxes = [
        {"name": name, "host": server.host, "port": server.imap_port, "tls": False,
         "user": account.user, "password": account.password, "owner_organ": ""},
    ]  # fmt: skip
    s.imap.poll_interval, s.imap.lease_retry, s.imap.lease_check = 0.5, 0.3, 0.3
    return s


async def documents(api: str) -> list[dict]:
    return await api_get(api, "/api/documents?limit=500")


def mail_bytes(code: str, pdf: bytes) -> bytes:
    msg = document_mail(pdf, code=code)
    msg["Message-ID"] = f"<{code.split('/')[0]}.qd@tanhoa.vinhlong.gov.vn>"
    return msg.as_bytes(policy=email.policy.SMTP)


async def test_appended_mail_is_registered(db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink,
                                          dovecot_server: Dovecot) -> None:  # fmt: skip
    account = new_account(dovecot_server)
    s = with_mailbox(settings_for(db_url, tmp_path, axis.base_url, mail_sink.port), dovecot_server, account)
    bridge = await start_bridge(s)
    try:
        await account.append_async(mail_bytes("31/QĐ-UBND", make_official_pdf()))
        docs = await eventually(lambda: documents(bridge.api), what="document from IMAP")
        assert [(d["code"], d["channel"]) for d in docs] == [("31/QĐ-UBND", "imap")]
        assert docs[0]["state"] in ("registered", "held")
        await eventually(lambda: _seen(account), what="message flagged \\Seen after storage")
        health = await api_get(bridge.api, "/api/health/mailboxes")
        assert [(h["name"], h["leader"], h["healthy"], h["stored"]) for h in health] == [("vanban", True, True, 1)]
        async with httpx.AsyncClient(base_url=bridge.api, timeout=10) as c:  # the Prometheus scrape
            metrics = (await c.get("/metrics", headers={"Authorization": f"Bearer {E2E_TOKEN}"})).text
        assert 'edoc_mailbox_healthy{mailbox="vanban"} 1.0' in metrics
    finally:
        await bridge.shutdown()


async def test_reply_by_imap_becomes_status_03(db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink,
                                               dovecot_server: Dovecot) -> None:  # fmt: skip
    intake = new_account(dovecot_server, "vanban")
    s = with_mailbox(settings_for(db_url, tmp_path, axis.base_url, mail_sink.port), dovecot_server, intake)
    bridge = await start_bridge(s)
    try:
        doc = province_document()
        await axis.inject(province_packet(make_official_pdf(), doc))
        delivery = await mail_sink.wait_for(lambda m: "Văn bản đến" in str(m["Subject"]))
        await intake.append_async(as_bytes(reply(delivery, "Đã tiếp nhận, vào sổ đến số 12")))
        await eventually(lambda: codes_at(axis) == ["01", "03"], what="status 03 at the axis")
        confirmation = await mail_sink.wait_for(lambda m: "Đã ghi nhận" in str(m["Subject"]))
        assert "vào sổ đến số 12" in confirmation.get_body(("plain",)).get_content()
    finally:
        await bridge.shutdown()


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_two_bridges_poll_a_mailbox_once(db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink,
                                               dovecot_server: Dovecot) -> None:  # fmt: skip
    account = new_account(dovecot_server)
    first = with_mailbox(settings_for(db_url, tmp_path / "a", axis.base_url, mail_sink.port), dovecot_server, account)
    second = with_mailbox(settings_for(db_url, tmp_path / "a", axis.base_url, mail_sink.port), dovecot_server, account)
    bridges = [await start_bridge(first), await start_bridge(second)]
    try:
        codes = [f"{n}/QĐ-UBND" for n in range(40, 52)]
        pdf = make_official_pdf()
        for code in codes:
            await account.append_async(mail_bytes(code, pdf))
        await eventually(lambda: _count(bridges[0].api, len(codes)), what="every mail stored once", within=30)
        await asyncio.sleep(1.0)  # a second poller would have stored duplicates by now
        docs = await documents(bridges[0].api)
        assert sorted(d["code"] for d in docs) == sorted(codes)
        health = [h for b in bridges for h in await api_get(b.api, "/api/health/mailboxes")]
        assert sorted(h["leader"] for h in health) == [False, True]
        assert sum(h["stored"] for h in health) == len(codes)

        leader = next(i for i, h in enumerate(health) if h["leader"])
        await bridges[leader].shutdown()  # the other process takes the lease over
        survivor = bridges[1 - leader]
        await eventually(lambda: _leader(survivor.api), what="lease taken over", within=15)
        await account.append_async(mail_bytes("99/QĐ-UBND", pdf))
        await eventually(lambda: _count(survivor.api, len(codes) + 1), what="mail after the takeover", within=15)
        bridges = [survivor]
    finally:
        for b in bridges:
            await b.shutdown()


async def _seen(account: ImapAccount) -> bool:
    flags = await account.flags_async()
    return bool(flags) and all("\\Seen" in f for f in flags.values())


async def _count(api: str, n: int) -> bool:
    return len(await documents(api)) >= n


async def _leader(api: str) -> bool:
    return any(h["leader"] for h in await api_get(api, "/api/health/mailboxes"))


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_leader_whose_lease_session_dies_hands_over(db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink,
                                                         dovecot_server: Dovecot) -> None:  # fmt: skip
    from sqlalchemy import text

    from storage.engine import make_engine
    from storage.locks import lock_key

    async def not_leader(api: str) -> bool:
        return not await _leader(api)

    account = new_account(dovecot_server)
    first = with_mailbox(settings_for(db_url, tmp_path / "a", axis.base_url, mail_sink.port), dovecot_server, account)
    second = with_mailbox(settings_for(db_url, tmp_path / "a", axis.base_url, mail_sink.port), dovecot_server, account)
    first.imap.lease_retry = 1.0  # once it has lost the lease, the second (retrying every 0.3 s) takes it first
    bridges = [await start_bridge(first)]
    operator = make_engine(db_url)
    try:
        await eventually(lambda: _leader(bridges[0].api), what="first bridge leads")
        bridges.append(await start_bridge(second))
        pdf = make_official_pdf()
        codes = [f"{n}/QĐ-UBND" for n in range(60, 64)]
        for code in codes:
            await account.append_async(mail_bytes(code, pdf))
        await eventually(lambda: _count(bridges[0].api, len(codes)), what="mail stored by the first", within=30)

        holders = text(  # the backend holding the lease, as an operator (or a server restart) would end it
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND ((classid::bigint << 32) | objid::bigint) = CAST(:k AS bigint)"
        )
        async with operator.connect() as conn:
            [pid] = (await conn.execute(holders, {"k": lock_key("imap:vanban")})).scalars()
            await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        await eventually(lambda: _leader(bridges[1].api), what="the second bridge takes the lease", within=15)
        await eventually(lambda: not_leader(bridges[0].api), what="the first bridge steps down", within=15)

        later = [f"{n}/QĐ-UBND" for n in range(64, 66)]
        for code in later:
            await account.append_async(mail_bytes(code, pdf))
        await eventually(lambda: _count(bridges[1].api, len(codes) + len(later)), what="mail after the handover")
        await eventually(lambda: _seen(account), what="every message flagged \\Seen")
        docs = await documents(bridges[1].api)
        assert sorted(d["code"] for d in docs) == sorted(codes + later)  # none registered twice
        health = [(await api_get(b.api, "/api/health/mailboxes"))[0] for b in bridges]
        assert [h["leader"] for h in health] == [False, True]
        assert sum(h["stored"] for h in health) == len(codes) + len(later)
    finally:
        await operator.dispose()
        for b in bridges:
            await b.shutdown()
