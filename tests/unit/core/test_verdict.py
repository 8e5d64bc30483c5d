from __future__ import annotations

import itertools

import pytest

from core.verdict import Outcome, Reason, decide


def r(outcome: Outcome) -> Reason:
    return Reason(f"test.{outcome.value}", "Lý do thử", outcome)


def test_no_reason_continues() -> None:
    assert decide([]) is Outcome.CONTINUE


def test_default_reason_outcome_is_reject() -> None:
    assert decide([Reason("sender.unknown", "Không rõ người gửi")]) is Outcome.REJECT


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([Outcome.CONTINUE, Outcome.HOLD], Outcome.HOLD),
        ([Outcome.HOLD, Outcome.RETRY], Outcome.RETRY),  # a down dependency beats a clerk's hold
        ([Outcome.RETRY, Outcome.REJECT], Outcome.REJECT),  # no point retrying what is refused anyway
        ([Outcome.CONTINUE, Outcome.CONTINUE], Outcome.CONTINUE),
    ],
)
def test_strongest_wins(outcomes: list[Outcome], expected: Outcome) -> None:
    assert decide([r(o) for o in outcomes]) is expected


def test_order_does_not_matter() -> None:
    order = [Outcome.CONTINUE, Outcome.HOLD, Outcome.RETRY, Outcome.REJECT]
    for n in range(1, len(order) + 1):
        for combo in itertools.permutations(order, n):
            assert decide([r(o) for o in combo]) is max(combo, key=order.index)


def test_any_iterable_of_reasons() -> None:
    assert decide(r(o) for o in (Outcome.HOLD, Outcome.CONTINUE)) is Outcome.HOLD
