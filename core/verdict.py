"""Pipeline vocabulary: steps collect reasons; a separate decision acts on them (Mailman style)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    CONTINUE = "continue"
    HOLD = "hold"  # a clerk decides
    REJECT = "reject"  # refused, the sender is told why
    RETRY = "retry"  # a dependency is down (e.g. clamd); run again later, never pass unchecked


_SEVERITY = {Outcome.CONTINUE: 0, Outcome.HOLD: 1, Outcome.RETRY: 2, Outcome.REJECT: 3}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # stable machine code, e.g. "signature.modified", "sender.unknown"
    message: str  # Vietnamese, shown to the sender and the clerk
    outcome: Outcome = Outcome.REJECT


@dataclass(frozen=True, slots=True)
class StepRecord:
    step: str
    outcome: Outcome
    at: datetime
    detail: str = ""  # short Vietnamese summary
    data: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


def decide(reasons: Iterable[Reason]) -> Outcome:
    """The strongest outcome wins: reject > retry > hold > continue."""
    return max((r.outcome for r in reasons), key=_SEVERITY.__getitem__, default=Outcome.CONTINUE)
