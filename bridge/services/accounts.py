"""Users, password login, sessions and API tokens: the use cases behind the CLI (`users …`) and the admin page.

Passwords: scrypt (stdlib); tokens: random, stored hashed, optionally expiring. Every change is audited in the
same transaction as the change (AuditLog.recording). Logins are throttled per username and per client address
(core.login_policy), and an unknown username costs the same scrypt as a known one."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from core.access import LoginFailures, Role, TokenInfo, User
from core.login_policy import (
    MAX_PASSWORD,
    MAX_USERNAME,
    LoginPolicy,
    after_failure,
    next_attempt_at,
    password_problem,
    username_problem,
)
from core.vn_time import format_time

# scrypt cost: n=2^14, r=8, p=1 (~16 MiB, tens of ms): slows guessing, fine for a login.
_N, _R, _P, _LEN = 2**14, 8, 1, 32
SESSION_TTL = timedelta(hours=8)
HASHING_AT_ONCE = 4  # concurrent scrypt runs (16 MiB each): a login flood cannot take all memory


class AccountError(ValueError):
    """A Vietnamese message for the person creating or using an account."""


class LoginThrottled(Exception):
    """Too many failed logins for this username or address: try again at `until` (HTTP 429)."""

    def __init__(self, until: datetime, locked: bool) -> None:
        self.until, self.locked = until, locked
        when = format_time(until)
        super().__init__(
            f"Tài khoản hoặc địa chỉ này tạm bị khóa đăng nhập do nhập sai nhiều lần; hãy thử lại sau {when}."
            if locked
            else f"Đăng nhập sai nhiều lần; hãy chờ đến {when} rồi thử lại."
        )


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (bridge/data, see COMMON-PASSWORDS.md), read once."""
    data = resources.files("bridge") / "data"
    words = gzip.decompress((data / "common-passwords.txt.gz").read_bytes()).decode().split()
    words += (data / "common-passwords-vi.txt").read_text(encoding="utf-8").split()
    return frozenset(w.strip().lower() for w in words if w.strip())


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
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    token: str  # goes into the cookie; only its hash is stored
    csrf: str
    user: User


