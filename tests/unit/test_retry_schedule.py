"""Retry schedules as data: the worker's RetryPolicy and the wait of a document whose clamd or DNS is down."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.services import jobs
from bridge.services.axis_intake import REFUSAL, send_refusal
from bridge.services.checks import CheckPolicy
from bridge.services.deps import Deps
from bridge.services.inbound import DEPENDENCY_WAIT, dependency_wait
from bridge.services.relay import refusal
from bridge.worker import Backoff, RetryPolicy
from core.ports import AxisRejected
from core.records import OutboxJob, OutboxState


def test_delays_grow_by_the_factor_until_the_cap() -> None:
    steady = Backoff(initial=2.0, factor=3.0, maximum=100.0, jitter=0.0)
    assert [steady.delay(n) for n in range(1, 7)] == [2.0, 6.0, 18.0, 54.0, 100.0, 100.0]


def test_a_job_waiting_for_days_stays_at_the_cap() -> None:
    """Claims keep counting while clamd is down (1 440 a day at one a minute): no overflow, never longer."""
    wait = replace(DEPENDENCY_WAIT, maximum=60.0)
    assert {wait.delay(n) for n in (50, 1_100, 10_000, 10**9)} == {60.0}


def test_jitter_stays_within_its_bounds_and_does_vary() -> None:
    wait = Backoff(initial=4.0, factor=2.0, maximum=600.0, jitter=1.5)
    delays = [wait.delay(3) for _ in range(300)]
    assert all(16.0 <= d <= 17.5 for d in delays)
    assert len(set(delays)) > 1  # spread: documents held together are not all retried at the same instant


def test_jitter_never_carries_a_delay_past_the_cap() -> None:
    wait = Backoff(initial=10.0, factor=2.0, maximum=10.5, jitter=5.0)
    assert all(10.0 <= wait.delay(1) <= 10.5 for _ in range(300))
    assert all(wait.delay(2) == 10.5 for _ in range(100))


@given(
    initial=st.floats(0.01, 100),
    factor=st.floats(1.0, 10),
    cap=st.floats(0.01, 3600),
    jitter=st.floats(0, 10),
    attempt=st.integers(1, 100_000),
)
def test_any_delay_is_between_zero_and_the_cap(
    initial: float, factor: float, cap: float, jitter: float, attempt: int
) -> None:
    assert 0.0 <= Backoff(initial, factor, cap, jitter).delay(attempt) <= cap


@given(initial=st.floats(0.01, 100), factor=st.floats(1.0, 10), cap=st.floats(0.01, 3600), attempt=st.integers(1, 200))
def test_without_jitter_a_later_attempt_never_waits_less(
    initial: float, factor: float, cap: float, attempt: int
) -> None:
    wait = Backoff(initial, factor, cap, jitter=0.0)
    assert wait.delay(attempt) <= wait.delay(attempt + 1)


def test_the_dependency_wait_is_capped_by_scan_retry_max_delay() -> None:
    deps = Deps(uow=None, blobs=None, axis=None, mail=None, checks=CheckPolicy(scan_retry_max_delay=0.3))  # type: ignore[arg-type]
    wait = dependency_wait(deps)
    assert (wait.initial, wait.factor, wait.jitter) == (DEPENDENCY_WAIT.initial, DEPENDENCY_WAIT.factor, 1.0)
    assert [wait.delay(n) for n in (1, 2, 30)] == [0.3, 0.3, 0.3]  # tried at least every 0.3 s
    slow = dependency_wait(replace(deps, checks=CheckPolicy(scan_retry_max_delay=60.0)))
    assert 2.0 <= slow.delay(1) <= 3.0 and 4.0 <= slow.delay(2) <= 5.0 and slow.delay(40) == 60.0


def test_retry_policy_keeps_its_positional_order_and_uses_its_backoff() -> None:
    policy = RetryPolicy(5, 0.5, 3.0, 0.0)  # bootstrap: (max_attempts, initial_delay, max_delay, jitter)
    assert policy.backoff == Backoff(initial=0.5, factor=2.0, maximum=3.0, jitter=0.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_only_an_axis_fail_about_the_packet_itself_is_final() -> None:
    """FAIL 400/404/413 (malformed, unknown recipient, too large): a dead letter at once; -1 and every other
    code (403, 500, none): the axis's trouble, retried through the outage window."""
    for code in ("400", "404", " 413"):
        assert isinstance(refusal(AxisRejected(code, "…"), "gói tin"), jobs.GiveUp), code
    for code in ("-1", "403", "500", ""):
        later = refusal(AxisRejected(code, "lỗi"), "gói tin")
        assert isinstance(later, jobs.RetryLater) and "sẽ gửi lại" in str(later), code


async def test_the_02_answering_an_unreadable_packet_is_retried_after_fail_minus_one() -> None:
    class FailingAxis:
        async def send_edoc(self, organ: str, packet: bytes, message_type: str = "edoc") -> str:
            raise AxisRejected("-1", "Hệ thống đang bận")

    deps = Deps(uow=None, blobs=None, axis=FailingAxis(), mail=None)  # type: ignore[arg-type]
    job = OutboxJob(1, REFUSAL, {"packet": base64.b64encode(b"<edXML/>").decode(), "organ": "000.00.00.H61"}, 1,
                    "axis_refusal:x", "", OutboxState.DOING, datetime.now(UTC), datetime.now(UTC))  # fmt: skip
    with pytest.raises(jobs.RetryLater, match="mã lỗi -1"):
        await send_refusal(deps, job)
