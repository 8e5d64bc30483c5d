"""Users, password login, sessions and API tokens. Passwords: scrypt (stdlib), tokens: random, stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core.access import Role, User

# scrypt cost: n=2^14, r=8, p=1 (~16 MiB, tens of ms): slows guessing, fine for a login.
_N, _R, _P, _LEN = 2**14, 8, 1, 32
SESSION_TTL = timedelta(hours=8)


class AccountError(ValueError):
    """A Vietnamese message for the person creating or using an account."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_LEN)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${key.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(key) // 2
        )
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), key)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    token: str  # goes into the cookie; only its hash is stored
    csrf: str
    user: User


class Accounts:
    def __init__(self, store: Any, audit: Any, clock: Any) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock

    async def create_user(
        self, username: str, password: str, role: Role, organ_id: str = "", full_name: str = "", actor: str = "cli"
    ) -> User:
        if role.agency_bound and not organ_id:
            raise AccountError("Văn thư và lãnh đạo phải thuộc một cơ quan (mã định danh).")
        if len(password) < 8:
            raise AccountError("Mật khẩu phải có ít nhất 8 ký tự.")
        if await self._store.credentials(username):
            raise AccountError(f"Tên đăng nhập «{username}» đã có.")
        pw = await _scrypt(password)
        user = await self._store.add_user(
            username, pw, role, organ_id if role.agency_bound else "", full_name, self._clock.now()
        )
        await self._audit.record(actor, "user.create", username, role=role.value, organ_id=user.organ_id)
        return user

    async def login(self, username: str, password: str) -> Session | None:
        found = await self._store.credentials(username)
        ok = found is not None and found[0].active and await _check(password, found[1])
        await self._audit.record(username, "login" if ok else "login.failed", username)
        if not ok or found is None:
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        await self._store.add_session(token_hash(token), found[0].id, csrf, self._clock.now() + SESSION_TTL)
        return Session(token, csrf, found[0])

    async def session(self, token: str) -> tuple[User, str] | None:
        return await self._store.session(token_hash(token), self._clock.now())

    async def logout(self, token: str, user: User) -> None:
        await self._store.end_session(token_hash(token))
        await self._audit.record(user.username, "logout", user.username)

    async def issue_token(self, username: str, name: str, actor: str = "cli") -> str:
        found = await self._store.credentials(username)
        if found is None:
            raise AccountError(f"Không có người dùng «{username}».")
        token = "edb_" + secrets.token_urlsafe(32)
        await self._store.add_token(token_hash(token), found[0].id, name, self._clock.now())
        await self._audit.record(actor, "token.issue", username, name=name)
        return token

    async def token_user(self, token: str) -> User | None:
        return await self._store.token_user(token_hash(token))


async def _scrypt(password: str) -> str:
    import asyncio

    return await asyncio.to_thread(hash_password, password)


async def _check(password: str, stored: str) -> bool:
    import asyncio

    return await asyncio.to_thread(check_password, password, stored)
