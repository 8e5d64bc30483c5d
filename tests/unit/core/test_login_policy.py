"""core.login_policy: waits double after `slow_after` failures, a lock after the limit, counts reset after the
window or a lock; password rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.access import Role
from core.login_policy import LoginPolicy, after_failure, next_attempt_at, password_problem, username_problem

T0 = datetime(2026, 1, 1, tzinfo=UTC)
P = LoginPolicy(slow_after=2, lock_after=4, address_lock_after=6, delay=timedelta(seconds=1))


def fail(n: int, key: str = "user:a", at: datetime = T0):  # type: ignore[no-untyped-def]
    f, locked = None, False
    for _ in range(n):
        f, locked = after_failure(f, key, at, P)
    return f, locked


def test_waits_double_then_lock() -> None:
    assert next_attempt_at(None, T0, P) is None
    f, _ = fail(1)
    assert next_attempt_at(f, T0, P) is None
    f, _ = fail(2)
    assert next_attempt_at(f, T0, P) == T0 + timedelta(seconds=1)
    f, _ = fail(3)
    assert next_attempt_at(f, T0, P) == T0 + timedelta(seconds=2)
    assert next_attempt_at(f, T0 + timedelta(seconds=2), P) is None
    f, locked = fail(4)
    assert locked and f.locked_until == T0 + P.lock_for and next_attempt_at(f, T0, P) == T0 + P.lock_for
    again, relocked = after_failure(f, "user:a", T0 + P.lock_for, P)  # after the lock: counting starts over
    assert again.failures == 1 and not relocked


def test_addresses_have_their_own_limit_and_old_failures_expire() -> None:
    _, locked = fail(4, key="addr:10.0.0.1")
    assert not locked
    _, locked = fail(6, key="addr:10.0.0.1")
    assert locked
    f, _ = fail(3)
    later = T0 + P.window + timedelta(seconds=1)
    assert next_attempt_at(f, later, P) is None and after_failure(f, "user:a", later, P)[0].failures == 1


def test_password_rules() -> None:
    common = frozenset({"qwertyuiop1234"})
    assert "12" in (password_problem("a" * 10 + "!", "x", Role.ADMIN, common) or "ok")
    assert password_problem("abcdefghijkl", "x", Role.ADMIN, common) is None
    assert password_problem("ngắn-9-kt", "x", Role.CLERK, common) is not None
    assert password_problem("abcdefghij", "x", Role.LEADER, common) is None
    assert "tên đăng nhập" in (password_problem("Nguyễn Văn-An-2026!", "nguyenvan", Role.CLERK, common) or "")
    assert "phổ biến" in (password_problem("QwertyUIOP1234", "x", Role.CLERK, common) or "")
    assert password_problem("x" * 257, "y", Role.CLERK, common) is not None
    assert username_problem("") and username_problem("a" * 101) and username_problem("có khoảng trắng")
    assert username_problem("vanthu_a") is None