class Accounts:
    def __init__(
        self,
        store: Any,
        audit: Any,
        clock: Any,
        policy: LoginPolicy | None = None,
        token_ttl: timedelta | None = None,
        check: Any = check_password,
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self.policy = policy or LoginPolicy()
        self.token_ttl = token_ttl  # default lifetime of a new API token; None: until revoked
        self._check = check
        self._hashing = asyncio.Semaphore(HASHING_AT_ONCE)
        self._dummy: str | None = None

    # --- users -----------------------------------------------------------------------------------------

    async def create_user(
        self, username: str, password: str, role: Role, organ_id: str = "", full_name: str = "", actor: str = "cli"
    ) -> User:
        if problem := username_problem(username):
            raise AccountError(problem)
        if role.agency_bound and not organ_id:
            raise AccountError("Văn thư và lãnh đạo phải thuộc một cơ quan (mã định danh).")
        await self._check_policy(password, username, role)
        if await self._store.credentials(username):
            raise AccountError(f"Tên đăng nhập «{username}» đã có.")
        pw = await self._hash(password)
        organ = organ_id if role.agency_bound else ""
        audit = self._audit.recording(actor, "user.create", username, role=role.value, organ_id=organ)
        return await self._store.add_user(  # type: ignore[no-any-return]
            username, pw, role, organ, full_name, self._clock.now(), audit=audit
        )

    async def users(self) -> list[User]:
        return await self._store.list_users()  # type: ignore[no-any-return]

    async def disable(self, username: str, actor: str = "cli") -> None:
        """The user can no longer sign in; their sessions and API tokens end in the same transaction."""
        audit = self._audit.recording(actor, "user.disable", username)
        if not await self._store.set_active(username, False, audit=audit):
            raise AccountError(f"Không có người dùng «{username}».")

    async def enable(self, username: str, actor: str = "cli") -> None:
        audit = self._audit.recording(actor, "user.enable", username)
        if not await self._store.set_active(username, True, audit=audit):
            raise AccountError(f"Không có người dùng «{username}».")

    async def set_password(self, username: str, password: str, actor: str = "cli") -> None:
        """A new password (policy checked); the user's sessions end."""
        found = await self._store.credentials(username)
        if found is None:
            raise AccountError(f"Không có người dùng «{username}».")
        await self._check_policy(password, username, found[0].role)
        audit = self._audit.recording(actor, "user.passwd", username)
        await self._store.set_password(username, await self._hash(password), audit=audit)

    async def _check_policy(self, password: str, username: str, role: Role) -> None:
        common = await asyncio.to_thread(common_passwords)
        if problem := password_problem(password, username, role, common):
            raise AccountError(problem)

    # --- login -----------------------------------------------------------------------------------------

    async def login(self, username: str, password: str, address: str = "") -> Session | None:
        """A session, or None for a wrong username/password. Raises LoginThrottled (before any hashing) while
        the username or the client address must wait or is locked."""
        now = self._clock.now()
        name = username[: MAX_USERNAME + 1]
        keys = [f"user:{name.lower()}"] + ([f"addr:{address[:150]}"] if address else [])
        counters = await self._store.login_failures(keys)
        for key in keys:
            if (until := next_attempt_at(counters.get(key), now, self.policy)) is not None:
                raise LoginThrottled(until, locked=until == counters[key].locked_until)
        found = await self._store.credentials(name) if len(name) <= MAX_USERNAME else None
        usable = found is not None and found[0].active
        # an unknown or disabled user costs the same scrypt as a known one: the answer time tells nothing
        stored = found[1] if usable and found is not None else await self._dummy_hash()
        matched = await self._verify(password[:MAX_PASSWORD], stored)  # always hashed, at most MAX_PASSWORD long
        ok = usable and len(password) <= MAX_PASSWORD and matched
        if not ok or found is None:
            await self._failed(name, keys, counters, now, address)
            return None
        if keys[0] in counters:
            await self._store.clear_login_failures(keys[0])
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        audit = self._audit.recording(name, "login", name, address=address)
        await self._store.add_session(token_hash(token), found[0].id, csrf, now + SESSION_TTL, audit=audit)
        return Session(token, csrf, found[0])

    async def _failed(
        self, name: str, keys: list[str], counters: dict[str, LoginFailures], now: datetime, address: str
    ) -> None:
        for i, key in enumerate(keys):
            counted, locked = after_failure(counters.get(key), key, now, self.policy)
            entries = [("login.failed", name, {"address": address})] if i == 0 else []
            if locked:
                entries.append(("login.locked", key, {"failures": counted.failures, "until": counted.locked_until}))
            await self._store.save_login_failures(counted, audit=self._entries(name, entries))

    def _entries(self, actor: str, entries: list[tuple[str, str, dict[str, Any]]]) -> Any:
        if not entries:
            return None

        async def write(repo: Any) -> None:
            for action, target, details in entries:
                await self._audit.record_in(repo, actor, action, target, **details)

        return write

    async def locked_logins(self) -> list[LoginFailures]:
        """Usernames and addresses locked now (shown to admins)."""
        return await self._store.locked_logins(self._clock.now())  # type: ignore[no-any-return]

    async def unlock(self, key: str, actor: str = "cli") -> bool:
        return await self._store.clear_login_failures(  # type: ignore[no-any-return]
            key, audit=self._audit.recording(actor, "login.unlock", key)
        )

    async def session(self, token: str) -> tuple[User, str] | None:
        return await self._store.session(token_hash(token), self._clock.now())  # type: ignore[no-any-return]

    async def logout(self, token: str, user: User) -> None:
        audit = self._audit.recording(user.username, "logout", user.username)
        await self._store.end_session(token_hash(token), audit=audit)

    # --- API tokens ------------------------------------------------------------------------------------

    async def issue_token(self, username: str, name: str, actor: str = "cli", days: float | None = None) -> str:
        """A new token (shown once). `days`: its lifetime (0 = until revoked); None: the configured default."""
        found = await self._store.credentials(username)
        if found is None:
            raise AccountError(f"Không có người dùng «{username}».")
        if not found[0].active:
            raise AccountError(f"Người dùng «{username}» đang bị khóa.")
        if days is not None and not 0 <= days <= 3660:
            raise AccountError("Thời hạn mã truy cập phải từ 0 (không hết hạn) đến 3660 ngày.")
        ttl = self.token_ttl if days is None else (timedelta(days=days) if days else None)
        now = self._clock.now()
        expires = now + ttl if ttl else None
        token = "edb_" + secrets.token_urlsafe(32)
        digest = token_hash(token)
        audit = self._audit.recording(actor, "token.issue", username, name=name, id=digest[:12], expires=expires)
        await self._store.add_token(digest, found[0].id, name, now, expires, audit=audit)
        return token

    async def tokens(self, username: str | None = None) -> list[TokenInfo]:
        return await self._store.tokens(username)  # type: ignore[no-any-return]

    async def revoke(self, token_id: str, actor: str = "cli") -> TokenInfo:
        """Revoke the token with this id (from `tokens()`); it stops working on the next request."""

        def audit_for(t: TokenInfo) -> Any:
            return self._audit.recording(actor, "token.revoke", t.username, id=t.id, name=t.name)

        found = await self._store.revoke_token(token_id, audit_for)
        if not found:
            raise AccountError(f"Không có mã truy cập số «{token_id[:20]}».")
        if len(found) > 1:
            raise AccountError(f"Có {len(found)} mã bắt đầu bằng «{token_id[:20]}»; hãy ghi đủ mã số.")
        return found[0]  # type: ignore[no-any-return]

    async def token_user(self, token: str) -> User | None:
        return await self._store.token_user(token_hash(token), self._clock.now())  # type: ignore[no-any-return]

    # --- hashing off the loop --------------------------------------------------------------------------

    async def _hash(self, password: str) -> str:
        async with self._hashing:
            return await asyncio.to_thread(hash_password, password)

    async def _verify(self, password: str, stored: str) -> bool:
        async with self._hashing:
            return bool(await asyncio.to_thread(self._check, password, stored))

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self._hash(secrets.token_urlsafe(16))
        return self._dummy
