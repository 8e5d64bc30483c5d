"""The demo profile says so everywhere a person looks (issue 17.2): the banner «Chế độ thử nghiệm» on every page
(console pages, login, error pages, the API's /docs), and a line in every receipt, mail or chat, that it comes
from a test installation and has no legal value. The production profile shows neither."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import httpx
import pytest

from bridge.api.app import create_app
from bridge.bootstrap import build
from bridge.services.receipts import send_receipt
from core.inbound import Channel
from core.ports import OutgoingMail
from core.receipt import DEMO_NOTE
from tests.fixtures.dashboard import PASSWORD, Seeded
from tests.fixtures.settings import base_settings

BANNER = "Chế độ thử nghiệm"
PAGES = ["/web/", "/web/held", "/web/register", "/web/outbox", "/web/report", "/web/audit", "/web/users"]


async def signed_in(app: object, username: str | None) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")  # type: ignore[arg-type]
    if username:
        r = await c.post("/web/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 303, r.text
    return c


def banners(html: str) -> int:
    return html.count('id="demo-banner"')


@pytest.mark.parametrize("profile", ["demo", "production"])
async def test_every_page_carries_the_banner_in_the_demo_only(seeded: Seeded, profile: str) -> None:
    seeded.bridge.settings.profile = profile
    app = create_app(seeded.bridge)
    expected = 1 if profile == "demo" else 0
    anonymous, admin = await signed_in(app, None), await signed_in(app, "admin")
    try:
        login = await anonymous.get("/web/login")
        assert login.status_code == 200 and banners(login.text) == expected
        missing = await admin.get("/web/no-such-page")
        assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
        assert banners(missing.text) == expected
        for path in PAGES:
            page = await admin.get(path)
            assert page.status_code == 200, (path, page.status_code)
            assert banners(page.text) == expected, path
            assert (BANNER in page.text) == (profile == "demo"), path
        docs = await anonymous.get("/docs")
        assert docs.status_code == 200 and banners(docs.text) == expected
        css = await anonymous.get("/web/static/docs.css")
        assert css.status_code == 200 and ".demo-banner{" in css.text
    finally:
        await anonymous.aclose()
        await admin.aclose()


@pytest.mark.parametrize("profile", ["demo", "production"])
async def test_every_mail_says_it_is_a_test_in_the_demo_only(tmp_path: Path, db_url: str, profile: str) -> None:
    s = base_settings(database_url=db_url, blob_dir=str(tmp_path / "blobs"))
    s.profile = profile  # `build` wires the profile's mail sender; the refusals are not at issue here
    s.smtp_out.mode, s.smtp_out.folder = "folder", str(tmp_path / "out")
    bridge = await build(s)
    try:
        body = "Văn bản số 12/QĐ-UBND đã được tiếp nhận."
        mail = OutgoingMail(
            to=["vanthu@example.invalid"],
            subject="Biên nhận",
            body=body,
            key="receipt:1",
            date=datetime(2026, 12, 3, 8, tzinfo=UTC),
        )
        await bridge.deps.mail.send(mail)
        await bridge.deps.mail.send(mail)  # a re-send (same key) is the same mail
        [first, *again] = sorted((tmp_path / "out").glob("*.eml"))
        sent = email.message_from_bytes(first.read_bytes(), policy=policy.default)
        text = sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert text.startswith(body)
        assert (DEMO_NOTE in text) == (profile == "demo")
        assert "không có giá trị pháp lý" in DEMO_NOTE and "THỬ NGHIỆM" in DEMO_NOTE
        assert all(p.read_bytes() == first.read_bytes() for p in again)
    finally:
        await bridge.close()


class ChatSink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def notify(self, chat_id: str, text: str, buttons: object = (), *, key: str = "") -> str:
        self.sent.append((chat_id, text))
        return str(len(self.sent))

    async def edit(self, chat_id: str, message_id: str, text: str, buttons: object = ()) -> None:
        raise AssertionError("a receipt is sent, not edited")


@pytest.mark.parametrize("profile", ["demo", "production"])
async def test_chat_receipts_say_it_is_a_test_in_the_demo_only(seeded: Seeded, profile: str) -> None:
    """A receipt for a document that came in through the chatbot, sent by the outbox job that sends every
    receipt (bridge.services.receipts)."""
    deps = seeded.bridge.deps
    deps.demo = profile == "demo"
    chat = deps.notifier = ChatSink()
    async with deps.uow() as u:
        doc = await u.documents.get(seeded.docs["b_rejected"])
        assert doc is not None
        doc.channel, doc.reply_to = Channel.BOT, "123456"
        await u.documents.update(doc)
        later = datetime.now(UTC) + timedelta(days=1)  # no running worker takes it: this test sends it
        await u.outbox.enqueue("receipt", {"document_id": doc.id, "kind": "rejected"}, "receipt:chat-test", later)
        await u.commit()
    job = next(j for j in await seeded.bridge.queue.list(limit=500) if j.idempotency_key == "receipt:chat-test")
    await send_receipt(deps, job)
    [(chat_id, text)] = chat.sent
    assert chat_id == "123456" and "8/TB-UBND" in text
    assert text.rstrip().endswith(DEMO_NOTE) == (profile == "demo")
