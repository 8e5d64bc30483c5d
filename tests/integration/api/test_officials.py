"""POST /api/officials and /api/officials/{id}/code: admins only (session + CSRF header); the one-time link code
they return links a Telegram chat through the real chatbot (webhook mode, fake Bot API); bad input is a 4xx
with a Vietnamese message. Real databases (SQLite and PostgreSQL), the real app through httpx."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.app import ChatBot
from bridge.bootstrap import import_directory
from bridge.chatbot import build_chatbot
from bridge.services.officials import CODE_ALPHABET, official_of_chat
from core.vn_time import VIETNAM
from tests.e2e.harness import DIRECTORY
from tests.fixtures.bot_fixtures import TOKEN
from tests.fixtures.dashboard import AGENCY_A, Seeded
from tests.fixtures.fake_bot_api import FakeBotApi

SECRET = "bi-mat-webhook-thu"
NEW = {"name": "Lê Văn Lãnh Đạo", "organ_id": AGENCY_A, "role": "lãnh đạo", "email": "LeVan@LongHo.gov.vn"}
CSRF_REFUSED = "Mã chống giả mạo yêu cầu (CSRF) không hợp lệ; hãy tải lại trang"
NO_RIGHT = "Không có quyền thực hiện thao tác này"


@pytest.fixture
async def directory(seeded: Seeded) -> None:
    """Officials belong to agencies of the directory."""
    await import_directory(seeded.bridge, DIRECTORY)


@pytest.fixture
async def chatbot(seeded: Seeded, directory: None, fake_bot_api: FakeBotApi) -> AsyncIterator[ChatBot]:
    """The chatbot wired and running in webhook mode (no webhook_url), as bridge.chatbot.start_chatbot does it."""
    cfg = seeded.bridge.settings.bot
    cfg.enabled, cfg.token, cfg.mode, cfg.webhook_secret = True, TOKEN, "webhook", SECRET
    cfg.base_url, cfg.base_file_url = fake_bot_api.base_url, fake_bot_api.base_file_url
    bot = build_chatbot(seeded.bridge)
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(stop))
    await asyncio.wait_for(bot.ready.wait(), 10)
    yield bot
    stop.set()
    await asyncio.wait_for(task, 10)


async def csrf_of(c: httpx.AsyncClient) -> str:
    page = (await c.get("/web/held")).text
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, page
    return m.group(1)


async def admin(client_for: Any) -> tuple[httpx.AsyncClient, dict[str, str]]:
    c = await client_for("admin")
    return c, {"X-CSRF-Token": await csrf_of(c)}


async def send_to_bot(c: httpx.AsyncClient, fake: FakeBotApi, chat: int, text: str) -> str:
    """What Telegram does in webhook mode; returns the bot's answer (handled within the request)."""
    before = len(fake.calls_of("sendMessage", chat))
    r = await c.post(
        "/api/bot/webhook",
        json=fake.message_update(chat, text),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert r.status_code == 200, r.text
    return str((await fake.wait_call("sendMessage", chat, count=before + 1, within=2))["text"])


async def officials_of(seeded: Seeded, organ: str = AGENCY_A) -> list[Any]:
    async with seeded.bridge.deps.uow() as uow:
        return list(await uow.officials.of_agency(organ))


async def test_only_an_admin_with_the_csrf_header_creates_officials(seeded: Seeded, client_for, directory) -> None:  # type: ignore[no-untyped-def]
    anonymous = await client_for(None)
    assert (await anonymous.post("/api/officials", json=NEW)).status_code == 401
    assert (await anonymous.post("/api/officials/1/code")).status_code == 401
    for username in ("vanthu_a", "lanhdao_a", "giamsat"):
        c = await client_for(username)
        hdr = {"X-CSRF-Token": await csrf_of(c)}
        r = await c.post("/api/officials", json=NEW, headers=hdr)
        assert r.status_code == 403 and r.json()["detail"] == NO_RIGHT, (username, r.text)
        r = await c.post("/api/officials/1/code", headers=hdr)
        assert r.status_code == 403 and r.json()["detail"] == NO_RIGHT, (username, r.text)
    c, hdr = await admin(client_for)
    for headers in ({}, {"X-CSRF-Token": "sai"}):
        r = await c.post("/api/officials", json=NEW, headers=headers)
        assert r.status_code == 403 and r.json()["detail"] == CSRF_REFUSED, r.text
    assert await officials_of(seeded) == []

    r = await c.post("/api/officials", json=NEW, headers=hdr)
    assert r.status_code == 200, r.text
    made = r.json()
    assert [(o.id, o.name, o.role.value, o.email) for o in await officials_of(seeded)] == [
        (made["id"], "Lê Văn Lãnh Đạo", "lanh_dao", "levan@longho.gov.vn")
    ]
    for headers in ({}, {"X-CSRF-Token": "sai"}):
        r = await c.post(f"/api/officials/{made['id']}/code", headers=headers)
        assert r.status_code == 403 and r.json()["detail"] == CSRF_REFUSED, r.text


async def test_the_one_time_code_links_a_chat_through_the_bot(  # type: ignore[no-untyped-def]
    seeded: Seeded, client_for, chatbot, fake_bot_api
) -> None:
    c, hdr = await admin(client_for)
    r = await c.post("/api/officials", json=NEW, headers=hdr)
    assert r.status_code == 200, r.text
    made = r.json()
    code = made["code"]
    assert len(code) == 10 and set(code) <= set(CODE_ALPHABET)
    assert {k: made[k] for k in ("name", "organ_id", "role")} == {
        "name": "Lê Văn Lãnh Đạo",
        "organ_id": AGENCY_A,
        "role": "lanh_dao",
    }
    assert made["how"] == f"Gửi cho chatbot: /start {code}"
    expires = datetime.strptime(made["expires"], "%H:%M ngày %d/%m/%Y").replace(tzinfo=VIETNAM)  # Vietnam time
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=72))) < timedelta(minutes=2)

    fake = fake_bot_api
    assert fake.calls_of("setWebhook") == []  # webhook mode without webhook_url: registered by other means
    assert (await send_to_bot(c, fake, 201, "/pending")).startswith("Tài khoản chưa được liên kết")
    linked = await send_to_bot(c, fake, 201, f"/start {code.lower()}")  # typed by a person: case does not matter
    assert linked.startswith("Đã liên kết: Lê Văn Lãnh Đạo — Lãnh đạo, Ủy ban nhân dân huyện Long Hồ.")
    official = await official_of_chat(seeded.bridge.deps, "201")
    assert official is not None and official.id == made["id"]
    # one time: the same code does not link another chat
    again = await send_to_bot(c, fake, 202, f"/start {code}")
    assert again.startswith("Mã liên kết không đúng, đã dùng hoặc đã hết hạn")
    assert await official_of_chat(seeded.bridge.deps, "202") is None

    # a new phone: a new code moves the link to the new chat
    r = await c.post(f"/api/officials/{made['id']}/code", headers=hdr)
    assert r.status_code == 200, r.text
    new_code = r.json()["code"]
    assert new_code != code and len(new_code) == 10 and set(new_code) <= set(CODE_ALPHABET)
    assert (await send_to_bot(c, fake, 202, f"/start {new_code}")).startswith("Đã liên kết: Lê Văn Lãnh Đạo")
    moved = await official_of_chat(seeded.bridge.deps, "202")
    assert moved is not None and moved.id == made["id"]
    assert await official_of_chat(seeded.bridge.deps, "201") is None


