"""Accounts that an attacker cannot guess, keep or hide: login throttling per username and per address (time
from the Clock port), the same cost for unknown usernames, the password policy, revocation that takes effect on
the next request, the `users` commands and the admin page — each change audited. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest
from typer.testing import CliRunner

from bridge.api.app import create_app
from bridge.bootstrap import Bridge, access, build
from bridge.cli import app as cli_app
from bridge.services.accounts import AccountError, Accounts, LoginThrottled, check_password
from core.access import Role
from tests.fixtures.settings import base_settings

PASSWORD = "mật-khẩu-thử-1"
AGENCY = "000.00.32.H61"


class StoppedClock:
    """Time moves only when the test says so."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class Site:
    bridge: Bridge
    clock: StoppedClock
    accounts: Accounts
    client: httpx.AsyncClient

    async def login(self, username: str, password: str = PASSWORD, address: str = "10.0.0.1") -> Any:
        try:
            return await self.accounts.login(username, password, address)
        except LoginThrottled as exc:
            return exc

    async def actions(self) -> list[tuple[str, str, str]]:
        return [(e.actor, e.action, e.target) for e in await access(self.bridge).store.recent_audit(500)]


@pytest.fixture
async def site(db_url: str, tmp_path: Path) -> AsyncIterator[Site]:
    s = base_settings(database_url=db_url, blob_dir=str(tmp_path / "blobs"))
    s.axis.simulator = False
    s.security.login_slow_after, s.security.login_lock_after, s.security.login_address_lock_after = 3, 5, 8
    clock = StoppedClock()
    bridge = await build(s, clock=clock)
    acc = access(bridge).accounts
    await acc.create_user("quantri", PASSWORD, Role.ADMIN, full_name="Quản trị")
    await acc.create_user("vanthu", PASSWORD, Role.CLERK, AGENCY, full_name="Văn thư")
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(bridge)), base_url="http://test")
    yield Site(bridge, clock, acc, client)
    await client.aclose()
    await bridge.close()


async def test_a_username_is_slowed_then_locked_and_admins_see_it(site: Site) -> None:
    for _ in range(3):
        assert await site.login("vanthu", "sai-mật-khẩu") is None
    slowed = await site.login("vanthu")  # even the right password waits now, without being hashed
    assert (
        isinstance(slowed, LoginThrottled)
        and not slowed.locked
        and slowed.until == site.clock.at + timedelta(seconds=1)
    )
    site.clock.advance(seconds=1)
    assert await site.login("vanthu", "sai-mật-khẩu") is None  # 4th failure: the next wait doubles
    site.clock.advance(seconds=1)
    assert isinstance(await site.login("vanthu"), LoginThrottled)
    site.clock.advance(seconds=1)
    assert await site.login("vanthu", "sai-mật-khẩu") is None  # 5th: locked for 15 minutes
    locked = await site.login("vanthu")
    assert isinstance(locked, LoginThrottled) and locked.locked and "tạm bị khóa" in str(locked)
    assert [f.key for f in await site.accounts.locked_logins()] == ["user:vanthu"]
    assert ("vanthu", "login.locked", "user:vanthu") in await site.actions()
    r = await site.client.post("/web/login", data={"username": "vanthu", "password": PASSWORD})
    assert r.status_code == 429 and "tạm bị khóa" in r.text and int(r.headers["retry-after"]) == 15 * 60
    site.clock.advance(minutes=15)
    assert (await site.login("vanthu")).user.username == "vanthu"  # the lock ran out; success clears the count
    assert await site.accounts.locked_logins() == []
    assert await site.login("vanthu", "sai-mật-khẩu") is None
    assert isinstance(await site.login("vanthu"), LoginThrottled)  # the address still counts its 6 failures
    site.clock.advance(seconds=8)
    assert (await site.login("vanthu")).user.username == "vanthu"


async def test_one_address_guessing_many_usernames_is_locked(site: Site) -> None:
    for i in range(8):
        assert await site.login(f"khong-co-{i}", "đoán-thử", address="203.0.113.9") is None
        site.clock.advance(minutes=1)  # past each per-address wait
    refused = await site.login("vanthu", address="203.0.113.9")
    assert isinstance(refused, LoginThrottled) and refused.locked
    assert ("khong-co-7", "login.locked", "addr:203.0.113.9") in await site.actions()
    assert (await site.login("vanthu", address="198.51.100.1")).user.username == "vanthu"  # others are not
    assert await site.accounts.unlock("addr:203.0.113.9", actor="quantri")
    assert (await site.login("vanthu", address="203.0.113.9")).user.username == "vanthu"


