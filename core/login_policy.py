"""How hard a login is made after failed attempts, and which passwords are refused. Pure rules; the counters
live in the database (one per username and one per client address) and time comes from the Clock port.

After `slow_after` failures in a row the next attempt must wait (1, 2, 4 … × `delay`, at most `lock_for`);
after `lock_after` failures the key is locked for `lock_for`. Waiting and locked attempts are refused before
any password is hashed, so a flood of guesses costs neither time nor memory."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.access import LoginFailures, Role
from core.text import fold

MAX_USERNAME = 100  # characters: longer names are refused before any lookup or hashing
MAX_PASSWORD = 256  # characters: scrypt over megabytes of "password" is a denial of service


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    slow_after: int = 3
    lock_after: int = 10  # failures per username
    address_lock_after: int = 30  # failures per client address (one address guessing many usernames)
    window: timedelta = timedelta(minutes=15)  # failures further apart than this start a new count
    delay: timedelta = timedelta(seconds=1)
    lock_for: timedelta = timedelta(minutes=15)

    def limit_for(self, key: str) -> int:
        return self.address_lock_after if key.startswith("addr:") else self.lock_after


def next_attempt_at(f: LoginFailures | None, now: datetime, policy: LoginPolicy) -> datetime | None:
    """When this key may try again, or None if it may try now."""
    if f is None:
        return None
    if f.locked_until is not None and f.locked_until > now:
        return f.locked_until
    if now - f.last_at > policy.window or f.failures < policy.slow_after:
        return None
    wait = min(policy.delay * 2 ** min(f.failures - policy.slow_after, 20), policy.lock_for)
    return f.last_at + wait if f.last_at + wait > now else None


def after_failure(f: LoginFailures | None, key: str, now: datetime, policy: LoginPolicy) -> tuple[LoginFailures, bool]:
    """The counter after one more failure, and whether this failure locked the key."""
    fresh = f is None or now - f.last_at > policy.window or (f.locked_until is not None and f.locked_until <= now)
    failures, first = (1, now) if fresh or f is None else (f.failures + 1, f.first_at)
    locked = failures >= policy.limit_for(key)
    return LoginFailures(key, failures, first, now, now + policy.lock_for if locked else None), locked


def min_password_length(role: Role) -> int:
    return 12 if role in (Role.ADMIN, Role.MONITOR) else 10


def password_problem(password: str, username: str, role: Role, common: Container[str]) -> str | None:
    """Why a new password is refused (Vietnamese), or None."""
    shortest = min_password_length(role)
    if len(password) < shortest:
        return f"Mật khẩu phải có ít nhất {shortest} ký tự (vai trò {role.label})."
    if len(password) > MAX_PASSWORD:
        return f"Mật khẩu dài quá {MAX_PASSWORD} ký tự."
    if username and fold(username).replace(" ", "") in fold(password).replace(" ", ""):
        return "Mật khẩu không được chứa tên đăng nhập."
    if password.lower() in common or fold(password) in common:
        return "Mật khẩu này quá phổ biến (có trong danh sách mật khẩu hay bị đoán); hãy chọn mật khẩu khác."
    return None


def username_problem(username: str) -> str | None:
    if not username or len(username) > MAX_USERNAME:
        return f"Tên đăng nhập phải có từ 1 đến {MAX_USERNAME} ký tự."
    if any(c.isspace() or not c.isprintable() for c in username):
        return "Tên đăng nhập không được có khoảng trắng hay ký tự điều khiển."
    return None
