"""The one rule for acting on a document (core.access)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.access import Role, User, agency_may_act, agency_may_see, deciding_agencies, may_act, may_see
from core.document import Direction, Document, ProcessingState
from core.inbound import Channel
from core.organ_id import OrganId

A, B, C = "000.00.32.H61", "000.00.33.H61", "000.00.34.H61"


def doc(direction: Direction, sender: str, *recipients: str) -> Document:
    return Document(
        "d1",
        direction,
        Channel.SMTP,
        datetime(2026, 1, 1, tzinfo=UTC),
        OrganId(sender),
        [OrganId(r) for r in recipients],
    )


def user(role: Role, organ: str = "", active: bool = True) -> User:
    return User(1, "u", role, organ, active=active)


def test_outgoing_is_decided_by_the_sender_only() -> None:
    d = doc(Direction.OUTGOING, A, B, C)
    d.state = ProcessingState.REGISTERED
    assert deciding_agencies(d) == {A}
    for role in (Role.CLERK, Role.LEADER):
        assert may_act(user(role, A), d, admins_act=False)
        assert not may_act(user(role, B), d, admins_act=True)  # a recipient sees it but does not decide
        assert may_see(user(role, B), d)
        assert not may_see(user(role, "000.00.99.H61"), d)


@pytest.mark.parametrize("state", list(ProcessingState))
def test_a_recipient_sees_only_what_was_released_to_it(state: ProcessingState) -> None:
    d = doc(Direction.OUTGOING, A, B)
    d.state = state
    released = state in (ProcessingState.REGISTERED, ProcessingState.RECALLED)
    assert may_see(user(Role.CLERK, B), d) is released and agency_may_see(B, d) is released
    assert may_see(user(Role.CLERK, A), d) and may_see(user(Role.MONITOR), d) and may_see(user(Role.ADMIN), d)
    assert not agency_may_see("", d) and not agency_may_see(C, d)
    incoming = doc(Direction.INCOMING, C, A)
    incoming.state = state
    assert agency_may_see(A, incoming)  # the receiving agency decides on an incoming one: always its own
    assert agency_may_see(C, incoming)  # and a sender always reads what it sent


def test_incoming_is_decided_by_the_receiving_agency() -> None:
    d = doc(Direction.INCOMING, C, A)
    assert deciding_agencies(d) == {A}
    assert may_act(user(Role.CLERK, A), d, admins_act=False)
    assert not may_act(user(Role.CLERK, C), d, admins_act=False)  # the sender of an incoming one does not
    assert agency_may_act(A, d) and not agency_may_act(C, d) and not agency_may_act("", d)


@pytest.mark.parametrize("admins_act", [True, False])
def test_admins_as_configured_the_monitor_never(admins_act: bool) -> None:
    d = doc(Direction.OUTGOING, A, B)
    assert may_act(user(Role.ADMIN), d, admins_act=admins_act) is admins_act
    assert not may_act(user(Role.MONITOR), d, admins_act=True)
    assert not may_act(user(Role.MONITOR, A), d, admins_act=True)  # a monitor with an organ is still a monitor


def test_a_disabled_user_never_acts() -> None:
    d = doc(Direction.OUTGOING, A, B)
    assert not may_act(user(Role.CLERK, A, active=False), d, admins_act=True)
    assert not may_act(user(Role.ADMIN, active=False), d, admins_act=True)


def test_a_document_without_sender_is_decided_by_nobody_bound() -> None:
    d = Document("d2", Direction.OUTGOING, Channel.SMTP, datetime(2026, 1, 1, tzinfo=UTC))
    assert deciding_agencies(d) == frozenset()
    assert not may_act(user(Role.CLERK, A), d, admins_act=False)