async def test_unknown_disabled_and_overlong_logins_cost_one_hash_like_a_known_one(site: Site) -> None:
    calls: list[str] = []

    def counting(password: str, stored: str) -> bool:
        calls.append(stored)
        return check_password(password, stored)

    acc = access(site.bridge)
    spy = Accounts(acc.store, acc.audit, site.clock, site.accounts.policy, check=counting)
    await site.accounts.disable("vanthu", actor="quantri")
    tries = [("quantri", "sai-mật-khẩu"), ("khong-ai", "sai-mật-khẩu"), ("vanthu", PASSWORD),
             ("x" * 5000, "a"), ("quantri", "p" * 100_000)]  # fmt: skip
    for username, password in tries:
        assert await spy.login(username, password, address=f"192.0.2.{len(calls)}") is None
    assert len(calls) == len(tries)  # exactly one scrypt each
    assert all(stored.startswith("scrypt$16384$8$1$") for stored in calls)
    entries = await acc.store.recent_audit(20)
    assert all(len(e.actor) <= 200 and len(e.target) <= 500 for e in entries)


async def test_the_password_policy(site: Site) -> None:
    acc = site.accounts
    refusals = [
        ("admin2", "ngắn-11-kt", Role.ADMIN, "ít nhất 12"),
        ("giamsat2", "ngắn-11-kt", Role.MONITOR, "ít nhất 12"),
        ("vanthu2", "chín-kt-9", Role.CLERK, "ít nhất 10"),
        ("nguyenvana", "NguyenVanA-2026", Role.CLERK, "tên đăng nhập"),
        ("vanthu3", "qwertyuiop", Role.CLERK, "quá phổ biến"),
        ("vanthu4", "matkhau12345", Role.CLERK, "quá phổ biến"),
    ]
    for username, password, role, why in refusals:
        with pytest.raises(AccountError, match=why):
            await acc.create_user(username, password, role, AGENCY if role.agency_bound else "")
    await acc.create_user("vanthu5", "đủ-mười-kt", Role.CLERK, AGENCY)
    with pytest.raises(AccountError, match="ít nhất 12"):
        await acc.set_password("quantri", "ngắn-11-kt")


async def test_revocation_takes_effect_on_the_next_request(site: Site) -> None:
    c = site.client
    token = await site.accounts.issue_token("vanthu", "máy chủ", actor="quantri")
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await c.get("/api/documents", headers=bearer)).status_code == 200
    [info] = await site.accounts.tokens("vanthu")
    assert info.expires_at == site.clock.at + timedelta(days=90)  # security.token_days
    await site.accounts.revoke(info.id, actor="quantri")
    assert (await c.get("/api/documents", headers=bearer)).status_code == 401
    # an expiring token
    short = await site.accounts.issue_token("vanthu", "ngắn", actor="quantri", days=1)
    assert (await c.get("/api/documents", headers={"Authorization": f"Bearer {short}"})).status_code == 200
    site.clock.advance(days=1, seconds=1)
    assert (await c.get("/api/documents", headers={"Authorization": f"Bearer {short}"})).status_code == 401
    # disabling ends the user's sessions and tokens at once
    again = await site.accounts.issue_token("vanthu", "lại", actor="quantri", days=0)
    assert (await site.accounts.tokens("vanthu"))[-1].expires_at is None
    r = await c.post("/web/login", data={"username": "vanthu", "password": PASSWORD})
    assert r.status_code == 303
    assert (await c.get("/api/documents")).status_code == 200  # by the session cookie
    await site.accounts.disable("vanthu", actor="quantri")
    assert (await c.get("/api/documents")).status_code == 401
    assert (await c.get("/api/documents", headers={"Authorization": f"Bearer {again}"})).status_code == 401
    assert await site.accounts.tokens("vanthu") == []
    await site.accounts.enable("vanthu", actor="quantri")
    assert (await c.get("/api/documents", headers={"Authorization": f"Bearer {again}"})).status_code == 401
    actions = {a for _, a, _ in await site.actions()}
    assert {"token.issue", "token.revoke", "user.disable", "user.enable", "login"} <= actions
    assert (await access(site.bridge).audit.verify()).ok


async def test_a_new_password_ends_the_users_sessions(site: Site) -> None:
    c = site.client
    assert (await c.post("/web/login", data={"username": "vanthu", "password": PASSWORD})).status_code == 303
    assert (await c.get("/api/documents")).status_code == 200
    await site.accounts.set_password("vanthu", "mật-khẩu-mới-2", actor="quantri")
    assert (await c.get("/api/documents")).status_code == 401
    assert (await site.login("vanthu", "mật-khẩu-mới-2")).user.username == "vanthu"