async def test_bad_input_is_a_clear_client_error(seeded: Seeded, client_for, directory) -> None:  # type: ignore[no-untyped-def]
    c, hdr = await admin(client_for)
    r = await c.post("/api/officials", json={**NEW, "organ_id": "000.99.99.H61"}, headers=hdr)
    assert r.status_code == 422 and r.json()["detail"] == "Không có cơ quan mã 000.99.99.H61 trong danh bạ.", r.text
    r = await c.post("/api/officials", json={**NEW, "organ_id": "không-phải-mã"}, headers=hdr)
    assert r.status_code == 422 and "Không có cơ quan mã không-phải-mã" in r.json()["detail"], r.text
    r = await c.post("/api/officials", json={**NEW, "role": "thủ quỹ"}, headers=hdr)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("Vai trò không hợp lệ: 'thủ quỹ' (văn thư, lãnh đạo, chuyên viên")
    r = await c.post("/api/officials", json={**NEW, "name": "   "}, headers=hdr)
    assert r.status_code == 422 and r.json()["detail"] == "Cần ghi họ tên cán bộ.", r.text
    r = await c.post("/api/officials", json={"name": "Thiếu cơ quan", "role": "văn thư"}, headers=hdr)
    assert r.status_code == 422, r.text  # the body's shape is checked by the model
    assert await officials_of(seeded) == []

    r = await c.post("/api/officials/987654/code", headers=hdr)
    assert r.status_code == 404 and r.json()["detail"] == "Không có cán bộ số 987654.", r.text
    assert (await c.post("/api/officials/abc/code", headers=hdr)).status_code == 422


async def test_the_webhook_answers_503_while_the_chatbot_is_off(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for(None)
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}
    r = await c.post("/api/bot/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert r.status_code == 503 and r.json() == {"detail": "Chatbot chưa bật"}
