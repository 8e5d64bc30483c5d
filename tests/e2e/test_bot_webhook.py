"""The chatbot in webhook mode, the whole service: settings `[bot] mode = "webhook"` (file + environment) →
setWebhook at start with the URL and secret → updates POSTed to /api/bot/webhook over real HTTP are handled
only with the right X-Telegram-Bot-Api-Secret-Token; the answers reach the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.axis.simulator import AxisSimulator
from bridge.bootstrap import build
from bridge.services.officials import create_official
from bridge.settings import load_settings
from tests.e2e.harness import RunningBridge, settings_for, settings_toml, start_bridge
from tests.fixtures.bot_fixtures import TOKEN
from tests.fixtures.fake_bot_api import FakeBotApi

TAN_HOA = "000.20.32.H61"
SECRET = "bi-mat-webhook-thu-7Qz"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CLERK, STRANGER = 101, 300
UNLINKED = "Tài khoản chưa được liên kết"


@pytest.fixture
async def webhook_bridge(
    db_url: str,
    tmp_path: Path,
    axis: AxisSimulator,
    mail_sink: Any,
    fake_bot_api: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningBridge]:
    """Settings read like in production: the [bot] section from a TOML file, the secret from the environment."""
    base = settings_for(db_url, tmp_path, axis.base_url, mail_sink.port)
    webhook_url = f"http://127.0.0.1:{base.api.port}/api/bot/webhook"
    config = tmp_path / "edoc-bridge.toml"
    config.write_text(
        settings_toml(base)
        + f"""[bot]
enabled = true
token = "{TOKEN}"
base_url = "{fake_bot_api.base_url}"
base_file_url = "{fake_bot_api.base_file_url}"
mode = "webhook"
webhook_url = "{webhook_url}"
webhook_secret = "overridden by the environment"
sweep_interval = 0.1
digest_times = []
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDOC_BOT__WEBHOOK_SECRET", SECRET)
    s = load_settings(config)
    assert (s.bot.mode, s.bot.webhook_url, s.bot.webhook_secret.get_secret_value()) == ("webhook", webhook_url, SECRET)
    running = await start_bridge(s)
    yield running
    await running.shutdown()


async def post_update(running: RunningBridge, update: Any, secret: str | None = SECRET) -> httpx.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient(base_url=running.api, timeout=10) as c:
        if isinstance(update, bytes):
            headers["Content-Type"] = "application/json"
            return await c.post("/api/bot/webhook", content=update, headers=headers)
        return await c.post("/api/bot/webhook", json=update, headers=headers)


def texts_to(fake: FakeBotApi, chat: int) -> list[str]:
    return [str(p.get("text", "")) for p in fake.calls_of("sendMessage", chat)]


async def test_start_registers_the_webhook_with_url_and_secret(webhook_bridge, fake_bot_api) -> None:  # type: ignore[no-untyped-def]
    call = await fake_bot_api.wait_call("setWebhook")
    assert call["url"] == webhook_bridge.settings.bot.webhook_url
    assert call["secret_token"] == SECRET
    assert len(fake_bot_api.calls_of("setWebhook")) == 1
    r = await post_update(webhook_bridge, fake_bot_api.message_update(CLERK, "/help"))
    assert r.status_code == 200 and r.json() == {"ok": True}
    [help_text] = texts_to(fake_bot_api, CLERK)
    assert help_text.startswith(UNLINKED) and "/start MÃ — liên kết tài khoản" in help_text
    # no polling in webhook mode (start_polling would have called deleteWebhook and getUpdates by now)
    assert fake_bot_api.polls == 0 and fake_bot_api.calls_of("deleteWebhook") == []


async def test_updates_with_the_secret_are_handled_and_link_an_official(webhook_bridge, fake_bot_api) -> None:  # type: ignore[no-untyped-def]
    fake = fake_bot_api
    # the update is handled before the response: its answer is already at the Bot API
    r = await post_update(webhook_bridge, fake.message_update(CLERK, "/start"))
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert UNLINKED in (await fake.wait_call("sendMessage", CLERK, within=1))["text"]

    bridge = await build(webhook_bridge.settings)
    try:
        made = await create_official(bridge.deps, "Trần Thị Văn Thư", TAN_HOA, "văn thư")
    finally:
        await bridge.close()
    r = await post_update(webhook_bridge, fake.message_update(CLERK, f"/start {made.code}"))
    assert r.status_code == 200
    linked = await fake.wait_call("sendMessage", CLERK, count=2, within=1)
    assert linked["text"].startswith("Đã liên kết: Trần Thị Văn Thư — Văn thư")

    r = await post_update(webhook_bridge, fake.message_update(CLERK, "/status"))
    assert r.status_code == 200
    syntax = await fake.wait_call("sendMessage", CLERK, count=3, within=1)
    assert syntax["text"].startswith("Cú pháp: /status")
    r = await post_update(webhook_bridge, fake.message_update(CLERK, "/status 99/QĐ-UBND"))
    assert r.status_code == 200
    none = await fake.wait_call("sendMessage", CLERK, count=4, within=1)
    assert none["text"] == "Không tìm thấy văn bản «99/QĐ-UBND» của cơ quan bạn."


async def test_a_wrong_or_missing_secret_is_refused_and_not_handled(webhook_bridge, fake_bot_api) -> None:  # type: ignore[no-untyped-def]
    fake = fake_bot_api
    for secret in ("sai-ma", "", None, SECRET.upper(), SECRET + "x"):
        r = await post_update(webhook_bridge, fake.message_update(STRANGER, "/start"), secret)
        assert r.status_code == 403, (secret, r.text)
        assert r.json() == {"detail": "Sai mã bí mật webhook"}
    # handling is done within the request, so a right one right after is answered and the refused ones never
    r = await post_update(webhook_bridge, fake.message_update(CLERK, "/start"))
    assert r.status_code == 200
    await fake.wait_call("sendMessage", CLERK, within=1)
    assert texts_to(fake, STRANGER) == []
    assert [m for m, _, _ in fake.calls if m not in {"getMe", "setWebhook", "setMyCommands"}] == ["sendMessage"]


INLINE_QUERY = {
    "id": "1",
    "from": {"id": CLERK, "is_bot": False, "first_name": "Cán bộ"},
    "query": "45/QĐ",
    "offset": "",
}


async def test_a_malformed_body_is_a_client_error_and_the_bot_keeps_working(webhook_bridge, fake_bot_api) -> None:  # type: ignore[no-untyped-def]
    fake = fake_bot_api
    bodies = [b"{not json", b"", "không phải JSON".encode(), b"\xff\xfe", b"[1, 2]", b'"update"', b"null", b"{}",
              b'{"update_id": 7, "message": "x"}', b'{"update_id": 8, "poll": {"id": "1"}}']  # fmt: skip
    for body in bodies:
        r = await post_update(webhook_bridge, body)
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert r.json() == {"detail": "Nội dung cập nhật không hợp lệ"}
    # a well-formed update of a kind no handler takes is accepted (Telegram would resend it otherwise) and ignored
    r = await post_update(webhook_bridge, {"update_id": 9, "inline_query": INLINE_QUERY})
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert fake.calls_of("sendMessage") == []
    # the service still answers
    r = await post_update(webhook_bridge, fake.message_update(CLERK, "/start"))
    assert r.status_code == 200
    assert UNLINKED in (await fake.wait_call("sendMessage", CLERK, within=1))["text"]
    async with httpx.AsyncClient(base_url=webhook_bridge.api) as c:
        assert (await c.get("/healthz")).status_code == 200