async def test_the_admin_page_manages_users_and_tokens(site: Site) -> None:
    c = site.client
    assert (await c.post("/web/login", data={"username": "quantri", "password": PASSWORD})).status_code == 303
    page = (await c.get("/web/users")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf and 'id="user-vanthu"' in page
    form = {"csrf": csrf[1]}
    r = await c.post("/web/users/new", data={**form, "username": "lanhdao", "role": "leader", "organ_id": AGENCY,
                                             "password": "mật-khẩu-lãnh-đạo"})  # fmt: skip
    where = r.headers["location"]  # back to the users page, with the signed message (once a path: a 404)
    assert (
        r.status_code == 303 and where.startswith("/web/users?") and "Đã tạo người dùng lanhdao" in unquote_plus(where)
    )
    shown = await c.post("/web/users/lanhdao/token", data={**form, "name": "báo cáo", "days": "30"})
    token = re.search(r"<code>(edb_[^<]+)</code>", shown.text)
    assert token
    [info] = await site.accounts.tokens("lanhdao")
    assert (await c.post(f"/web/users/tokens/{info.id}/revoke", data=form)).status_code == 303
    assert await site.accounts.tokens("lanhdao") == []
    assert (await c.post("/web/users/lanhdao/disable", data={"csrf": "sai"})).status_code == 403
    assert (await c.post("/web/users/lanhdao/disable", data=form)).status_code == 303
    assert not next(u for u in await site.accounts.users() if u.username == "lanhdao").active
    actions = await site.actions()
    for action in ("user.create", "token.issue", "token.revoke", "user.disable"):
        assert ("quantri", action, "lanhdao") in actions, action
    second = httpx.ASGITransport(app=create_app(site.bridge))  # a second browser on the same service
    clerk = httpx.AsyncClient(transport=second, base_url="http://test")
    assert (await clerk.post("/web/login", data={"username": "vanthu", "password": PASSWORD})).status_code == 303
    assert (await clerk.get("/web/users")).status_code == 403
    await clerk.aclose()


def test_the_users_commands(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "edoc.toml"
    config.write_text(f'database_url = "{db_url}"\nblob_dir = "{tmp_path / "blobs"}"\n', encoding="utf-8")

    def cli(*args: str, password: str = "") -> Any:
        env = {"EDOC_NEW_PASSWORD": password} if password else {}
        return CliRunner().invoke(cli_app, ["users", *args, "--config", str(config)], env=env)

    short = cli("add", "vanthu", "--role", "clerk", "--organ", AGENCY, password="12345678")
    assert short.exit_code == 1 and "ít nhất 10 ký tự" in str(short.exception)
    assert cli("add", "vanthu", "--role", "clerk", "--organ", AGENCY, password=PASSWORD).exit_code == 0
    made = cli("token", "vanthu", "--name", "máy", "--days", "7")
    assert made.exit_code == 0 and made.stdout.startswith("edb_")
    listed = cli("token", "--list")
    assert "vanthu" in listed.stdout and "máy" in listed.stdout
    token_id = listed.stdout.split()[0]
    assert cli("revoke", token_id).exit_code == 0
    gone = cli("revoke", token_id)
    assert gone.exit_code == 1 and "Không có mã truy cập" in str(gone.exception)
    assert cli("disable", "vanthu").exit_code == 0
    assert "ĐÃ KHÓA" in cli("list").stdout
    assert cli("enable", "vanthu").exit_code == 0
    assert "tên đăng nhập" in str(cli("passwd", "vanthu", password="vanthu-mới-2026").exception)
    assert cli("passwd", "vanthu", password="mật-khẩu-mới-2").exit_code == 0
    verify = CliRunner().invoke(cli_app, ["audit", "verify", "--config", str(config)])
    assert verify.exit_code == 0 and "6 mục" in verify.stdout and "khớp đầu chuỗi mục 6" in verify.stdout

    async def actions() -> list[tuple[str, str]]:
        s = base_settings(database_url=db_url, blob_dir=str(tmp_path / "blobs"))
        s.axis.simulator = False
        b = await build(s)
        try:
            return [(e.actor[:4], e.action) for e in reversed(await access(b).store.recent_audit())]
        finally:
            await b.close()

    done = ["user.create", "token.issue", "token.revoke", "user.disable", "user.enable", "user.passwd"]
    assert asyncio.run(actions()) == [("cli:", action) for action in done]
